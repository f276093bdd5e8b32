// Launcher for schemathesis: starts the whole service (`src/main.ts`: Temporal dev server, sandboxes, worker, API)
// on free ports in a throw-away data directory, sets up one team the way an admin does, runs
// scripts/fuzz/schemathesis.sh against /api/openapi.json, and prints the cases per endpoint and every 5xx.
//   npx tsx scripts/fuzz/schemathesis.ts            (MAX_EXAMPLES=25: the short CI form, a few minutes)
//   MAX_EXAMPLES=500 npx tsx scripts/fuzz/schemathesis.ts   (the full form)
// Exits 1 when any 5xx was answered.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/temporal/dev-server';

const ROOT = path.resolve(__dirname, '../..');

async function startService(): Promise<{ url: string; token: string; stop: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemathesis-'));
  const token = 'st-admin-' + randomBytes(16).toString('hex');
  const apiPort = await freePort();
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    ADMIN_TOKEN: token,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    LEVER_SANDBOX_PORT: String(await freePort()),
    CERTN_SANDBOX_PORT: String(await freePort()),
    LOG_LEVEL: 'error',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service did not start in 180 s')), 180_000);
    child.once('exit', (code) => reject(new Error(`the service exited (${code})`)));
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('are running')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${apiPort}`,
    token,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** One team with a package: the second pass pins {teamId} to it, so operations on an existing team are fuzzed too. */
async function setupTeam(url: string, token: string): Promise<string> {
  const call = (method: string, p: string, body?: unknown) =>
    fetch(`${url}/api/admin${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json() as Promise<any>);
  const t = await call('POST', '/teams', {
    name: 'Fuzz',
    lever: { apiKey: 'sandbox-lever-key', triggerStageName: 'Background Check', performAsUserId: 'user-1' },
    certn: { apiKey: 'sandbox-certn-key', webhookSecret: 'fuzz-secret-' + randomBytes(8).toString('hex') },
  });
  await call('POST', `/teams/${t.id}/packages`, { name: 'Standard', checkTypes: ['CRIMINAL_RECORD_CHECK'] });
  return t.id as string;
}

interface Counts {
  total: number;
  byStatus: Map<number, number>;
}

/** Reads the cassette (YAML written by schemathesis) line by line: request method and uri, response code. */
export function countCassette(yaml: string, templates: string[]): Map<string, Counts> {
  const matchers = templates.map((t) => ({
    t,
    re: new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$'),
  }));
  const out = new Map<string, Counts>();
  let method = '';
  let uri = '';
  for (const line of yaml.split('\n')) {
    const m = /^\s+method: '?([A-Z]+)'?/.exec(line);
    if (m) method = m[1]!;
    const u = /^\s+uri: '?([^']+)'?/.exec(line);
    if (u) uri = u[1]!;
    const c = /^\s+code: '?(\d{3})'?/.exec(line);
    if (c && uri) {
      const p = new URL(uri).pathname;
      const template = matchers.find((x) => x.re.test(p))?.t ?? p;
      const key = `${method} ${template}`;
      const counts = out.get(key) ?? { total: 0, byStatus: new Map() };
      const status = Number(c[1]);
      counts.total++;
      counts.byStatus.set(status, (counts.byStatus.get(status) ?? 0) + 1);
      out.set(key, counts);
      uri = '';
    }
  }
  return out;
}

async function main(): Promise<void> {
  const service = await startService();
  const cassette = path.join(os.tmpdir(), `schemathesis-${process.pid}.yaml`);
  try {
    const teamId = await setupTeam(service.url, service.token);
    const doc = (await (await fetch(`${service.url}/api/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const script = path.join(ROOT, 'scripts/fuzz/schemathesis.sh');
    // Pass 1: every operation with generated ids (mostly 404s past validation); pass 2: {teamId} = the real team.
    let yaml = '';
    for (const [i, extra] of [[], ['--set-path', `teamId=${teamId}`]].entries()) {
      const file = `${cassette}.${i}`;
      const r = spawnSync('bash', [script, service.url, service.token, file, ...extra], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`schemathesis.sh failed (${r.status})`);
      yaml += fs.readFileSync(file, 'utf8') + '\n';
      fs.rmSync(file, { force: true });
    }
    const counts = countCassette(yaml, Object.keys(doc.paths));
    let total = 0;
    let fives = 0;
    for (const [endpoint, c] of [...counts].sort()) {
      const five = [...c.byStatus].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
      total += c.total;
      fives += five;
      const dist = [...c.byStatus]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      console.log(`schemathesis ${endpoint}: ${c.total} cases, ${five} 5xx (${dist})`);
    }
    console.log(`schemathesis total: ${total} cases, ${fives} 5xx`);
    process.exitCode = fives > 0 ? 1 : 0;
  } finally {
    await service.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
