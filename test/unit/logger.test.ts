// The logger's error fields: what an operator reads when a call fails (the wrapped cause and its code), with
// secrets still masked at every level.
import { createLogger, setLogSink } from '../../src/logger';

describe('logger', () => {
  const lines: string[] = [];
  beforeAll(() => setLogSink((l) => lines.push(l)));
  afterAll(() => setLogSink((l) => process.stdout.write(l + '\n')));

  it('logs an error with its code and its cause, the way the Temporal SDK wraps a gRPC failure', () => {
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    const wrapped = new Error('Failed to signalWithStart Workflow', { cause: grpc });
    wrapped.name = 'ServiceError';
    createLogger('test').error('hand-over failed', { err: wrapped });
    const entry = JSON.parse(lines.at(-1)!);
    expect(entry.err).toEqual({
      name: 'ServiceError',
      message: 'Failed to signalWithStart Workflow',
      cause: { name: 'Error', message: '14 UNAVAILABLE: No connection established', code: 14 },
    });
  });

  it('still masks secret-named fields inside a cause, and stops at a cycle', () => {
    const cause = Object.assign(new Error('boom'), { code: 'ECONNRESET' }) as Error & { cause?: unknown };
    const outer = new Error('outer', { cause: { apiKey: 'k-123', detail: cause } });
    cause.cause = outer; // a cycle: the depth limit ends it
    createLogger('test').warn('failed', { err: outer });
    const line = lines.at(-1)!;
    expect(line).not.toContain('k-123');
    expect(JSON.parse(line).err.cause).toMatchObject({ apiKey: '[redacted]', detail: { code: 'ECONNRESET' } });
  });
});
