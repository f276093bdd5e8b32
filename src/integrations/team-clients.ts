// The one place a team's Lever and Certn clients are built from its settings: the activities, enable validation and
// the report link all reach Lever and Certn through here, so base URLs, the Lever budget and timeouts are set once.
import { CertnClient } from '../certn/client';
import type { LeverBudget } from '../lever/budget';
import { LeverClient } from '../lever/client';
import type { SettingsStore, TeamConfig, TeamSecrets } from '../settings/store';

export interface Endpoints {
  /** Lever Data API base, e.g. `https://api.lever.co/v1` or the sandbox's `/v1`. */
  leverBaseUrl: string;
  /** Certn base, e.g. `https://api.sandbox.certn.co` or the sandbox url. */
  certnBaseUrl: string;
  /** Default: the process-wide in-memory budget. */
  leverBudget?: LeverBudget;
  /** How long a Certn request may take before it counts as unanswered (default 20 s). */
  certnTimeoutMs?: number;
  /** Tests only: a fake transport. */
  fetchImpl?: typeof fetch;
}

/** Clients for the keys a team has set; null for a service whose key is missing. */
export interface ClientPair {
  lever: LeverClient | null;
  certn: CertnClient | null;
}

export function leverClientFor(endpoints: Omit<Endpoints, 'certnBaseUrl'>, apiKey: string): LeverClient {
  return new LeverClient({
    baseUrl: endpoints.leverBaseUrl,
    apiKey,
    ...(endpoints.leverBudget ? { budget: endpoints.leverBudget } : {}),
    ...(endpoints.fetchImpl ? { fetchImpl: endpoints.fetchImpl } : {}),
  });
}

export function certnClientFor(
  endpoints: Pick<Endpoints, 'certnBaseUrl' | 'certnTimeoutMs' | 'fetchImpl'>,
  apiKey: string,
): CertnClient {
  return new CertnClient({
    baseUrl: endpoints.certnBaseUrl,
    apiKey,
    ...(endpoints.certnTimeoutMs ? { timeoutMs: endpoints.certnTimeoutMs } : {}),
    ...(endpoints.fetchImpl ? { fetchImpl: endpoints.fetchImpl } : {}),
  });
}

export function clientsFor(endpoints: Endpoints, secrets: Pick<TeamSecrets, 'lever' | 'certn'> | null): ClientPair {
  const leverKey = secrets?.lever.apiKey;
  const certnKey = secrets?.certn.apiKey;
  return {
    lever: leverKey ? leverClientFor(endpoints, leverKey) : null,
    certn: certnKey ? certnClientFor(endpoints, certnKey) : null,
  };
}

export interface TeamClients extends ClientPair {
  config: TeamConfig;
  secrets: TeamSecrets;
}

/** A team's settings with its clients, or null when the team does not exist. */
export async function loadTeamClients(
  store: Pick<SettingsStore, 'getTeamConfig' | 'getTeamSecrets'>,
  endpoints: Endpoints,
  teamId: string,
): Promise<TeamClients | null> {
  const [config, secrets] = await Promise.all([store.getTeamConfig(teamId), store.getTeamSecrets(teamId)]);
  if (!config || !secrets) return null;
  return { config, secrets, ...clientsFor(endpoints, secrets) };
}
