// A client connection closed while one of its calls waits to be retried: with the retry gate drained first the
// process survives and the call ends with an error; closing straight away crashes the process (see retry-gate.ts).
import { Client, Connection } from '@temporalio/client';
import { retryGate } from '../harness/retry-gate';

it('closing after drain() while a call is between retries leaves nothing to throw later', async () => {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => void uncaught.push(err);
  process.on('uncaughtException', onUncaught);
  try {
    const gate = retryGate();
    // Nothing listens on port 1: every attempt fails UNAVAILABLE, which the SDK retries after a backoff.
    const connection = Connection.lazy({ address: '127.0.0.1:1', interceptors: gate.interceptors });
    const client = new Client({ connection });
    const call = client.workflow
      .getHandle('no-such-check')
      .describe()
      .then(
        () => 'answered',
        (err: Error) => err.message,
      );
    await new Promise((r) => setTimeout(r, 300)); // the first attempt failed; a retry is scheduled
    await gate.drain();
    await connection.close();
    expect(await call).not.toBe('answered');
    await new Promise((r) => setTimeout(r, 2000)); // longer than any backoff the first attempts get
    expect(uncaught).toEqual([]);
  } finally {
    process.off('uncaughtException', onUncaught);
  }
}, 20_000);
