// Turns client errors into Temporal failures: 429, 5xx and timeouts are retried (after Retry-After when given);
// other 4xx fail at once with a type an operator can read in the UI. Messages never carry secrets.
import { ApplicationFailure } from '@temporalio/common';
import { CertnApiError } from '../certn/client';
import { LeverApiError } from '../lever/client';

/**
 * Failure messages land in workflow history and the UI, which hold no personal data: an e-mail address that an API
 * echoes in an error detail (a validation message, say) is masked.
 */
export function withoutEmails(text: string): string {
  return text.replace(/[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g, '[e-mail]');
}

export function toFailure(err: unknown): unknown {
  if (err instanceof LeverApiError) {
    return ApplicationFailure.create({
      message: withoutEmails(`Lever ${err.status || 'network'} ${err.code}: ${err.message}`),
      type: `Lever.${err.code}`,
      nonRetryable: !err.retryable,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  if (err instanceof CertnApiError) {
    return ApplicationFailure.create({
      message: withoutEmails(`Certn ${err.status || 'network'} ${err.type}: ${err.message}`),
      type: `Certn.${err.type}`,
      nonRetryable: !err.retryable,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  return err;
}

/** Wraps every activity so client errors reach Temporal already classified. */
export function classified<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toFailure(err);
    }
  };
}

export function permanent(message: string, type: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
