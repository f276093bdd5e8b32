// `npm start` on a fresh clone: the embedded dev server keeps its database in DATA_DIR, which does not exist yet. The
// real CLI refuses a database file in a missing folder, so starting must create it (owner-only) first.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTemporalCli } from '../../src/temporal/cli';
import { startDevServer } from '../../src/temporal/dev-server';

it('starts with its database file in a folder that does not exist yet', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-server-data-'));
  const dbFile = path.join(root, 'fresh', '.data', 'temporal.db');
  try {
    const server = await startDevServer({ cliPath: await ensureTemporalCli(), headless: true, dbFile });
    try {
      expect(fs.statSync(path.dirname(dbFile)).mode & 0o777).toBe(0o700);
      expect(fs.existsSync(dbFile)).toBe(true);
    } finally {
      await server.stop();
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}, 120_000);
