// Unit tests of Certn's webhook signature (HMAC-SHA256 of the raw body, hex) and its constant-time check.
import { createHmac } from 'node:crypto';
import { certnSignature, verifyCertnSignature } from '../../src/certn/signature';

describe('certn signature', () => {
  const secret = 'whsec-test';
  const body = '{"id":"e1","event_type":"CASE_STATUS_CHANGED","object_id":"c1","object_type":"CASE"}';
  const independent = createHmac('sha256', secret).update(body).digest('hex');

  it('is the lowercase hex HMAC-SHA256 of the raw body', () => {
    expect(certnSignature(secret, body)).toBe(independent);
    expect(certnSignature(secret, Buffer.from(body))).toBe(independent);
    expect(certnSignature(secret, body)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies a good signature, also in upper case and with surrounding spaces', () => {
    expect(verifyCertnSignature(secret, body, independent)).toBe(true);
    expect(verifyCertnSignature(secret, body, independent.toUpperCase())).toBe(true);
    expect(verifyCertnSignature(secret, new TextEncoder().encode(body), ` ${independent} `)).toBe(true);
  });

  it('rejects wrong, missing, malformed signatures and changed bodies', () => {
    expect(verifyCertnSignature(secret, body, undefined)).toBe(false);
    expect(verifyCertnSignature(secret, body, '')).toBe(false);
    expect(verifyCertnSignature(secret, body, independent.slice(0, 63))).toBe(false);
    expect(verifyCertnSignature(secret, body, 'zz' + independent.slice(2))).toBe(false);
    expect(verifyCertnSignature('other-secret', body, independent)).toBe(false);
    expect(verifyCertnSignature(secret, body + ' ', independent)).toBe(false);
    expect(verifyCertnSignature('', body, independent)).toBe(false);
    const flipped = (independent[0] === 'a' ? 'b' : 'a') + independent.slice(1);
    expect(verifyCertnSignature(secret, body, flipped)).toBe(false);
  });
});
