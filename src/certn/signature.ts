// Certn webhook signature: header `X-Signature` = HMAC-SHA256(secret, raw body).
// Hex encoding is unconfirmed (contracts/certn.md): we emit lowercase hex and accept either case.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function certnSignature(secret: string, rawBody: string | Uint8Array): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export function verifyCertnSignature(
  secret: string,
  rawBody: string | Uint8Array,
  header: string | undefined,
): boolean {
  if (!secret || typeof header !== 'string') return false;
  const given = header.trim();
  if (!HEX_SHA256.test(given)) return false;
  const expected = Buffer.from(certnSignature(secret, rawBody), 'hex');
  const actual = Buffer.from(given, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
