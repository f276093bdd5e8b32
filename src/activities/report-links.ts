// Links to a case's report that can live on a Lever profile: Certn's pdf_url is signed and short-lived, so the
// link points at this service, which fetches a fresh report on click. The URL is a capability (HMAC over team,
// case and kind) that stays valid for the life of the profile, under a per-team link key the team's admin can
// rotate, which revokes every link the team has out.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type ReportKind = 'interim' | 'final';

/** Where the per-team link keys live (the settings store). */
export interface TeamLinkKeys {
  /** The team's current link key; null for an unknown team. */
  reportLinkKey(teamId: string): Promise<Buffer | null>;
}

export class ReportLinks {
  constructor(
    private readonly publicBaseUrl: string,
    private readonly key: Buffer,
    /** Absent: one key for every team (no per-team revocation; tests of the route alone). */
    private readonly teamKeys?: TeamLinkKeys,
  ) {}

  private async sign(teamId: string, caseId: string, kind: ReportKind): Promise<string | null> {
    let key = this.key;
    if (this.teamKeys) {
      const teamKey = await this.teamKeys.reportLinkKey(teamId);
      if (!teamKey) return null;
      key = createHmac('sha256', this.key).update(teamKey).digest();
    }
    return createHmac('sha256', key).update(`report\0${teamId}\0${caseId}\0${kind}`).digest('base64url');
  }

  async url(teamId: string, caseId: string, kind: ReportKind): Promise<string> {
    const sig = await this.sign(teamId, caseId, kind);
    if (!sig) throw new Error(`team ${teamId} has no report link key`);
    const path = `/reports/${encodeURIComponent(teamId)}/${encodeURIComponent(caseId)}/${kind}`;
    return `${this.publicBaseUrl}${path}?sig=${sig}`;
  }

  async verify(teamId: string, caseId: string, kind: string, sig: string): Promise<boolean> {
    if (kind !== 'interim' && kind !== 'final') return false;
    const signed = await this.sign(teamId, caseId, kind);
    if (!signed) return false;
    const expected = Buffer.from(signed);
    const given = Buffer.from(sig);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}
