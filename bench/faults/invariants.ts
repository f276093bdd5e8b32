// The invariants the fault suite checks after every scenario, read from the outside only: the Lever sandbox
// (tags, links, files, notes, deliveries), the Certn sandbox (cases), and Temporal (runs and their query).
// Each returns the violations as short sentences without personal data (opportunity ids only).
import { checkWorkflowId } from '../../src/workflows/definitions';
import type { System, Team } from '../../test/harness/system';

export interface Candidate {
  opp: string;
  email: string;
  name: string;
}

/** Statuses an open check may be parked in, each a reason its query states (waiting for a person, not for us). */
const WAITING_STATUSES = new Set<string>(['ErrorNoEmail', 'ActionRequired', 'InDispute']);

/** A check that should have completed: one tag (Complete), one case, one link, one PDF, one note, closed. */
export async function completedOnce(sys: System, team: Team, c: Candidate): Promise<string[]> {
  const v: string[] = [];
  const o = await sys.opportunity(c.opp);
  const tags = (o.data.tags as string[]).filter((t) => t.startsWith('CERTN - '));
  if (tags.length !== 1 || tags[0] !== 'CERTN - Complete') v.push(`${c.opp}: CERTN tags ${JSON.stringify(tags)}`);
  const cases = await sys.casesFor(c.email);
  if (cases.length !== 1) v.push(`${c.opp}: ${cases.length} Certn cases`);
  const links = (o.links as string[]).filter((l) => l.includes('/reports/'));
  if (links.length > 1) v.push(`${c.opp}: ${links.length} report links`);
  if ((o.files as unknown[]).length !== 1) v.push(`${c.opp}: ${(o.files as unknown[]).length} files`);
  if ((o.notes as unknown[]).length !== 1) v.push(`${c.opp}: ${(o.notes as unknown[]).length} notes`);
  v.push(...(await closedOrWaiting(sys, team, c.opp)));
  return v;
}

/** A delivery that must not have led to an order: no case, no CERTN tag, the check (if any) closed or waiting. */
export async function orderedNothing(sys: System, team: Team, c: Candidate): Promise<string[]> {
  const v: string[] = [];
  const cases = await sys.casesFor(c.email);
  if (cases.length !== 0) v.push(`${c.opp}: ${cases.length} Certn cases for a forged or unconfirmed delivery`);
  const o = await sys.opportunity(c.opp);
  const tags = (o.data.tags as string[]).filter((t) => t.startsWith('CERTN - Pending') || t === 'CERTN - Complete');
  if (tags.length > 0) v.push(`${c.opp}: tagged ${JSON.stringify(tags)} without a confirmed stage change`);
  v.push(...(await closedOrWaiting(sys, team, c.opp)));
  return v;
}

/** Every run of the check is closed, or open and parked on a wait its query names. */
export async function closedOrWaiting(sys: System, team: Team, opp: string): Promise<string[]> {
  const id = checkWorkflowId(team.id, opp);
  const v: string[] = [];
  for await (const w of sys.client.workflow.list({ query: `WorkflowId = '${id}'` })) {
    if (w.status.name === 'COMPLETED' || w.status.name === 'CANCELLED') continue;
    if (w.status.name !== 'RUNNING') {
      v.push(`${opp}: a run ended ${w.status.name}`);
      continue;
    }
    const s = await sys.state(team.id, opp).catch(() => undefined);
    if (!s || !(WAITING_STATUSES.has(s.status) || s.lastError)) {
      v.push(`${opp}: still running (${s?.status ?? 'no answer to the query'}) with no reason to wait`);
    }
  }
  return v;
}

/**
 * Every trigger-stage delivery Lever saw acknowledged (2xx) reached Temporal by the end: a run exists for its
 * opportunity, and nothing is left in the outbox (a delivery queued while Temporal was down must have been relayed).
 */
export async function acknowledgedReachedTemporal(sys: System, team: Team, opps: string[]): Promise<string[]> {
  const v: string[] = [];
  for (const opp of opps) {
    const d = await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}&event=candidateStageChange`);
    const acked = (d.data as { attempts: { status?: number }[] }[]).some((x) =>
      x.attempts.some((a) => a.status !== undefined && a.status >= 200 && a.status < 300),
    );
    if (!acked) continue;
    let runs = 0;
    for await (const _ of sys.client.workflow.list({ query: `WorkflowId = '${checkWorkflowId(team.id, opp)}'` }))
      runs++;
    if (runs === 0) v.push(`${opp}: a delivery was acknowledged to Lever but no check exists`);
  }
  // A zero-length lease is a peek: the rows stay free for the relay.
  const stillQueued = await sys.store.leaseQueuedDeliveries({ limit: 1000, leaseMs: 0 });
  for (const q of stillQueued.filter((x) => x.teamId === team.id)) {
    v.push(`${q.opportunityId}: a stage change acknowledged as queued was never relayed to Temporal`);
  }
  return v;
}
