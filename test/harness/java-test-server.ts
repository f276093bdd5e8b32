// A time-skipping test environment on Temporal's Java test server (provisioned by scripts/java-test-server.ts),
// and a worker on it running the real check workflow with the activities a test fakes.
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { ensureJavaTestServer } from '../../scripts/java-test-server';
import type { CheckActivities } from '../../src/activities';
import { freePort } from '../../src/temporal/dev-server';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

function quietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    // already installed in this worker process
  }
}

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/**
 * Starts the Java test server through its wrapper and connects a time-skipping environment to it.
 *
 * Not `TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path' } } })`, which
 * works on a quiet machine (it runs `<wrapper> <port>`): the SDK gives the server 5 s to listen, and a JVM on a busy
 * 2-core machine took longer (measured: two starts in a row failed under load 16). So the server is started here,
 * with as long as it needs, and the environment is created on it the way createTimeSkipping does internally
 * (`create` with an existing server and time skipping on; it is private in the SDK's typings only).
 */
export async function startTimeSkipping(): Promise<TimeSkipping> {
  quietRuntime();
  const wrapper = await ensureJavaTestServer();
  const port = await freePort();
  const child = spawn(wrapper, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const stop = () => stopChild(child);
  try {
    await listening(port, child, () => stderr);
    const create = (TestWorkflowEnvironment as unknown as { create(opts: unknown): Promise<TestWorkflowEnvironment> })
      .create;
    const env = await create.call(TestWorkflowEnvironment, {
      server: { type: 'existing' },
      address: `127.0.0.1:${port}`,
      supportsTimeSkipping: true,
    });
    // The workflow upserts the project's search attributes, which the server refuses unless registered. The test
    // server implements AddSearchAttributes but not ListSearchAttributes, so ensureSearchAttributes() cannot run.
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(Object.keys(SEARCH_ATTRIBUTES).map((name) => [name, KEYWORD])),
    });
    return {
      env,
      stop: async () => {
        await env.teardown();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function listening(port: number, child: ChildProcess, stderr: () => string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Java test server exited (${child.exitCode}): ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the Java test server did not listen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A worker for one test: the bundled workflows (built once by the jest global setup) and the test's fakes. */
export async function checkWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: CheckActivities,
): Promise<Worker> {
  const bundle = process.env.WORKFLOW_BUNDLE_PATH;
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    ...(bundle
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts') }),
    activities,
  });
}
