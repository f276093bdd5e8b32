// Shared checks for the resilience end-to-end tests (test/e2e/resilience-*.test.ts). Everything is read from the
// outside: the Lever sandbox (tags, links, files, notes, request log), the Certn sandbox (cases, counters, delivery
// log), the API's /metrics, and Temporal (runs per workflow id, the check's query and result).
import { randomUUID } from 'node:crypto';
import { checkWorkflowId } from '../../src/workflows/definitions';
import { System, Team } from '../harness/system';

export const MAIN_LINE = ['CERTN - Pending', 'CERTN - Analyzing', 'CERTN - Partial', 'CERTN - Complete'];

/** A fresh, unique e-mail per candidate, so Certn cases can be counted per candidate. */
export function uniqueEmail(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}@example.com`;
}

/** The candidate's current `CERTN - …` tags. */
export async function certnTags(sys: System, opp: string): Promise<string[]> {
  const o = await sys.opportunity(opp);
  return (o.data.tags as string[]).filter((t) => t.startsWith('CERTN - '));
}

/** Waits until the candidate carries `tag` (the Lever side caught up, not just the workflow's state). */
export async function waitForTag(sys: System, opp: string, tag: string, timeoutMs = 60_000): Promise<void> {
  await sys.waitFor(`tag ${tag} on ${opp}`, async () => (await certnTags(sys, opp)).includes(tag), timeoutMs);
}

export async function waitForCaseId(sys: System, team: Team, opp: string): Promise<string> {
  return sys.waitFor(`the case id of ${opp}`, async () => (await sys.state(team.id, opp)).caseId);
}

/** The Lever sandbox's request log (public API only). */
export async function leverRequests(sys: System): Promise<{ method: string; path: string; status: number }[]> {
  return (await sys.leverCtl('GET', '/requests')).data;
}

/** Lever API answers with `status` to requests about this opportunity. */
export async function leverAnswers(sys: System, opp: string, status: number, pathPart = ''): Promise<number> {
  return (await leverRequests(sys)).filter(
    (r) => r.status === status && r.path.includes(`/opportunities/${opp}`) && r.path.includes(pathPart),
  ).length;
}

export async function certnState(
  sys: System,
): Promise<{ orderCount: number; orderRequests: number; apiRequests: number }> {
  return sys.certnCtl('GET', '/state');
}

/** A counter of the API's /metrics (Prometheus text), 0 when absent. */
export async function metric(sys: System, name: string, labels: Record<string, string>): Promise<number> {
  const text = (await sys.http('GET', `${sys.apiUrl}/metrics`)).text;
  const key = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(',');
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${key}} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** How many runs Temporal has for this check's workflow id (open or closed). */
export async function runsOf(sys: System, team: Team, opp: string): Promise<number> {
  let n = 0;
  for await (const _ of sys.client.workflow.list({ query: `WorkflowId = '${checkWorkflowId(team.id, opp)}'` })) n++;
  return n;
}

/** Tags only move forward on the main line: a strictly increasing run of MAIN_LINE from Pending to Complete. */
export function expectForwardOnly(sequence: string[]): void {
  const ranks = sequence.map((t) => MAIN_LINE.indexOf(t));
  expect(ranks.every((r) => r >= 0)).toBe(true); // no side-state or error tags
  for (let i = 1; i < ranks.length; i++) expect(ranks[i]!).toBeGreaterThan(ranks[i - 1]!);
  expect(sequence[0]).toBe('CERTN - Pending');
  expect(sequence.at(-1)).toBe('CERTN - Complete');
}

/**
 * The end state every check must reach whatever went wrong on the way: the check completed on exactly one Certn
 * case (the only one for the candidate's e-mail), one `CERTN - Complete` tag, one live (final) report link, one
 * attached PDF named after that case, one summary note naming it.
 */
export async function expectCompletedOnce(sys: System, team: Team, opp: string, email: string): Promise<string> {
  const result = await sys.result(team.id, opp);
  expect(result.status).toBe('Complete');
  const cases = await sys.casesFor(email);
  expect(cases).toHaveLength(1);
  const caseId: string = cases[0].id;
  expect(result.caseId).toBe(caseId);
  expect(cases[0].overall_status).toBe('COMPLETE');

  const o = await sys.opportunity(opp);
  expect((o.data.tags as string[]).filter((t) => t.startsWith('CERTN - '))).toEqual(['CERTN - Complete']);
  const reportLinks = (o.links as string[]).filter((l) => l.includes('/reports/'));
  expect(reportLinks).toHaveLength(1);
  expect(reportLinks[0]).toContain('/final?sig=');
  expect(o.files).toHaveLength(1);
  expect(o.files[0].name).toBe(`certn-report-${caseId}.pdf`);
  const pdf = Buffer.from(await (await fetch(o.files[0].contentUrl)).arrayBuffer());
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  expect(o.notes).toHaveLength(1);
  expect(o.notes[0].value).toContain(caseId);
  return caseId;
}
