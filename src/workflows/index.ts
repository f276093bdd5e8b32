// Entry point of the workflow bundle: workflow functions only.
export { backgroundCheck } from './check-workflow';
