// Structured JSON-lines logger. Secrets never reach it: callers log ids, never keys or tokens, and a last-line
// redaction masks any field whose name looks like a secret in case one slips through.
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /(key|token|secret|password|authorization|signature)$/i;

export type LogSink = (line: string) => void;
let sink: LogSink = (line) => process.stdout.write(line + '\n');
let threshold: Level = (process.env.LOG_LEVEL as Level) in ORDER ? (process.env.LOG_LEVEL as Level) : 'info';

/** Tests capture every line to prove no secret is ever logged. */
export function setLogSink(next: LogSink): void {
  sink = next;
}
export function setLogLevel(level: Level): void {
  threshold = level;
}

function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Deeper than this is cut, never passed through: unredacted, and possibly a cycle JSON.stringify would throw on.
  if (depth > 4) return '[truncated]';
  if (value instanceof Error) return errorFields(value, depth);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELD.test(k) && typeof v === 'string' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

/**
 * An error as its name and message, with its code (a gRPC status, an errno) and its cause when it has them: the SDK
 * wraps Temporal's answer ("Failed to signalWithStart Workflow"), so the cause is what tells an operator why.
 */
function errorFields(err: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' || typeof code === 'string') out.code = code;
  if (err.cause !== undefined && err.cause !== null) out.cause = redact(err.cause, depth + 1);
  return out;
}

function write(level: Level, component: string, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  const entry = { t: new Date().toISOString(), level, component, msg, ...(redact(fields ?? {}) as object) };
  sink(JSON.stringify(entry));
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(component: string): Logger {
  return {
    debug: (m, f) => write('debug', component, m, f),
    info: (m, f) => write('info', component, m, f),
    warn: (m, f) => write('warn', component, m, f),
    error: (m, f) => write('error', component, m, f),
  };
}
