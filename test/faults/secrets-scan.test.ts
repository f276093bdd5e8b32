// The fault suite's scan must be able to fail: an e-mail hidden in a base64 payload of a workflow history, a key in
// a log line, and a name in an API answer are each found, and named without their value.
import { findSecrets, readableHistory } from '../../bench/faults/secrets-scan';

describe('secrets and personal-data scan', () => {
  const needles: [string, string][] = [
    ['a candidate e-mail', 'ada-1234@example.com'],
    ['the Lever API key', 'sandbox-lever-key'],
    ['a candidate name', 'Ada Person1234'],
  ];

  it('finds values inside base64 payloads of a history, logs and responses, and never prints them', () => {
    const payload = Buffer.from(JSON.stringify({ email: 'ada-1234@example.com' })).toString('base64');
    const history = JSON.stringify({ events: [{ input: { payloads: [{ metadata: {}, data: payload }] } }] });
    const found = findSecrets(needles, [
      ['a history', readableHistory(history)],
      ['the logs', '{"msg":"calling Lever","key":"sandbox-lever-key"}'],
      ['the API responses', '{"name":"Ada Person1234"}'],
    ]);
    expect(found).toEqual([
      'a candidate e-mail in a history',
      'the Lever API key in the logs',
      'a candidate name in the API responses',
    ]);
    expect(found.join(' ')).not.toContain('example.com');
  });

  it('finds nothing in clean places', () => {
    expect(findSecrets(needles, [['the logs', '{"msg":"check complete","opportunityId":"o-1"}']])).toEqual([]);
  });
});
