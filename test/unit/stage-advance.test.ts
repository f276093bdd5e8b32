// Advance on clear, one piece: which Lever calls advanceOnClear makes for each situation (a fake Lever transport), so
// a retry never moves twice, a recruiter's move is respected and a stage gone since enable is reported, not retried.
import { advanceOnClear } from '../../src/activities/stage-advance';
import { LeverClient } from '../../src/lever/client';
import type { TeamConfig } from '../../src/settings/store';

const BG = { id: 'stage-bg', text: 'Background Check' };
const OFFER = { id: 'stage-offer', text: 'Offer' };
const PHONE = { id: 'stage-phone', text: 'Phone screen' };

const config = (advanceStageName: string | null) =>
  ({ lever: { advanceStageName, triggerStageId: BG.id, performAsUserId: 'user-1' } }) as unknown as TeamConfig;

/** Lever with the opportunity in `stage` and these stages; `expand=stage` honoured unless `plainStage`. */
function lever(stage: { id: string; text: string }, stages = [BG, OFFER, PHONE], opts: { plainStage?: boolean } = {}) {
  const calls: string[] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const fetchImpl = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url.pathname.slice(3)}${url.search}`);
    if (url.pathname === '/v1/stages') return json(200, { data: stages, hasNext: false });
    if (method === 'PUT') return new Response(null, { status: 204 }); // any 2xx, even without a body
    const expanded = url.searchParams.get('expand') === 'stage' && !opts.plainStage;
    return json(200, {
      data: { id: 'opp-1', emails: [], tags: [], stage: expanded ? stage : stage.id, stageChanges: [], archived: null },
    });
  }) as typeof fetch;
  return {
    calls,
    client: new LeverClient({ baseUrl: 'https://lever.test/v1', apiKey: 'k', fetchImpl, budget: false }),
  };
}

describe('advanceOnClear', () => {
  it('without an advance stage it calls Lever not at all', async () => {
    const l = lever(BG);
    expect(await advanceOnClear(config(null), l.client, 'opp-1')).toEqual({ outcome: 'not_configured' });
    expect(l.calls).toEqual([]);
  });

  it('from the trigger stage it resolves the name as it is now and moves, as the perform_as user', async () => {
    const l = lever(BG);
    expect(await advanceOnClear(config(' OFFER '), l.client, 'opp-1')).toEqual({
      outcome: 'advanced',
      stageName: 'Offer',
    });
    expect(l.calls).toEqual([
      'GET /opportunities/opp-1?expand=stage',
      'GET /stages?limit=100',
      'PUT /opportunities/opp-1/stage?perform_as=user-1',
    ]);
  });

  it('a retry that finds the candidate in the advance stage is done without moving', async () => {
    const l = lever(OFFER);
    expect((await advanceOnClear(config('Offer'), l.client, 'opp-1')).outcome).toBe('already_there');
    expect(l.calls).toEqual(['GET /opportunities/opp-1?expand=stage']);
    const plain = lever(OFFER, [BG, OFFER], { plainStage: true }); // a Lever that ignores expand=stage
    expect((await advanceOnClear(config('Offer'), plain.client, 'opp-1')).outcome).toBe('already_there');
    expect(plain.calls.some((c) => c.startsWith('PUT'))).toBe(false);
    const other = lever(PHONE, [BG, OFFER, PHONE], { plainStage: true });
    expect((await advanceOnClear(config('Offer'), other.client, 'opp-1')).outcome).toBe('moved_on');
  });

  it('a candidate a recruiter moved on is left alone', async () => {
    const l = lever(PHONE);
    expect((await advanceOnClear(config('Offer'), l.client, 'opp-1')).outcome).toBe('moved_on');
    expect(l.calls).toEqual(['GET /opportunities/opp-1?expand=stage']);
  });

  it.each([
    [[BG, PHONE], 'no Lever stage is named "Offer" any more'],
    [[BG, OFFER, { id: 'stage-offer-2', text: 'offer' }], '2 Lever stages are named "Offer"'],
  ])('a stage renamed, deleted or doubled since enable is reported, nothing moved', async (stages, problem) => {
    const l = lever(BG, stages);
    expect(await advanceOnClear(config('Offer'), l.client, 'opp-1')).toEqual({
      outcome: 'stage_missing',
      stageName: 'Offer',
      problem,
    });
    expect(l.calls.some((c) => c.startsWith('PUT'))).toBe(false);
  });
});
