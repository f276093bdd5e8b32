// Which Temporal errors the webhooks answer 503 (retry later) rather than 500: a busy workflow or a rate limit under
// load (RESOURCE_EXHAUSTED) is as passing as an outage; a bad request is not.
import { isTemporalUnavailable } from '../../src/api/check-gateway';

const grpc = (code: number, message = 'x') => Object.assign(new Error(message), { code });

describe('isTemporalUnavailable', () => {
  it.each([
    ['UNAVAILABLE', grpc(14)],
    ['DEADLINE_EXCEEDED', grpc(4)],
    ['RESOURCE_EXHAUSTED (busy workflow)', grpc(8, '8 RESOURCE_EXHAUSTED: Workflow is busy.')],
    ['ABORTED', grpc(10)],
    // Seen under load in the many-teams benchmark: the signalWithStart came back "1 CANCELLED: Call cancelled".
    [
      'CANCELLED, wrapped as the SDK does',
      Object.assign(new Error('Failed to signalWithStart Workflow'), { cause: grpc(1, '1 CANCELLED: Call cancelled') }),
    ],
    ['wrapped in a cause', Object.assign(new Error('Unexpected error while making gRPC request'), { cause: grpc(8) })],
    ['by message only', new Error('14 UNAVAILABLE: No connection established')],
  ])('%s → unavailable', (_name, err) => {
    expect(isTemporalUnavailable(err)).toBe(true);
  });

  it.each([
    ['INVALID_ARGUMENT', grpc(3, '3 INVALID_ARGUMENT: WorkflowId length exceeds limit.')],
    ['PERMISSION_DENIED', grpc(7)],
    ['a plain error', new Error('boom')],
    ['not an error', 'nope'],
  ])('%s → not unavailable', (_name, err) => {
    expect(isTemporalUnavailable(err)).toBe(false);
  });
});
