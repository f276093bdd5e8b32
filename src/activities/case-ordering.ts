// Ordering a Certn case exactly once. Certn has no idempotency key, so every POST is preceded by a durable order
// intent (workflow, keyed hash of the e-mail sent, check types, time), and every later attempt — of this activity or
// of any later run for the opportunity — reconciles from the open intent first, with the e-mail that was sent:
// adopt the one case that POST created, or learn that it created none, and only then order. An attempt that ordered
// and recorded its case can still die before Temporal hears of it: its retry, carrying the same order key, returns
// that case rather than finding no open intent and ordering again.
import { ApplicationFailure } from '@temporalio/common';
import { CertnApiError, CertnClient } from '../certn/client';
import type { CertnCase } from '../certn/schemas';
import { createLogger } from '../logger';
import { OrderIntentTakenError, type OrderIntent, type SettingsStore } from '../settings/store';
import { permanent, withoutEmails } from './failures';

const log = createLogger('case-ordering');

/** Clock skew allowed between this service and Certn when matching a case's `created` to an intent. */
const SKEW_MS = 30_000;
/** How long one POST can take (the ordering activity's start-to-close timeout). */
const POST_MAX_MS = 2 * 60_000;
/** While an unanswered POST's window is open, how often its retry searches Certn for the late case. */
const SEARCH_AGAIN_MS = 10_000;

/** Failure types meaning a case may exist for this check that nobody follows: never shown as "Not Ordered". */
export const UNCERTAIN_ORDER_TYPES = ['AmbiguousOrder', 'OrderUncertain'] as const;

export interface OrderRequest {
  teamId: string;
  opportunityId: string;
  workflowId: string;
  checkTypes: string[];
  /** The same for every attempt of this order and no other (the activity's run and activity ids). */
  orderKey: string;
}

export interface CaseOrdering {
  store: SettingsStore;
  certn: CertnClient;
  /** Reads the opportunity's e-mail from Lever now (only needed when no intent is open). */
  currentEmail: () => Promise<string | undefined>;
}

export async function orderCaseOnce(req: OrderRequest, deps: CaseOrdering): Promise<{ caseId: string }> {
  const { store, certn } = deps;
  const ids = { teamId: req.teamId, opportunityId: req.opportunityId, workflowId: req.workflowId };
  const adopt = async (intent: OrderIntent, c: CertnCase, how: string) => {
    await store.resolveOrderIntent(intent.id, {
      ref: { ...ids, caseId: c.id, objectIds: c.checks.map((k) => k.id) },
    });
    log.info(how, { ...ids, caseId: c.id });
    return { caseId: c.id };
  };

  const done = await store.findCaseOrderedBy(req.orderKey);
  if (done) {
    log.info('an earlier attempt of this order recorded its case; Temporal never heard of it', {
      ...ids,
      caseId: done,
    });
    return { caseId: done };
  }

  const open = await store.findOpenOrderIntent(req.teamId, req.opportunityId);
  if (open) {
    const found = await reconcile(open, certn, store);
    if (found) return adopt(open, found, 'adopted the case an earlier order attempt created');
    // No case yet. An unanswered POST may still be creating one at Certn (a request our client gave up on is not
    // over at Certn): order again only once its window has passed, or a late case would be billed beside ours.
    const inFlightFor = postWindowLeft(open, Date.now());
    if (inFlightFor > 0) throw stillInFlight(inFlightFor);
    await store.resolveOrderIntent(open.id, null); // that POST created nothing: ordering again bills once
  }

  const email = await deps.currentEmail();
  if (!email) throw permanent('the opportunity has no e-mail any more', 'NoEmail');
  let intent: OrderIntent;
  try {
    intent = await store.createOrderIntent({ ...ids, email, checkTypes: req.checkTypes, orderKey: req.orderKey });
  } catch (err) {
    if (!(err instanceof OrderIntentTakenError)) throw err;
    // Another attempt of this order ran since the searches above (Temporal timed one out while it still ran): it
    // got the case, which is this order's too, or it holds the open intent, and only the holder POSTs. This one
    // searches again shortly, from that intent.
    const got = await store.findCaseOrderedBy(req.orderKey);
    if (got) return { caseId: got };
    throw searchAgainIn(SEARCH_AGAIN_MS, "another order attempt holds this opportunity's open intent");
  }
  let created: CertnCase;
  try {
    created = await certn.orderCase({ emailAddress: email, checkTypes: req.checkTypes });
  } catch (err) {
    if (neverReachedCertn(err)) {
      await store.markOrderIntentNotSent(intent.id); // the retry orders without searching
    } else if (refusedForGood(err)) {
      await store.resolveOrderIntent(intent.id, null); // Certn answered "no": nothing was created
    } else if (err instanceof CertnApiError && !err.retryable) {
      // e.g. an unreadable 2xx answer: the case may exist, and no retry will find out
      throw uncertain(`the order may have reached Certn: ${err.message}`);
    } else if (err instanceof CertnApiError && err.status >= 500 && err.status !== 502 && err.status !== 504) {
      // Certn's own 5xx: the request is over there, so the next attempt's search is final. A 502/504 comes from a
      // gateway that gave up on Certn, which may still be creating the case: unanswered, like a timeout.
      await store.markOrderIntentAnswered(intent.id);
    } // and for every one of these (5xx, timeout, lost answer) the intent stays open: the next attempt reconciles
    throw err;
  }
  return adopt(intent, created, 'case ordered');
}

/**
 * The case the intent's POST created, if any: same e-mail (by keyed hash), exactly the intent's check types, created
 * inside the intent's window, and owned by no check of any team. Two or more: nothing is adopted or ordered.
 */
async function reconcile(
  intent: OrderIntent,
  certn: CertnClient,
  store: SettingsStore,
): Promise<CertnCase | undefined> {
  if (intent.notSent) return undefined;
  if (!intent.email) throw uncertain('the open order intent lost its e-mail; check Certn by hand');
  const from = Date.parse(intent.createdAt) - SKEW_MS;
  const to = Date.parse(intent.createdAt) + POST_MAX_MS + SKEW_MS;
  const wanted = intent.checkTypes.join(',');
  let listed: CertnCase[];
  try {
    listed = await certn.listCases({ emailAddress: intent.email, orderTimeframeAfter: new Date(from).toISOString() });
  } catch (err) {
    if (err instanceof CertnApiError && !err.retryable) {
      throw uncertain(`an earlier order may have reached Certn, and searching for it failed: ${err.message}`);
    }
    throw err;
  }
  const matches: CertnCase[] = [];
  for (const c of listed) {
    const created = Date.parse(c.created);
    if (!(created >= from && created <= to)) continue;
    if (store.hashEmail(c.email_address) !== intent.emailHash) continue;
    if ([...new Set(c.checks.map((k) => k.check_type))].sort().join(',') !== wanted) continue;
    if (await store.findCertnObjectOwner(c.id)) continue;
    matches.push(c);
  }
  if (matches.length > 1) {
    log.error('several Certn cases match one order: nothing adopted, nothing ordered', {
      intentId: intent.id,
      caseIds: matches.map((c) => c.id),
    });
    throw ApplicationFailure.nonRetryable(
      `${matches.length} Certn cases (${matches.map((c) => c.id).join(', ')}) match this check's order; ` +
        'an operator must choose (cancel the extra ones in Certn, then re-run)',
      'AmbiguousOrder',
    );
  }
  return matches[0];
}

/** How long an open intent's POST may still create a case at Certn (0: answered, never sent, or its window passed). */
export function postWindowLeft(intent: OrderIntent, now: number): number {
  if (intent.notSent || intent.answered) return 0;
  return Math.max(0, Date.parse(intent.createdAt) + POST_MAX_MS + SKEW_MS - now);
}

/**
 * Retried soon (a late case usually shows up within seconds, and is adopted then), searching again each time; only
 * an attempt after the window has passed may order.
 */
function stillInFlight(windowLeftMs: number): ApplicationFailure {
  return searchAgainIn(
    Math.min(windowLeftMs, SEARCH_AGAIN_MS),
    'an earlier order got no answer and may still be creating a case at Certn ' +
      `(ordering again is possible in ${Math.ceil(windowLeftMs / 1000)} s)`,
  );
}

/** An attempt that must not order now: Temporal retries it in `waitMs`, and the retry searches again. */
function searchAgainIn(waitMs: number, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${why}; searching again in ${Math.ceil(waitMs / 1000)} s`,
    type: 'OrderInFlight',
    nextRetryDelay: waitMs,
  });
}

/** Connection refused or a 429: Certn did nothing with the POST. */
function neverReachedCertn(err: unknown): boolean {
  if (!(err instanceof CertnApiError)) return false;
  return err.status === 429 || (err.status === 0 && /ECONNREFUSED/.test(err.message));
}

/** A 4xx other than 429: Certn refused the order before creating anything. */
function refusedForGood(err: unknown): boolean {
  return err instanceof CertnApiError && err.status >= 400 && err.status < 500 && err.status !== 429;
}

function uncertain(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(withoutEmails(message), 'OrderUncertain'); // history holds no e-mails
}
