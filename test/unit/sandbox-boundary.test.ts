// The sandboxes stand apart from the service: nothing under sandbox/ imports the service's src/ (a fake that shares
// the service's signature code or schemas agrees with its bugs), only the launcher in src/ loads the sandbox, and the
// sandbox's dependencies stay out of the service's production dependencies.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const SANDBOX = path.join(ROOT, 'sandbox');
const SRC = path.join(ROOT, 'src');
/** The one file in src/ allowed to start the sandboxes: `npm start`'s launcher. */
const LAUNCHER = path.join(SRC, 'main.ts');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Module specifiers of static imports/exports, dynamic import() and require(). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

/** Where a specifier points on disk (relative ones only; packages are named, not located). */
const target = (file: string, spec: string) => (spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : null);
const inside = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

describe('the sandbox package boundary', () => {
  it('finds import specifiers in every form', () => {
    const src = `import a from './a';\nimport './b';\nexport { c } from "../c";\nconst d = await import('./d');\nrequire('e');`;
    expect(specifiers(src)).toEqual(['./a', './b', '../c', './d', 'e']);
  });

  it('no file under sandbox/ imports from the service (src/) or the project root', () => {
    const files = tsFiles(SANDBOX);
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap((f) =>
      specifiers(fs.readFileSync(f, 'utf8'))
        .filter((s) => {
          const t = target(f, s);
          return (t !== null && !inside(t, SANDBOX)) || /^lever-certn-temporal(\/|$)/.test(s);
        })
        .map((s) => `${path.relative(ROOT, f)} imports ${s}`),
    );
    expect(offenders).toEqual([]);
  });

  it('no file under src/ imports the sandbox except the launcher (src/main.ts)', () => {
    const importers = tsFiles(SRC).filter((f) =>
      specifiers(fs.readFileSync(f, 'utf8')).some((s) => {
        const t = target(f, s);
        return s.startsWith('@lever-certn/sandbox') || (t !== null && inside(t, SANDBOX));
      }),
    );
    expect(importers.map((f) => path.relative(ROOT, f))).toEqual([path.relative(ROOT, LAUNCHER)]);
  });

  it("the sandbox's dependencies are not the service's production dependencies", () => {
    const root = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const sandbox = JSON.parse(fs.readFileSync(path.join(SANDBOX, 'package.json'), 'utf8'));
    expect(Object.keys(sandbox.dependencies)).toEqual(expect.arrayContaining(['busboy', 'pdf-lib']));
    expect(Object.keys(root.dependencies)).not.toContain('busboy');
    expect(Object.keys(root.dependencies)).not.toContain('pdf-lib');
    expect(Object.keys(root.dependencies)).not.toContain(sandbox.name);
    expect(root.devDependencies[sandbox.name]).toBe('file:sandbox');
  });
});
