// The one place the API talks to Temporal about checks. Webhook handlers and admin routes depend on the
// CheckGateway interface; TemporalCheckGateway is the real implementation.
import { Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import {
  CHECK_WORKFLOW_TYPE,
  CheckState,
  CheckWorkflowInput,
  CertnNudge,
  StageEntered,
  cancelSignal,
  certnEventSignal,
  checkWorkflowId,
  stageEnteredSignal,
  stateQuery,
} from '../workflows/definitions';
import { initialSearchAttributes } from '../workflows/search-attributes';

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
  /** Nudge the open check; false when it is closed or gone. */
  certnEvent(workflowId: string, nudge: CertnNudge): Promise<boolean>;
  /** Operator re-run: a new run ordering a new case. Refused while a check is open. */
  rerun(teamId: string, opportunityId: string): Promise<'started' | 'open'>;
  cancel(teamId: string, opportunityId: string, reason: string): Promise<boolean>;
  state(teamId: string, opportunityId: string): Promise<CheckState | null>;
}

/** gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4), on the error or its cause (the SDK wraps them in ServiceError). */
function isUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 14 || code === 4) return true;
    const msg = e instanceof Error ? e.message : '';
    if (/UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED|deadline exceeded|Failed to connect/i.test(msg)) return true;
  }
  return false;
}

export class TemporalCheckGateway implements CheckGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    /** Webhooks answer fast: a Temporal call slower than this is treated as Temporal being unavailable (503). */
    private readonly deadlineMs = 2_000,
  ) {}

  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + this.deadlineMs, fn);
  }

  async stageEntered(teamId: string, opportunityId: string, event: StageEntered): Promise<void> {
    const workflowId = checkWorkflowId(teamId, opportunityId);
    const input: CheckWorkflowInput = { teamId, opportunityId, trigger: event };
    try {
      await this.call(() =>
        this.client.workflow.signalWithStart(CHECK_WORKFLOW_TYPE, {
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

  async rerun(teamId: string, opportunityId: string): Promise<'started' | 'open'> {
    const workflowId = checkWorkflowId(teamId, opportunityId);
    const input: CheckWorkflowInput = { teamId, opportunityId, rerun: true };
    try {
      await this.call(() =>
        this.client.workflow.start(CHECK_WORKFLOW_TYPE, {
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

  async cancel(teamId: string, opportunityId: string, reason: string): Promise<boolean> {
    try {
      await this.call(() =>
        this.client.workflow.getHandle(checkWorkflowId(teamId, opportunityId)).signal(cancelSignal, { reason }),
      );
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
    return isUnavailable(err) ? new TemporalUnavailableError(err) : (err as Error);
  }
}
