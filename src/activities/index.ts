// Activities: every side effect of the check workflow. Secrets are loaded here by team id, never passed in by the
// workflow, and what goes back to the workflow carries no personal data (no e-mails, names or tags).
import { Context } from '@temporalio/activity';
import { CertnClient } from '../certn/client';
import { LeverClient } from '../lever/client';
import { createLogger } from '../logger';
import { SettingsStore, TeamConfig } from '../settings/store';
import type { CheckStatus } from '../workflows/definitions';
import { CaseSnapshot, STATUS_TAGS, isCertnTag } from '../workflows/status';
import { classified, permanent } from './failures';
import { orderCaseOnce } from './case-ordering';
import { choosePackage } from './package-choice';
import { ReportKind, ReportLinks } from './report-links';
import { confirmsStageEntry } from './stage-confirmation';

const log = createLogger('activities');

export interface ActivityDeps {
  store: SettingsStore;
  leverBaseUrl: string;
  certnBaseUrl: string;
  reportLinks: ReportLinks;
  timings: CheckTimings;
  /** How long attachReportPdf waits for Certn to render a report before retrying. */
  reportPollMs?: number;
  /** How far a `stageChanges` entry may lie from the delivery's triggeredAt (STAGE_ENTRY_WINDOW_SECONDS). */
  stageEntryWindowMs?: number;
}

export const DEFAULT_STAGE_ENTRY_WINDOW_MS = 600_000;

export interface CheckTimings {
  pollIntervalMs: number;
  noEmailWaitMs: number;
  caseMaxWaitMs: number;
  /** A check that waits for weeks continues as new past this many history events, keeping its history small. */
  maxHistoryEvents: number;
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
  /** Ignored: the order intent bounds the search now (kept optional so existing workflow code still compiles). */
  orderedAfter?: string;
  /** Ignored: a case owned by any check is never adopted (kept optional for the same reason). */
  earlierCaseIds?: string[];
}

export interface CaseSummary {
  caseId: string;
  packageName: string;
  outcome: string;
  certnStatus: string;
}

export const REPORT_FILE_PREFIX = 'certn-report-';
const noteMarker = (caseId: string) => `[certn-case:${caseId}]`;

export function createActivities(deps: ActivityDeps) {
  const { store } = deps;

  async function team(teamId: string): Promise<{ config: TeamConfig; lever: LeverClient; certn: CertnClient }> {
    const [config, secrets] = await Promise.all([store.getTeamConfig(teamId), store.getTeamSecrets(teamId)]);
    if (!config || !secrets) throw permanent(`team ${teamId} does not exist`, 'TeamNotFound');
    if (!secrets.lever.apiKey) throw permanent(`team ${teamId} has no Lever API key`, 'MissingSetting');
    if (!secrets.certn.apiKey) throw permanent(`team ${teamId} has no Certn API key`, 'MissingSetting');
    return {
      config,
      lever: new LeverClient({ baseUrl: deps.leverBaseUrl, apiKey: secrets.lever.apiKey }),
      certn: new CertnClient({ baseUrl: deps.certnBaseUrl, apiKey: secrets.certn.apiKey }),
    };
  }

  async function checkTimings(): Promise<CheckTimings> {
    return deps.timings;
  }

  /**
   * What the workflow decides on. The stage entry counts only if Lever confirms *this* delivery's move (see
   * stage-confirmation.ts). An open order intent counts as an e-mail: orderCase reconciles with the address that
   * was sent, even if Lever no longer has it.
   */
  async function inspectOpportunity(
    teamId: string,
    opportunityId: string,
    opts: { requireTriggerStage: boolean; triggeredAt?: number },
  ): Promise<OpportunityFacts> {
    const { config, lever } = await team(teamId);
    const opp = await lever.getOpportunity(opportunityId);
    const windowMs = deps.stageEntryWindowMs ?? DEFAULT_STAGE_ENTRY_WINDOW_MS;
    const confirmed = confirmsStageEntry(opp, config.lever.triggerStageId, opts.triggeredAt, windowMs);
    const chosen = choosePackage(opp.tags ?? [], config.packages, config.defaultPackageId);
    const openIntent = await store.findOpenOrderIntent(teamId, opportunityId);
    return {
      inTriggerStage: confirmed || !opts.requireTriggerStage,
      hasEmail: (opp.emails ?? []).some((e) => e.trim() !== '') || openIntent !== null,
      package: chosen ? { name: chosen.name, checkTypes: chosen.checkTypes } : null,
      existingCaseId: await store.findCaseForOpportunity(teamId, opportunityId),
    };
  }

  /** Exactly one `CERTN - …` tag: every other one is removed first, then the new one added. */
  async function setStatusTag(teamId: string, opportunityId: string, status: CheckStatus): Promise<void> {
    const tag = STATUS_TAGS[status];
    if (!tag) return;
    const { config, lever } = await team(teamId);
    const performAs = config.lever.performAsUserId ?? undefined;
    const opp = await lever.getOpportunity(opportunityId);
    const stale = (opp.tags ?? []).filter((t) => isCertnTag(t) && t !== tag);
    if (stale.length > 0) await lever.removeTags(opportunityId, stale, performAs);
    if (!(opp.tags ?? []).includes(tag)) await lever.addTags(opportunityId, [tag], performAs);
  }

  /** Orders the case exactly once (see case-ordering.ts): reconciles from an open order intent before any POST. */
  async function orderCase(input: OrderInput): Promise<{ caseId: string }> {
    const { lever, certn } = await team(input.teamId);
    return orderCaseOnce(input, {
      store,
      certn,
      currentEmail: async () => {
        const opp = await lever.getOpportunity(input.opportunityId);
        return (opp.emails ?? []).map((e) => e.trim()).find((e) => e !== '');
      },
    });
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
    return { overallStatus: c.overall_status, checks: c.checks.map((k) => ({ id: k.id, status: k.status })) };
  }

  async function cancelCase(teamId: string, caseId: string): Promise<void> {
    const { certn } = await team(teamId);
    await certn.cancelCase(caseId);
  }

  /**
   * One live report link: adds this kind's link and removes the other kind's. Returns the kind, never the URL: the
   * signed link is a capability and stays out of workflow history and queries.
   */
  async function setReportLink(
    teamId: string,
    opportunityId: string,
    caseId: string,
    kind: ReportKind,
  ): Promise<ReportKind> {
    const { lever } = await team(teamId);
    const link = await deps.reportLinks.url(teamId, caseId, kind);
    const other = await deps.reportLinks.url(teamId, caseId, kind === 'final' ? 'interim' : 'final');
    await lever.addLinks(opportunityId, [link]);
    await lever.removeLinks(opportunityId, [other]);
    return kind;
  }

  /**
   * Generates the final report, downloads the PDF and attaches it, unless an earlier attempt already did. Heartbeats
   * all along, so only a dead worker's attempt times out (after the heartbeat timeout) and no second attempt runs
   * beside a live one; the file list is read right before the upload, which keeps the window for a double upload to
   * that one request.
   */
  async function attachReportPdf(teamId: string, opportunityId: string, caseId: string): Promise<{ fileId: string }> {
    const { config, lever, certn } = await team(teamId);
    const performAs = config.lever.performAsUserId;
    if (!performAs) throw permanent('no Lever user is set for file uploads (perform_as)', 'MissingSetting');
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 2_000);
    try {
      let report = await certn.generateReport(caseId);
      const pollMs = deps.reportPollMs ?? 1000;
      while (report.status === 'PENDING') {
        await ctx.sleep(pollMs);
        report = await certn.getReportFile(report.id);
      }
      if (report.status !== 'COMPLETE' || !report.pdf_url) {
        throw new Error(`Certn report ${report.id} ended ${report.status}; generating it again`);
      }
      const pdf = await certn.downloadPdf(report.pdf_url);
      const name = `${REPORT_FILE_PREFIX}${caseId}.pdf`;
      const existing = (await lever.listFiles(opportunityId)).find((f) => f.name === name);
      if (existing) return { fileId: existing.id };
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

  /** One short note at the end; a retry after an uncertain failure finds the first one by its marker. */
  async function addSummaryNote(teamId: string, opportunityId: string, s: CaseSummary): Promise<{ noteId: string }> {
    const { config, lever } = await team(teamId);
    const marker = noteMarker(s.caseId);
    const existing = (await lever.listNotes(opportunityId)).find((n) => n.value.includes(marker));
    if (existing) return { noteId: existing.id };
    const value =
      `Certn background check ${s.outcome}. Package: ${s.packageName || 'n/a'}. ` +
      `Certn status: ${s.certnStatus || 'n/a'}. ${marker}`;
    return lever.addNote(opportunityId, { value }, config.lever.performAsUserId ?? undefined);
  }

  return {
    checkTimings: classified(checkTimings),
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
