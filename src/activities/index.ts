// Activities: every side effect of the check workflow. Secrets are loaded here by team id, never passed in by the
// workflow, and what goes back to the workflow carries no personal data (no e-mails, names or tags).
import { Context } from '@temporalio/activity';
import { CertnClient } from '../certn/client';
import { renderReport } from '../certn/report';
import type { CertnCase } from '../certn/schemas';
import { type Endpoints, loadTeamClients } from '../integrations/team-clients';
import { LEVER_MAX_FILE_BYTES, LeverClient } from '../lever/client';
import { createLogger } from '../logger';
import { SettingsStore, TeamConfig } from '../settings/store';
import type { CheckStatus } from '../workflows/definitions';
import { CaseSnapshot, STATUS_TAGS } from '../workflows/status';
import { classified, permanent } from './failures';
import { choosePackage } from './package-choice';
import { ReportKind, ReportLinks } from './report-links';

const log = createLogger('activities');

/** Lever and Certn base URLs (and, in tests, a fake transport) come in as `Endpoints`. */
export interface ActivityDeps extends Endpoints {
  store: SettingsStore;
  reportLinks: ReportLinks;
  /** How long attachReportPdf waits for Certn to render a report before retrying. */
  reportPollMs?: number;
}

export interface OpportunityFacts {
  inTriggerStage: boolean;
  hasEmail: boolean;
  package: { name: string; checkTypes: string[] } | null;
  /** A case already ordered for this opportunity (by an earlier run): never order a second by accident. */
  existingCaseId: string | null;
}

export interface OrderInput {
  teamId: string;
  opportunityId: string;
  workflowId: string;
  checkTypes: string[];
  /** ISO time just before the workflow decided to order: bounds the search for an already-ordered case. */
  orderedAfter: string;
  /** Cases this opportunity had before this order (an operator re-run): never adopted as this order's case. */
  earlierCaseIds: string[];
}

export interface CaseSummary {
  caseId: string;
  packageName: string;
  outcome: string;
  certnStatus: string;
}

export const REPORT_FILE_PREFIX = 'certn-report-';
const noteMarker = (caseId: string) => `[certn-case:${caseId}]`;
/** Every status tag but this one: what a tag swap removes. */
const OTHER_STATUS_TAGS = (tag: string) => [...new Set(Object.values(STATUS_TAGS))].filter((t) => t !== tag);

export function createActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function team(teamId: string): Promise<{ config: TeamConfig; lever: LeverClient; certn: CertnClient }> {
    const t = await loadTeamClients(store, deps, teamId);
    if (!t) throw permanent(`team ${teamId} does not exist`, 'TeamNotFound');
    if (!t.lever) throw permanent(`team ${teamId} has no Lever API key`, 'MissingSetting');
    if (!t.certn) throw permanent(`team ${teamId} has no Certn API key`, 'MissingSetting');
    return { config: t.config, lever: t.lever, certn: t.certn };
  }

  /**
   * Whether Lever may already hold what this activity writes (a file, a note): on a retry (the last attempt may
   * have written it before failing) or when the workflow says so (a resumed run). Only then is it worth a list call.
   * Absent, the caller is assumed not to know, and the list is read.
   */
  function mayExist(opts: { mayExist?: boolean }): boolean {
    return Context.current().info.attempt > 1 || (opts.mayExist ?? true);
  }

  async function inspectOpportunity(
    teamId: string,
    opportunityId: string,
    opts: {
      requireTriggerStage: boolean;
      /** The stage entry the workflow acts on (epoch ms, Lever's `triggeredAt`); absent for an operator re-run. */
      triggeredAt?: number;
    },
  ): Promise<OpportunityFacts> {
    const { config, lever } = await team(teamId);
    const opp = await lever.getOpportunity(opportunityId);
    const stageId = config.lever.triggerStageId;
    const currentStage = typeof opp.stage === 'string' ? opp.stage : opp.stage?.id;
    const entered =
      stageId !== null && (currentStage === stageId || (opp.stageChanges ?? []).some((c) => c.toStageId === stageId));
    const chosen = choosePackage(opp.tags ?? [], config.packages, config.defaultPackageId);
    return {
      inTriggerStage: entered || !opts.requireTriggerStage,
      hasEmail: (opp.emails ?? []).some((e) => e.trim() !== ''),
      package: chosen ? { name: chosen.name, checkTypes: chosen.checkTypes } : null,
      existingCaseId: await store.findCaseForOpportunity(teamId, opportunityId),
    };
  }

  /**
   * Exactly one `CERTN - …` tag, in two calls and without reading the opportunity: every other status tag is removed
   * in one call (removing an absent tag is harmless on Lever), then the new one added (adding a present one is too).
   */
  async function setStatusTag(teamId: string, opportunityId: string, status: CheckStatus): Promise<void> {
    const tag = STATUS_TAGS[status];
    if (!tag) return;
    const { config, lever } = await team(teamId);
    const performAs = config.lever.performAsUserId ?? undefined;
    await lever.removeTags(opportunityId, OTHER_STATUS_TAGS(tag), performAs);
    await lever.addTags(opportunityId, [tag], performAs);
  }

  /**
   * Orders the case once. Certn has no idempotency key, so any attempt after the first (the previous one may have
   * reached Certn before failing) first looks for a case ordered for this e-mail since the workflow decided to order.
   */
  async function orderCase(input: OrderInput): Promise<{ caseId: string }> {
    const { lever, certn } = await team(input.teamId);
    const opp = await lever.getOpportunity(input.opportunityId);
    const email = (opp.emails ?? []).map((e) => e.trim()).find((e) => e !== '');
    if (!email) throw permanent('the opportunity has no e-mail any more', 'NoEmail');

    let found: CertnCase | undefined;
    const attempt = Context.current().info.attempt;
    if (attempt > 1) found = await findEarlierAttempt(input, certn, email);
    if (found)
      log.warn('adopting a case ordered by an earlier attempt', {
        caseId: found.id,
        attempt,
        workflowId: input.workflowId,
      });
    const theCase = found ?? (await certn.orderCase({ emailAddress: email, checkTypes: input.checkTypes }));
    await store.recordCertnObjects(input.teamId, {
      workflowId: input.workflowId,
      opportunityId: input.opportunityId,
      caseId: theCase.id,
      objectIds: [theCase.id, ...theCase.checks.map((c) => c.id)],
    });
    log.info('case ordered', { teamId: input.teamId, opportunityId: input.opportunityId, caseId: theCase.id });
    return { caseId: theCase.id };
  }

  /**
   * The case an earlier attempt of this very order created before failing, if any: same e-mail, created since the
   * workflow decided to order, and not belonging to anything else — not mapped to another check (the same person
   * applying twice), and not one of this opportunity's earlier cases (an operator re-run). The check types only rank
   * the candidates: Certn may list a fresh case's checks differently from the order (the shape is unconfirmed), and
   * missing our own case here would order a second, billable one.
   */
  async function findEarlierAttempt(
    input: OrderInput,
    certn: CertnClient,
    email: string,
  ): Promise<CertnCase | undefined> {
    const wanted = [...input.checkTypes].sort().join(',');
    const sameTypes = (c: CertnCase) => [...c.checks.map((k) => k.check_type)].sort().join(',') === wanted;
    const candidates = (await certn.listCases({ emailAddress: email, orderTimeframeAfter: input.orderedAfter }))
      .filter((c) => !input.earlierCaseIds.includes(c.id))
      .sort((a, b) => Number(sameTypes(b)) - Number(sameTypes(a)) || b.created.localeCompare(a.created));
    for (const c of candidates) {
      const owner = await store.findCheckByCertnObject(input.teamId, c.id);
      if (!owner || (owner.workflowId === input.workflowId && owner.opportunityId === input.opportunityId)) return c;
    }
    return undefined;
  }

  /** The truth about the case; also maps check ids Certn added since, so their callbacks find the workflow. */
  async function readCase(teamId: string, caseId: string, workflowId: string): Promise<CaseSnapshot> {
    const { certn } = await team(teamId);
    const c = await certn.getCase(caseId);
    const ref = await store.findCheckByCertnObject(teamId, caseId);
    if (ref) await store.recordCertnObjects(teamId, { ...ref, workflowId, objectIds: c.checks.map((k) => k.id) });
    return { overallStatus: c.overall_status, checks: c.checks.map((k) => ({ id: k.id, status: k.status })) };
  }

  async function cancelCase(teamId: string, caseId: string): Promise<void> {
    const { certn } = await team(teamId);
    await certn.cancelCase(caseId);
  }

  /**
   * One live report link: adds this kind's link; the final one replaces the interim one when one was added
   * (`interimAdded`; absent, it is removed anyway). An interim link never replaces anything: it always comes first.
   * Returns the link.
   */
  async function setReportLink(
    teamId: string,
    opportunityId: string,
    caseId: string,
    kind: ReportKind,
    opts: { interimAdded?: boolean } = {},
  ): Promise<string> {
    const { lever } = await team(teamId);
    const link = deps.reportLinks.url(teamId, caseId, kind);
    await lever.addLinks(opportunityId, [link]);
    if (kind === 'final' && (opts.interimAdded ?? true)) {
      await lever.removeLinks(opportunityId, [deps.reportLinks.url(teamId, caseId, 'interim')]);
    }
    return link;
  }

  /**
   * Generates the final report, downloads the PDF and attaches it, unless an earlier attempt or run already did:
   * when the file may exist (see mayExist) the profile's files are listed first, before any report is generated.
   * Heartbeats all along, so only a dead worker's attempt times out and no second attempt runs beside a live one.
   * A PDF over Lever's 30 MB is refused while downloading, with a permanent failure (it could never be attached).
   */
  async function attachReportPdf(
    teamId: string,
    opportunityId: string,
    caseId: string,
    opts: { mayExist?: boolean } = {},
  ): Promise<{ fileId: string }> {
    const { config, lever, certn } = await team(teamId);
    const performAs = config.lever.performAsUserId;
    if (!performAs) throw permanent('no Lever user is set for file uploads (perform_as)', 'MissingSetting');
    const name = `${REPORT_FILE_PREFIX}${caseId}.pdf`;
    if (mayExist(opts)) {
      const existing = (await lever.listFiles(opportunityId)).find((f) => f.name === name);
      if (existing) return { fileId: existing.id };
    }
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 2_000);
    try {
      const report = await renderReport(certn, caseId, { pollMs: deps.reportPollMs ?? 1000, sleep: ctx.sleep });
      if (report.status !== 'COMPLETE' || !report.pdf_url) {
        throw new Error(`Certn report ${report.id} ended ${report.status}; generating it again`);
      }
      const pdf = await certn.downloadPdf(report.pdf_url, LEVER_MAX_FILE_BYTES);
      const file = await lever.uploadFile(
        opportunityId,
        { name, content: pdf, contentType: 'application/pdf' },
        performAs,
      );
      log.info('report attached', { teamId, opportunityId, caseId, fileId: file.id, bytes: pdf.byteLength });
      return { fileId: file.id };
    } finally {
      clearInterval(beat);
    }
  }

  /** One short note at the end; when it may exist already (see mayExist) the first one is found by its marker. */
  async function addSummaryNote(
    teamId: string,
    opportunityId: string,
    s: CaseSummary,
    opts: { mayExist?: boolean } = {},
  ): Promise<{ noteId: string }> {
    const { config, lever } = await team(teamId);
    const marker = noteMarker(s.caseId);
    if (mayExist(opts)) {
      const existing = (await lever.listNotes(opportunityId)).find((n) => n.value.includes(marker));
      if (existing) return { noteId: existing.id };
    }
    const value =
      `Certn background check ${s.outcome}. Package: ${s.packageName || 'n/a'}. ` +
      `Certn status: ${s.certnStatus || 'n/a'}. ${marker}`;
    return lever.addNote(opportunityId, { value }, config.lever.performAsUserId ?? undefined);
  }

  return {
    inspectOpportunity: classified(inspectOpportunity),
    setStatusTag: classified(setStatusTag),
    orderCase: classified(orderCase),
    readCase: classified(readCase),
    cancelCase: classified(cancelCase),
    setReportLink: classified(setReportLink),
    attachReportPdf: classified(attachReportPdf),
    addSummaryNote: classified(addSummaryNote),
  };
}

export type CheckActivities = ReturnType<typeof createActivities>;
