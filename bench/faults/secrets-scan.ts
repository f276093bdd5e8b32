// The secrets and personal-data scan run after a fault scenario: every workflow history of the run (payloads
// decoded), the log lines captured, the settings database file (with its WAL), and the API's answers (those the
// scenario saw plus the admin API's views of the team and of every check) must not contain an API key, a token, a
// webhook secret, the admin token, or a candidate's e-mail or name. Findings name the kind and place, never the value.
import fs from 'node:fs';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { System, Team } from '../../test/harness/system';
import { CERTN_KEY, LEVER_KEY } from '../../test/harness/system';
import type { Candidate } from './invariants';

/** The JSON text of a history with every payload's base64 data decoded next to it. */
export function readableHistory(json: string): string {
  const decoded: string[] = [];
  for (const m of json.matchAll(/"data":\s*"([A-Za-z0-9+/=]{4,})"/g)) {
    decoded.push(Buffer.from(m[1]!, 'base64').toString('utf8'));
  }
  return json + '\n' + decoded.join('\n');
}

export async function scanForSecrets(
  sys: System,
  team: Team,
  seen: { candidates: Candidate[]; logs: string[]; responses: string[] },
): Promise<string[]> {
  const secrets = await sys.store.getTeamSecrets(team.id);
  const needles: [string, string][] = [
    ['the Lever API key', LEVER_KEY],
    ['the Certn API key', CERTN_KEY],
    ['the admin token', sys.adminToken],
    ['the Lever signature token', secrets?.lever.signatureToken ?? ''],
    ['the Lever archive webhook token', secrets?.lever.archiveSignatureToken ?? ''],
    ['the Lever delete webhook token', secrets?.lever.deletedSignatureToken ?? ''],
    ['the Certn webhook secret', secrets?.certn.webhookSecret ?? ''],
    ...seen.candidates.flatMap((c): [string, string][] => [
      ['a candidate e-mail', c.email],
      ['a candidate name', c.name],
    ]),
  ];

  const places: [string, string][] = [];
  for await (const w of sys.client.workflow.list({ query: `TaskQueue = '${sys.taskQueue}'` })) {
    const history = await sys.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    places.push([`the history of ${w.workflowId}`, readableHistory(historyToJSON(history))]);
  }
  places.push(['the logs', seen.logs.join('\n')]);
  const dbFile = (sys.store as unknown as { filename: string }).filename;
  for (const f of [dbFile, `${dbFile}-wal`]) {
    if (fs.existsSync(f))
      places.push([`the settings database (${f.endsWith('-wal') ? 'WAL' : 'file'})`, fs.readFileSync(f, 'latin1')]);
  }
  const answers = [...seen.responses, (await sys.admin('GET', '/teams')).text];
  for (const c of seen.candidates) answers.push((await sys.admin('GET', `/teams/${team.id}/checks/${c.opp}`)).text);
  places.push(['the API responses', answers.join('\n')]);

  return findSecrets(needles, places);
}

/** Which needle (kind, value) occurs in which place (name, text): "kind in place", never the value itself. */
export function findSecrets(needles: [string, string][], places: [string, string][]): string[] {
  const found: string[] = [];
  for (const [kind, value] of needles) {
    if (!value) continue;
    for (const [where, text] of places) {
      if (text.includes(value)) found.push(`${kind} in ${where}`);
    }
  }
  return [...new Set(found)];
}
