// The OpenAPI 3.0 document of the service's HTTP API, generated from the zod schemas the routes validate requests
// with (settings/schemas.ts, check-list.ts, lever/certn schemas) and answer with (admin/schemas.ts). One table of
// operations below; test/api/openapi.test.ts checks it against real answers and against the routes express serves.
// Over 300 lines on purpose: the table is every operation of the service, kept in one place so none is missed.
import { OpenAPIRegistry, OpenApiGeneratorV3, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { CertnWebhookEvent } from '../certn/schemas';
import { LeverWebhookBody } from '../lever/schemas';
import { CancelBody, PackageCreateBody, PackageUpdateBody, TeamCreateBody, TeamUpdateBody } from '../settings/schemas';
import * as S from './admin/schemas';
import { CheckListQuery } from './check-list';
import { ALLOWED_METHODS } from './request-guard';

extendZodWithOpenApi(z);

type Method = 'get' | 'post' | 'patch' | 'delete';
/** A JSON schema, a non-JSON media type, or no body. */
type Answer = z.ZodTypeAny | 'text/plain' | 'text/html' | null;
interface Op {
  method: Method;
  path: string; // express syntax (`:teamId`), turned into `{teamId}`
  summary: string;
  description?: string;
  /** Public routes need no bearer token. */
  public?: boolean;
  query?: z.AnyZodObject;
  body?: z.ZodTypeAny;
  responses: Record<number, [string, Answer]>;
}

const err = S.ErrorBody;
const unauthorized: Op['responses'] = { 401: ['Missing or wrong bearer token', err] };
const badRequest: Op['responses'] = {
  400: ['Invalid body (one message per field), body not JSON, or a path with invalid percent-encoding', S.BadRequest],
};
const teamNotFound: Op['responses'] = { 404: ['Unknown team (or package)', err] };
const conflict = (why: string): Op['responses'] => ({ 409: [why, err] });
const tooLarge: Op['responses'] = { 413: ['Body over 100 kB', err] };
const temporalDown: Op['responses'] = { 503: ['Temporal is unreachable; try again later', err] };
/** Admin routes: bearer token, then the path; bodies are JSON. */
const admin = (withBody: boolean): Op['responses'] => ({
  ...unauthorized,
  ...(withBody ? { ...badRequest, ...tooLarge } : { 400: ['A path with invalid percent-encoding', err] }),
  ...teamNotFound,
});

const OPS: Op[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness (the settings database answers)',
    public: true,
    responses: { 200: ['OK', S.Health], 503: ['Database unavailable', S.Unhealthy] },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: 503 while Temporal or the settings database cannot be reached',
    public: true,
    responses: { 200: ['Ready', S.Readiness], 503: ['Not ready; `checks` says which part is down', S.Readiness] },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus counters',
    public: true,
    responses: { 200: ['Prometheus text format', 'text/plain'] },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This document',
    public: true,
    responses: { 200: ['The OpenAPI document', z.object({ openapi: z.string() }).passthrough()] },
  },
  { method: 'get', path: '/', summary: 'The settings page', public: true, responses: { 200: ['HTML', 'text/html'] } },
  {
    method: 'get',
    path: '/admin',
    summary: 'The settings page',
    public: true,
    responses: { 200: ['HTML', 'text/html'] },
  },
  {
    method: 'get',
    path: '/api/admin/check-types',
    summary: "Certn's check type catalogue (what packages may contain)",
    responses: { 200: ['OK', S.CheckTypeList], ...unauthorized },
  },
  {
    method: 'get',
    path: '/api/admin/teams',
    summary: 'List teams',
    responses: { 200: ['OK', S.TeamList], ...unauthorized },
  },
  {
    method: 'post',
    path: '/api/admin/teams',
    summary: 'Create a team (disabled until enabled)',
    body: TeamCreateBody,
    responses: { 201: ['Created', S.TeamSchema], ...unauthorized, ...badRequest, ...tooLarge, ...conflict('Conflict') },
  },
  {
    method: 'get',
    path: '/api/admin/teams/:teamId',
    summary: 'Get a team',
    responses: { 200: ['OK', S.TeamSchema], ...admin(false) },
  },
  {
    method: 'patch',
    path: '/api/admin/teams/:teamId',
    summary: 'Update a team',
    description:
      'Absent fields are left alone; `null` clears a setting; an empty or absent body changes nothing. A new trigger ' +
      'or advance stage name of an enabled team is looked up in Lever now (422 when it is not there or the two ' +
      'would be one stage, 503 when Lever is down).',
    body: TeamUpdateBody.optional(),
    responses: {
      200: ['OK', S.TeamSchema],
      ...admin(true),
      ...conflict('A setting required while enabled was cleared, or the team changed meanwhile'),
      422: ['A new stage name is not in Lever (or is ambiguous), or advance and trigger stage would be one', err],
      503: ['Lever unreachable; nothing changed', err],
    },
  },
  {
    method: 'post',
    path: '/api/admin/teams/:teamId/packages',
    summary: 'Create a package',
    body: PackageCreateBody,
    responses: { 201: ['Created', S.PackageSchema], ...admin(true), ...conflict('A package with this name exists') },
  },
  {
    method: 'patch',
    path: '/api/admin/teams/:teamId/packages/:packageId',
    summary: 'Rename a package or change its check types',
    body: PackageUpdateBody,
    responses: { 200: ['OK', S.PackageSchema], ...admin(true), ...conflict('Name taken') },
  },
  {
    method: 'delete',
    path: '/api/admin/teams/:teamId/packages/:packageId',
    summary: 'Delete a package',
    responses: { 204: ['Deleted', null], ...admin(false), ...conflict('The default package of an enabled team') },
  },
  {
    method: 'post',
    path: '/api/admin/teams/:teamId/packages/:packageId/default',
    summary: 'Make the package the default',
    responses: { 200: ['The team', S.TeamSchema], ...admin(false) },
  },
  {
    method: 'post',
    path: '/api/admin/teams/:teamId/enable',
    summary: 'Validate the settings against Lever and Certn, resolve the trigger stage and enable',
    responses: {
      200: ['Enabled', S.Enabled],
      ...admin(false),
      ...conflict('The team changed while it was validated; nothing enabled'),
      422: ['Every problem found, each naming its field', S.Unprocessable],
    },
  },
  {
    method: 'post',
    path: '/api/admin/teams/:teamId/disable',
    summary: 'Disable (open checks carry on; no new ones start)',
    responses: { 200: ['The team', S.TeamSchema], ...admin(false) },
  },
  {
    method: 'post',
    path: '/api/admin/teams/:teamId/report-links/rotate',
    summary: 'Rotate the report-link key: every link on Lever profiles stops working',
    responses: { 200: ['Rotated', S.Rotated], ...admin(false) },
  },
  {
    method: 'get',
    path: '/api/admin/teams/:teamId/checks',
    summary: "The team's checks, newest first, from Temporal's visibility",
    query: CheckListQuery,
    responses: {
      200: ['A page of checks', S.CheckListPageSchema],
      ...unauthorized,
      400: ['Invalid query (one message per field)', S.BadRequest],
      ...teamNotFound,
      ...temporalDown,
    },
  },
  {
    method: 'get',
    path: '/api/admin/teams/:teamId/checks/:opportunityId',
    summary: "One check's state",
    responses: { 200: ['OK', S.CheckView], ...admin(false), ...temporalDown },
  },
  {
    method: 'post',
    path: '/api/admin/teams/:teamId/checks/:opportunityId/rerun',
    summary: 'Order a new case for a closed check',
    responses: {
      202: ['Started', S.RerunStarted],
      ...admin(false),
      ...conflict('Team disabled, or the check is still open'),
      ...temporalDown,
    },
  },
  {
    method: 'post',
    path: '/api/admin/teams/:teamId/checks/:opportunityId/cancel',
    summary: 'Cancel an open check (its Certn case too)',
    body: CancelBody.optional(),
    responses: {
      200: ['Cancelled', S.CancelDone],
      202: ['Requested; the outcome shows in the check state later', S.CancelRequested],
      ...admin(true),
      ...conflict('Refused, ended, already under way, or closed'),
      ...temporalDown,
    },
  },
  {
    method: 'post',
    path: '/webhooks/lever/:hookId',
    summary: 'Lever webhook (candidateStageChange; others acknowledged)',
    description: 'Signed with the team signature token over `token + triggeredAt`; replays answered without effect.',
    public: true,
    body: LeverWebhookBody,
    responses: {
      200: ['Handled (or acknowledged without effect)', S.LeverWebhookOk],
      202: [
        'queued: Temporal unreachable, the stage change is stored and handed over once it is back',
        S.LeverWebhookOk,
      ],
      400: ['Not a Lever webhook body', S.LeverWebhookError],
      401: ['Bad signature, or triggeredAt outside the window', S.LeverWebhookError],
      404: ['Unknown hook id', S.LeverWebhookError],
      409: ['token_reused: this token came with another body', S.LeverWebhookError],
      413: ['Body over 64 kB', S.LeverWebhookError],
      503: [
        'Temporal unreachable (an archive/delete, or the queue write failed) or the same delivery in flight: Lever retries',
        S.LeverWebhookError,
      ],
    },
  },
  {
    method: 'get',
    path: '/webhooks/certn/:hookId',
    summary: 'Certn endpoint verification (echoes ?challenge)',
    public: true,
    query: z.object({ challenge: z.string().max(1024) }),
    responses: {
      200: ['The challenge echoed', 'text/plain'],
      400: ['No challenge', S.CertnWebhookError],
      404: ['Unknown hook id', S.CertnWebhookError],
    },
  },
  {
    method: 'post',
    path: '/webhooks/certn/:hookId',
    summary: 'Certn event (a nudge to re-read the case)',
    description: '`X-Signature`: HMAC-SHA256 of the raw body with the team Certn webhook secret.',
    public: true,
    body: CertnWebhookEvent,
    responses: {
      200: ['Delivered (or acknowledged: unknown object, closed check)', S.CertnWebhookOk],
      400: ['Malformed body', S.CertnWebhookError],
      401: ['Bad signature', S.CertnWebhookError],
      404: ['Unknown hook id', S.CertnWebhookError],
      413: ['Body over 64 kB', S.CertnWebhookError],
      503: ['Temporal unreachable: Certn retries', S.CertnWebhookError],
    },
  },
  {
    method: 'get',
    path: '/reports/:teamId/:caseId/:kind',
    summary: 'A signed report link from a Lever profile: redirects to the current Certn report',
    public: true,
    query: z.object({ sig: z.string() }),
    responses: {
      302: ['Redirect to the report', null],
      404: ['No such report (or a revoked / forged link)', 'text/plain'],
      429: ['Too many clicks for this report', 'text/plain'],
      502: ['Certn refused', 'text/plain'],
      503: ['Report being prepared, or Certn unavailable', 'text/plain'],
    },
  },
];

/** Every route answers these too (request-guard.ts runs before all of them). */
const GUARD: Op['responses'] = {
  400: ['A path with invalid percent-encoding', err],
  415: ['A compressed body (Content-Encoding other than identity)', err],
};

export const OPERATIONS: readonly { method: Method; path: string }[] = OPS;

/** `/teams/:teamId` → `/teams/{teamId}`. */
export const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

function content(answer: Answer) {
  if (answer === null) return undefined;
  if (typeof answer === 'string') return { [answer]: { schema: z.string() } };
  return { 'application/json': { schema: answer } };
}

function buildRegistry(): OpenAPIRegistry {
  const r = new OpenAPIRegistry();
  const named: [string, z.ZodTypeAny][] = [
    ['Error', S.ErrorBody],
    ['ValidationError', S.ValidationError],
    ['Team', S.TeamSchema],
    ['Package', S.PackageSchema],
    ['CheckState', S.CheckStateSchema],
    ['TeamCreate', TeamCreateBody],
    ['TeamUpdate', TeamUpdateBody],
    ['PackageCreate', PackageCreateBody],
    ['PackageUpdate', PackageUpdateBody],
  ];
  // Registering names the schema (a $ref in the document) without changing what the routes validate with.
  const ref = new Map(named.map(([name, schema]) => [schema, r.register(name, schema)]));
  const use = <T extends z.ZodTypeAny>(s: T): T => (ref.get(s) as T | undefined) ?? s;
  r.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });

  for (const op of OPS) {
    const params = [...op.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const responses: Record<string, { description: string; content?: ReturnType<typeof content> }> = {};
    for (const [status, [description, answer]] of Object.entries({ ...GUARD, ...op.responses })) {
      const c = content(answer && typeof answer !== 'string' ? use(answer) : answer);
      responses[status] = c ? { description, content: c } : { description };
    }
    r.registerPath({
      method: op.method,
      path: openApiPath(op.path),
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.public ? { security: [] } : {}),
      request: {
        ...(params.length > 0
          ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string().min(1)]))) }
          : {}),
        ...(op.query ? { query: op.query } : {}),
        ...(op.body
          ? {
              body: {
                required: !op.body.isOptional(),
                content: { 'application/json': { schema: use(op.body.isOptional() ? unwrap(op.body) : op.body) } },
              },
            }
          : {}),
      },
      responses,
    });
  }
  return r;
}

function unwrap(s: z.ZodTypeAny): z.ZodTypeAny {
  return s instanceof z.ZodOptional ? (s.unwrap() as z.ZodTypeAny) : s;
}

let cached: ReturnType<OpenApiGeneratorV3['generateDocument']> | undefined;

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  cached ??= new OpenApiGeneratorV3(buildRegistry().definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Lever ⇄ Certn background checks',
      version: '0.1.0',
      description:
        'Admin API for team settings and packages, operator routes for checks, and the Lever and Certn webhook ' +
        'endpoints. Every /api/admin request needs `Authorization: Bearer <admin token>`. Secrets are write-only: ' +
        `responses show \`{set, masked}\` only. Methods other than ${ALLOWED_METHODS} (TRACE, TRACK, CONNECT) are ` +
        'answered 405 on every path.',
    },
    security: [{ bearerAuth: [] }],
  });
  return { ...cached, servers: [{ url: serverUrl }] };
}
