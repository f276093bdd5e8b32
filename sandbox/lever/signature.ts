// How the Lever sandbox signs a webhook, written from contracts/lever.md rather than shared with the service, so a
// bug in the service's verifier is caught by the sandbox instead of agreed with:
// hex(HMAC-SHA256(key = the webhook's signature token, message = token + triggeredAt)).
import { createHmac } from 'node:crypto';

export function signLeverDelivery(signatureToken: string, token: string, triggeredAt: number): string {
  return createHmac('sha256', signatureToken).update(`${token}${triggeredAt}`).digest('hex');
}
