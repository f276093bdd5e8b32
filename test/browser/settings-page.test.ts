// The settings page end to end in headless Chromium (Debian's `chromium`, driven by playwright-core; no browser
// download) against the whole service on the run's Temporal dev server and the sandboxes: an admin clicks the four
// setup steps through (registering the webhooks in the Lever and Certn sandboxes as README step 3 says), enables
// the team (Lever's three webhooks, each with its own token pasted on the page), and a candidate moved in Lever
// shows up in the checks list and reaches Complete; one archived in Lever is cancelled through the archive webhook.
// Also: field errors beside their inputs, keyboard-only operation, cancel and re-run with a confirmation. Screenshots go to
// docs/screenshots/ when SCREENSHOTS=1 (the README shows them).
// Over 300 lines: one browser session walks the whole setup; splitting it would repeat that setup per file.
import fs from 'node:fs';
import path from 'node:path';
import { Browser, Locator, Page, chromium } from 'playwright-core';
import { SEED_USER_ID } from '@lever-certn/sandbox/lever';
import { CERTN_KEY, LEVER_KEY, System, TRIGGER_STAGE } from '../harness/system';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium && process.env.REQUIRE_BROWSER !== '1') {
  console.warn(`browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
}
const run =
  process.env.TEST_NO_TEMPORAL !== '1' &&
  process.env.TEMPORAL_ADDRESS &&
  (haveChromium || process.env.REQUIRE_BROWSER === '1')
    ? describe
    : describe.skip;
const SHOTS = path.resolve(__dirname, '../../docs/screenshots');
const UI = 'http://127.0.0.1:8233';

run('settings page in headless Chromium', () => {
  let sys: System;
  let browser: Browser;
  let page: Page;
  const certnSecret = 'a-long-certn-webhook-secret-for-the-browser-test';

  beforeAll(async () => {
    sys = await System.start({ certnStepMs: null, temporalUiUrl: UI }); // the test moves Certn cases itself
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 860 }, deviceScaleFactor: 1 });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sys.apiUrl });
    page = await context.newPage();
    page.on('pageerror', (err) => {
      throw err;
    });
  });
  afterAll(async () => {
    await browser?.close();
    await sys?.stop();
  });

  const shot = async (
    name: string,
    target: Page | Locator,
    area?: true | { x: number; y: number; width: number; height: number },
  ) => {
    if (process.env.SCREENSHOTS !== '1') return;
    fs.mkdirSync(SHOTS, { recursive: true });
    const live = page.locator('#live');
    await live.evaluate((el) => ((el as { style: { visibility: string } }).style.visibility = 'hidden'));
    const file = path.join(SHOTS, `${name}.png`);
    if (area === true) await page.screenshot({ path: file, fullPage: true });
    else if (area) await page.screenshot({ path: file, fullPage: true, clip: area });
    else await target.screenshot({ path: file });
    await live.evaluate((el) => ((el as { style: { visibility: string } }).style.visibility = ''));
  };
  const toast = () => page.locator('#live');
  const err = (field: string) => page.locator(`[data-err="${field}"]`);
  const row = (opp: string) => page.locator(`#checks tr[data-opportunity="${opp}"]`);
  const confirmYes = async () => {
    await page.locator('#confirm[open]').waitFor();
    await page.locator('#confirm-yes').click();
  };

  it('the whole setup clicked through; a candidate moved in Lever appears in the checks list and reaches Complete', async () => {
    await page.goto(`${sys.apiUrl}/admin`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expectText(toast(), 'The admin token was not accepted');
    expect(await page.locator('#team-area').isHidden()).toBe(true);
    await page.getByLabel('Admin token').fill(sys.adminToken);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expectText(toast(), 'No team yet');

    // A team, then enable at once: every missing piece is named beside its field and in the glance list.
    await page.getByLabel('New team').fill('Acme');
    await page.getByRole('button', { name: 'Create team' }).click();
    await expectText(toast(), 'Team Acme created');
    await page.getByRole('button', { name: 'Validate and enable' }).click();
    await expectText(toast(), 'Not enabled');
    await expectText(err('lever.apiKey'), 'Lever API key: The Lever API key is not set.');
    await expectText(err('certn.webhookSecret'), 'Certn webhook secret:');
    await expectText(err('defaultPackageId'), 'No package exists');
    expect(await page.getByLabel('Lever API key').getAttribute('aria-invalid')).toBe('true');
    await expectText(page.locator('#glance-summary'), '7 of 7 still to do');
    await expectText(page.locator('#problems'), 'The Certn API key is not set.');

    // Step 1.
    await page.getByLabel('Lever API key').fill(LEVER_KEY);
    await page.getByLabel('Trigger stage name').fill('Backgrund Check'); // a typo, caught at enable
    await page.getByLabel('Lever user id for uploads').fill(SEED_USER_ID);
    await page.getByLabel('Certn API key').fill(CERTN_KEY);
    await page.getByLabel('Certn webhook secret').fill(certnSecret);
    await page.getByRole('button', { name: 'Save keys and stage' }).click();
    await expectText(toast(), 'Keys and stage saved');
    await expectText(page.locator('[data-mask="lever.apiKey"]'), 'stored ••••');
    expect(await page.getByLabel('Lever API key').inputValue()).toBe(''); // never echoed back
    expect(await err('lever.apiKey').textContent()).toBe('');

    // Step 2: two packages, one edited, the other deleted after a confirmation; Standard is the default.
    await addPackage('Standard', ['CRIMINAL_RECORD_CHECK', 'IDENTITY_VERIFICATION_1']);
    await addPackage('Executive', ['CRIMINAL_RECORD_CHECK']);
    await page.getByRole('button', { name: 'Make Standard the default package' }).click();
    await expectText(toast(), 'Standard is now the default package');
    await page.getByRole('button', { name: 'Edit package Executive' }).click();
    await page.getByLabel('EMPLOYMENT_VERIFICATIONS_1').check();
    await page.getByRole('button', { name: 'Save package' }).click();
    await expectText(toast(), 'Package Executive saved');
    await expectText(page.locator('#packages tr', { hasText: 'Executive' }), 'EMPLOYMENT_VERIFICATIONS_1');
    await expectText(page.locator('#packages tr.default'), 'Standard');

    // Step 3, the Lever side as an admin does it in Lever's UI: add the webhook with the copied URL, paste its token.
    await page.getByRole('button', { name: 'Copy', exact: true }).first().click();
    await expectText(toast(), 'Lever webhook URL copied');
    const leverUrl = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText());
    expect(leverUrl).toBe(await page.locator('#lever-url').textContent());
    expect(leverUrl).toMatch(new RegExp(`^${sys.apiUrl}/webhooks/lever/`));
    // The page names Lever's three webhooks, the stage change one required, the other two recommended.
    const hooks = page.getByRole('list', { name: 'Lever webhooks to add' });
    await expectText(hooks.locator('li').nth(0), 'Candidate Stage Change required');
    await expectText(hooks.locator('li').nth(1), 'Candidate Archive State Change recommended');
    await expectText(hooks.locator('li').nth(2), 'Candidate Deleted recommended');
    await expectText(page.locator('#checklist'), 'Candidate Deleted token — recommended, not set');
    // One webhook per event in Lever, all on the same URL, each with its own signature token pasted beside it.
    const labels: Record<string, string> = {
      candidateStageChange: 'Candidate Stage Change token',
      candidateArchiveChange: 'Candidate Archive State Change token',
      candidateDeleted: 'Candidate Deleted token',
    };
    const hookIds: string[] = [];
    for (const [event, label] of Object.entries(labels)) {
      const hook = await sys.leverCtl('POST', '/webhooks', { url: leverUrl, event, verify: false });
      hookIds.push(hook.data.id);
      await page.getByLabel(label, { exact: true }).fill(hook.data.signatureToken);
    }
    await page.getByRole('button', { name: 'Save webhook tokens' }).click();
    await expectText(toast(), 'Webhook tokens saved');
    for (const k of ['signatureToken', 'archiveSignatureToken', 'deletedSignatureToken']) {
      await expectText(page.locator(`[data-mask="lever.${k}"]`), 'stored ••••');
    }
    expect(await page.locator('#checklist').textContent()).not.toContain('recommended, not set');
    for (const id of hookIds) {
      const ping = await sys.leverCtl('POST', `/webhooks/${id}/verify`); // Lever's "Verify connection", each webhook
      await sys.lever.webhooksIdle();
      expect((await sys.leverCtl('GET', `/deliveries/${ping.data.deliveryId}`)).data.state).toBe('delivered');
    }
    // ...and in Certn: the account webhook with the URL shown and the secret from step 1.
    const certnUrl = (await page.locator('#certn-url').textContent())!;
    await sys.certnCtl('PUT', '/webhook', { url: certnUrl, secret: certnSecret });

    // Step 4: the typo in the stage name is named beside its field, with the stages Lever has.
    await page.getByRole('button', { name: 'Validate and enable' }).click();
    await expectText(toast(), 'Not enabled: 1 problem(s)');
    await expectText(err('lever.triggerStageName'), 'Trigger stage name: No stage named "Backgrund Check"');
    await expectText(err('lever.triggerStageName'), `"${TRIGGER_STAGE}"`);
    await expectText(page.locator('#checklist'), 'Trigger stage name — not accepted');
    await expectText(page.locator('#glance-summary'), '1 of 7 still to do');
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0)); // bounding boxes are page coordinates now
    const top = (await page.locator('section.glance').boundingBox())!;
    const step1 = (await page.locator('section.step').first().boundingBox())!;
    await shot('not-enabled', page, { x: 0, y: top.y - 12, width: 1366, height: step1.y + step1.height - top.y + 24 });
    await page.getByLabel('Trigger stage name').fill(TRIGGER_STAGE);
    await page.getByRole('button', { name: 'Save keys and stage' }).click();
    await expectText(toast(), 'Keys and stage saved');
    await page.getByRole('button', { name: 'Validate and enable' }).click();
    await expectText(toast(), 'Enabled.');
    await expectText(page.locator('#state-badge'), 'Enabled');
    expect(await page.locator('#problems li').count()).toBe(0);
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await shot('settings', page, true);

    // A recruiter moves a candidate in Lever: the check appears, and Complete once Certn completes the case.
    const teamId = await page.locator('#teams').inputValue();
    const opp = await sys.createCandidate({ emails: ['browser@example.com'] });
    await sys.moveTo(opp, TRIGGER_STAGE);
    await row(opp).waitFor({ timeout: 30_000 });
    const caseId = await sys.waitFor('the case', async () => (await sys.state(teamId, opp)).caseId);
    await sys.advanceCase(caseId, 20);
    await sys.result(teamId, opp);
    await row(opp).locator('[data-status="Complete"]').waitFor({ timeout: 30_000 });
    await expectText(row(opp), 'Standard');
    await expectText(row(opp), caseId);
    const link = row(opp).getByRole('link', { name: `Open the check of ${opp} in the Temporal UI` });
    expect(await link.getAttribute('href')).toBe(
      `${UI}/namespaces/default/workflows/${encodeURIComponent(`certn-check:${teamId}:${opp}`)}/${(await sys.handle(teamId, opp).describe()).runId}/history`,
    );

    // Cancel from the page (confirmed), then re-run (confirmed): a second candidate.
    const opp2 = await sys.createCandidate({ emails: ['browser2@example.com'] });
    await sys.moveTo(opp2, TRIGGER_STAGE);
    await sys.waitFor('the second case', async () => (await sys.state(teamId, opp2)).caseId);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row(opp2)
      .getByRole('button', { name: `Cancel the check of ${opp2}` })
      .click();
    await expectText(page.locator('#confirm-text'), 'Its Certn case is cancelled');
    await confirmYes();
    await expectText(toast(), `Cancel requested for ${opp2}`);
    expect((await sys.result(teamId, opp2)).status).toBe('Cancelled');
    await row(opp2).locator('[data-status="Cancelled"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: `Re-run the check of ${opp2}` }).click();
    await confirmYes();
    await expectText(toast(), `A new check started for ${opp2}`);
    expect((await sys.handle(teamId, opp2).describe()).status.name).toBe('RUNNING');
    // The list now holds the re-run (open), the cancelled run before it and the completed check.
    await sys.waitFor('three rows, the re-run ordered', async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      const statuses = await page
        .locator('#checks [data-status]')
        .evaluateAll((els) => els.map((e) => (e as { getAttribute(n: string): string }).getAttribute('data-status')));
      return statuses.join() === 'Pending,Cancelled,Complete';
    });
    await page.locator('section.checks').scrollIntoViewIfNeeded();
    await shot('checks', page.locator('section.checks'));

    // The status filter.
    await page.getByLabel('Status', { exact: true }).selectOption('Complete');
    await expectText(toast(), 'Showing 1 check(s)');
    expect(await page.locator('#checks tr').count()).toBe(1);
    await row(opp).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('');

    // Archived in Lever: the archive webhook's delivery, signed with the token pasted above, cancels the open check.
    const opp3 = await sys.createCandidate({ emails: ['browser3@example.com'] });
    await sys.moveTo(opp3, TRIGGER_STAGE);
    await sys.waitFor('the third case', async () => (await sys.state(teamId, opp3)).caseId);
    await sys.waitForIdle(teamId, opp3);
    await sys.leverCtl('POST', `/opportunities/${opp3}/archive`, { reason: 'withdrew' });
    await sys.lever.webhooksIdle();
    const archived = await sys.result(teamId, opp3);
    expect([archived.status, archived.removedInLever]).toEqual(['Cancelled', 'archived']);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await row(opp3).locator('[data-status="Cancelled"]').waitFor({ timeout: 30_000 });
  });

  it('shows a field error beside its input and keeps the page usable', async () => {
    await page.getByLabel('Package name').fill('No checks');
    await page.getByRole('button', { name: 'Add package' }).click();
    await expectText(err('pkg.checkTypes'), 'Check types: at least one check type');
    await expectText(toast(), 'see the message beside each highlighted field');
    await page.getByLabel('Package name').fill('Standard'); // a name already taken
    await page.getByLabel('CREDIT_REPORT_1', { exact: true }).check();
    await page.getByRole('button', { name: 'Add package' }).click();
    await expectText(err('pkg.name'), 'Package name:');
    expect(await err('pkg.checkTypes').textContent()).toBe('');
    expect(await page.getByLabel('Package name').getAttribute('aria-invalid')).toBe('true');
    await page.locator('section.step').nth(1).scrollIntoViewIfNeeded();
    await shot('field-error', page.locator('section.step').nth(1));
    await page.getByLabel('CREDIT_REPORT_1', { exact: true }).uncheck();
    await page.getByLabel('Package name').fill('');
  });

  it('keyboard only: Tab reaches every control with a visible focus ring; Enter and Escape work the dialog', async () => {
    await page.getByLabel('Refresh every 5 s').uncheck(); // no re-render while tabbing
    // Browser-side code (the tsconfig has no DOM types, hence `any`).
    await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
    const controls: string[] = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const all: any[] = Array.from(
        doc.querySelectorAll('a[href], button:not([disabled]), input:not([disabled]), select:not([disabled])'),
      );
      const shown = all.filter((el) => el.offsetParent !== null && !el.closest('dialog'));
      shown.forEach((el, i) => el.setAttribute('data-kbd', String(i)));
      return shown.map((el) => el.getAttribute('data-kbd') as string);
    });
    expect(controls.length).toBeGreaterThan(30);
    const reached = new Set<string>();
    let unringed: string[] = [];
    for (let i = 0; i < controls.length + 10; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const g = globalThis as any;
        const el = g.document.activeElement;
        if (!el) return null;
        const ring = g.getComputedStyle(el).outlineStyle !== 'none';
        return { kbd: el.getAttribute('data-kbd') as string | null, ring, what: String(el.outerHTML).slice(0, 80) };
      });
      if (info?.kbd) {
        reached.add(info.kbd);
        if (!info.ring) unringed = [...unringed, info.what];
      }
    }
    expect(controls.filter((c) => !reached.has(c))).toEqual([]);
    expect(unringed).toEqual([]);

    // Delete a package with the keyboard: Escape keeps it, Enter on the confirmation deletes it.
    await page.getByRole('button', { name: 'Delete package Executive' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#confirm[open]').waitFor();
    await page.keyboard.press('Escape');
    await expectText(page.locator('#packages'), 'Executive');
    await page.getByRole('button', { name: 'Delete package Executive' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('#confirm[open]').waitFor();
    await page.keyboard.press('Tab'); // from "Keep it" to the confirm button
    await page.keyboard.press('Enter');
    await expectText(toast(), 'Package Executive deleted');
    expect(await page.locator('#packages').textContent()).not.toContain('Executive');
  });

  async function addPackage(name: string, types: string[]) {
    await page.getByLabel('Package name').fill(name);
    for (const t of types) await page.getByLabel(t, { exact: true }).check();
    await page.getByRole('button', { name: 'Add package' }).click();
    await expectText(toast(), `Package ${name} added`);
  }
});

/** Waits until the element's text contains `text` (the page updates asynchronously). */
async function expectText(locator: Locator, text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent({ timeout: timeoutMs }).catch(() => '')) ?? '';
    if (last.includes(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected "${text}" in ${locator.toString()}, last text: "${last}"`);
}
