// The checks list (`GET /api/admin/teams/:teamId/checks`): a team's checks read from Temporal's visibility through
// the search attributes the workflow keeps current (ids and statuses only, no personal data), so every API replica
// sees the same list across restarts. Paging passes Temporal's own page token through, opaque to the caller.
import { createHash } from 'node:crypto';
import express, { RequestHandler } from 'express';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { SettingsStore } from '../settings/store';
import { CHECK_STATUSES, CHECK_WORKFLOW_TYPE, CheckStatus } from '../workflows/definitions';
import { SA_CASE, SA_OPPORTUNITY, SA_PACKAGE, SA_STATUS, SA_TEAM } from '../workflows/search-attributes';

export interface CheckListDeps {
  store: Pick<SettingsStore, 'getTeamConfig'>;
  client: Client;
  /** Base URL of the Temporal UI (e.g. http://127.0.0.1:8233); absent → rows carry no link. */
  temporalUiUrl?: string;
  /** Visibility reads slower than this answer 503 (the page retries on the admin's next click). */
  deadlineMs?: number;
}

export const CheckListQuery = z
  .object({
    status: z.enum(CHECK_STATUSES).optional(),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
    // Temporal's token as base64url: validated here so a malformed one is a 400, not a server error.
    pageToken: z
      .string()
      .max(8192)
      .regex(/^[A-Za-z0-9_-]+$/, 'not a page token from this list')
      .optional(),
  })
  .strict();

/** Ids are the store's (UUIDs); anything else never reaches a visibility query. */
const TeamId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

export interface CheckRow {
  opportunityId: string;
  workflowId: string;
  runId: string;
  status: CheckStatus | string;
  packageName: string | null;
  caseId: string | null;
  /** running: the run is open; closed: it finished (completed, failed, cancelled, terminated, timed out). */
  runState: 'running' | 'closed';
  /** Temporal's close status of a closed run (e.g. Completed, Failed, Terminated); null while running. */
  closeStatus: string | null;
  startedAt: string;
  /** When the row last changed: the close time of a closed run, else the start of the current run. */
  changedAt: string;
  temporalUiUrl: string | null;
}

export interface CheckListPage {
  checks: CheckRow[];
  nextPageToken: string | null;
}

/** A value for a visibility query string literal: quotes and backslashes escaped (ids are validated as well). */
export function visibilityLiteral(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * One team's checks. Continued-as-new runs are left out (the run that continues them is listed instead). The order
 * is visibility's own: open runs first, newest start first, then closed runs, most recently closed first.
 */
export function checkListQuery(teamId: string, status?: CheckStatus): string {
  const parts = [
    `WorkflowType = ${visibilityLiteral(CHECK_WORKFLOW_TYPE)}`,
    `${SA_TEAM.name} = ${visibilityLiteral(teamId)}`,
    `ExecutionStatus != "ContinuedAsNew"`,
  ];
  if (status) parts.push(`${SA_STATUS.name} = ${visibilityLiteral(status)}`);
  return parts.join(' AND ');
}

class BadPageToken extends Error {}

/*
 * Temporal's token travels wrapped with a checksum of the query it belongs to: a token from another team or another
 * status filter, or a mangled one, is a 400 here (Temporal answers such tokens with a retryable error that would
 * only time out). A checksum, not a secret: the list stays stateless across API replicas.
 */
const TAG_BYTES = 8;
function tokenTag(query: string, token: Uint8Array): Buffer {
  return createHash('sha256').update(query).update('\0').update(token).digest().subarray(0, TAG_BYTES);
}
export function wrapPageToken(query: string, token: Uint8Array): string {
  return Buffer.concat([tokenTag(query, token), token]).toString('base64url');
}
export function unwrapPageToken(query: string, wrapped: string): Buffer {
  const raw = Buffer.from(wrapped, 'base64url');
  const token = raw.subarray(TAG_BYTES);
  if (raw.length <= TAG_BYTES || !tokenTag(query, token).equals(raw.subarray(0, TAG_BYTES))) throw new BadPageToken();
  return token;
}

type RawInfo = temporal.api.workflow.v1.IWorkflowExecutionInfo;

function keyword(info: RawInfo, name: string): string | null {
  const payload = info.searchAttributes?.indexedFields?.[name];
  if (!payload) return null;
  const v: unknown = defaultPayloadConverter.fromPayload(payload);
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : null;
}

function isoTime(ts: temporal.api.workflow.v1.IWorkflowExecutionInfo['startTime']): string | null {
  if (!ts) return null;
  const ms = Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

const CLOSE_STATUS: Record<number, string> = {
  2: 'Completed',
  3: 'Failed',
  4: 'Canceled',
  5: 'Terminated',
  6: 'ContinuedAsNew',
  7: 'TimedOut',
};

export function toRow(info: RawInfo, namespace: string, uiUrl: string | undefined): CheckRow {
  const workflowId = info.execution?.workflowId ?? '';
  const runId = info.execution?.runId ?? '';
  const running = (info.status ?? 1) === 1;
  const startedAt = isoTime(info.startTime) ?? new Date(0).toISOString();
  const ui = uiUrl?.replace(/\/+$/, '');
  return {
    opportunityId: keyword(info, SA_OPPORTUNITY.name) ?? workflowId.split(':').pop() ?? '',
    workflowId,
    runId,
    status: keyword(info, SA_STATUS.name) ?? 'Starting',
    packageName: keyword(info, SA_PACKAGE.name),
    caseId: keyword(info, SA_CASE.name),
    runState: running ? 'running' : 'closed',
    closeStatus: running ? null : (CLOSE_STATUS[info.status ?? 0] ?? 'Closed'),
    startedAt,
    changedAt: (!running && isoTime(info.closeTime)) || startedAt,
    temporalUiUrl: ui
      ? `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`
      : null,
  };
}

/** gRPC status code on the error or its cause (the SDK wraps ServiceErrors). */
function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

export async function listChecks(
  deps: CheckListDeps,
  teamId: string,
  q: z.output<typeof CheckListQuery>,
): Promise<CheckListPage> {
  const { client } = deps;
  const namespace = client.options.namespace;
  const query = checkListQuery(teamId, q.status);
  const nextPageToken = q.pageToken ? unwrapPageToken(query, q.pageToken) : undefined;
  const res = await client.connection.withDeadline(Date.now() + (deps.deadlineMs ?? 5_000), () =>
    client.workflowService.listWorkflowExecutions({ namespace, query, pageSize: q.pageSize, nextPageToken }),
  );
  const token = res.nextPageToken && res.nextPageToken.length > 0 ? res.nextPageToken : null;
  return {
    checks: (res.executions ?? []).map((e) => toRow(e, namespace, deps.temporalUiUrl)),
    nextPageToken: token ? wrapPageToken(query, token) : null,
  };
}

/** Mounted inside the admin router (behind its bearer token). */
export function checkListRouter(deps: CheckListDeps): express.Router {
  const router = express.Router();
  const handler: RequestHandler = (req, res, next) => {
    const teamId = TeamId.safeParse(req.params.teamId);
    if (!teamId.success) {
      res.status(404).json({ error: 'not_found', message: 'no such team' });
      return;
    }
    const q = CheckListQuery.safeParse(req.query);
    if (!q.success) {
      const fields: Record<string, string> = {};
      for (const i of q.error.issues) {
        if (i.code === z.ZodIssueCode.unrecognized_keys) for (const k of i.keys) fields[k] ??= 'unknown parameter';
        else fields[i.path.join('.') || '_'] ??= i.message;
      }
      res.status(400).json({ error: 'validation_error', fields });
      return;
    }
    void (async () => {
      if (!(await deps.store.getTeamConfig(teamId.data))) {
        res.status(404).json({ error: 'not_found', message: `team ${teamId.data} not found` });
        return;
      }
      try {
        res.json(await listChecks(deps, teamId.data, q.data));
      } catch (err) {
        const code = grpcCode(err);
        if (err instanceof BadPageToken || (code === 3 && q.data.pageToken)) {
          res.status(400).json({ error: 'validation_error', fields: { pageToken: 'not a page token from this list' } });
        } else if (code === 14 || code === 4) {
          res.status(503).json({ error: 'temporal_unavailable', message: 'Temporal is unreachable, try again later' });
        } else throw err;
      }
    })().catch(next);
  };
  router.get('/teams/:teamId/checks', handler);
  return router;
}
