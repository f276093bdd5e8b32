// Links to a case's report that can live on a Lever profile: Certn's pdf_url is signed and short-lived, so the
// link points at this service, which fetches a fresh report on each click. The URL is a capability (HMAC over team,
// case and kind), so it can be shared inside Lever without exposing other cases.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type ReportKind = 'interim' | 'final';

export class ReportLinks {
  constructor(
    private readonly publicBaseUrl: string,
    private readonly key: Buffer,
  ) {}

  private sign(teamId: string, caseId: string, kind: ReportKind): string {
    return createHmac('sha256', this.key).update(`report\0${teamId}\0${caseId}\0${kind}`).digest('base64url');
  }

  url(teamId: string, caseId: string, kind: ReportKind): string {
    const path = `/reports/${encodeURIComponent(teamId)}/${encodeURIComponent(caseId)}/${kind}`;
    return `${this.publicBaseUrl}${path}?sig=${this.sign(teamId, caseId, kind)}`;
  }

  verify(teamId: string, caseId: string, kind: string, sig: string): kind is ReportKind {
    if (kind !== 'interim' && kind !== 'final') return false;
    const expected = Buffer.from(this.sign(teamId, caseId, kind));
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
