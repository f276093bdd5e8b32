// Operations of the Lever sandbox on its state, shared by the public API and the control routes: finding, creating,
// moving, tagging and rendering opportunities (in Lever's shapes), files and notes.
import type { LeverContext } from './context';
import { newId, OpportunityRec, StageRec } from './state';

export type LeverModel = ReturnType<typeof createLeverModel>;

export function createLeverModel(ctx: LeverContext) {
  const { state, dispatcher, now } = ctx;

  const stageById = (id: string): StageRec | undefined => state.stages.find((s) => s.id === id);

  function findOpp(id: string): OpportunityRec | undefined {
    const o = state.opportunities.get(id);
    return o && !o.deleted ? o : undefined;
  }

  function renderOpp(o: OpportunityRec, expandStage = false): Record<string, unknown> {
    const stage = stageById(o.stage);
    return {
      id: o.id,
      name: o.name,
      headline: '',
      contact: o.contact,
      emails: [...o.emails],
      phones: [],
      confidentiality: o.confidentiality,
      location: '',
      links: [...(state.contacts.get(o.contact)?.links ?? [])],
      archived: o.archived ? { ...o.archived } : null,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      lastInteractionAt: o.updatedAt,
      lastAdvancedAt: o.stageChanges.at(-1)?.updatedAt ?? o.createdAt,
      snoozedUntil: null,
      urls: { list: '', show: '' },
      isAnonymized: false,
      dataProtection: null,
      stage: expandStage ? { id: o.stage, text: stage?.text ?? '' } : o.stage,
      stageChanges: o.stageChanges.map((c) => ({ ...c })),
      owner: null,
      followers: [],
      tags: [...o.tags],
      sources: [],
      origin: 'sourced',
      sourcedBy: null,
      applications: o.postingId ? [`application-${o.id}`] : [],
    };
  }

  function changeTags(o: OpportunityRec, action: 'add' | 'remove', tags: string[], via: 'api' | 'control'): void {
    for (const tag of tags) {
      const has = o.tags.includes(tag);
      const changed = action === 'add' ? !has : has;
      if (changed) o.tags = action === 'add' ? [...o.tags, tag] : o.tags.filter((t) => t !== tag);
      state.tagEvents.push({
        seq: state.tagEvents.length + 1,
        at: now(),
        opportunityId: o.id,
        action,
        tag,
        changed,
        via,
      });
    }
    o.updatedAt = now();
  }

  function changeLinks(o: OpportunityRec, action: 'add' | 'remove', links: string[]): void {
    let contact = state.contacts.get(o.contact);
    if (!contact) {
      contact = { id: o.contact, links: [] };
      state.contacts.set(contact.id, contact);
    }
    for (const link of links) {
      const has = contact.links.includes(link);
      if (action === 'add' && !has) contact.links.push(link);
      if (action === 'remove' && has) contact.links = contact.links.filter((l) => l !== link);
    }
    o.updatedAt = now();
  }

  /** Moves the opportunity and fires candidateStageChange. Moving into the current stage is a no-op. */
  /** Test knobs: `at` back-dates the stageChanges entry (a move made long ago); `notify: false` sends no webhook. */
  function moveOpp(
    o: OpportunityRec,
    toStageId: string,
    userId: string | null,
    opts: { at?: number; notify?: boolean } = {},
  ) {
    const from = o.stage;
    if (from === toStageId) return { moved: false, deliveries: [] as string[] };
    o.stage = toStageId;
    o.updatedAt = now();
    o.stageChanges.push({
      toStageId,
      toStageIndex: state.stages.findIndex((s) => s.id === toStageId),
      userId,
      updatedAt: opts.at ?? o.updatedAt,
    });
    if (opts.notify === false) return { moved: true, deliveries: [] as string[] };
    const deliveries = dispatcher.emit(
      'candidateStageChange',
      { opportunityId: o.id, candidateId: o.id, contactId: o.contact, toStageId, fromStageId: from },
      o.id,
    );
    return { moved: true, deliveries: deliveries.map((d) => d.id) };
  }

  function createOpp(input: {
    name: string;
    emails?: string[];
    tags?: string[];
    postingId?: string;
    stageId?: string;
    contactId?: string;
  }): OpportunityRec {
    const contactId = input.contactId ?? newId();
    if (!state.contacts.has(contactId)) state.contacts.set(contactId, { id: contactId, links: [] });
    const stageId = input.stageId ?? state.stages[0]?.id ?? 'lead-new';
    const t = now();
    const o: OpportunityRec = {
      id: newId(),
      name: input.name,
      contact: contactId,
      emails: [...(input.emails ?? [])],
      tags: [],
      stage: stageId,
      stageChanges: [
        {
          toStageId: stageId,
          toStageIndex: state.stages.findIndex((s) => s.id === stageId),
          userId: state.users[0] ?? null,
          updatedAt: t,
        },
      ],
      archived: null,
      confidentiality: 'non-confidential',
      postingId: input.postingId ?? null,
      createdAt: t,
      updatedAt: t,
      deleted: false,
    };
    const posting = input.postingId ? state.postings.get(input.postingId) : undefined;
    o.tags = [...new Set([...(posting?.tags ?? []), ...(input.tags ?? [])])];
    state.opportunities.set(o.id, o);
    return o;
  }

  function renderFile(f: (typeof state.files)[number], base: string) {
    return {
      id: f.id,
      downloadUrl: `${base}/v1/opportunities/${f.opportunityId}/files/${f.id}/download`,
      ext: f.ext,
      name: f.name,
      uploadedAt: f.uploadedAt,
      status: f.status,
      size: f.size,
    };
  }

  function renderNote(n: (typeof state.notes)[number]) {
    // Real Lever puts the note text in fields[].value.
    return {
      id: n.id,
      text: '',
      fields: [{ type: 'note', text: 'Note', value: n.value }],
      user: n.user,
      secret: n.secret,
      completedAt: n.createdAt,
      createdAt: n.createdAt,
      deletedAt: null,
    };
  }

  return { stageById, findOpp, renderOpp, changeTags, changeLinks, moveOpp, createOpp, renderFile, renderNote };
}
