// How the Certn sandbox signs a callback, written from contracts/certn.md rather than shared with the service, so a
// bug in the service's verifier is caught by the sandbox instead of agreed with: `X-Signature` = lowercase hex of
// HMAC-SHA256(secret, raw body).
import { createHmac } from 'node:crypto';

export function signCertnBody(secret: string, rawBody: string): string {
  return createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex');
}
