// `npm run sandbox`: the Lever and Certn sandboxes on their own, for trying the contracts by hand or pointing a
// service you run elsewhere at them. Ports: LEVER_SANDBOX_PORT (4010), CERTN_SANDBOX_PORT (4020); host
// SANDBOX_HOST (127.0.0.1). State is in memory. Ctrl-C stops both.
import { z } from 'zod';
import { setSandboxLogLevel } from './log';
import { CertnSandbox, SEED_API_KEY as CERTN_SEED_KEY, startCertnSandbox } from './certn';
import { LeverSandbox, SEED_API_KEY as LEVER_SEED_KEY, startLeverSandbox } from './lever';

const Env = z.object({
  LEVER_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  CERTN_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(4020),
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

async function main(): Promise<void> {
  const parsed = Env.safeParse(process.env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  setSandboxLogLevel(env.LOG_LEVEL);

  let lever: LeverSandbox | undefined;
  let certn: CertnSandbox | undefined;
  const stopAll = async () => {
    await Promise.allSettled([lever?.stop(), certn?.stop()]);
  };
  try {
    lever = await startLeverSandbox({ port: env.LEVER_SANDBOX_PORT, host: env.SANDBOX_HOST });
    certn = await startCertnSandbox({ port: env.CERTN_SANDBOX_PORT, host: env.SANDBOX_HOST });
  } catch (err) {
    await stopAll();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      throw new Error(
        `A port is already in use (${e.message}). Is \`npm start\` (which runs the sandboxes too) or another ` +
          '`npm run sandbox` running? Stop it, or choose other ports with LEVER_SANDBOX_PORT / CERTN_SANDBOX_PORT.',
      );
    }
    throw err;
  }

  const out = (s = '') => process.stdout.write(s + '\n');
  out();
  out('Sandboxes are running (state in memory):');
  out(`  Lever  ${lever.url}`);
  out(`         API      ${lever.url}/v1          (Basic auth, user ${LEVER_SEED_KEY}, empty password)`);
  out(`         control  ${lever.url}/_sandbox    (no auth; see sandbox/lever/README.md)`);
  out(`  Certn  ${certn.url}`);
  out(`         API      ${certn.url}/api/public  (Authorization: Api-Key ${CERTN_SEED_KEY})`);
  out(`         control  ${certn.url}/_sandbox    (no auth; see sandbox/certn/README.md)`);
  out();
  out(`Try: curl -u ${LEVER_SEED_KEY}: ${lever.url}/v1/stages`);
  out('Press Ctrl-C to stop.');
  out();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the sandboxes...\n`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
