// Typed search attributes for the Temporal UI: ids and statuses only, never personal data.
import { SearchAttributePair, defineSearchAttributeKey } from '@temporalio/common';

export const SA_STATUS = defineSearchAttributeKey('CertnCheckStatus', 'KEYWORD');
export const SA_TEAM = defineSearchAttributeKey('CertnTeam', 'KEYWORD');
export const SA_OPPORTUNITY = defineSearchAttributeKey('LeverOpportunity', 'KEYWORD');
export const SA_PACKAGE = defineSearchAttributeKey('CertnPackage', 'KEYWORD');
export const SA_CASE = defineSearchAttributeKey('CertnCase', 'KEYWORD');

/** Name → type, for registering them with a server (dev-server flags or the operator service). */
export const SEARCH_ATTRIBUTES: Record<string, 'Keyword'> = {
  [SA_STATUS.name]: 'Keyword',
  [SA_TEAM.name]: 'Keyword',
  [SA_OPPORTUNITY.name]: 'Keyword',
  [SA_PACKAGE.name]: 'Keyword',
  [SA_CASE.name]: 'Keyword',
};

export function initialSearchAttributes(teamId: string, opportunityId: string): SearchAttributePair[] {
  return [
    { key: SA_TEAM, value: teamId },
    { key: SA_OPPORTUNITY, value: opportunityId },
    { key: SA_STATUS, value: 'Starting' },
  ];
}
