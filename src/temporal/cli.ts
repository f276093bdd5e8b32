// Finds or builds the Temporal CLI. @temporalio/testing would download the server at run time, which fails on a
// machine without internet, so the project provisions it itself: TEMPORAL_CLI, else `temporal` on PATH, else a
// copy built once with `go install` into the git-ignored .tools folder.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_BIN = path.join(PROJECT_ROOT, '.tools', 'bin');

async function works(candidate: string, args: string[] = ['--version']): Promise<boolean> {
  try {
    await execFileAsync(candidate, args, { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string, versionArgs?: string[], extraDirs: string[] = []): Promise<string | undefined> {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs]) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate) && (await works(candidate, versionArgs))) return candidate;
  }
  return undefined;
}

export class TemporalCliMissingError extends Error {}

/** Returns the path of a working Temporal CLI, building it on first use. Idempotent: later calls are instant. */
export async function ensureTemporalCli(
  log: (msg: string) => void = (m) => process.stderr.write(m + '\n'),
): Promise<string> {
  const explicit = process.env.TEMPORAL_CLI;
  if (explicit) {
    if (await works(explicit)) return explicit;
    throw new TemporalCliMissingError(`TEMPORAL_CLI=${explicit} does not run (tried "${explicit} --version").`);
  }
  const fromPath = await onPath('temporal');
  if (fromPath) return fromPath;

  const built = path.join(TOOLS_BIN, 'temporal');
  if (fs.existsSync(built) && (await works(built))) return built;

  // Go's usual install folder too, for shells whose PATH lacks it.
  const go = await onPath('go', ['version'], [path.join(process.env.GOROOT ?? '/usr/local/go', 'bin')]);
  if (!go) {
    throw new TemporalCliMissingError(
      'The Temporal CLI was not found. Install it (https://docs.temporal.io/cli) and put `temporal` on PATH, ' +
        'or set TEMPORAL_CLI to its path, or install Go so the project can build it with ' +
        `\`go install ${TEMPORAL_CLI_MODULE}\`.`,
    );
  }
  log(
    `Building the Temporal CLI once into ${TOOLS_BIN} (go install ${TEMPORAL_CLI_MODULE}); this takes a few minutes...`,
  );
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: TOOLS_BIN, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new TemporalCliMissingError(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}).`)),
    );
  });
  if (!(await works(built))) throw new TemporalCliMissingError(`Built ${built} but it does not run.`);
  log(`Temporal CLI ready: ${built}`);
  return built;
}
