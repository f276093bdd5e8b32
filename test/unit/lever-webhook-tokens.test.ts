// Which Lever signature token verifies which event: each acted-on event only with its own webhook's token (no
// fallback either way), the ping and other events with any of the team's tokens, an unset token named.
import { createHmac } from 'node:crypto';
import { verifyLeverDelivery } from '../../src/api/lever-webhook-tokens';

const STAGE = 'stage-token-0000000000000000000000000000000000000000';
const ARCHIVE = 'archive-token-00000000000000000000000000000000000000';
const DELETED = 'deleted-token-00000000000000000000000000000000000000';
const all = { signatureToken: STAGE, archiveSignatureToken: ARCHIVE, deletedSignatureToken: DELETED };

const signedWith = (key: string) => {
  const token = 'tok-' + key.slice(0, 6);
  const triggeredAt = 1_700_000_000_000;
  return { token, triggeredAt, signature: createHmac('sha256', key).update(`${token}${triggeredAt}`).digest('hex') };
};

describe('verifyLeverDelivery', () => {
  it('verifies each acted-on event with its own token only', () => {
    const cases: [string, string][] = [
      ['candidateStageChange', STAGE],
      ['candidateArchiveChange', ARCHIVE],
      ['candidateDeleted', DELETED],
    ];
    for (const [event, own] of cases) {
      for (const key of [STAGE, ARCHIVE, DELETED]) {
        expect([event, key, verifyLeverDelivery(all, event, signedWith(key)).outcome]).toEqual([
          event,
          key,
          key === own ? 'verified' : 'invalid_signature',
        ]);
      }
    }
  });

  it('names the setting when the event’s own token is not set, without trying the others', () => {
    const onlyStage = { signatureToken: STAGE, archiveSignatureToken: null, deletedSignatureToken: null };
    expect(verifyLeverDelivery(onlyStage, 'candidateDeleted', signedWith(STAGE))).toEqual({
      outcome: 'token_not_set',
      field: 'lever.deletedSignatureToken',
    });
    expect(verifyLeverDelivery(onlyStage, 'candidateArchiveChange', signedWith(STAGE))).toEqual({
      outcome: 'token_not_set',
      field: 'lever.archiveSignatureToken',
    });
    const onlyDeleted = { signatureToken: null, archiveSignatureToken: null, deletedSignatureToken: DELETED };
    expect(verifyLeverDelivery(onlyDeleted, 'candidateStageChange', signedWith(DELETED))).toEqual({
      outcome: 'token_not_set',
      field: 'lever.signatureToken',
    });
  });

  it('verifies the ping, other events and a missing event with any of the team’s tokens', () => {
    for (const event of ['candidateHired', 'applicationCreated', undefined, 42, 'constructor', 'hasOwnProperty']) {
      for (const key of [STAGE, ARCHIVE, DELETED]) {
        expect(verifyLeverDelivery(all, event, signedWith(key)).outcome).toBe('verified');
      }
      expect(verifyLeverDelivery(all, event, signedWith('not-a-team-token')).outcome).toBe('invalid_signature');
    }
    const none = { signatureToken: null, archiveSignatureToken: null, deletedSignatureToken: null };
    expect(verifyLeverDelivery(none, 'candidateHired', signedWith(STAGE))).toEqual({
      outcome: 'invalid_signature',
      tokensSet: 0,
    });
  });
});
