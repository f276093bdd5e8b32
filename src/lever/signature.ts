// Lever webhook signatures: hex(HMAC-SHA256(key = the webhook's signature token, message = token + triggeredAt)).
// The signature does not cover `data` (see contracts/lever.md): callers must also dedupe tokens, bound
// triggeredAt and confirm the data from the API.
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEX64 = /^[0-9a-fA-F]{64}$/;

export function leverSignature(signatureToken: string, token: string, triggeredAt: number): string {
  return createHmac('sha256', signatureToken)
    .update(token + String(triggeredAt))
    .digest('hex');
}

/** Constant-time check; false (never a throw) for a malformed signature, token or timestamp. */
export function verifyLeverSignature(
  signatureToken: string,
  body: { token: string; triggeredAt: number; signature: string },
): boolean {
  if (typeof signatureToken !== 'string' || signatureToken.length === 0) return false;
  if (!body || typeof body.token !== 'string' || body.token.length === 0) return false;
  if (typeof body.triggeredAt !== 'number' || !Number.isFinite(body.triggeredAt)) return false;
  if (typeof body.signature !== 'string' || !HEX64.test(body.signature)) return false;
  const expected = Buffer.from(leverSignature(signatureToken, body.token, body.triggeredAt), 'hex');
  const given = Buffer.from(body.signature, 'hex');
  if (given.length !== expected.length) return false;
  return timingSafeEqual(expected, given);
}
