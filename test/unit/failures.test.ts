// Unit tests of the activity failure classification: retryable vs permanent, typed causes, e-mails masked.
import { ApplicationFailure } from '@temporalio/common';
import { CertnApiError } from '../../src/certn/client';
import { LeverApiError } from '../../src/lever/client';
import { toFailure, withoutEmails } from '../../src/activities/failures';

describe('activity failures', () => {
  it('classifies client errors: 4xx permanent with a typed name, 429/5xx retryable after Retry-After', () => {
    const bad = toFailure(new CertnApiError({ message: 'x', status: 400, type: 'validation_error' }));
    expect(bad).toBeInstanceOf(ApplicationFailure);
    expect((bad as ApplicationFailure).type).toBe('Certn.validation_error');
    expect((bad as ApplicationFailure).nonRetryable).toBe(true);
    const busy = toFailure(
      new LeverApiError({ message: 'slow down', status: 429, code: 'TooManyRequests', retryAfterMs: 3000 }),
    ) as ApplicationFailure;
    expect(busy.type).toBe('Lever.TooManyRequests');
    expect(busy.nonRetryable).toBe(false);
    expect(busy.nextRetryDelay).toBe(3000);
  });

  it('masks e-mail addresses an API echoes in its error details', () => {
    const f = toFailure(
      new CertnApiError({
        message:
          'POST /api/public/cases/order/: HTTP 400 validation_error (email_address: "ada.l+1@example.co.uk" is blocked)',
        status: 400,
        type: 'validation_error',
      }),
    ) as ApplicationFailure;
    expect(f.message).not.toContain('ada.l+1@example.co.uk');
    expect(f.message).toContain('"[e-mail]" is blocked');
    expect(withoutEmails('GET /v1/opportunities/abc: HTTP 404')).toBe('GET /v1/opportunities/abc: HTTP 404');
  });
});
