// The settings page's markup, checked without a browser: one script, carrying the nonce; API data never goes in as
// HTML; every input and select has a label tied to it (or sits inside one); every field error slot has its input.
import { adminPageHtml } from '../../src/api/admin-page';

describe('settings page markup', () => {
  const html = adminPageHtml('TEST-NONCE');

  it('has one script, with the nonce, and no HTML sinks', () => {
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain('<script nonce="TEST-NONCE">');
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    expect(html).not.toMatch(/\son[a-z]+="/); // no inline handlers (the CSP would block them anyway)
  });

  it('ties a label to every input and select', () => {
    const ids = [...html.matchAll(/<(?:input|select)\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThan(10);
    const unlabelled = ids.filter(
      (id) => !html.includes(`<label for="${id}"`) && !new RegExp(`<label[^>]*>\\s*<input[^>]*id="${id}"`).test(html),
    );
    expect(unlabelled).toEqual([]);
  });

  it('gives each field error slot an input or a group that points at it', () => {
    const slots = [...html.matchAll(/<p class="err" id="([^"]+)-err"/g)].map((m) => m[1]!);
    expect(slots).toEqual(
      expect.arrayContaining([
        'f-lever-apiKey',
        'f-lever-triggerStageName',
        'f-lever-advanceStageName',
        'f-lever-plainCompleteTag',
        'f-pkg-name',
        'f-pkg-checkTypes',
      ]),
    );
    for (const s of slots) expect(html).toMatch(new RegExp(`aria-describedby="[^"]*\\b${s}-err\\b`));
  });
});
