// Temporal unreachable while Lever delivers a stage change: the API answers 503, nothing is marked as seen, and
// Lever's own retry of the same delivery starts the check once Temporal is back. Uses a second dev server of its
// own, stopped and restarted on the same port, so the shared one stays up for the other tests.
import { ensureTemporalCli } from '../../src/temporal/cli';
import { DevServer, freePort, startDevServer } from '../../src/temporal/dev-server';
import { System, TRIGGER_STAGE } from '../harness/system';

let cliPath: string;
let port: number;
let server: DevServer | undefined;
let sys: System;

beforeAll(async () => {
  cliPath = await ensureTemporalCli();
  port = await freePort();
  server = await startDevServer({ cliPath, port, headless: true });
  // Lever retries after 1, 2, 4, 8 and 16 s: time enough to bring the server back.
  sys = await System.start({ temporalAddress: server.address, worker: false, leverRetryBaseMs: 1000 });
});
afterAll(async () => {
  await sys?.stop();
  await server?.stop();
});

it('answers 503 while Temporal is down, and Lever’s retry then starts exactly one check', async () => {
  const team = await sys.setupTeam();
  const opp = await sys.createCandidate({ emails: ['down@example.com'] });
  await server!.stop();

  await sys.leverCtl('POST', `/opportunities/${opp}/move`, { stageName: TRIGGER_STAGE });
  const first = await sys.waitFor('the first failed attempt', async () => {
    const d = await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}&event=candidateStageChange`);
    const delivery = d.data[0];
    return delivery?.attempts?.length >= 1 ? delivery : undefined;
  });
  expect(first.attempts[0]).toMatchObject({ status: 503, ok: false });

  server = await startDevServer({ cliPath, port, headless: true });
  await sys.lever.webhooksIdle();

  const d = await sys.leverCtl('GET', `/deliveries?opportunityId=${opp}&event=candidateStageChange`);
  expect(d.data).toHaveLength(1);
  const statuses = d.data[0].attempts.map((a: { status: number }) => a.status);
  expect(statuses[0]).toBe(503);
  expect(statuses[statuses.length - 1]).toBe(200);

  const described = await sys.handle(team.id, opp).describe();
  expect(described.status.name).toBe('RUNNING');
  const runs = [];
  for await (const w of sys.client.workflow.list({ query: `WorkflowId = '${described.workflowId}'` })) runs.push(w);
  expect(runs.length).toBeLessThanOrEqual(1); // visibility may lag; never more than one
});
