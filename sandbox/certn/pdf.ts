// A real, valid PDF report for a sandbox case (pdf-lib): case id, e-mail, overall status, every check with its
// status, and the generation time. Written without object streams so the structure is plain to inspect.
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

export interface ReportPdfInput {
  caseId: string;
  emailAddress: string;
  overallStatus: string;
  checks: { id: string; check_type: string; status: string }[];
  generatedAt: Date;
  reportFileId: string;
}

/** Helvetica (WinAnsi) cannot encode everything; keep printable ASCII so rendering never throws. */
function ascii(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

export async function renderReportPdf(input: ReportPdfInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(ascii(`Certn sandbox report ${input.caseId}`));
  doc.setAuthor('Certn sandbox');
  doc.setSubject(ascii(`Background check case ${input.caseId}`));
  doc.setProducer('certn-sandbox (pdf-lib)');
  doc.setCreationDate(input.generatedAt);
  doc.setModificationDate(input.generatedAt);

  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const pageSize: [number, number] = [612, 792]; // US Letter
  const margin = 56;
  let page = doc.addPage(pageSize);
  let y = pageSize[1] - margin;

  const line = (text: string, opts: { size?: number; boldFont?: boolean; gap?: number } = {}): void => {
    const size = opts.size ?? 11;
    if (y - size < margin) {
      page = doc.addPage(pageSize);
      y = pageSize[1] - margin;
    }
    page.drawText(ascii(text), { x: margin, y, size, font: opts.boldFont ? bold : font, color: rgb(0.1, 0.1, 0.1) });
    y -= size + (opts.gap ?? 6);
  };

  line('Certn background check report', { size: 18, boldFont: true, gap: 4 });
  line('SANDBOX - not a real background check', { size: 9, gap: 14 });
  line(`Case ID: ${input.caseId}`);
  line(`E-mail: ${input.emailAddress}`);
  line(`Overall status: ${input.overallStatus}`);
  line(`Generated: ${input.generatedAt.toISOString()}`);
  line(`Report file: ${input.reportFileId}`, { gap: 14 });
  line('Checks', { size: 13, boldFont: true });
  if (input.checks.length === 0) line('(none)');
  for (const c of input.checks) line(`${c.check_type}: ${c.status}  (check ${c.id})`);

  return doc.save({ useObjectStreams: false });
}
