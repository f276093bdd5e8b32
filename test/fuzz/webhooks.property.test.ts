// Property-based tests (fast-check) of both webhook endpoints and the report route, on the real API app over HTTP
// with the real Temporal gateway (no worker) and the sandboxes. Every generated request must be answered 4xx with
// a clear `error` (or one of the documented handled 2xx outcomes), start nothing in Temporal, change nothing in the
// settings store, and leave the API up. FUZZ_RUNS (default 60) sets the runs per property; `npm run fuzz` raises it.
// Over 300 lines: one property per request class, all sharing one started service (starting it is the cost).
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  anyJson,
  contentType,
  headerValue,
  hostileString,
  urlEncode,
  leverShapedBody,
  pathSegment,
  rawBody,
} from './arbitraries';
import {
  FUZZ_RUNS,
  FuzzEnv,
  apiUp,
  certnHeaders,
  countsReport,
  leverDelivery,
  send,
  startFuzzEnv,
  stopFuzzEnv,
  fuzzSecrets,
  spentTokens,
  storeDigest,
  workflowCount,
} from './fuzz-env';

let env: FuzzEnv;
let digest: string;
let tokensBefore: number;
const runs = { numRuns: FUZZ_RUNS };

beforeAll(async () => {
  env = await startFuzzEnv();
  digest = storeDigest(env, SPENT_TOKENS);
});
beforeEach(() => {
  if (env) tokensBefore = spentTokens(env);
});

/** Verified Lever deliveries spend their token whatever the outcome (issue 8): that table may grow, nothing else. */
const SPENT_TOKENS = ['lever_deliveries'];
afterAll(async () => {
  if (env) process.stdout.write(countsReport(env) + '\n');
  await stopFuzzEnv(env);
});

/**
 * The invariants after a property: nothing started, nothing stored (but the tokens of validly signed deliveries,
 * when `signed`), still up.
 */
async function expectNothingChanged(opts: { signed?: boolean } = {}): Promise<void> {
  expect(await workflowCount(env)).toBe(0);
  expect(storeDigest(env, SPENT_TOKENS)).toBe(digest);
  if (!opts.signed) expect(spentTokens(env)).toBe(tokensBefore);
  expect(await apiUp(env)).toBe(true);
}

/** A 4xx with a JSON `error` naming what was wrong. */
function isClear4xx(r: { status: number; json: any }): boolean {
  return r.status >= 400 && r.status < 500 && typeof r.json?.error === 'string' && r.json.error.length > 0;
}

const json = { 'content-type': 'application/json' };

describe('POST /webhooks/lever/:hookId', () => {
  it('any body, any content type, unsigned → 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(rawBody, contentType, async (body, type) => {
        const r = await send(env, 'lever', 'POST', env.leverPath, body, type ? { 'content-type': type } : {});
        return isClear4xx(r);
      }),
      runs,
    );
    await expectNothingChanged();
  });

  it('Lever-shaped bodies with wrong types or a forged signature → 4xx (400 or 401)', async () => {
    await fc.assert(
      fc.asyncProperty(leverShapedBody, async (body) => {
        const r = await send(env, 'lever', 'POST', env.leverPath, JSON.stringify(body), json);
        return isClear4xx(r) && [400, 401].includes(r.status);
      }),
      runs,
    );
    await expectNothingChanged();
  });

  it('a well-formed stage change with hostile names and tags, signed with another token → 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(hostileString, anyJson, { maxKeys: 4 }),
        fc.stringMatching(/^[A-Za-z0-9-]{1,60}$/),
        async (extra, opportunityId) => {
          const body = leverDelivery('not-the-' + randomBytes(8).toString('hex'), {
            ...extra,
            opportunityId,
            toStageId: env.triggerStageId,
          });
          const r = await send(env, 'lever', 'POST', env.leverPath, JSON.stringify(body), json);
          return r.status === 401 && r.json?.error === 'invalid_signature';
        },
      ),
      runs,
    );
    await expectNothingChanged();
  });

  it('an acted-on event signed with another of the team’s webhook tokens → 401 invalid_signature', async () => {
    const own: Record<string, string> = {
      candidateStageChange: env.signatureToken,
      candidateArchiveChange: env.archiveSignatureToken,
      candidateDeleted: env.deletedSignatureToken,
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(own)),
        fc.constantFrom(...Object.values(own)),
        fc.constantFrom({}, { reason: 'x' }, null),
        async (event, key, toArchived) => {
          fc.pre(own[event] !== key);
          const opportunityId = 'opp-' + randomBytes(6).toString('hex');
          const body = leverDelivery(key, { opportunityId, toStageId: env.triggerStageId, toArchived }, { event });
          const r = await send(env, 'lever', 'POST', env.leverPath, JSON.stringify(body), json);
          return r.status === 401 && r.json?.error === 'invalid_signature';
        },
      ),
      runs,
    );
    await expectNothingChanged();
  });

  it('a validly signed delivery whose triggeredAt is outside the window (stale or future) → 401 stale', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 301_000, max: 1e11 }), fc.integer({ min: -1e11, max: -301_000 })),
        async (skewMs) => {
          const triggeredAt = Math.max(0, Date.now() - skewMs);
          const body = leverDelivery(
            env.signatureToken,
            { opportunityId: 'opp-' + randomBytes(6).toString('hex'), toStageId: env.triggerStageId },
            { triggeredAt },
          );
          const r = await send(env, 'lever', 'POST', env.leverPath, JSON.stringify(body), json);
          return r.status === 401 && r.json?.error === 'stale';
        },
      ),
      runs,
    );
    await expectNothingChanged();
  });

  it('a validly signed stage change with wrong data types or a hostile opportunityId → 400 naming the field', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostileString.filter((s) => !/^[A-Za-z0-9_-]{1,200}$/.test(s)),
          fc.integer(),
          fc.constant(null),
          fc.array(fc.string()),
        ),
        fc.oneof(fc.constant(env?.triggerStageId ?? ''), anyJson),
        async (opportunityId, toStageId) => {
          const body = leverDelivery(env.signatureToken, { opportunityId, toStageId });
          const r = await send(env, 'lever', 'POST', env.leverPath, JSON.stringify(body), json);
          return r.status === 400 && r.json?.error === 'malformed' && 'data.opportunityId' in (r.json.fields ?? {});
        },
      ),
      runs,
    );
    await expectNothingChanged({ signed: true });
  });

  it('validly signed events other than a stage change: handled 2xx (ping, event_ignored, no_open_check) or 400 for bad data; change nothing', async () => {
    // Archive and delete events are acted on (issue 10): with hostile data they are malformed (400 naming a field),
    // or, well-formed, there is no open check to cancel here. Other events are acknowledged and ignored.
    const acted = ['candidateDeleted', 'candidateArchiveChange'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('candidateHired', 'candidateDeleted', 'applicationCreated', 'candidateArchiveChange'),
        fc.dictionary(hostileString, anyJson, { maxKeys: 3 }),
        fc.nat(2),
        async (event, data, anyToken) => {
          // Each acted-on event signed with its own webhook's token; the ping and other events with any of them.
          const all = [env.signatureToken, env.archiveSignatureToken, env.deletedSignatureToken];
          const key =
            event === 'candidateDeleted'
              ? env.deletedSignatureToken
              : event === 'candidateArchiveChange'
                ? env.archiveSignatureToken
                : all[anyToken]!;
          const body = leverDelivery(key, data, { event });
          const r = await send(env, 'lever', 'POST', env.leverPath, JSON.stringify(body), json);
          if (acted.includes(event) && r.status === 400) return r.json?.error === 'malformed';
          return r.status === 200 && ['ping', 'event_ignored', 'no_open_check'].includes(r.json?.outcome);
        },
      ),
      runs,
    );
    await expectNothingChanged({ signed: true });
  });

  it('huge bodies → 413', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 64 * 1024 + 1, max: 2 * 1024 * 1024 }), async (size) => {
        const r = await send(env, 'lever', 'POST', env.leverPath, '{"a":"' + 'x'.repeat(size) + '"}', json);
        return r.status === 413 && r.json?.error === 'too_large';
      }),
      { numRuns: Math.min(FUZZ_RUNS, 20) },
    );
    await expectNothingChanged();
  });

  it('hostile or badly encoded hook ids → 400 or 404', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, rawBody, async (seg, body) => {
        const r = await send(env, 'lever', 'POST', `/webhooks/lever/${seg}`, body, json);
        return isClear4xx(r) && [400, 404].includes(r.status);
      }),
      runs,
    );
    await expectNothingChanged();
  });
});

describe('/webhooks/certn/:hookId', () => {
  it('POST any body, any content type, unsigned or forged → 401', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody,
        contentType,
        fc.option(fc.oneof(fc.hexaString({ minLength: 64, maxLength: 64 }), headerValue)),
        async (body, type, sig) => {
          const headers: Record<string, string> = type ? { 'content-type': type } : {};
          if (sig !== null) headers['x-signature'] = sig;
          const r = await send(env, 'certn', 'POST', env.certnPath, body, headers);
          return r.status === 401 && r.json?.error === 'invalid_signature';
        },
      ),
      runs,
    );
    await expectNothingChanged();
  });

  it('POST validly signed bodies that are not Certn events → 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        rawBody.filter((b) => {
          try {
            const v = JSON.parse(b);
            return !(v && typeof v === 'object' && 'object_id' in v);
          } catch {
            return true;
          }
        }),
        async (body) => {
          const r = await send(env, 'certn', 'POST', env.certnPath, body, certnHeaders(env.webhookSecret, body));
          return r.status === 400 && r.json?.error === 'malformed';
        },
      ),
      runs,
    );
    await expectNothingChanged();
  });

  it('POST validly signed events, replayed, for objects no check knows → handled 200 unknown_object', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          id: fc.string({ minLength: 1, maxLength: 40 }),
          event_type: fc.oneof(fc.constantFrom('CASE_STATUS_CHANGED', 'CHECK_COMPLETED'), hostileString),
          object_id: hostileString.filter((s) => s.length > 0),
          object_type: fc.constantFrom('CASE', 'CHECK', 'REPORT'),
        }),
        async (ev) => {
          const body = JSON.stringify(ev);
          const first = await send(env, 'certn', 'POST', env.certnPath, body, certnHeaders(env.webhookSecret, body));
          const replay = await send(env, 'certn', 'POST', env.certnPath, body, certnHeaders(env.webhookSecret, body));
          const ok = (r: typeof first) =>
            (r.status === 200 && r.json?.outcome === 'unknown_object') || (r.status === 400 && isClear4xx(r));
          return ok(first) && ok(replay) && first.status === replay.status;
        },
      ),
      runs,
    );
    await expectNothingChanged();
  });

  it('GET ?challenge= echoes a sane challenge, refuses the rest with 400', async () => {
    await fc.assert(
      // Lone surrogates cannot travel in a URL: normalised the way UTF-8 encoding does.
      fc.asyncProperty(fc.option(hostileString.map((c) => Buffer.from(c).toString())), async (challenge) => {
        const q = challenge === null ? '' : `?challenge=${encodeURIComponent(challenge)}`;
        const r = await send(env, 'certn', 'GET', env.certnPath + q);
        if (challenge && challenge.length <= 1024) {
          return r.status === 200 && r.text === challenge;
        }
        return r.status === 400 || (r.status === 200 && r.text.length > 0);
      }),
      runs,
    );
    await expectNothingChanged();
  });

  it('hostile or badly encoded hook ids → 400 or 404', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, fc.constantFrom('GET', 'POST'), async (seg, method) => {
        const r = await send(
          env,
          'certn',
          method,
          `/webhooks/certn/${seg}?challenge=x`,
          method === 'POST' ? '{}' : undefined,
        );
        return isClear4xx(r) && [400, 404].includes(r.status);
      }),
      runs,
    );
    await expectNothingChanged();
  });
});

describe('GET /reports/:team/:case/:kind?sig=', () => {
  it('hostile, forged or badly encoded links → 400 or 404, never a redirect', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constant(env?.team.id ?? 't'), pathSegment),
        pathSegment,
        fc.oneof(fc.constantFrom('final', 'interim'), pathSegment),
        fc.option(hostileString),
        async (teamId, caseId, kind, sig) => {
          const q = sig === null ? '' : `?sig=${urlEncode(sig)}`;
          const r = await send(env, 'report', 'GET', `/reports/${teamId}/${caseId}/${kind}${q}`);
          return [400, 404].includes(r.status);
        },
      ),
      runs,
    );
    await expectNothingChanged();
  });
});

describe('replayed Lever tokens', () => {
  // Before the trust fix (issue 8) the same token with another body was answered 200 `duplicate`.
  it('the same signed token with a different body → 4xx', async () => {
    const token = randomBytes(24).toString('hex');
    const triggeredAt = Date.now();
    const first = leverDelivery(
      env.signatureToken,
      { opportunityId: 'opp-replay-' + randomBytes(4).toString('hex'), toStageId: 'not-the-trigger-stage' },
      { token, triggeredAt },
    );
    const r1 = await send(env, 'lever-replay', 'POST', env.leverPath, JSON.stringify(first), json);
    expect(r1.status).toBe(200); // other_stage: the token is spent
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9-]{1,60}$/), async (opportunityId) => {
        const replay = { ...first, data: { opportunityId, toStageId: env.triggerStageId } };
        const r = await send(env, 'lever-replay', 'POST', env.leverPath, JSON.stringify(replay), json);
        return isClear4xx(r);
      }),
      { numRuns: Math.min(FUZZ_RUNS, 20) },
    );
    expect(await workflowCount(env)).toBe(0);
  });
});

describe('after all of the above', () => {
  it('no secret appears in any log line the service wrote or any answer it gave', () => {
    expect(env.logs.length).toBeGreaterThan(0);
    expect(env.answers.length).toBeGreaterThan(0);
    const all = env.logs.join('\n') + '\n' + env.answers.join('\n');
    for (const secret of fuzzSecrets(env)) expect(all.includes(secret)).toBe(false);
  });
});
