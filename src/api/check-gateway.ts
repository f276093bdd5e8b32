// The one place the API talks to Temporal about checks. Webhook handlers and admin routes depend on the
// CheckGateway interface; TemporalCheckGateway is the real implementation.
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import type { AppConfig } from '../config';
// The workflow function itself, so start arguments are type-checked against it. The API process loads only the
// deterministic workflow modules here: they reach the activities by type-only imports.
import { backgroundCheck } from '../workflows';
import {
  CancelOutcome,
  CheckState,
  CheckTimings,
  CheckWorkflowInput,
  CertnNudge,
  LeverRemoval,
  StageEntered,
  cancelUpdate,
  certnEventSignal,
  checkWorkflowId,
  leverRemovedSignal,
  stageEnteredSignal,
  stateQuery,
} from '../workflows/definitions';
import { initialSearchAttributes } from '../workflows/search-attributes';

/** The check's clock from the configuration: it travels in every check's input (see CheckWorkflowInput). */
export function checkTimings(
  config: Pick<
    AppConfig,
    'CERTN_POLL_INTERVAL_SECONDS' | 'NO_EMAIL_WAIT_SECONDS' | 'CASE_MAX_WAIT_SECONDS' | 'CHECK_MAX_HISTORY_EVENTS'
  >,
): CheckTimings {
  return {
    pollIntervalMs: config.CERTN_POLL_INTERVAL_SECONDS * 1000,
    noEmailWaitMs: config.NO_EMAIL_WAIT_SECONDS * 1000,
    caseMaxWaitMs: config.CASE_MAX_WAIT_SECONDS * 1000,
    maxHistoryEvents: config.CHECK_MAX_HISTORY_EVENTS,
  };
}

/**
 * What an operator's cancel came to. `cancelled`/`refused`: the check answered (Certn cancelled the case, or refused
 * to); `requested`: accepted, the answer did not come in time and shows in the check's state later; `ended`: nothing
 * left to cancel; `under_way`: another cancel is being acted on; `closed`: the check's run is closed; `not_found`: no check.
 */
export type CancelResult =
  | { result: 'cancelled' | 'refused'; outcome: CancelOutcome }
  | { result: 'requested' }
  | { result: 'ended' | 'under_way'; message: string }
  | { result: 'closed' }
  | { result: 'not_found' };

/** Temporal could not be reached: the caller answers 503 so the sender retries later. */
export class TemporalUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Temporal is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'TemporalUnavailableError';
  }
}

export interface CheckGateway {
  /** Start the check for this opportunity, or signal the open one. */
  stageEntered(teamId: string, opportunityId: string, event: StageEntered): Promise<void>;
  /** Lever said the candidate was archived or deleted: tell the open check (it confirms with Lever); false: none open. */
  leverRemoved(teamId: string, opportunityId: string, removal: LeverRemoval): Promise<boolean>;
  /** Nudge the open check; false when it is closed or gone. */
  certnEvent(workflowId: string, nudge: CertnNudge): Promise<boolean>;
  /** Operator re-run: a new run ordering a new case. Refused while a check is open. */
  rerun(teamId: string, opportunityId: string): Promise<'started' | 'open'>;
  /** Operator cancel: an update the check validates, answered with whether it took. */
  cancel(teamId: string, opportunityId: string, reason: string): Promise<CancelResult>;
  state(teamId: string, opportunityId: string): Promise<CheckState | null>;
}

/**
 * Temporal cannot take the call now, and a retry later can: gRPC UNAVAILABLE (14), DEADLINE_EXCEEDED (4),
 * RESOURCE_EXHAUSTED (8: a busy workflow or a rate limit under load), ABORTED (10) or CANCELLED (1: nothing here
 * cancels a call, yet an overloaded server answered it so), on the error or its cause (the SDK wraps them in
 * ServiceError). The webhooks answer these 503 so Lever and Certn retry, never 500.
 */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 14 || code === 4 || code === 8 || code === 10 || code === 1) return true;
    const msg = e instanceof Error ? e.message : '';
    if (
      /UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED|deadline exceeded|Failed to connect|RESOURCE_EXHAUSTED/i.test(msg)
    ) {
      return true;
    }
  }
  return false;
}

export class TemporalCheckGateway implements CheckGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly timings: CheckTimings,
    /** Webhooks answer fast: a Temporal call slower than this is treated as Temporal being unavailable (503). */
    private readonly deadlineMs = 2_000,
    /** How long an operator's cancel waits for the check's answer (it may call Certn) before answering 202. */
    private readonly cancelAnswerMs = 20_000,
  ) {}

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.deadlineMs, fn);
  }

  async stageEntered(teamId: string, opportunityId: string, event: StageEntered): Promise<void> {
    const workflowId = checkWorkflowId(teamId, opportunityId);
    const input: CheckWorkflowInput = { teamId, opportunityId, timings: this.timings, trigger: event };
    try {
      await this.call(() =>
        this.client.workflow.signalWithStart(backgroundCheck, {
          workflowId,
          taskQueue: this.taskQueue,
          args: [input],
          signal: stageEnteredSignal,
          signalArgs: [event],
          // A closed run may be followed by a new one (a check that ended without ordering must be able to start
          // again); the new run finds any case already ordered for the opportunity and orders nothing.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: initialSearchAttributes(teamId, opportunityId),
          staticSummary: `Certn check · team ${teamId} · opportunity ${opportunityId}`,
        }),
      );
    } catch (err) {
      throw this.translate(err);
    }
  }

  async certnEvent(workflowId: string, nudge: CertnNudge): Promise<boolean> {
    try {
      await this.call(() => this.client.workflow.getHandle(workflowId).signal(certnEventSignal, nudge));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw this.translate(err);
    }
  }

  async leverRemoved(teamId: string, opportunityId: string, removal: LeverRemoval): Promise<boolean> {
    try {
      // Never a start: with no check open there is nothing to cancel.
      const handle = this.client.workflow.getHandle(checkWorkflowId(teamId, opportunityId));
      await this.call(() => handle.signal(leverRemovedSignal, removal));
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw this.translate(err);
    }
  }

  async rerun(teamId: string, opportunityId: string): Promise<'started' | 'open'> {
    const workflowId = checkWorkflowId(teamId, opportunityId);
    const input: CheckWorkflowInput = { teamId, opportunityId, timings: this.timings, rerun: true };
    try {
      await this.call(() =>
        this.client.workflow.start(backgroundCheck, {
          workflowId,
          taskQueue: this.taskQueue,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          typedSearchAttributes: initialSearchAttributes(teamId, opportunityId),
          staticSummary: `Certn check (operator re-run) · team ${teamId} · opportunity ${opportunityId}`,
        }),
      );
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'open';
      throw this.translate(err);
    }
  }

  async cancel(teamId: string, opportunityId: string, reason: string): Promise<CancelResult> {
    const handle = this.client.workflow.getHandle(checkWorkflowId(teamId, opportunityId));
    const deadline = Date.now() + this.cancelAnswerMs;
    let update;
    try {
      // Accepted or rejected (by the validator) on a worker; until then the cancel is not durable, so a timeout
      // here is an unavailable Temporal (503: try again), not a pending cancel.
      update = await this.client.connection.withDeadline(deadline, () =>
        handle.startUpdate(cancelUpdate, { args: [{ reason }], waitForStage: WorkflowUpdateStage.ACCEPTED }),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        return (await this.exists(handle)) ? { result: 'closed' } : { result: 'not_found' };
      }
      throw this.translate(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ? err.cause : err);
    }
    try {
      const outcome = await this.client.connection.withDeadline(deadline, () => update.result());
      return { result: outcome.took ? 'cancelled' : 'refused', outcome };
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        // The validator's refusal (the update handler itself never fails).
        const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
        return {
          result: cause?.type === 'CancelUnderWay' ? 'under_way' : 'ended',
          message: cause?.message ?? err.message,
        };
      }
      // Accepted, so durable: the check acts on it; its answer shows in the state later.
      if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { result: 'requested' };
      throw this.translate(err);
    }
  }

  /** An update finds no open run both for a closed check and for none at all; describe tells them apart. */
  private async exists(handle: ReturnType<Client['workflow']['getHandle']>): Promise<boolean> {
    try {
      await this.call(() => handle.describe());
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw this.translate(err);
    }
  }

  async state(teamId: string, opportunityId: string): Promise<CheckState | null> {
    try {
      return await this.call(() =>
        this.client.workflow.getHandle(checkWorkflowId(teamId, opportunityId)).query(stateQuery),
      );
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw this.translate(err);
    }
  }

  private translate(err: unknown): Error {
    return isTemporalUnavailable(err) ? new TemporalUnavailableError(err) : (err as Error);
  }
}
