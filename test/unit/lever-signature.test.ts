// Unit tests of Lever's webhook signature: HMAC-SHA256(token + triggeredAt) with the signature token.
import { createHmac } from 'node:crypto';
import { leverSignature, verifyLeverSignature } from '../../src/lever/signature';

// Independent reference: HMAC-SHA256(key = signature token, message = token + triggeredAt), hex.
const reference = (key: string, token: string, triggeredAt: number) =>
  createHmac('sha256', key).update(`${token}${triggeredAt}`).digest('hex');

describe('lever webhook signature', () => {
  const key = 'sigtoken-AbC123sigtoken-AbC123sigtoken-AbC123xyz';
  const token = 'd9f0e1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2';
  const triggeredAt = 1431454330072;

  it('matches an independently computed HMAC', () => {
    expect(leverSignature(key, token, triggeredAt)).toBe(reference(key, token, triggeredAt));
    expect(leverSignature(key, token, triggeredAt)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('verifies a good signature, including upper-case hex', () => {
    const signature = reference(key, token, triggeredAt);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature })).toBe(true);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature: signature.toUpperCase() })).toBe(true);
  });

  it('rejects wrong key, token, timestamp and tampered signatures', () => {
    const signature = reference(key, token, triggeredAt);
    expect(verifyLeverSignature(key + 'x', { token, triggeredAt, signature })).toBe(false);
    expect(verifyLeverSignature(key, { token: token + 'x', triggeredAt, signature })).toBe(false);
    expect(verifyLeverSignature(key, { token, triggeredAt: triggeredAt + 1, signature })).toBe(false);
    const flipped = (signature[0] === 'a' ? 'b' : 'a') + signature.slice(1);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature: flipped })).toBe(false);
  });

  it('returns false (never throws) on bad length, non-hex or wrong types', () => {
    const signature = reference(key, token, triggeredAt);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature: signature.slice(0, 62) })).toBe(false);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature: signature + '00' })).toBe(false);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature: 'z'.repeat(64) })).toBe(false);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature: '' })).toBe(false);
    expect(verifyLeverSignature(key, { token, triggeredAt: String(triggeredAt) as unknown as number, signature })).toBe(
      false,
    );
    expect(verifyLeverSignature(key, { token: undefined as unknown as string, triggeredAt, signature })).toBe(false);
    expect(verifyLeverSignature('', { token, triggeredAt, signature })).toBe(false);
    expect(verifyLeverSignature(key, { token, triggeredAt, signature: 42 as unknown as string })).toBe(false);
  });
});
