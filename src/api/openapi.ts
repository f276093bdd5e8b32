// Hand-written OpenAPI 3.0 document of the service's HTTP API (admin REST, webhooks, health, metrics).
// Keep in step with app.ts, lever-webhook.ts, certn-webhook.ts and settings/schemas.ts (a test walks the routes).
import { CHECK_TYPE_CATALOGUE } from '../certn/schemas';
import { CHECK_STATUSES } from '../workflows/definitions';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const err = (description: string) => json(ref('Error'), description);
const teamIdParam = { name: 'teamId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const packageIdParam = { name: 'packageId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const opportunityIdParam = { name: 'opportunityId', in: 'path', required: true, schema: { type: 'string' } };
const hookIdParam = {
  name: 'hookId',
  in: 'path',
  required: true,
  description: "The team's random webhook id (from the team's webhookUrls).",
  schema: { type: 'string' },
};
const common = {
  '400': json(ref('ValidationError'), 'Invalid body: one message per field'),
  '401': err('Missing or wrong bearer token'),
};
const notFound = { '404': err('Unknown team (or package)') };
const body = (schema: Json) => ({ required: true, content: { 'application/json': { schema } } });

const nullableString = (description?: string) => ({
  type: 'string',
  nullable: true,
  minLength: 1,
  ...(description ? { description } : {}),
});

export function openApiDocument(serverUrl: string): Json {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Lever ⇄ Certn background checks',
      version: '0.1.0',
      description:
        'Admin API for team settings and packages, operator routes for one check, and the Lever and Certn webhook ' +
        'endpoints. Every /api/admin request needs `Authorization: Bearer <admin token>`. Secrets are write-only: ' +
        'responses show `{set, masked}` only.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearerAuth: [] }],
    paths: {
      '/healthz': {
        get: {
          summary: 'Liveness (the settings database answers)',
          security: [],
          responses: {
            '200': json({ type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }),
            '503': err('Database unavailable'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus counters',
          security: [],
          responses: {
            '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
          },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': json({ type: 'object' }) } },
      },
      '/api/admin/check-types': {
        get: {
          summary: "Certn's check type catalogue (what packages may contain)",
          responses: {
            '200': json({ type: 'object', properties: { checkTypes: { type: 'array', items: ref('CheckType') } } }),
            '401': common['401'],
          },
        },
      },
      '/api/admin/teams': {
        get: {
          summary: 'List teams',
          responses: {
            '200': json({ type: 'object', properties: { teams: { type: 'array', items: ref('Team') } } }),
            '401': common['401'],
          },
        },
        post: {
          summary: 'Create a team (disabled until enabled)',
          requestBody: body(ref('TeamCreate')),
          responses: { '201': json(ref('Team'), 'Created'), ...common },
        },
      },
      '/api/admin/teams/{teamId}': {
        parameters: [teamIdParam],
        get: { summary: 'Get a team', responses: { '200': json(ref('Team')), '401': common['401'], ...notFound } },
        patch: {
          summary: 'Update a team',
          description:
            'Absent fields are left alone; `null` clears a setting. Changing the trigger stage name disables the team ' +
            '(enable again to resolve the new stage). Clearing a required setting of an enabled team is refused (409).',
          requestBody: body(ref('TeamUpdate')),
          responses: { '200': json(ref('Team')), ...common, ...notFound, '409': err('Setting required while enabled') },
        },
      },
      '/api/admin/teams/{teamId}/packages': {
        parameters: [teamIdParam],
        post: {
          summary: 'Create a package',
          requestBody: body(ref('PackageCreate')),
          responses: {
            '201': json(ref('Package'), 'Created'),
            ...common,
            ...notFound,
            '409': err('A package with this name (trimmed, ignoring case) exists'),
          },
        },
      },
      '/api/admin/teams/{teamId}/packages/{packageId}': {
        parameters: [teamIdParam, packageIdParam],
        patch: {
          summary: 'Rename a package or change its check types',
          requestBody: body(ref('PackageUpdate')),
          responses: { '200': json(ref('Package')), ...common, ...notFound, '409': err('Name taken') },
        },
        delete: {
          summary: 'Delete a package',
          responses: {
            '204': { description: 'Deleted' },
            '401': common['401'],
            ...notFound,
            '409': err('It is the default package of an enabled team'),
          },
        },
      },
      '/api/admin/teams/{teamId}/packages/{packageId}/default': {
        parameters: [teamIdParam, packageIdParam],
        post: {
          summary: 'Make the package the default',
          responses: { '200': json(ref('Team')), '401': common['401'], ...notFound },
        },
      },
      '/api/admin/teams/{teamId}/enable': {
        parameters: [teamIdParam],
        post: {
          summary: 'Validate the settings and enable the integration',
          description:
            'Checks the Lever key (lists stages), that the trigger stage name exists in that Lever account ' +
            '(trimmed, ignoring case), the signature token, the perform-as user, the Certn key, the Certn webhook ' +
            'secret and the default package. Stores the resolved stage id and returns the webhook URLs to configure.',
          responses: {
            '200': json({
              type: 'object',
              required: ['team', 'webhookUrls'],
              properties: { team: ref('Team'), webhookUrls: ref('WebhookUrls') },
            }),
            '401': common['401'],
            ...notFound,
            '422': json(ref('EnableFailed'), 'Something is wrong: every problem is listed'),
          },
        },
      },
      '/api/admin/teams/{teamId}/disable': {
        parameters: [teamIdParam],
        post: {
          summary: 'Disable (stage changes are then acknowledged and ignored)',
          responses: { '200': json(ref('Team')), '401': common['401'], ...notFound },
        },
      },
      '/api/admin/teams/{teamId}/report-links/rotate': {
        parameters: [teamIdParam],
        post: {
          summary: "Rotate the team's report link key: every report link on its Lever profiles stops working",
          responses: {
            '200': json({ type: 'object', properties: { rotated: { type: 'boolean' } } }),
            '401': common['401'],
            ...notFound,
          },
        },
      },
      '/api/admin/teams/{teamId}/checks/{opportunityId}': {
        parameters: [teamIdParam, opportunityIdParam],
        get: {
          summary: "A check's state (workflow query)",
          responses: {
            '200': json({ type: 'object', properties: { workflowId: { type: 'string' }, state: ref('CheckState') } }),
            '401': common['401'],
            '404': err('Unknown team or no check'),
            '503': err('Temporal unavailable'),
          },
        },
      },
      '/api/admin/teams/{teamId}/checks/{opportunityId}/rerun': {
        parameters: [teamIdParam, opportunityIdParam],
        post: {
          summary: 'Re-run a closed check (orders a new case)',
          responses: {
            '202': json(
              {
                type: 'object',
                properties: { status: { type: 'string', enum: ['started'] }, workflowId: { type: 'string' } },
              },
              'Started',
            ),
            '401': common['401'],
            ...notFound,
            '409': err('The check is still open, or the team is disabled'),
            '503': err('Temporal unavailable'),
          },
        },
      },
      '/api/admin/teams/{teamId}/checks/{opportunityId}/cancel': {
        parameters: [teamIdParam, opportunityIdParam],
        post: {
          summary: 'Cancel an open check',
          requestBody: { required: false, content: { 'application/json': { schema: ref('Cancel') } } },
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  status: { type: 'string', enum: ['cancelled'] },
                  workflowId: { type: 'string' },
                  check: {
                    type: 'object',
                    properties: { took: { type: 'boolean' }, status: { type: 'string' }, detail: { type: 'string' } },
                  },
                },
              },
              'The cancel took (Certn cancelled the case, or nothing had been ordered yet)',
            ),
            '202': json(
              {
                type: 'object',
                properties: { status: { type: 'string', enum: ['cancel_requested'] }, workflowId: { type: 'string' } },
              },
              'Accepted; the check had not answered in time (its state shows the outcome)',
            ),
            ...common,
            '404': err('Unknown team or no check for this opportunity'),
            '409': err(
              'Nothing left to cancel (check_ended, check_closed), a cancel under way, or Certn refused (cancel_refused)',
            ),
            '503': err('Temporal unavailable'),
          },
        },
      },
      '/webhooks/lever/{hookId}': {
        parameters: [hookIdParam],
        post: {
          summary: 'Lever webhook (candidateStageChange; candidateHired ping)',
          security: [],
          description:
            'Signed in the body (HMAC-SHA256 of token + triggeredAt with the team signature token). Each token is ' +
            'accepted once; triggeredAt must be within LEVER_WEBHOOK_WINDOW_SECONDS of now. Body limit 64 KB.',
          requestBody: body(ref('LeverWebhook')),
          responses: {
            '200': json(ref('WebhookAck'), 'Accepted or acknowledged and ignored (see outcome)'),
            '400': err('Not JSON or not a Lever webhook body'),
            '401': err('Bad signature, or triggeredAt outside the window'),
            '404': err('Unknown hook id'),
            '413': err('Body too large'),
            '500': err('Unexpected failure (the token is released, so the retry is accepted)'),
            '503': err(
              'Retry later: Temporal unavailable (error temporal_unavailable; the token is released), or this ' +
                'very delivery is being handed over by another request right now (error in_flight)',
            ),
          },
        },
      },
      '/webhooks/certn/{hookId}': {
        parameters: [hookIdParam],
        get: {
          summary: 'Certn endpoint verification',
          security: [],
          parameters: [{ name: 'challenge', in: 'query', required: true, schema: { type: 'string', maxLength: 1024 } }],
          responses: {
            '200': { description: 'The challenge echoed', content: { 'text/plain': { schema: { type: 'string' } } } },
            '400': err('No challenge'),
            '404': err('Unknown hook id'),
          },
        },
        post: {
          summary: 'Certn event (a nudge to re-read the case)',
          security: [],
          parameters: [
            {
              name: 'X-Signature',
              in: 'header',
              required: true,
              description: 'hex HMAC-SHA256 of the raw body',
              schema: { type: 'string' },
            },
          ],
          requestBody: body(ref('CertnEvent')),
          responses: {
            '200': json(ref('WebhookAck'), 'Delivered, or acknowledged (unknown object, closed check)'),
            '400': err('Not JSON or not a Certn event'),
            '401': err('Bad signature'),
            '404': err('Unknown hook id'),
            '413': err('Body too large'),
            '503': err('Temporal unavailable: retry later'),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
        },
        ValidationError: {
          type: 'object',
          required: ['error', 'fields'],
          properties: {
            error: { type: 'string', enum: ['validation_error'] },
            fields: {
              type: 'object',
              additionalProperties: { type: 'string' },
              example: { 'lever.apiKey': 'must not be empty' },
            },
          },
        },
        Secret: {
          type: 'object',
          description: 'A write-only secret as shown: whether it is set and its last four characters at most.',
          required: ['set', 'masked'],
          properties: { set: { type: 'boolean' }, masked: { type: 'string', nullable: true, example: '••••abcd' } },
        },
        CheckType: { type: 'string', enum: [...CHECK_TYPE_CATALOGUE] },
        Package: {
          type: 'object',
          required: ['id', 'teamId', 'name', 'checkTypes', 'createdAt', 'updatedAt'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            teamId: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            checkTypes: { type: 'array', items: ref('CheckType'), minItems: 1 },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
          },
        },
        WebhookUrls: {
          type: 'object',
          required: ['lever', 'certn'],
          properties: { lever: { type: 'string', format: 'uri' }, certn: { type: 'string', format: 'uri' } },
        },
        Team: {
          type: 'object',
          required: ['id', 'name', 'enabled', 'lever', 'certn', 'packages', 'defaultPackageId', 'webhookUrls'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            enabled: { type: 'boolean' },
            leverWebhookId: { type: 'string' },
            certnWebhookId: { type: 'string' },
            lever: {
              type: 'object',
              properties: {
                triggerStageName: { type: 'string', nullable: true },
                triggerStageId: { type: 'string', nullable: true, description: 'Resolved when enabled' },
                performAsUserId: { type: 'string', nullable: true },
                apiKey: ref('Secret'),
                signatureToken: ref('Secret'),
              },
            },
            certn: { type: 'object', properties: { apiKey: ref('Secret'), webhookSecret: ref('Secret') } },
            packages: { type: 'array', items: ref('Package') },
            defaultPackageId: { type: 'string', nullable: true },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
            webhookUrls: ref('WebhookUrls'),
          },
        },
        LeverSettingsInput: {
          type: 'object',
          additionalProperties: false,
          properties: {
            apiKey: nullableString('Write-only'),
            signatureToken: nullableString("Write-only: the Lever webhook's signature token"),
            triggerStageName: nullableString('Stage name as shown in Lever (trimmed, case-insensitive)'),
            performAsUserId: nullableString('Lever user id for perform_as (file uploads)'),
          },
        },
        CertnSettingsInput: {
          type: 'object',
          additionalProperties: false,
          properties: { apiKey: nullableString('Write-only'), webhookSecret: nullableString('Write-only') },
        },
        TeamCreate: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            lever: ref('LeverSettingsInput'),
            certn: ref('CertnSettingsInput'),
          },
        },
        TeamUpdate: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            lever: ref('LeverSettingsInput'),
            certn: ref('CertnSettingsInput'),
          },
        },
        PackageCreate: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'checkTypes'],
          properties: {
            name: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description: 'Unique in the team, trimmed, ignoring case',
            },
            checkTypes: { type: 'array', items: ref('CheckType'), minItems: 1, uniqueItems: true },
          },
        },
        PackageUpdate: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200 },
            checkTypes: { type: 'array', items: ref('CheckType'), minItems: 1, uniqueItems: true },
          },
        },
        EnableFailed: {
          type: 'object',
          required: ['error', 'problems'],
          properties: {
            error: { type: 'string', enum: ['enable_failed'] },
            message: { type: 'string' },
            problems: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'code', 'message'],
                properties: {
                  field: { type: 'string', example: 'lever.triggerStageName' },
                  code: {
                    type: 'string',
                    enum: ['missing', 'rejected', 'unreachable', 'stage_not_found', 'stage_ambiguous'],
                  },
                  message: { type: 'string' },
                  availableStages: { type: 'array', items: { type: 'string' } },
                },
              },
            },
          },
        },
        Cancel: {
          type: 'object',
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        CheckState: {
          type: 'object',
          properties: {
            teamId: { type: 'string' },
            opportunityId: { type: 'string' },
            status: { type: 'string', enum: [...CHECK_STATUSES] },
            packageName: { type: 'string' },
            caseId: { type: 'string' },
            certnStatus: { type: 'string' },
            reportLink: { type: 'string' },
            fileAttached: { type: 'boolean' },
            noteAdded: { type: 'boolean' },
            transitions: {
              type: 'array',
              items: {
                type: 'object',
                properties: { at: { type: 'string' }, status: { type: 'string' }, detail: { type: 'string' } },
              },
            },
          },
        },
        WebhookAck: {
          type: 'object',
          required: ['ok', 'outcome'],
          properties: {
            ok: { type: 'boolean', enum: [true] },
            outcome: {
              type: 'string',
              enum: [
                'accepted',
                'check_closed',
                'ping',
                'duplicate',
                'team_disabled',
                'event_ignored',
                'other_stage',
                'signalled',
                'unknown_object',
              ],
            },
          },
        },
        LeverWebhook: {
          type: 'object',
          required: ['triggeredAt', 'event', 'data', 'signature', 'token'],
          properties: {
            triggeredAt: { type: 'integer', description: 'Epoch milliseconds' },
            event: { type: 'string', example: 'candidateStageChange' },
            data: {
              type: 'object',
              properties: {
                opportunityId: { type: 'string' },
                candidateId: { type: 'string' },
                contactId: { type: 'string' },
                toStageId: { type: 'string' },
                fromStageId: { type: 'string', nullable: true },
              },
            },
            signature: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
            token: { type: 'string' },
          },
        },
        CertnEvent: {
          type: 'object',
          required: ['id', 'event_type', 'object_id', 'object_type'],
          properties: {
            id: { type: 'string' },
            event_type: { type: 'string', example: 'CASE_STATUS_CHANGED' },
            object_id: { type: 'string' },
            object_type: { type: 'string', example: 'CASE' },
          },
        },
      },
    },
  };
}
