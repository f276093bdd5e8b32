// The engine's ceiling for figure 7: n bare workflows (bench/bare/workflows.ts) started at once on the given dev
// server with a worker in this process, and how fast they all closed, with the CPU it took.
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { DevServer } from '../../src/temporal/dev-server';
import { cpuMeter, PhaseCpu } from '../phase-cpu';
import { quietBundlerLogger } from '../setup';
import { mapLimit } from '../stats';
import { BareInput } from './workflows';

export interface BareRun {
  perSecond: number;
  cpu: PhaseCpu;
  events: number;
}

/** Starts `n` bare workflows of this shape at once (64 starts in flight) and waits for all to close. */
export async function bareWorkflowsPerSecond(server: DevServer, n: number, shape: BareInput): Promise<BareRun> {
  const address = server.address;
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, 'workflows.ts'),
    logger: quietBundlerLogger,
  });
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `bench-bare-${randomUUID()}`;
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { code },
    activities: { noop: async () => undefined },
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  try {
    const t0 = Date.now();
    const meter = cpuMeter(server.process.pid!);
    const handles = await mapLimit(
      Array.from({ length: n }, (_, i) => i),
      64,
      async () => {
        const h = await client.workflow.start('bareCheck', {
          workflowId: `bare-${randomUUID()}`,
          taskQueue,
          args: [shape],
        });
        return h;
      },
    );
    await Promise.all(handles.map((h) => h.result()));
    const cpu = meter();
    const perSecond = (n / (Date.now() - t0)) * 1000;
    const events = (await handles[0]!.fetchHistory()).events?.length ?? 0;
    return { perSecond, cpu, events };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await clientConnection.close();
  }
}
