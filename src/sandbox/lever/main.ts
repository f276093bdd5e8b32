// Stand-alone Lever sandbox: `npx tsx src/sandbox/lever/main.ts` (LEVER_SANDBOX_PORT, default 4010; LEVER_SANDBOX_HOST).
import { startLeverSandbox } from './index';

async function main(): Promise<void> {
  const sb = await startLeverSandbox({
    port: Number(process.env.LEVER_SANDBOX_PORT ?? 4010),
    host: process.env.LEVER_SANDBOX_HOST ?? '127.0.0.1',
  });
  process.stdout.write(`Lever sandbox: API ${sb.url}/v1 (key sandbox-lever-key), control ${sb.url}/_sandbox\n`);
  const stop = () => void sb.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
