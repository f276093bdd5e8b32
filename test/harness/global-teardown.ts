// Jest global teardown: stops the run's Temporal dev server that global-setup.ts started.
export default async function globalTeardown(): Promise<void> {
  await globalThis.__TEMPORAL_DEV_SERVER__?.stop();
  const bundle = process.env.WORKFLOW_BUNDLE_PATH;
  if (bundle) await import('node:fs').then((fs) => fs.rmSync(bundle, { force: true }));
}
