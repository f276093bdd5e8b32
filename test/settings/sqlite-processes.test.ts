// Two real API processes on one settings file: a burst of delivery claims from both never fails with
// `database is locked` (read-then-write paths take the write lock up front, so busy_timeout applies), and every
// token is claimed exactly once across the two.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SqliteSettingsStore } from '../../src/settings/sqlite-store';

const run = promisify(execFile);
const TSX = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const CLAIMS = 500;

it('2 processes × 500 claims of the same tokens on one file: no lock errors, each token claimed once', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-procs-'));
  const file = path.join(dir, 'settings.db');
  const key = randomBytes(32).toString('hex');
  await new SqliteSettingsStore({ filename: file, masterKey: Buffer.from(key, 'hex') }).close(); // schema first
  const startAt = String(Date.now() + 4000); // both children are up (tsx compiles) before the burst starts
  const child = () => run(TSX, [path.join(__dirname, 'claim-hammer.ts'), file, String(CLAIMS), startAt, key]);
  try {
    const results = (await Promise.all([child(), child()])).map(
      (r) => JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { won: string[]; errors: string[] },
    );
    const errors = results.flatMap((r) => r.errors);
    expect(errors.slice(0, 3)).toEqual([]);
    expect(errors.length).toBe(0);
    const won = results.flatMap((r) => r.won);
    expect(won.length).toBe(CLAIMS);
    expect(new Set(won).size).toBe(CLAIMS);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
