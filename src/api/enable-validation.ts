// What `POST /api/admin/teams/:id/enable` checks before a team goes live: the Lever key works, the trigger stage name
// (and the optional advance stage name, a different stage) exists in that account (once), the Certn key works, and
// every setting a check needs is there. Each failure comes back with its own message for the admin.
import { CertnApiError } from '../certn/client';
import { clientsFor, type Endpoints } from '../integrations/team-clients';
import { LeverApiError } from '../lever/client';
import { createLogger } from '../logger';
import { SettingsStore, TeamConfig, matchKey } from '../settings/store';

const log = createLogger('api');

export interface EnableProblem {
  field: string;
  code: string;
  message: string;
  availableStages?: string[];
}

/** Everything enable can check, each failure with its own message. Returns the resolved trigger stage id. */
export async function validateForEnable(
  t: TeamConfig,
  deps: { store: Pick<SettingsStore, 'getTeamSecrets'> } & Endpoints,
): Promise<{ problems: EnableProblem[]; triggerStageId: string | null }> {
  const problems: EnableProblem[] = [];
  const secrets = await deps.store.getTeamSecrets(t.id);
  const clients = clientsFor(deps, secrets);
  let triggerStageId: string | null = null;

  const leverCheck = async () => {
    const lever = clients.lever;
    if (!lever) {
      problems.push({ field: 'lever.apiKey', code: 'missing', message: 'The Lever API key is not set.' });
    }
    const stageName = t.lever.triggerStageName;
    if (!stageName) {
      problems.push({
        field: 'lever.triggerStageName',
        code: 'missing',
        message: 'The trigger stage name is not set.',
      });
    }
    if (!lever) return;
    let stages: { id: string; text: string }[];
    try {
      stages = await lever.listStages();
    } catch (err) {
      problems.push(leverKeyProblem(err));
      return;
    }
    if (stageName) triggerStageId = resolveStage(stages, stageName, 'lever.triggerStageName', problems);
    const advanceName = t.lever.advanceStageName;
    if (!advanceName) return;
    const advanceId = resolveStage(stages, advanceName, 'lever.advanceStageName', problems);
    if (advanceId && advanceId === triggerStageId) {
      problems.push({
        field: 'lever.advanceStageName',
        code: 'same_as_trigger',
        message: `The advance stage "${advanceName}" is the trigger stage: pick the stage a clear candidate moves on to.`,
      });
    }
  };

  const certnCheck = async () => {
    const certn = clients.certn;
    if (!certn) {
      problems.push({ field: 'certn.apiKey', code: 'missing', message: 'The Certn API key is not set.' });
      return;
    }
    try {
      await certn.verifyKey();
    } catch (err) {
      problems.push(certnKeyProblem(err));
    }
  };

  await Promise.all([leverCheck(), certnCheck()]);

  if (!secrets?.lever.signatureToken) {
    problems.push({
      field: 'lever.signatureToken',
      code: 'missing',
      message: "The Candidate Stage Change webhook's signature token is not set (copy it from that webhook in Lever).",
    });
  }
  if (!t.lever.performAsUserId) {
    problems.push({
      field: 'lever.performAsUserId',
      code: 'missing',
      message: 'The Lever user id to upload files as (perform_as) is not set.',
    });
  }
  if (!secrets?.certn.webhookSecret) {
    problems.push({ field: 'certn.webhookSecret', code: 'missing', message: 'The Certn webhook secret is not set.' });
  }
  if (!t.defaultPackageId || !t.packages.some((p) => p.id === t.defaultPackageId)) {
    problems.push({
      field: 'defaultPackageId',
      code: 'missing',
      message:
        t.packages.length === 0
          ? 'No package exists: create one and make it the default.'
          : 'No default package: make one of the packages the default.',
    });
  }
  const order = [
    'lever.apiKey',
    'lever.signatureToken',
    'lever.triggerStageName',
    'lever.performAsUserId',
    'lever.advanceStageName',
    'certn.apiKey',
    'certn.webhookSecret',
    'defaultPackageId',
  ];
  problems.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
  return { problems, triggerStageId };
}

/** The id of the one stage with this name (trimmed, case-insensitive), or a problem naming the field and the stages. */
function resolveStage(
  stages: { id: string; text: string }[],
  name: string,
  field: string,
  problems: EnableProblem[],
): string | null {
  const matches = stages.filter((s) => matchKey(s.text) === matchKey(name));
  const names = stages.map((s) => s.text);
  if (matches.length === 1) return matches[0]!.id;
  const what = field === 'lever.triggerStageName' ? 'the trigger' : 'the advance stage';
  problems.push({
    field,
    code: matches.length === 0 ? 'stage_not_found' : 'stage_ambiguous',
    message:
      matches.length === 0
        ? `No stage named "${name}" in this Lever account. Its stages are: ${names.map((n) => `"${n}"`).join(', ')}.`
        : `${matches.length} Lever stages are named "${name}"; rename one in Lever so ${what} is unambiguous.`,
    availableStages: names,
  });
  return null;
}

function leverKeyProblem(err: unknown): EnableProblem {
  if (err instanceof LeverApiError && (err.status === 401 || err.status === 403)) {
    return {
      field: 'lever.apiKey',
      code: 'rejected',
      message:
        err.status === 401
          ? 'Lever rejected the API key (401 Unauthorized): check it was copied whole and is not revoked.'
          : 'The Lever API key may not read stages (403 Forbidden): give it access to stages and opportunities.',
    };
  }
  const detail = err instanceof LeverApiError ? `${err.status || 'no response'} ${err.code}` : 'network error';
  log.warn('enable: Lever unreachable', { err });
  return {
    field: 'lever.apiKey',
    code: 'unreachable',
    message: `Could not check the Lever API key: Lever did not answer usefully (${detail}). Try again later.`,
  };
}

function certnKeyProblem(err: unknown): EnableProblem {
  if (err instanceof CertnApiError && (err.status === 401 || err.status === 403)) {
    return {
      field: 'certn.apiKey',
      code: 'rejected',
      message: `Certn rejected the API key (${err.status}): check it was copied whole and has not expired.`,
    };
  }
  const detail = err instanceof CertnApiError ? `${err.status || 'no response'} ${err.type}` : 'network error';
  log.warn('enable: Certn unreachable', { err });
  return {
    field: 'certn.apiKey',
    code: 'unreachable',
    message: `Could not check the Certn API key: Certn did not answer usefully (${detail}). Try again later.`,
  };
}
