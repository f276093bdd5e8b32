// Retry classification shared by the Lever and Certn clients: the clients never retry themselves, they say whether
// an error is worth retrying and how long the server asked to wait; Temporal's activity retries do the rest.

/** 429, 5xx and status 0 (timeouts, network errors) are transient; every other status is permanent. */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}

/** Retry-After is either delta-seconds or an HTTP date. Returns ms to wait (≥ 0), or undefined if absent/invalid. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (/^-/.test(v)) return undefined;
  const at = Date.parse(v);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - nowMs);
}
