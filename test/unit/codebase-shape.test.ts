// The codebase's own rules, checked: every TypeScript file states its role in its first line, and a file over ~300
// lines says why at its top (issue 7). Reads the files git tracks, so a new file is held to them at once.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const LONG = 320; // "~300 lines": a little slack before a reason is owed

function trackedTypeScript(): string[] {
  const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' });
  return out
    .split('\n')
    .filter((f) => f && !f.startsWith('node_modules/') && fs.existsSync(path.join(ROOT, f)))
    .sort();
}

describe('codebase shape', () => {
  const files = trackedTypeScript();

  it('finds the files it checks', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it('every TypeScript file states its role in its first line', () => {
    const silent = files.filter((f) => !/^\s*(\/\/|\/\*)/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(silent).toEqual([]);
  });

  it('every file over ~300 lines says why at its top', () => {
    const unexplained = files.filter((f) => {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      if (text.split('\n').length <= LONG) return false;
      const head = text.split('\n').slice(0, 8).join('\n');
      return !/over 300 lines/i.test(head);
    });
    expect(unexplained).toEqual([]);
  });
});
