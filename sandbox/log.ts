// The sandboxes' own JSON-lines logger (they import nothing from the service): LOG_LEVEL sets the threshold,
// setSandboxLogSink lets tests silence or capture it.
type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type SandboxLogSink = (line: string) => void;
let sink: SandboxLogSink = (line) => process.stdout.write(line + '\n');
let threshold: Level = (process.env.LOG_LEVEL as Level) in ORDER ? (process.env.LOG_LEVEL as Level) : 'info';

export function setSandboxLogSink(next: SandboxLogSink): void {
  sink = next;
}
export function setSandboxLogLevel(level: Level): void {
  threshold = level;
}

/** Errors are reduced to name and message: a stack or a cause may carry request data. */
function plain(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? { name: v.name, message: v.message } : v;
  return out;
}

export interface SandboxLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(component: string): SandboxLogger {
  const write = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[threshold]) return;
    sink(JSON.stringify({ t: new Date().toISOString(), level, component, msg, ...plain(fields) }));
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
