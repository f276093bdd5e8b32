// The one place the API talks to Temporal about checks. Webhook handlers and admin routes depend on the
// CheckGateway interface; TemporalCheckGateway is the real implementation.
import {
  Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
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

function isUnavailable(err: unknown): boolean {
  // gRPC UNAVAILABLE (14) / DEADLINE_EXCEEDED (4), or a connection that never came up.
  const code = (err as { code?: unknown })?.code;
  if (code === 14 || code === 4) return true;
  const msg = err instanceof Error ? err.message : '';
  return /UNAVAILABLE|ECONNREFUSED|DEADLINE_EXCEEDED|Failed to connect|connection/i.test(msg);
}

export class TemporalCheckGateway implements CheckGateway {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async stageEntered(teamId: string, opportunityId: string, event: StageEntered): Promise<void> {
    const workflowId = checkWorkflowId(teamId, opportunityId);
    const input: CheckWorkflowInput = { teamId, opportunityId, trigger: event };
    try {
      await this.client.workflow.signalWithStart(CHECK_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        signal: stageEnteredSignal,
        signalArgs: [event],
        // A closed run may be followed by a new one (a check that ended without ordering must be able to start
        // again); the new run finds any case already ordered for the opportunity and orders nothing.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: initialSearchAttributes(teamId, opportunityId),
      });
    } catch (err) {
      throw this.translate(err);
    }
  }

  async certnEvent(workflowId: string, nudge: CertnNudge): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(workflowId).signal(certnEventSignal, nudge);
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
      await this.client.workflow.start(CHECK_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: initialSearchAttributes(teamId, opportunityId),
      });
      return 'started';
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return 'open';
      throw this.translate(err);
    }
  }

  async cancel(teamId: string, opportunityId: string, reason: string): Promise<boolean> {
    try {
      await this.client.workflow.getHandle(checkWorkflowId(teamId, opportunityId)).signal(cancelSignal, { reason });
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw this.translate(err);
    }
  }

  async state(teamId: string, opportunityId: string): Promise<CheckState | null> {
    try {
      return await this.client.workflow.getHandle(checkWorkflowId(teamId, opportunityId)).query(stateQuery);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw this.translate(err);
    }
  }

  private translate(err: unknown): Error {
    return isUnavailable(err) ? new TemporalUnavailableError(err) : (err as Error);
  }
}
