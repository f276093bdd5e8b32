// docker-compose.yml and the Dockerfile, checked without a Docker engine: the API and the worker get every
// variable the service requires (the same list `npm run api` / `npm run worker` enforce), every image is pinned,
// only the API publishes a port, Temporal runs on PostgreSQL with its schema from the admin-tools image.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { REQUIRED_ENV } from '../../src/processes/service-parts';

const ROOT = path.resolve(__dirname, '../..');
const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, any> = compose.services;
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');

/** A value compose resolves to something non-empty: a literal, `${X:?error}` or `${X:-non-empty default}`. */
function alwaysSet(value: unknown): boolean {
  if (value === undefined || value === null || String(value) === '') return false;
  const refs = [...String(value).matchAll(/\$\{([A-Z0-9_]+)(?:(:\?|:-)([^}]*))?\}/g)];
  return refs.every(([, , op, rest]) => op === ':?' || (op === ':-' && rest !== ''));
}

describe.each(['api', 'worker'] as const)('the %s service', (role) => {
  const svc = services[role];

  test('sets every variable the process requires, none of them possibly empty', () => {
    const env: Record<string, unknown> = svc.environment;
    const missing = REQUIRED_ENV[role].filter((name) => !alwaysSet(env[name]));
    expect(missing).toEqual([]);
  });

  test('runs the compiled entry point built from this repository', () => {
    expect(svc.build).toBe('.');
    const [node, entry] = svc.command;
    expect(node).toBe('node');
    expect(entry).toBe(`dist/processes/${role}-main.js`);
    expect(fs.existsSync(path.join(ROOT, 'src', entry.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
  });

  test('keeps its settings in the compose PostgreSQL (shared by every replica), not on a host volume', () => {
    expect(String(svc.environment.DATABASE_URL)).toMatch(
      /^\$\{DATABASE_URL:-postgres:\/\/[^}]*@postgresql:5432\/certn_settings\}$/,
    );
    expect(svc.volumes).toBeUndefined();
  });

  test('points at the compose Temporal server, which is not published', () => {
    expect(svc.environment.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });
});

test('the worker can be scaled: no container name, no published port', () => {
  expect(services.worker.container_name).toBeUndefined();
  expect(services.worker.ports).toBeUndefined();
});

test('every image is pinned to a tag, never latest', () => {
  for (const [name, svc] of Object.entries(services)) {
    const image: string | undefined = svc.image;
    expect({ name, image }).toEqual({ name, image: expect.stringMatching(/^[^:\s]+:[^:\s]+$/) });
    expect({ name, tag: image!.split(':')[1] }).not.toEqual({ name, tag: 'latest' });
  }
  for (const from of dockerfile.matchAll(/^FROM\s+(\S+)/gm)) expect(from[1]).toMatch(/^node:20\.\d+\.\d+-/);
});

test('only the API publishes a port; Temporal, its UI and the sandboxes stay internal', () => {
  const published = Object.entries(services)
    .filter(([, svc]) => svc.ports !== undefined)
    .map(([name, svc]) => [name, svc.ports]);
  expect(published).toEqual([['api', ['3000:3000']]]);
  expect(services.api.environment.API_PORT).toBe('3000');
});

test('Temporal on PostgreSQL, schema set up by admin-tools, not the deprecated auto-setup image', () => {
  const images = Object.values(services).map((s) => s.image as string);
  expect(images.some((i) => i.startsWith('temporalio/auto-setup'))).toBe(false);
  expect(services.temporal.image).toMatch(/^temporalio\/server:1\.29\./);
  expect(services.temporal.environment.DB).toBe('postgres12');
  expect(services['temporal-schema'].image).toMatch(/^temporalio\/admin-tools:1\.29\./);
  expect(services['temporal-schema'].command.join('\n')).toContain('schema/postgresql/v12');
  expect(services.temporal.depends_on['temporal-schema'].condition).toBe('service_completed_successfully');
  expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
  expect(services.postgresql.image).toMatch(/^postgres:\d+\.\d+/);
});

test('the Dockerfile: multi-stage, production dependencies only, prebuilt bundle, non-root', () => {
  expect(dockerfile.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
  expect(dockerfile).toMatch(/npm ci --omit=dev/);
  expect(dockerfile).toMatch(/RUN npm run build/);
  expect(dockerfile).toMatch(/COPY --from=build \/app\/dist/);
  const user = dockerfile.match(/^USER\s+(\S+)/m);
  expect(user?.[1]).toBeDefined();
  expect(['root', '0']).not.toContain(user![1]);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.scripts.build).toContain('scripts/bundle-workflows.ts');
});
