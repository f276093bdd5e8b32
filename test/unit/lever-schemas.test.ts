// Unit tests of the Lever zod schemas: every plausible variant of the contract's open shapes is accepted.
import {
  LeverFile,
  LeverNote,
  LeverWebhookBody,
  noteValueOf,
  Opportunity,
  StageChangeData,
  stageIdOf,
} from '../../src/lever/schemas';

describe('lever schemas', () => {
  const sig = 'a'.repeat(64);

  it('parses the contract webhook body and stage-change data', () => {
    const body = LeverWebhookBody.parse({
      triggeredAt: 1431454330072,
      event: 'candidateStageChange',
      data: { opportunityId: 'o1', candidateId: 'o1', contactId: 'c1', toStageId: 's2', fromStageId: null },
      signature: sig,
      token: 't'.repeat(48),
    });
    const data = StageChangeData.parse(body.data);
    expect(data).toEqual({
      opportunityId: 'o1',
      candidateId: 'o1',
      contactId: 'c1',
      toStageId: 's2',
      fromStageId: null,
    });
    expect(StageChangeData.parse({ opportunityId: 'o1', toStageId: 's2' }).fromStageId).toBeUndefined();
  });

  it('rejects bad webhook bodies', () => {
    const ok = { triggeredAt: 1, event: 'e', data: {}, signature: sig, token: 't' };
    expect(LeverWebhookBody.safeParse(ok).success).toBe(true);
    expect(LeverWebhookBody.safeParse({ ...ok, triggeredAt: '1' }).success).toBe(false);
    expect(LeverWebhookBody.safeParse({ ...ok, signature: 'abc' }).success).toBe(false);
    expect(LeverWebhookBody.safeParse({ ...ok, signature: 'g'.repeat(64) }).success).toBe(false);
    expect(LeverWebhookBody.safeParse({ ...ok, data: null }).success).toBe(false);
    expect(LeverWebhookBody.safeParse({ ...ok, token: undefined }).success).toBe(false);
    expect(StageChangeData.safeParse({ toStageId: 's' }).success).toBe(false);
  });

  it('tolerates plausible opportunity variants and keeps unknown fields', () => {
    const o = Opportunity.parse({
      id: 'o1',
      name: null,
      contact: { id: 'c1', name: 'x' },
      emails: null,
      tags: ['a', 3],
      stage: { id: 's1', text: 'Phone screen' },
      stageChanges: [
        { toStageId: 's1', updatedAt: '2024-01-02T03:04:05.000Z' },
        { toStageId: 's0', toStageIndex: 0, userId: null, updatedAt: 5 },
      ],
      archivedAt: null,
      extra: { keep: true },
    });
    expect(o.name).toBe('');
    expect(o.contact).toBe('c1');
    expect(o.emails).toEqual([]);
    expect(o.tags).toEqual(['a']);
    expect(o.archived).toBeNull();
    expect(o.stageChanges[0]!.updatedAt).toBe(Date.parse('2024-01-02T03:04:05.000Z'));
    expect(stageIdOf(o)).toBe('s1');
    expect((o as Record<string, unknown>).extra).toEqual({ keep: true });
    expect(stageIdOf(Opportunity.parse({ id: 'o', contact: 'c', stage: 's9' }))).toBe('s9');
    expect(Opportunity.safeParse({ id: 'o', contact: 'c' }).success).toBe(false); // stage is required
  });

  it('reads note text from fields[].value, value or text', () => {
    expect(
      noteValueOf(LeverNote.parse({ id: 'n', text: '', fields: [{ type: 'note', text: 'Note', value: 'hello' }] })),
    ).toBe('hello');
    expect(noteValueOf(LeverNote.parse({ id: 'n', value: 'flat' }))).toBe('flat');
    expect(noteValueOf(LeverNote.parse({ id: 'n', text: 'title only' }))).toBe('title only');
  });

  it('parses files', () => {
    const f = LeverFile.parse({
      id: 'f',
      downloadUrl: 'u',
      ext: null,
      name: 'r.pdf',
      uploadedAt: 1,
      status: 'processing',
      size: 3,
    });
    expect(f.ext).toBe('');
    expect(LeverFile.safeParse({ id: 'f', name: 'r.pdf' }).success).toBe(false);
  });
});
