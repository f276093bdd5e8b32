// Checks answers the service really gave against its OpenAPI document (status documented for that operation, body
// valid against the documented schema, media type as documented), and lists the routes an express app serves.
import Ajv from 'ajv';
import type express from 'express';

type Json = Record<string, any>;
export interface Answer {
  method: string;
  path: string; // without the query
  status: number;
  contentType: string;
  body: unknown;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export class DocChecker {
  private ajv = new Ajv({ nullable: true, allErrors: true, unknownFormats: 'ignore', schemaId: 'auto' });
  private ops: { method: string; template: string; re: RegExp; op: Json }[] = [];

  constructor(private doc: Json) {
    for (const [template, item] of Object.entries<Json>(doc.paths ?? {})) {
      const re = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+') + '$');
      for (const method of METHODS) if (item[method]) this.ops.push({ method, template, re, op: item[method] });
    }
  }

  /** Documented operations as `GET /path/{param}`. */
  operations(): string[] {
    return this.ops.map((o) => `${o.method.toUpperCase()} ${o.template}`);
  }

  /** The documented operation an answer belongs to (a literal path wins over a template). */
  operationOf(method: string, path: string): string | undefined {
    const m = method.toLowerCase();
    const hits = this.ops.filter((o) => o.method === m && o.re.test(path));
    hits.sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
    const hit = hits[0];
    return hit ? `${method.toUpperCase()} ${hit.template}` : undefined;
  }

  /** Every way the answer differs from the document; empty when it conforms. */
  mismatches(a: Answer): string[] {
    const key = this.operationOf(a.method, a.path);
    const where = `${a.method} ${a.path} → ${a.status}`;
    if (!key) return [`${where}: operation not documented`];
    const op = this.ops.find((o) => `${o.method.toUpperCase()} ${o.template}` === key)!.op;
    const response: Json | undefined = op.responses?.[String(a.status)] ?? op.responses?.default;
    if (!response) return [`${where}: status not documented for ${key}`];
    const content: Json | undefined = response.content;
    if (!content) return a.body === undefined || a.body === '' ? [] : [`${where}: documented without a body`];
    const media = Object.keys(content).find((t) => a.contentType.startsWith(t));
    if (!media) return [`${where}: ${a.contentType} not documented (${Object.keys(content).join(', ')})`];
    if (media !== 'application/json') return [];
    const validate = this.ajv.compile({ ...content[media].schema, components: this.doc.components });
    if (validate(a.body)) return [];
    return [`${where}: body ${JSON.stringify(a.body).slice(0, 160)} — ${this.ajv.errorsText(validate.errors)}`];
  }
}

/** Routes the app serves, as `GET /path/{param}`, found by walking express's router stack. */
export function servedRoutes(app: express.Express): string[] {
  const out: string[] = [];
  const walk = (stack: any[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const m of Object.keys(layer.route.methods)) {
          if (m === '_all') continue;
          out.push(`${m.toUpperCase()} ${(prefix + layer.route.path).replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.name === 'router' && layer.handle?.stack) {
        walk(layer.handle.stack, prefix + mountPath(layer.regexp));
      }
    }
  };
  walk((app as any)._router.stack, '');
  return [...new Set(out)];
}

/** express 4 keeps only a regexp for `use(path, router)`: `^\/api\/admin\/?(?=\/|$)` → `/api/admin`. */
function mountPath(re: RegExp): string {
  return re.source
    .replace(/^\^/, '')
    .replace(/\\\/\?\(\?=\\\/\|\$\)$/, '')
    .replace(/\\\//g, '/');
}
