// Activities: every side effect of the check workflow. Secrets are loaded here by team id, never passed in by the
// workflow, and what goes back to the workflow carries no personal data (no e-mails, names or tags).
// Over 300 lines: one factory holds every activity so they share the team look-up, the e-mail memo and the client
// set-up; the composed pieces (ordering, case sync, stage confirmation, package choice) live in their own files.
import { Context } from '@temporalio/activity';
import { CertnClient } from '../certn/client';
import { renderReport } from '../certn/report';
import type { CaseScore } from '../certn/schemas';
import { type Endpoints, loadTeamClients } from '../integrations/team-clients';
import { LEVER_MAX_FILE_BYTES, LeverApiError, LeverClient } from '../lever/client';
import { createLogger } from '../logger';
import { SettingsStore, TeamConfig } from '../settings/store';
import type { CheckStatus } from '../workflows/definitions';
import {
  ALL_STATUS_TAGS,
  CaseResult,
  CaseSnapshot,
  hasResults,
  isCertnTag,
  statusFromCase,
  tagFor,
} from '../workflows/status';
import { classified, permanent } from './failures';
import { orderCaseOnce } from './case-ordering';
import { CaseSync, SyncSeen, syncCase as syncCaseWith } from './case-sync';
import { EmailMemo } from './email-memo';
import { whileBeating } from './heartbeat';
import { choosePackage } from './package-choice';
import { ReportKind, ReportLinks } from './report-links';
import { confirmsStageEntry } from './stage-confirmation';
import { type AdvanceResult, advanceOnClear as advanceFrom } from './stage-advance';
import { checkStatusTransitions } from '../metrics/process';

const log = createLogger('activities');

/** Lever and Certn base URLs (and, in tests, a fake transport) come in as `Endpoints`. */
export interface ActivityDeps extends Endpoints {
  store: SettingsStore;
  reportLinks: ReportLinks;
  /** How long attachReportPdf waits for Certn to render a report before retrying. */
  reportPollMs?: number;
  /** How far a `stageChanges` entry may lie from the delivery's triggeredAt (STAGE_ENTRY_WINDOW_SECONDS). */
  stageEntryWindowMs?: number;
  /** Where the stage confirmation leaves the e-mail for the order (tests pass their own to look inside). */
  emailMemo?: EmailMemo;
}

export const DEFAULT_STAGE_ENTRY_WINDOW_MS = 600_000;

export interface OpportunityFacts {
  inTriggerStage: boolean;
  hasEmail: boolean;
  package: { name: string; checkTypes: string[] } | null;
  /** A case already ordered for this opportunity (by an earlier run): never order a second by accident. */
  existingCaseId: string | null;
  /** Set (true) only when the existing case ended without results before this stage entry: order one anew. */
  reorder?: boolean;
  /** Whether the opportunity shows a `CERTN - …` tag now; false lets the first tag be added without a removal. */
  hasStatusTag?: boolean;
}

export interface OrderInput {
  teamId: string;
  opportunityId: string;
  workflowId: string;
  checkTypes: string[];
}

export interface CaseSummary {
  caseId: string;
  packageName: string;
  outcome: string;
  certnStatus: string;
}

/** How a case ends without results: a recruiter's re-entry into the trigger stage orders a new one. */
const REORDERABLE = new Set<CheckStatus>(['InviteUndeliverable', 'ApplicantExpired', 'Cancelled']);

const RESULT_OF_SCORE: Record<CaseScore, CaseResult> = { CLEAR: 'Clear', REVIEW: 'Review' };

export const REPORT_FILE_PREFIX = 'certn-report-';
const noteMarker = (caseId: string) => `[certn-case:${caseId}]`;
/** Every status tag but this one: what a tag swap removes. */
const OTHER_STATUS_TAGS = (tag: string) => ALL_STATUS_TAGS.filter((t) => t !== tag);

export function createActivities(deps: ActivityDeps) {
  const { store } = deps;
  const emailMemo = deps.emailMemo ?? new EmailMemo();

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

  /**
   * What the workflow decides on. The stage entry counts only if Lever confirms *this* delivery's move (see
   * stage-confirmation.ts). An open order intent counts as an e-mail: orderCase reconciles with the address that
   * was sent, even if Lever no longer has it.
   */
  async function inspectOpportunity(
    teamId: string,
    opportunityId: string,
    opts: {
      requireTriggerStage: boolean;
      /** The stage entry the workflow acts on (epoch ms, Lever's `triggeredAt`); absent for an operator re-run. */
      triggeredAt?: number;
    },
  ): Promise<OpportunityFacts> {
    const { config, lever, certn } = await team(teamId);
    const opp = await lever.getOpportunity(opportunityId);
    const windowMs = deps.stageEntryWindowMs ?? DEFAULT_STAGE_ENTRY_WINDOW_MS;
    const confirmed = confirmsStageEntry(opp, config.lever.triggerStageId, opts.triggeredAt, windowMs);
    const chosen = choosePackage(opp.tags ?? [], config.packages, config.defaultPackageId);
    const openIntent = await store.findOpenOrderIntent(teamId, opportunityId);
    const existingCaseId = await store.findCaseForOpportunity(teamId, opportunityId);
    const email = (opp.emails ?? []).map((e) => e.trim()).find((e) => e !== '');
    // The order that follows uses this read's e-mail (one read serves both), unless it runs elsewhere or later.
    const inTriggerStage = confirmed || !opts.requireTriggerStage;
    if (email && inTriggerStage) emailMemo.remember(teamId, opportunityId, email);
    const reorder =
      confirmed && existingCaseId !== null && opts.triggeredAt !== undefined
        ? await endedWithoutResultsBefore(certn, existingCaseId, opts.triggeredAt)
        : false;
    return {
      inTriggerStage,
      hasEmail: email !== undefined || openIntent !== null,
      package: chosen ? { name: chosen.name, checkTypes: chosen.checkTypes } : null,
      existingCaseId,
      ...(reorder ? { reorder } : {}), // absent otherwise: the results of the existing paths stay as they were
      hasStatusTag: (opp.tags ?? []).some(isCertnTag),
    };
  }

  /**
   * Re-order without an operator: the case ended with nothing to show (invite undeliverable, applicant expired,
   * cancelled, no check complete) and the stage entry came after that end — so each re-entry orders at most once,
   * and an entry Lever delivers late, from before the end, orders nothing.
   */
  async function endedWithoutResultsBefore(certn: CertnClient, caseId: string, triggeredAt: number): Promise<boolean> {
    const c = await certn.getCase(caseId);
    const snapshot = { overallStatus: c.overall_status, checks: c.checks.map((k) => ({ id: k.id, status: k.status })) };
    const status = statusFromCase(snapshot);
    return REORDERABLE.has(status) && !hasResults(snapshot) && Date.parse(c.modified) < triggeredAt;
  }

  /**
   * Exactly one `CERTN - …` tag, in two calls and without reading the opportunity: every other status tag is removed
   * in one call (removing an absent tag is harmless on Lever), then the new one added (adding a present one is too).
   * `firstTag`: the run's own read showed no status tag and nothing has set one since, so the add alone does it.
   */
  async function setStatusTag(
    teamId: string,
    opportunityId: string,
    status: CheckStatus,
    result?: CaseResult | null,
    opts: { firstTag?: boolean } = {},
  ): Promise<void> {
    if (!tagFor(status, result ?? undefined)) return;
    const { config, lever } = await team(teamId);
    // The team's plain-Complete choice is read here, when tagging (the workflow passes the result either way).
    const tag = tagFor(status, config.lever.plainCompleteTag ? undefined : (result ?? undefined))!;
    const performAs = config.lever.performAsUserId ?? undefined;
    if (!opts.firstTag) await lever.removeTags(opportunityId, OTHER_STATUS_TAGS(tag), performAs);
    await lever.addTags(opportunityId, [tag], performAs);
    checkStatusTransitions.inc({ status });
  }

  /** A Clear check moves the candidate to the team's advance stage, when set (see stage-advance.ts). */
  async function advanceOnClear(teamId: string, opportunityId: string): Promise<AdvanceResult> {
    const { config, lever } = await team(teamId);
    return advanceFrom(config, lever, opportunityId);
  }

  /** Orders the case exactly once (see case-ordering.ts): reconciles from an open order intent before any POST. */
  async function orderCase(input: OrderInput): Promise<{ caseId: string }> {
    const { lever, certn } = await team(input.teamId);
    // Retries of one scheduled activity share its run and activity ids, and no other order has both.
    const { workflowExecution, activityId } = Context.current().info;
    if (!workflowExecution) throw permanent('a case is ordered only by a check workflow', 'NotInWorkflow');
    // Heartbeats: a crash mid-order is retried (and finds its intent) after the heartbeat timeout, not 2 minutes.
    return whileBeating(() =>
      orderCaseOnce(
        { ...input, orderKey: `${workflowExecution.runId}/${activityId}` },
        {
          store,
          certn,
          currentEmail: async () => {
            const read = emailMemo.take(input.teamId, input.opportunityId);
            if (read) return read;
            const opp = await lever.getOpportunity(input.opportunityId);
            return (opp.emails ?? []).map((e) => e.trim()).find((e) => e !== '');
          },
        },
      ),
    );
  }

  /** The truth about the case; also maps check ids Certn added since, so their callbacks find the workflow. */
  async function readCase(teamId: string, caseId: string, workflowId: string): Promise<CaseSnapshot> {
    const { certn } = await team(teamId);
    const c = await certn.getCase(caseId);
    const ref = await store.findCheckByCertnObject(teamId, caseId);
    if (ref) {
      // Check ids only ever map to this case's check; ids another check owns are left alone (never re-pointed).
      const { foreign } = await store.recordCertnObjects(teamId, {
        ...ref,
        workflowId,
        objectIds: c.checks.map((k) => k.id),
      });
      if (foreign.length > 0) log.warn('certn check ids already owned by another check', { caseId, foreign });
    }
    const result = c.overall_status === 'COMPLETE' && c.score ? RESULT_OF_SCORE[c.score] : undefined;
    return {
      overallStatus: c.overall_status,
      checks: c.checks.map((k) => ({ id: k.id, status: k.status })),
      ...(result ? { result } : {}),
    };
  }

  /** Reads the case and moves the Lever tag and report link when that changes what the check shows (case-sync.ts). */
  async function syncCase(
    teamId: string,
    opportunityId: string,
    caseId: string,
    workflowId: string,
    seen: SyncSeen,
  ): Promise<CaseSync> {
    return syncCaseWith(seen, {
      readCase: () => readCase(teamId, caseId, workflowId),
      setStatusTag: (status, result) => setStatusTag(teamId, opportunityId, status, result),
      setReportLink: (kind, interimAdded) => setReportLink(teamId, opportunityId, caseId, kind, { interimAdded }),
    });
  }

  /** Whether Lever itself shows what its unsigned webhook said: archived now, or the opportunity gone (404). */
  async function confirmRemovedFromLever(
    teamId: string,
    opportunityId: string,
    kind: 'archived' | 'deleted',
  ): Promise<boolean> {
    const { lever } = await team(teamId);
    try {
      const opp = await lever.getOpportunity(opportunityId);
      return kind === 'archived' && opp.archived !== null;
    } catch (err) {
      if (kind === 'deleted' && err instanceof LeverApiError && err.status === 404) return true;
      throw err;
    }
  }

  async function cancelCase(teamId: string, caseId: string): Promise<void> {
    const { certn } = await team(teamId);
    await certn.cancelCase(caseId);
  }

  /**
   * One live report link: adds this kind's link; the final one replaces the interim one when one was added
   * (`interimAdded`; absent, it is removed anyway). An interim link never replaces anything: it always comes first.
   * Returns the kind, never the URL: the signed link is a capability and stays out of workflow history and queries.
   */
  async function setReportLink(
    teamId: string,
    opportunityId: string,
    caseId: string,
    kind: ReportKind,
    opts: { interimAdded?: boolean } = {},
  ): Promise<ReportKind> {
    const { lever } = await team(teamId);
    const link = await deps.reportLinks.url(teamId, caseId, kind);
    await lever.addLinks(opportunityId, [link]);
    if (kind === 'final' && (opts.interimAdded ?? true)) {
      await lever.removeLinks(opportunityId, [await deps.reportLinks.url(teamId, caseId, 'interim')]);
    }
    return kind;
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
    return whileBeating(async () => {
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
    });
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
    advanceOnClear: classified(advanceOnClear),
    orderCase: classified(orderCase),
    readCase: classified(readCase),
    syncCase: classified(syncCase),
    cancelCase: classified(cancelCase),
    confirmRemovedFromLever: classified(confirmRemovedFromLever),
    setReportLink: classified(setReportLink),
    attachReportPdf: classified(attachReportPdf),
    addSummaryNote: classified(addSummaryNote),
  };
}

export type CheckActivities = ReturnType<typeof createActivities>;
