// @lever-certn/sandbox: the Lever and Certn sandboxes. Each side is also its own entry (`@lever-certn/sandbox/lever`,
// `@lever-certn/sandbox/certn`) with its seed data and state types; this entry starts either and sets the log level.
export { startLeverSandbox, type LeverSandbox, type LeverSandboxOptions } from './lever';
export { startCertnSandbox, type CertnSandbox } from './certn';
export { setSandboxLogLevel, setSandboxLogSink } from './log';
