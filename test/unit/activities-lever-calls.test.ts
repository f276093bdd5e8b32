// Counts the Lever calls each Lever-writing activity makes (issue 12: fewer Lever calls): a tag swap without reading
// the opportunity, files and notes listed only when they may already exist, and only links that were added removed.
// One piece under test (the activities) over a fake transport; the store is a two-method stand-in.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, REPORT_FILE_PREFIX } from '../../src/activities';
import { ReportLinks } from '../../src/activities/report-links';
import type { SettingsStore, TeamConfig, TeamSecrets } from '../../src/settings/store';
import { ALL_STATUS_TAGS } from '../../src/workflows/status';

const LEVER = 'https://lever.test/v1';
const CERTN = 'https://certn.test';
const OPP = 'opp-1';
const CASE = 'case-1';

const config = {
  id: 't1',
  lever: { performAsUserId: 'user-1', triggerStageId: 'stage-bg' },
  packages: [],
  defaultPackageId: null,
} as unknown as TeamConfig;
const secrets: TeamSecrets = {
  lever: { apiKey: 'lever-key-0123', signatureToken: 'tok', archiveSignatureToken: null, deletedSignatureToken: null },
  certn: { apiKey: 'certn-key-0123', webhookSecret: 'sec' },
};
const store = {
  getTeamConfig: async () => config,
  getTeamSecrets: async () => secrets,
  // What stage confirmation and ordering ask: no earlier intent or case; a new intent is created and resolved.
  findCaseOrderedBy: async () => null,
  findOpenOrderIntent: async () => null,
  findCaseForOpportunity: async () => null,
  createOrderIntent: async () => ({ id: 'intent-1' }),
  resolveOrderIntent: async () => undefined,
} as unknown as SettingsStore;

type Call = { method: string; path: string; body: unknown };

/** Lever and Certn behind one fake fetch; `files`/`notes` is what Lever already holds. */
function world(
  opts: {
    tags?: string[];
    files?: Array<{ id: string; name: string }>;
    notes?: Array<{ id: string; value: string }>;
    pdfBytes?: number;
  } = {},
) {
  const lever: Call[] = [];
  const certn: Call[] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fileOf = (id: string, name: string) => ({
    id,
    name,
    downloadUrl: 'https://x',
    ext: 'pdf',
    uploadedAt: 1,
    status: 'processed',
    size: 10,
  });
  const fetchImpl = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body;
    if (url.href.startsWith(LEVER)) {
      const path = url.pathname.slice('/v1'.length);
      lever.push({ method, path, body });
      if (method === 'GET' && path === `/opportunities/${OPP}`) {
        const data = { id: OPP, emails: ['ada@example.com'], tags: opts.tags ?? [], stage: 'stage-bg', archived: null };
        return json(200, { data });
      }
      if (method === 'GET' && path.endsWith('/files'))
        return json(200, { data: (opts.files ?? []).map((f) => fileOf(f.id, f.name)), hasNext: false });
      if (method === 'GET' && path.endsWith('/notes')) return json(200, { data: opts.notes ?? [], hasNext: false });
      if (path.endsWith('/files')) return json(201, { data: fileOf('file-new', 'x.pdf') });
      if (path.endsWith('/notes')) return json(201, { data: { noteId: 'note-new' } });
      return new Response(null, { status: 204 }); // tags, links: the body is undocumented
    }
    certn.push({ method, path: url.pathname, body });
    if (url.pathname === '/api/public/cases/order/') {
      const at = new Date().toISOString();
      const c = {
        id: CASE,
        email_address: 'ada@example.com',
        overall_status: 'CASE_ORDERED',
        created: at,
        modified: at,
      };
      return json(201, { ...c, checks: [{ id: 'k1', check_type: 'CRIMINAL_RECORD_CHECK', status: 'PENDING' }] });
    }
    if (url.pathname.endsWith('/generate-report/')) return json(201, { id: 'rf-1', status: 'PENDING', pdf_url: null });
    if (url.pathname.includes('/report-files/'))
      return json(200, { id: 'rf-1', status: 'COMPLETE', pdf_url: `${CERTN}/files/r.pdf?sig=s` });
    if (url.pathname === '/files/r.pdf') {
      const headers = opts.pdfBytes ? { 'content-length': String(opts.pdfBytes) } : undefined;
      return new Response(Buffer.from('%PDF-1.7 report'), { status: 200, ...(headers ? { headers } : {}) });
    }
    return json(404, { type: 'client_error', errors: [] });
  }) as typeof fetch;
  const activities = createActivities({
    store,
    leverBaseUrl: LEVER,
    certnBaseUrl: CERTN,
    leverBudget: { acquire: async () => undefined, penalize: () => undefined },
    fetchImpl,
    reportLinks: new ReportLinks('https://svc.test', Buffer.alloc(32, 1)),
    reportPollMs: 1,
  });
  return { lever, certn, activities };
}

const attempt = (n: number) => new MockActivityEnvironment({ attempt: n });
const summary = { caseId: CASE, packageName: 'Standard', outcome: 'completed', certnStatus: 'COMPLETE' };

describe('setStatusTag', () => {
  it('the first tag of a candidate the run saw without one is a single add', async () => {
    const w = world();
    await attempt(1).run(w.activities.setStatusTag, 't1', OPP, 'Pending' as const, null, { firstTag: true });
    expect(w.lever.map((c) => `${c.method} ${c.path}`)).toEqual([`POST /opportunities/${OPP}/addTags`]);
    expect(w.lever[0]!.body).toEqual({ tags: ['CERTN - Pending'] });
  });

  it('swaps the tag in two calls without reading the opportunity: every other status tag removed, then the new one added', async () => {
    const w = world();
    await attempt(1).run(w.activities.setStatusTag, 't1', OPP, 'Analyzing' as const);
    expect(w.lever.map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST /opportunities/${OPP}/removeTags`,
      `POST /opportunities/${OPP}/addTags`,
    ]);
    const removed = (w.lever[0]!.body as { tags: string[] }).tags;
    const all = new Set(ALL_STATUS_TAGS);
    expect(new Set(removed)).toEqual(new Set([...all].filter((t) => t !== 'CERTN - Analyzing')));
    expect(w.lever[1]!.body).toEqual({ tags: ['CERTN - Analyzing'] });
    expect(w.lever.every((c) => !c.path.endsWith(OPP))).toBe(true); // no GET /opportunities/:id
  });
});

describe('one read of the opportunity serves the stage confirmation, the first tag and the order', () => {
  const order = { teamId: 't1', opportunityId: OPP, workflowId: 'wf-1', checkTypes: ['CRIMINAL_RECORD_CHECK'] };
  const confirm = { requireTriggerStage: true, triggeredAt: Date.now() };

  it('a fresh candidate: one GET, then the Pending tag in one add, then the order with the e-mail that GET read', async () => {
    const w = world();
    const facts = await attempt(1).run(w.activities.inspectOpportunity, 't1', OPP, confirm);
    expect(facts).toMatchObject({ inTriggerStage: true, hasEmail: true, hasStatusTag: false });
    expect(JSON.stringify(facts)).not.toContain('ada@'); // the decision, never the address
    await attempt(1).run(w.activities.setStatusTag, 't1', OPP, 'Pending' as const, null, { firstTag: true });
    expect(await attempt(1).run(w.activities.orderCase, order)).toEqual({ caseId: CASE });
    expect(w.lever.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /opportunities/${OPP}`,
      `POST /opportunities/${OPP}/addTags`,
    ]);
    expect(w.certn.find((c) => c.path === '/api/public/cases/order/')?.body).toMatchObject({
      email_address: 'ada@example.com',
    });
  });

  it('an order without that read just before it (another worker, a retry) reads the opportunity itself', async () => {
    const w = world();
    await attempt(1).run(w.activities.inspectOpportunity, 't1', OPP, confirm);
    await attempt(1).run(w.activities.orderCase, order);
    await attempt(2).run(w.activities.orderCase, order); // the memo was used once: this one reads
    expect(w.lever.filter((c) => c.method === 'GET').length).toBe(2);
  });

  it('a candidate already showing a status tag: the facts say so, and the swap removes the others', async () => {
    const w = world({ tags: ['CERTN - Error (No Email)', 'Engineering'] });
    const facts = await attempt(1).run(w.activities.inspectOpportunity, 't1', OPP, confirm);
    expect(facts).toMatchObject({ hasStatusTag: true });
  });
});

describe('setReportLink', () => {
  it('an interim link is only added', async () => {
    const w = world();
    await attempt(1).run(w.activities.setReportLink, 't1', OPP, CASE, 'interim' as const);
    expect(w.lever.map((c) => c.path)).toEqual([`/opportunities/${OPP}/addLinks`]);
  });
  it('the final link removes the interim one only when one was added', async () => {
    const none = world();
    await attempt(1).run(none.activities.setReportLink, 't1', OPP, CASE, 'final' as const, { interimAdded: false });
    expect(none.lever.map((c) => c.path)).toEqual([`/opportunities/${OPP}/addLinks`]);
    const some = world();
    await attempt(1).run(some.activities.setReportLink, 't1', OPP, CASE, 'final' as const, { interimAdded: true });
    expect(some.lever.map((c) => c.path)).toEqual([
      `/opportunities/${OPP}/addLinks`,
      `/opportunities/${OPP}/removeLinks`,
    ]);
    expect(JSON.stringify(some.lever[1]!.body)).toContain('/interim?sig=');
  });
});

describe('attachReportPdf', () => {
  it('a fresh run (mayExist false, first attempt) uploads without listing files: one Lever call', async () => {
    const w = world();
    const r = await attempt(1).run(w.activities.attachReportPdf, 't1', OPP, CASE, { mayExist: false });
    expect(r).toEqual({ fileId: 'file-new' });
    expect(w.lever.map((c) => `${c.method} ${c.path}`)).toEqual([`POST /opportunities/${OPP}/files`]);
  });

  it('a retry lists the files first, before generating any report, and stops there when the file is attached', async () => {
    const w = world({ files: [{ id: 'file-old', name: `${REPORT_FILE_PREFIX}${CASE}.pdf` }] });
    const r = await attempt(2).run(w.activities.attachReportPdf, 't1', OPP, CASE, { mayExist: false });
    expect(r).toEqual({ fileId: 'file-old' });
    expect(w.lever.map((c) => `${c.method} ${c.path}`)).toEqual([`GET /opportunities/${OPP}/files`]);
    expect(w.certn).toEqual([]); // no report generated for nothing
  });

  it('a resumed run (mayExist true) lists first; with no file there it generates and uploads', async () => {
    const w = world();
    await attempt(1).run(w.activities.attachReportPdf, 't1', OPP, CASE, { mayExist: true });
    expect(w.lever.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /opportunities/${OPP}/files`,
      `POST /opportunities/${OPP}/files`,
    ]);
    expect(w.certn.map((c) => c.path)[0]).toBe(`/api/public/cases/${CASE}/generate-report/`);
  });
});

describe("attachReportPdf and Lever's 30 MB limit", () => {
  it('a PDF over 30 MB fails the activity permanently (Certn.too_large) and nothing is uploaded', async () => {
    const w = world({ pdfBytes: 31 * 1024 * 1024 });
    const err = await attempt(1)
      .run(w.activities.attachReportPdf, 't1', OPP, CASE, { mayExist: false })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'Certn.too_large', nonRetryable: true });
    expect(w.lever).toEqual([]);
  });
});

describe('addSummaryNote', () => {
  it('a fresh run writes the note in one call; a retry finds the first one by its marker', async () => {
    const fresh = world();
    await attempt(1).run(fresh.activities.addSummaryNote, 't1', OPP, summary, { mayExist: false });
    expect(fresh.lever.map((c) => `${c.method} ${c.path}`)).toEqual([`POST /opportunities/${OPP}/notes`]);

    const retry = world({ notes: [{ id: 'note-old', value: `Certn … [certn-case:${CASE}]` }] });
    const r = await attempt(3).run(retry.activities.addSummaryNote, 't1', OPP, summary, { mayExist: false });
    expect(r).toEqual({ noteId: 'note-old' });
    expect(retry.lever.map((c) => `${c.method} ${c.path}`)).toEqual([`GET /opportunities/${OPP}/notes`]);
  });

  it('without the argument (a caller that cannot tell) it lists, so nothing is ever duplicated', async () => {
    const w = world();
    await attempt(1).run(w.activities.addSummaryNote, 't1', OPP, summary);
    expect(w.lever.map((c) => c.method)).toEqual(['GET', 'POST']);
  });
});
