// Which of a team's Lever signature tokens may verify a delivery. Lever gives every webhook its own token and signs
// only `token + triggeredAt` (not `event`), so an event the service acts on verifies with its own webhook's token
// only: with a fallback, a captured stage-change delivery re-labelled as a delete would cancel a check. Events acted
// on by nothing (the "verify connection" ping each webhook sends; any other, or no, `event`) verify with any of the
// team's tokens.
import { verifyLeverSignature } from '../lever/signature';
import { LeverHookTokens } from '../settings/store';

/** The token setting of each event the service acts on. */
export const TOKEN_OF_EVENT: Readonly<Record<string, keyof LeverHookTokens>> = {
  candidateStageChange: 'signatureToken',
  candidateArchiveChange: 'archiveSignatureToken',
  candidateDeleted: 'deletedSignatureToken',
};

export type LeverVerification =
  | { outcome: 'verified' }
  | { outcome: 'invalid_signature'; tokensSet: number }
  /** The event's own token is not configured: `field` names the setting (e.g. `lever.deletedSignatureToken`). */
  | { outcome: 'token_not_set'; field: string };

export function verifyLeverDelivery(
  tokens: LeverHookTokens,
  event: unknown,
  signed: { token: string; triggeredAt: number; signature: string },
): LeverVerification {
  const own = typeof event === 'string' && Object.hasOwn(TOKEN_OF_EVENT, event) ? TOKEN_OF_EVENT[event] : undefined;
  if (own !== undefined) {
    const token = tokens[own];
    if (!token) return { outcome: 'token_not_set', field: `lever.${own}` };
    return verifyLeverSignature(token, signed)
      ? { outcome: 'verified' }
      : { outcome: 'invalid_signature', tokensSet: 1 };
  }
  const set = Object.values(tokens).filter((t): t is string => Boolean(t));
  // Every token is tried (no early exit), so the time taken does not say which one matched.
  const matches = set.map((t) => verifyLeverSignature(t, signed)).filter(Boolean).length;
  return matches > 0 ? { outcome: 'verified' } : { outcome: 'invalid_signature', tokensSet: set.length };
}
