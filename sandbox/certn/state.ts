// In-memory state and case lifecycle of the Certn sandbox: accounts (accounts.ts), cases, report files, counters.
// Over 300 lines because cases, auto-advance timers and report files share one reset/stop and one event emitter.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createLogger } from '../log';
import {
  CLOSED_CHECK_STATUSES,
  type CaseStatus,
  type CheckStatus,
  type CaseScore,
  type PublicCase,
  type PublicReportFile,
  type ReportFileStatus,
} from './catalogue';
import { CertnAccounts, type SandboxAccount } from './accounts';
import { HOLDS, MAIN_PATH, SIDE_PATH_FROM, TERMINAL, type SidePath } from './lifecycle';
import { SandboxError } from './errors';
import { defaultFaults, defaultTuning, type Faults, type Tuning } from './faults';
import { renderReportPdf } from './pdf';
import { WebhookDispatcher } from './webhooks';

const log = createLogger('certn-sandbox');

export interface SandboxCheck {
  id: string;
  check_type: string;
  status: CheckStatus;
  created: string;
  modified: string;
}

export interface AutoAdvance {
  enabled: boolean;
  stepDelayMs: number;
}

export interface SandboxCase {
  id: string;
  email_address: string;
  overall_status: CaseStatus;
  created: string;
  modified: string;
  checks: SandboxCheck[];
  check_types_with_arguments: Record<string, unknown>;
  send_invite_email: boolean;
  history: { status: CaseStatus; at: string }[];
  /** The account that owns the case: only its keys see it, only its webhook hears of it. */
  accountId: string;
  /** `api`: ordered through the public API; `outside`: created as from Certn's dashboard (control surface). */
  source: 'api' | 'outside';
  /** Per-case override of the global auto-advance setting (null = follow global). */
  autoAdvance: AutoAdvance | null;
  /** The result Certn's portal shows once COMPLETE (contracts/certn.md, unconfirmed field); null: none (default). */
  score: CaseScore | null;
}

export interface SandboxReportFile {
  id: string;
  case_id: string;
  status: ReportFileStatus;
  created: string;
  modified: string;
  pdf: Uint8Array | null;
}

export class CertnSandboxState {
  readonly cases = new Map<string, SandboxCase>();
  readonly reportFiles = new Map<string, SandboxReportFile>();
  /** Cases created through the order endpoint since the last reset. */
  orderCount = 0;
  /** Order requests that reached the handler (valid or not). */
  orderRequests = 0;
  /** /api/public requests seen (after faults, before auth). */
  apiRequests = 0;
  faults: Faults = defaultFaults();
  tuning: Tuning = defaultTuning();
  autoAdvance: AutoAdvance = { enabled: false, stepDelayMs: 1000 };
  readonly accounts: CertnAccounts;
  /** Absolute base URL of the sandbox, used for signed pdf_url links. Set on start. */
  baseUrl = '';

  /** Order answers held by the `hang` fault: ended on reset and stop. */
  readonly hanging = new Set<{ destroy(): void }>();
  private readonly caseTimers = new Map<string, NodeJS.Timeout>();
  private readonly otherTimers = new Set<NodeJS.Timeout>();
  private urlSecret = randomBytes(32);
  private stopped = false;

  constructor() {
    this.accounts = new CertnAccounts(
      () =>
        new WebhookDispatcher(
          () => this.faults.webhook,
          () => this.tuning,
        ),
    );
  }

  /** The seed account's webhook (the one `PUT /_sandbox/webhook` sets). */
  get webhooks(): WebhookDispatcher {
    return this.accounts.seedAccount.webhooks;
  }

  // ── cases ────────────────────────────────────────────────────────────────────────────────────────────────
  /** A case ordered through the public API (counted in orderCount). */
  order(input: {
    email: string;
    checkTypes: Record<string, unknown>;
    sendInviteEmail: boolean;
    accountId?: string;
  }): SandboxCase {
    const c = this.createCase({ ...input, source: 'api', created: new Date().toISOString() });
    this.orderCount++;
    log.info('case ordered', { caseId: c.id, checks: c.checks.length });
    return c;
  }

  /** A case someone ordered outside the service (Certn's dashboard): not counted as an API order. */
  orderOutside(input: { email: string; checkTypes: string[]; accountId?: string; created?: string }): SandboxCase {
    const checkTypes = Object.fromEntries(input.checkTypes.map((t) => [t, {}]));
    const created = input.created ?? new Date().toISOString();
    return this.createCase({ ...input, checkTypes, sendInviteEmail: true, source: 'outside', created });
  }

  private createCase(input: {
    email: string;
    checkTypes: Record<string, unknown>;
    sendInviteEmail: boolean;
    accountId?: string;
    source: SandboxCase['source'];
    created: string;
  }): SandboxCase {
    const accountId = this.accounts.get(input.accountId ?? this.accounts.seedAccount.id).id;
    const now = input.created;
    const c: SandboxCase = {
      id: randomUUID(),
      email_address: input.email,
      overall_status: 'CASE_ORDERED',
      score: null,
      created: now,
      modified: now,
      checks: Object.keys(input.checkTypes).map((t) => ({
        id: randomUUID(),
        check_type: t,
        status: 'PENDING' as CheckStatus,
        created: now,
        modified: now,
      })),
      check_types_with_arguments: input.checkTypes,
      send_invite_email: input.sendInviteEmail,
      history: [{ status: 'CASE_ORDERED', at: now }],
      accountId,
      source: input.source,
      autoAdvance: null,
    };
    this.cases.set(c.id, c);
    this.schedule(c);
    return c;
  }

  /** With an account: another account's case is Not found, as for Certn's API. */
  getCase(id: string, accountId?: string): SandboxCase {
    const c = this.cases.get(id);
    if (!c || (accountId !== undefined && c.accountId !== accountId)) {
      throw new SandboxError(404, 'not_found', 'Not found.');
    }
    return c;
  }

  /** Newest first (unconfirmed ordering). */
  listCases(filter: {
    email?: string;
    after?: number;
    before?: number;
    statuses?: string[];
    accountId?: string;
  }): SandboxCase[] {
    return [...this.cases.values()]
      .filter((c) => {
        if (filter.accountId !== undefined && c.accountId !== filter.accountId) return false;
        if (filter.email !== undefined && c.email_address.toLowerCase() !== filter.email.toLowerCase()) return false;
        const t = Date.parse(c.created);
        if (filter.after !== undefined && t < filter.after) return false;
        if (filter.before !== undefined && t > filter.before) return false;
        if (filter.statuses && filter.statuses.length > 0 && !filter.statuses.includes(c.overall_status)) return false;
        return true;
      })
      .sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
  }

  /** One lifecycle step. Returns true when something changed. */
  advance(id: string): boolean {
    const c = this.getCase(id);
    const s = c.overall_status;
    if (TERMINAL.includes(s)) return false;
    if (HOLDS.includes(s)) {
      this.setStatus(c, 'IN_PROGRESS');
      return true;
    }
    if (s === 'DRAFT') {
      this.setStatus(c, 'CASE_ORDERED');
      return true;
    }
    const i = MAIN_PATH.indexOf(s);
    if (i >= 0 && i < MAIN_PATH.length - 1) {
      const next = MAIN_PATH[i + 1]!;
      this.setStatus(c, next);
      if (next === 'IN_PROGRESS') {
        for (const ch of c.checks) if (ch.status === 'PENDING') this.setCheckStatus(c, ch, 'IN_PROGRESS');
      }
      return true;
    }
    // IN_PROGRESS: complete the next open check; the last one completes the case.
    const open = c.checks.find((ch) => !CLOSED_CHECK_STATUSES.includes(ch.status));
    if (open) this.setCheckStatus(c, open, 'COMPLETE');
    if (!c.checks.some((ch) => !CLOSED_CHECK_STATUSES.includes(ch.status))) this.setStatus(c, 'COMPLETE');
    return true;
  }

  /** Pushes a case down a side path (or back to IN_PROGRESS from a hold). */
  sidePath(id: string, target: SidePath): SandboxCase {
    const c = this.getCase(id);
    const allowed = SIDE_PATH_FROM[target];
    if (!allowed.includes(c.overall_status)) {
      throw new SandboxError(409, 'invalid_transition', `Cannot move a case from ${c.overall_status} to ${target}.`);
    }
    if (target === 'CANCELLED') return this.cancel(id);
    this.setStatus(c, target);
    return c;
  }

  /** Sets the score a case shows once COMPLETE (null: none). */
  setScore(id: string, score: CaseScore | null): SandboxCase {
    const c = this.getCase(id);
    c.score = score;
    return c;
  }

  /** API cancel: idempotent on CANCELLED, refused on COMPLETE. */
  cancel(id: string, accountId?: string): SandboxCase {
    const c = this.getCase(id, accountId);
    if (c.overall_status === 'CANCELLED') return c;
    if (c.overall_status === 'COMPLETE') {
      throw new SandboxError(400, 'invalid_status', 'A completed case cannot be cancelled.');
    }
    for (const ch of c.checks) if (!CLOSED_CHECK_STATUSES.includes(ch.status)) this.setCheckStatus(c, ch, 'CANCELLED');
    this.setStatus(c, 'CANCELLED');
    return c;
  }

  private setStatus(c: SandboxCase, status: CaseStatus): void {
    if (c.overall_status === status) return;
    const now = new Date().toISOString();
    c.overall_status = status;
    c.modified = now;
    c.history.push({ status, at: now });
    this.accountOf(c).webhooks.emit('CASE_STATUS_CHANGED', 'CASE', c.id);
    this.schedule(c);
  }

  private setCheckStatus(c: SandboxCase, ch: SandboxCheck, status: CheckStatus): void {
    if (ch.status === status) return;
    const now = new Date().toISOString();
    ch.status = status;
    ch.modified = now;
    c.modified = now;
    this.accountOf(c).webhooks.emit('CHECK_STATUS_CHANGED', 'CHECK', ch.id);
  }

  private accountOf(c: SandboxCase): SandboxAccount {
    return this.accounts.get(c.accountId);
  }

  // ── auto-advance ─────────────────────────────────────────────────────────────────────────────────────────
  effectiveAutoAdvance(c: SandboxCase): AutoAdvance {
    return c.autoAdvance ?? this.autoAdvance;
  }

  setGlobalAutoAdvance(a: AutoAdvance): void {
    this.autoAdvance = a;
    for (const c of this.cases.values()) this.schedule(c);
  }

  setCaseAutoAdvance(id: string, a: AutoAdvance | null): SandboxCase {
    const c = this.getCase(id);
    c.autoAdvance = a;
    this.schedule(c);
    return c;
  }

  private schedule(c: SandboxCase): void {
    const existing = this.caseTimers.get(c.id);
    if (existing) clearTimeout(existing);
    this.caseTimers.delete(c.id);
    if (this.stopped) return;
    const a = this.effectiveAutoAdvance(c);
    if (!a.enabled || TERMINAL.includes(c.overall_status) || HOLDS.includes(c.overall_status)) return;
    const t = setTimeout(
      () => {
        this.caseTimers.delete(c.id);
        if (!this.cases.has(c.id)) return;
        const changed = this.advance(c.id);
        // A step that changed only a check (overall unchanged) does not reschedule through setStatus.
        if (changed && !this.caseTimers.has(c.id)) this.schedule(c);
      },
      Math.max(0, a.stepDelayMs),
    );
    this.caseTimers.set(c.id, t);
  }

  // ── reports ──────────────────────────────────────────────────────────────────────────────────────────────
  generateReport(caseId: string, accountId?: string): SandboxReportFile {
    const c = this.getCase(caseId, accountId);
    const now = new Date().toISOString();
    const rf: SandboxReportFile = {
      id: randomUUID(),
      case_id: c.id,
      status: 'PENDING',
      created: now,
      modified: now,
      pdf: null,
    };
    this.reportFiles.set(rf.id, rf);
    const t = setTimeout(
      () => {
        this.otherTimers.delete(t);
        void this.finishReport(rf);
      },
      Math.max(0, this.tuning.reportReadyMs),
    );
    this.otherTimers.add(t);
    return rf;
  }

  private async finishReport(rf: SandboxReportFile): Promise<void> {
    const c = this.cases.get(rf.case_id);
    if (!c || this.stopped || !this.reportFiles.has(rf.id)) return;
    if (this.faults.reportFailure) {
      rf.status = 'FAILED';
      rf.modified = new Date().toISOString();
      return;
    }
    try {
      rf.pdf = await renderReportPdf({
        caseId: c.id,
        emailAddress: c.email_address,
        overallStatus: c.overall_status,
        checks: c.checks,
        generatedAt: new Date(),
        reportFileId: rf.id,
      });
      rf.status = 'COMPLETE';
    } catch (e) {
      log.error('report rendering failed', { reportFileId: rf.id, error: e });
      rf.status = 'FAILED';
    }
    rf.modified = new Date().toISOString();
    if (rf.status === 'COMPLETE') this.accountOf(c).webhooks.emit('CASE_REPORT_READY', 'CASE', c.id);
  }

  getReportFile(id: string, accountId?: string): SandboxReportFile {
    const rf = this.reportFiles.get(id);
    if (!rf || (accountId !== undefined && this.cases.get(rf.case_id)?.accountId !== accountId)) {
      throw new SandboxError(404, 'not_found', 'Not found.');
    }
    return rf;
  }

  signPdfPath(fileId: string, expires: number): string {
    return createHmac('sha256', this.urlSecret).update(`${fileId}.${expires}`).digest('hex');
  }

  pdfUrl(fileId: string): string {
    const expires = Date.now() + this.tuning.pdfUrlTtlMs;
    const sig = this.signPdfPath(fileId, expires);
    return `${this.baseUrl}/_files/report-files/${encodeURIComponent(fileId)}.pdf?expires=${expires}&signature=${sig}`;
  }

  checkPdfSignature(fileId: string, expiresRaw: unknown, sigRaw: unknown): 'ok' | 'forged' | 'expired' {
    if (
      typeof expiresRaw !== 'string' ||
      typeof sigRaw !== 'string' ||
      !/^\d+$/.test(expiresRaw) ||
      !/^[0-9a-f]{64}$/.test(sigRaw)
    ) {
      return 'forged';
    }
    const expected = Buffer.from(this.signPdfPath(fileId, Number(expiresRaw)), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(sigRaw, 'hex'))) return 'forged';
    return Date.now() < Number(expiresRaw) ? 'ok' : 'expired';
  }

  // ── views ────────────────────────────────────────────────────────────────────────────────────────────────
  publicCase(c: SandboxCase): PublicCase {
    return {
      id: c.id,
      email_address: c.email_address,
      overall_status: c.overall_status,
      created: c.created,
      modified: c.modified,
      checks: c.checks.map((ch) => ({ id: ch.id, check_type: ch.check_type, status: ch.status })),
      // Shown only once the case is complete (absent before), as contracts/certn.md assumes.
      ...(c.overall_status === 'COMPLETE' && c.score ? { score: c.score } : {}),
    };
  }

  publicReportFile(rf: SandboxReportFile): PublicReportFile {
    return {
      id: rf.id,
      case_id: rf.case_id,
      status: rf.status,
      pdf_url: rf.status === 'COMPLETE' ? this.pdfUrl(rf.id) : null,
      created: rf.created,
      modified: rf.modified,
    };
  }

  controlCase(c: SandboxCase): SandboxCase & { effectiveAutoAdvance: AutoAdvance } {
    return { ...c, effectiveAutoAdvance: this.effectiveAutoAdvance(c) };
  }

  snapshot(): Record<string, unknown> {
    return {
      orderCount: this.orderCount,
      orderRequests: this.orderRequests,
      apiRequests: this.apiRequests,
      caseCount: this.cases.size,
      apiKeys: this.accounts.all().flatMap((a) => [...a.apiKeys]),
      accounts: this.accounts.all().map((a) => this.accounts.view(a)),
      autoAdvance: this.autoAdvance,
      faults: this.faults,
      tuning: this.tuning,
      webhook: this.webhooks.info(),
      deliveryCount: this.webhooks.deliveries.length,
    };
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────────────────
  reset(): void {
    for (const t of this.caseTimers.values()) clearTimeout(t);
    this.caseTimers.clear();
    for (const t of this.otherTimers) clearTimeout(t);
    this.otherTimers.clear();
    this.cases.clear();
    this.reportFiles.clear();
    this.orderCount = 0;
    this.orderRequests = 0;
    this.apiRequests = 0;
    this.faults = defaultFaults();
    this.tuning = defaultTuning();
    this.autoAdvance = { enabled: false, stepDelayMs: 1000 };
    this.urlSecret = randomBytes(32);
    for (const r of this.hanging) r.destroy();
    this.hanging.clear();
    this.accounts.reset();
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.caseTimers.values()) clearTimeout(t);
    this.caseTimers.clear();
    for (const t of this.otherTimers) clearTimeout(t);
    this.otherTimers.clear();
    for (const r of this.hanging) r.destroy();
    this.hanging.clear();
    this.accounts.stop();
  }
}
