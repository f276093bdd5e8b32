// The error every API client throws: one shape for Lever and Certn (HTTP status, the service's error code, whether a
// retry may help, how long the server asked to wait), so the activities classify both the same way.
import { isRetryableStatus } from './retry';

/** What went wrong on our side of the wire; each client names these in its own service's vocabulary. */
export type TransportFault = 'timeout' | 'network' | 'bad_response' | 'too_large';

export interface ApiErrorInit {
  /** HTTP status; 0 when no answer arrived (timeout, network error). */
  status: number;
  code: string;
  message: string;
  retryable?: boolean;
  retryAfterMs?: number;
}

export class ApiError extends Error {
  readonly status: number;
  /** The service's own error code, or the client's name for a transport fault. */
  readonly code: string;
  readonly retryable: boolean;
  /** From Retry-After (seconds or HTTP date) when the server sent one. */
  readonly retryAfterMs?: number;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable ?? isRetryableStatus(init.status);
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
  }
}
