// The Certn sandbox's case lifecycle as data: the main path `advance` walks, terminal states, holds, and which side
// paths may be entered from where (see README.md, Lifecycle).
import type { CaseStatus } from './catalogue';

/** Main path, one `advance` step each. After IN_PROGRESS, each step completes the next open check. */
export const MAIN_PATH: readonly CaseStatus[] = [
  'CASE_ORDERED',
  'APPLICANT_INVITED',
  'APPLICANT_OPENED',
  'APPLICANT_STARTED',
  'APPLICANT_SUBMITTED',
  'IN_PROGRESS',
];
/** Nothing moves a case out of these (except: undeliverable / expired cases can still be cancelled). */
export const TERMINAL: readonly CaseStatus[] = ['COMPLETE', 'CANCELLED', 'INVITE_UNDELIVERABLE', 'APPLICANT_EXPIRED'];
/** Holds: the case waits for someone; `advance` (or side path IN_PROGRESS) resumes IN_PROGRESS. No auto-advance. */
export const HOLDS: readonly CaseStatus[] = ['IN_DISPUTE', 'APPLICANT_ACTION_REQUIRED', 'CLIENT_ACTION_REQUIRED'];

export const SIDE_PATHS = [
  'INVITE_UNDELIVERABLE',
  'APPLICANT_EXPIRED',
  'CANCELLED',
  'IN_DISPUTE',
  'APPLICANT_ACTION_REQUIRED',
  'CLIENT_ACTION_REQUIRED',
  'IN_PROGRESS',
] as const;
export type SidePath = (typeof SIDE_PATHS)[number];

/** Which statuses each side path may be entered from. */
export const SIDE_PATH_FROM: Record<SidePath, readonly CaseStatus[]> = {
  INVITE_UNDELIVERABLE: ['CASE_ORDERED', 'APPLICANT_INVITED'],
  APPLICANT_EXPIRED: ['CASE_ORDERED', 'APPLICANT_INVITED', 'APPLICANT_OPENED', 'APPLICANT_STARTED'],
  CANCELLED: [
    'DRAFT',
    'CASE_ORDERED',
    'INVITE_UNDELIVERABLE',
    'APPLICANT_EXPIRED',
    'APPLICANT_INVITED',
    'APPLICANT_OPENED',
    'APPLICANT_STARTED',
    'APPLICANT_SUBMITTED',
    'IN_DISPUTE',
    'IN_PROGRESS',
    'APPLICANT_ACTION_REQUIRED',
    'CLIENT_ACTION_REQUIRED',
  ],
  IN_DISPUTE: ['APPLICANT_SUBMITTED', 'IN_PROGRESS', 'APPLICANT_ACTION_REQUIRED', 'CLIENT_ACTION_REQUIRED'],
  APPLICANT_ACTION_REQUIRED: ['APPLICANT_SUBMITTED', 'IN_PROGRESS', 'IN_DISPUTE', 'CLIENT_ACTION_REQUIRED'],
  CLIENT_ACTION_REQUIRED: ['APPLICANT_SUBMITTED', 'IN_PROGRESS', 'IN_DISPUTE', 'APPLICANT_ACTION_REQUIRED'],
  IN_PROGRESS: ['IN_DISPUTE', 'APPLICANT_ACTION_REQUIRED', 'CLIENT_ACTION_REQUIRED'],
};
