// The one client builder (clients only for keys that are set, sharing the endpoints' transport and Lever budget) and
// the one report render loop (polls until the report leaves PENDING, or gives up after maxWaitMs).
import { CertnClient } from '../../src/certn/client';
import { renderReport } from '../../src/certn/report';
import { clientsFor, loadTeamClients } from '../../src/integrations/team-clients';
import type { SettingsStore, TeamConfig } from '../../src/settings/store';

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('clientsFor / loadTeamClients', () => {
  it('builds a client per key that is set, through the given transport and Lever budget', async () => {
    const urls: string[] = [];
    const fetchImpl = (async (u: string | URL) => {
      urls.push(String(u));
      return json(200, { data: { id: 's', text: 'S' } });
    }) as typeof fetch;
    const acquired: string[] = [];
    const endpoints = {
      leverBaseUrl: 'https://lever.test/v1',
      certnBaseUrl: 'https://certn.test',
      fetchImpl,
      leverBudget: { acquire: async (k: string) => void acquired.push(k), penalize: () => undefined },
    };
    const none = clientsFor(endpoints, null);
    expect(none).toEqual({ lever: null, certn: null });
    const onlyLever = clientsFor(endpoints, {
      lever: { apiKey: 'lk-0123', signatureToken: null, archiveSignatureToken: null, deletedSignatureToken: null },
      certn: { apiKey: null, webhookSecret: null },
    });
    expect(onlyLever.certn).toBeNull();
    await onlyLever.lever!.getStage('s');
    expect(urls).toEqual(['https://lever.test/v1/stages/s']);
    expect(acquired).toHaveLength(1);

    const store = {
      getTeamConfig: async (id: string) => (id === 't1' ? ({ id } as TeamConfig) : null),
      getTeamSecrets: async () => ({
        lever: { apiKey: 'lk-0123', signatureToken: null, archiveSignatureToken: null, deletedSignatureToken: null },
        certn: { apiKey: 'ck-0123', webhookSecret: null },
      }),
    } as unknown as SettingsStore;
    expect(await loadTeamClients(store, endpoints, 'nope')).toBeNull();
    const t = await loadTeamClients(store, endpoints, 't1');
    expect(t?.config.id).toBe('t1');
    expect(t?.certn).toBeInstanceOf(CertnClient);
  });
});

describe('renderReport', () => {
  function certnWith(statuses: string[]) {
    const calls: string[] = [];
    let i = 0;
    const fetchImpl = (async (u: string | URL) => {
      calls.push(new URL(String(u)).pathname);
      const status = statuses[Math.min(i++, statuses.length - 1)];
      return json(200, { id: 'rf', status, pdf_url: status === 'COMPLETE' ? 'https://files/r.pdf' : null });
    }) as typeof fetch;
    return { calls, certn: new CertnClient({ baseUrl: 'https://certn.test', apiKey: 'ck-0123', fetchImpl }) };
  }

  it('generates once, then polls the report file until it leaves PENDING', async () => {
    const { calls, certn } = certnWith(['PENDING', 'PENDING', 'COMPLETE']);
    const slept: number[] = [];
    const r = await renderReport(certn, 'case-1', { pollMs: 7, sleep: async (ms) => void slept.push(ms) });
    expect(r).toMatchObject({ status: 'COMPLETE', pdf_url: 'https://files/r.pdf' });
    expect(calls).toEqual([
      '/api/public/cases/case-1/generate-report/',
      '/api/public/cases/report-files/rf/',
      '/api/public/cases/report-files/rf/',
    ]);
    expect(slept).toEqual([7, 7]);
  });

  it('returns the still-PENDING report once maxWaitMs has passed', async () => {
    const { calls, certn } = certnWith(['PENDING']);
    let now = 0;
    const r = await renderReport(certn, 'case-1', {
      pollMs: 500,
      maxWaitMs: 1200,
      now: () => now,
      sleep: async (ms) => void (now += ms),
    });
    expect(r.status).toBe('PENDING');
    expect(calls).toHaveLength(1 + 3); // generate, then polls at 500, 1000, 1500 ms
  });
});
