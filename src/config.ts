// Process configuration: environment variables validated with zod at start-up, with an error naming the bad one.
import path from 'node:path';
import { z } from 'zod';

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const intFrom = (def: number) => z.coerce.number().int().nonnegative().default(def);
/** An optional whole number ≥ min; an empty value counts as unset (not as 0, which would turn a cache off). */
const optionalInt = (min: number) =>
  z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(min).optional());

/**
 * Worker tuning (Temporal's WorkerOptions): unset keeps the SDK's default, which is what every worker ran with before
 * these were configurable. The cache is what bounds a worker's memory: a check evicted from it costs nothing until
 * its next event, which replays its history (see bench/results.md, figure 6).
 */
const WorkerTuningSchema = z.object({
  /** Checks kept in the worker's sticky cache; SDK default: derived from the heap size (~600 per GiB over 200 MB). */
  WORKER_MAX_CACHED_WORKFLOWS: optionalInt(0),
  /** Activities running at once in one worker (SDK default 100). */
  WORKER_MAX_CONCURRENT_ACTIVITIES: optionalInt(1),
  /** Workflow tasks handled at once in one worker (SDK default 40; the SDK needs at least 2 with a cache). */
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: optionalInt(2),
});

/** Combinations the SDK would silently change (it logs a warning and picks another value): refused instead. */
function checkWorkerTuning(t: z.infer<typeof WorkerTuningSchema>, ctx: z.RefinementCtx): void {
  const cache = t.WORKER_MAX_CACHED_WORKFLOWS;
  if (cache === 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['WORKER_MAX_CACHED_WORKFLOWS'],
      message: 'must be 0 (no cache) or at least 2',
    });
  }
  const tasks = t.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS;
  if (cache !== undefined && cache > 0 && tasks !== undefined && tasks > cache) {
    ctx.addIssue({
      code: 'custom',
      path: ['WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'],
      message: `must not exceed WORKER_MAX_CACHED_WORKFLOWS (${cache}) unless the cache is off (0)`,
    });
  }
}

const EnvSchema = WorkerTuningSchema.extend({
  DATA_DIR: z.string().min(1).default(path.resolve(process.cwd(), '.data')),
  /** PostgreSQL for the settings store (postgres://user:pass@host:port/db); unset = SQLite file in DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Where the API listens. */
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: intFrom(3000),
  /** How Lever and Certn reach this service (webhook URLs are built from it). Defaults to http://API_HOST:API_PORT. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  /** Bearer token for the admin API; the embedded default generates one into DATA_DIR and prints it. */
  ADMIN_TOKEN: z.string().min(16).optional(),
  /** 32-byte key (base64 or 64 hex chars) encrypting secrets at rest; generated into DATA_DIR when absent. */
  MASTER_KEY: z.string().min(32).optional(),
  /** Temporal: when set, use that server instead of starting a dev server. */
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('certn-checks'),
  TEMPORAL_UI_PORT: intFrom(8233),
  /** The Temporal UI's base URL, for links from the checks list; the embedded dev server's UI when unset. */
  TEMPORAL_UI_URL: z.string().url().optional(),
  TEMPORAL_PORT: intFrom(7233),
  /** host:port where the Temporal SDK serves its own worker metrics for Prometheus (/metrics); unset = off. */
  TEMPORAL_METRICS_BIND: z.string().regex(HOST_PORT, 'must be host:port, e.g. 0.0.0.0:9464').optional(),
  /** host:port where `npm run worker` serves the service's own metrics (Lever/Certn calls, budget waits); unset = off. */
  WORKER_METRICS_BIND: z.string().regex(HOST_PORT, 'must be host:port, e.g. 0.0.0.0:9465').optional(),
  /** Base URLs of the real services (or the sandboxes). Unset = start the local sandboxes. */
  LEVER_API_BASE_URL: z.string().url().optional(),
  CERTN_API_BASE_URL: z.string().url().optional(),
  LEVER_SANDBOX_PORT: intFrom(4010),
  CERTN_SANDBOX_PORT: intFrom(4020),
  /** Lever webhooks whose triggeredAt is further than this from now are rejected (replay defence). */
  // Wide enough for Lever's own retries (five more, with growing waits) to outlast a long Temporal outage: every
  // token is remembered for the whole window, and the workflow confirms the stage from Lever before ordering.
  LEVER_WEBHOOK_WINDOW_SECONDS: intFrom(48 * 60 * 60),
  /** How often each API process hands the stage changes queued while Temporal was unavailable (lever-relay.ts). */
  LEVER_RELAY_INTERVAL_SECONDS: z.coerce.number().positive().default(5),
  /**
   * A stage change is acted on only if Lever shows the opportunity in the trigger stage now, or a `stageChanges`
   * entry into it at most this far from the delivery's triggeredAt (the webhook's data is not signed).
   */
  STAGE_ENTRY_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(600),
  /** How often an open check polls Certn when no callback arrives. */
  CERTN_POLL_INTERVAL_SECONDS: intFrom(15 * 60),
  /** How long a check waits for an e-mail to be added after tagging `CERTN - Error (No Email)`. */
  NO_EMAIL_WAIT_SECONDS: intFrom(30 * 24 * 3600),
  /** How long a check waits for Certn to close a case before giving up and tagging it. */
  CASE_MAX_WAIT_SECONDS: intFrom(120 * 24 * 3600),
  /** History events after which a long-running check continues as new. */
  CHECK_MAX_HISTORY_EVENTS: z.coerce.number().int().min(50).default(2000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
}).superRefine(checkWorkerTuning);

export type AppConfig = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {}

function parseOrThrow<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return parseOrThrow(EnvSchema, env);
}

export type WorkerTuningConfig = z.infer<typeof WorkerTuningSchema>;

/** Only the worker tuning, for processes that take the rest of their settings from elsewhere (the test harness). */
export function loadWorkerTuning(env: NodeJS.ProcessEnv = process.env): WorkerTuningConfig {
  return parseOrThrow(WorkerTuningSchema.superRefine(checkWorkerTuning), env);
}

export function publicBaseUrl(config: AppConfig): string {
  return (config.PUBLIC_BASE_URL ?? `http://${config.API_HOST}:${config.API_PORT}`).replace(/\/$/, '');
}
