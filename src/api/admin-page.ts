// The settings page: the README's four setup steps on one page, the team's state at a glance and its checks list.
// Plain HTML, CSS and JS (no build step) talking to the admin REST API with the bearer token the admin types in
// (kept in sessionStorage only). Markup here; style and behaviour in ./page/. API data is written with textContent.
import { CHECK_STATUSES } from '../workflows/definitions';
import { PAGE_STYLE } from './page/style';
import { PAGE_SCRIPT } from './page/script';
import { CHECKS_SCRIPT } from './page/checks-script';
import { PACKAGES_SCRIPT } from './page/packages-script';

/** One labelled input with its hint and the slot its field error is shown in (ids derive from the field name). */
function field(name: string, label: string, hint: string, type: 'text' | 'password' = 'text'): string {
  const id = `f-${name.replace(/\./g, '-')}`;
  const secret = type === 'password';
  return `<div class="field">
      <label for="${id}">${label}</label>
      <div class="control"><input id="${id}" name="${name}" type="${type}" autocomplete="off" spellcheck="false"
        aria-describedby="${id}-hint ${id}-err"${secret ? ' placeholder="unchanged"' : ''}>${
          secret ? ` <span class="mask" data-mask="${name}"></span>` : ''
        }</div>
      <p class="hint" id="${id}-hint">${hint}</p>
      <p class="err" id="${id}-err" data-err="${name}"></p>
    </div>`;
}

/** A labelled checkbox with its hint and error slot, ids derived like field()'s. */
function checkbox(name: string, label: string, hint: string): string {
  const id = `f-${name.replace(/\./g, '-')}`;
  return `<div class="field">
      <div class="control"><input id="${id}" name="${name}" type="checkbox" aria-describedby="${id}-hint ${id}-err">
        <label for="${id}">${label}</label></div>
      <p class="hint" id="${id}-hint">${hint}</p>
      <p class="err" id="${id}-err" data-err="${name}"></p>
    </div>`;
}

function copyable(id: string, label: string): string {
  return `<div class="copy-row"><span class="copy-label" id="${id}-label">${label}</span>
      <code id="${id}" aria-labelledby="${id}-label">—</code>
      <button type="button" class="secondary" data-copy="${id}" aria-describedby="${id}-label">Copy</button></div>`;
}

export function adminPageHtml(nonce: string): string {
  const statuses = JSON.stringify(CHECK_STATUSES).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lever ⇄ Certn — settings</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the settings</a>
<header class="top">
  <div class="brand"><span class="logo" aria-hidden="true">⇄</span><h1>Lever ⇄ Certn background checks</h1></div>
  <form id="connect" class="connect">
    <label for="token">Admin token</label>
    <input id="token" type="password" autocomplete="off" aria-describedby="token-hint">
    <button type="submit">Connect</button>
    <p class="hint" id="token-hint">Printed by the service at its first start (or <code>ADMIN_TOKEN</code>). Kept in this tab only.</p>
  </form>
</header>

<main id="main" tabindex="-1">
<section class="card team-bar" aria-labelledby="team-h">
  <h2 id="team-h">Team</h2>
  <div class="row">
    <div class="field inline"><label for="teams">Team (company)</label><select id="teams" disabled></select></div>
    <form id="new-team" class="row">
      <div class="field inline"><label for="f-newteam">New team</label>
        <input id="f-newteam" name="name" type="text" placeholder="Acme Inc." aria-describedby="f-newteam-err"></div>
      <button type="submit" class="secondary">Create team</button>
      <p class="err" id="f-newteam-err" data-err="new.name"></p>
    </form>
  </div>
</section>

<div id="team-area" hidden>
<section class="card glance" aria-labelledby="glance-h">
  <div class="glance-head"><h2 id="glance-h">At a glance</h2><p id="state-badge" class="badge off">Not enabled</p></div>
  <p id="glance-summary"></p>
  <ul id="checklist" class="checklist"></ul>
</section>

<section class="card step" aria-labelledby="s1-h">
  <h2 id="s1-h"><span class="num" aria-hidden="true">1</span>Keys and trigger stage</h2>
  <form id="settings" novalidate>
    ${field('name', 'Team name', 'How this team is shown here.')}
    <div class="cols">
      <fieldset><legend>Lever</legend>
        ${field('lever.apiKey', 'Lever API key', 'Lever → Settings → Integrations and API → API Credentials: a key that may read stages and opportunities.', 'password')}
        ${field('lever.triggerStageName', 'Trigger stage name', 'The stage that starts a check, exactly as named in Lever, e.g. <em>Background Check</em>.')}
        ${field('lever.performAsUserId', 'Lever user id for uploads', 'Lever → Settings → Users: the user the report PDF is attached as (<code>perform_as</code>).')}
        ${field('lever.advanceStageName', 'Advance stage on Clear (optional)', 'A check with result Clear moves the candidate to this Lever stage, e.g. <em>Offer</em> (never on Review, never if a recruiter moved them on). Empty: candidates are never moved.')}
        ${checkbox('lever.plainCompleteTag', 'Plain <code>CERTN - Complete</code> tag', 'Tag <code>CERTN - Complete</code> instead of <code>CERTN - Complete (Clear)</code> / <code>(Review)</code>; the summary note still says which.')}
      </fieldset>
      <fieldset><legend>Certn</legend>
        ${field('certn.apiKey', 'Certn API key', 'Certn → Settings → API keys.', 'password')}
        ${field('certn.webhookSecret', 'Certn webhook secret', 'Choose a long random secret; you enter the same one in Certn in step 3.', 'password')}
      </fieldset>
    </div>
    <div class="actions"><button type="submit">Save keys and stage</button>
      <span class="hint">Empty secret fields keep the stored value.</span></div>
  </form>
</section>

<section class="card step" aria-labelledby="s2-h">
  <h2 id="s2-h"><span class="num" aria-hidden="true">2</span>Packages</h2>
  <p class="hint">A package is a set of Certn checks. The default is ordered unless a recruiter tags the candidate (or
    the posting) with another package's name before moving them.</p>
  <table class="grid"><caption class="sr">Packages</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Check types</th><th scope="col">Default</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
    <tbody id="packages"></tbody></table>
  <p class="err" data-err="defaultPackageId" id="f-defaultPackageId-err"></p>
  <form id="pkg-form" class="pkg-form" novalidate>
    <h3 id="pkg-form-h">New package</h3>
    ${field('pkg.name', 'Package name', 'Recruiters can tag a candidate with this name to pick the package.')}
    <fieldset class="types" aria-describedby="f-pkg-checkTypes-err"><legend>Check types</legend><div id="pkg-types"></div></fieldset>
    <p class="err" id="f-pkg-checkTypes-err" data-err="pkg.checkTypes"></p>
    <div class="actions"><button type="submit" id="pkg-submit">Add package</button>
      <button type="button" class="secondary" id="pkg-cancel" hidden>Stop editing</button></div>
  </form>
</section>

<section class="card step" aria-labelledby="s3-h">
  <h2 id="s3-h"><span class="num" aria-hidden="true">3</span>Webhooks</h2>
  <div class="cols">
    <div><h3>In Lever</h3>
      <ol class="howto"><li>Settings → Integrations and API → Webhooks: add this one URL to each of the three webhooks below.</li>
        <li>Lever shows each webhook's own <strong>signature token</strong>: paste each one beside its webhook and save.</li></ol>
      ${copyable('lever-url', 'Lever webhook URL')}
      <form id="sig-form" novalidate>
        <ul class="hooks" aria-label="Lever webhooks to add">
          <li><h4 id="hook-stage">Candidate Stage Change <span class="tag bad">required</span></h4>
            ${field('lever.signatureToken', 'Candidate Stage Change token', 'Starts a check when a candidate enters the trigger stage.', 'password')}</li>
          <li><h4 id="hook-archive">Candidate Archive State Change <span class="tag warn">recommended</span></h4>
            ${field('lever.archiveSignatureToken', 'Candidate Archive State Change token', 'Cancels the open check of a candidate archived in Lever.', 'password')}</li>
          <li><h4 id="hook-deleted">Candidate Deleted <span class="tag warn">recommended</span></h4>
            ${field('lever.deletedSignatureToken', 'Candidate Deleted token', 'Cancels the open check of a candidate deleted in Lever.', 'password')}</li>
        </ul>
        <div class="actions"><button type="submit">Save webhook tokens</button>
          <span class="hint">Empty fields keep the stored token.</span></div>
      </form>
    </div>
    <div><h3>In Certn</h3>
      <ol class="howto"><li>Settings → Webhooks: set this URL as the account webhook.</li>
        <li>Enter the <strong>webhook secret</strong> from step 1. Certn checks the URL with a challenge first.</li></ol>
      ${copyable('certn-url', 'Certn webhook URL')}
    </div>
  </div>
</section>

<section class="card step" aria-labelledby="s4-h">
  <h2 id="s4-h"><span class="num" aria-hidden="true">4</span>Enable</h2>
  <p class="hint">Enabling checks everything it can: both keys work, the trigger stage exists in Lever, a default
    package exists, the token and secret are set. Each problem is shown beside its field.</p>
  <div class="actions"><button type="button" id="enable">Validate and enable</button>
    <button type="button" class="secondary" id="disable">Disable</button></div>
  <ul id="problems" class="problems" aria-label="Problems found when enabling"></ul>
</section>

<section class="card checks" aria-labelledby="checks-h">
  <div class="checks-head"><h2 id="checks-h">Checks</h2>
    <div class="row">
      <div class="field inline"><label for="status-filter">Status</label><select id="status-filter"><option value="">All statuses</option></select></div>
      <button type="button" class="secondary" id="checks-refresh">Refresh</button>
      <label class="check"><input type="checkbox" id="checks-auto" checked> Refresh every 5 s</label>
    </div></div>
  <p class="hint">Every candidate sent for a check, most recent first (open checks, then by when they closed), from Temporal.</p>
  <table class="grid" id="checks-table"><caption class="sr">Checks</caption>
    <thead><tr><th scope="col">Opportunity</th><th scope="col">Status</th><th scope="col">Package</th><th scope="col">Certn case</th>
      <th scope="col">Last changed</th><th scope="col">Run</th><th scope="col"><span class="sr">Actions</span></th></tr></thead>
    <tbody id="checks"></tbody></table>
  <p id="checks-empty" class="hint" hidden>No checks yet. Move a candidate into the trigger stage in Lever.</p>
  <div class="pager"><button type="button" class="secondary" id="checks-newer" disabled>← Newer</button>
    <span id="checks-page" class="hint">Page 1</span>
    <button type="button" class="secondary" id="checks-older" disabled>Older →</button></div>
</section>
</div>
</main>

<div id="live" class="toast" role="status" aria-live="polite" aria-atomic="true"></div>
<dialog id="confirm" aria-labelledby="confirm-text">
  <form method="dialog"><p id="confirm-text"></p>
    <div class="actions"><button value="cancel" class="secondary" id="confirm-no">Keep it</button>
      <button value="ok" id="confirm-yes">Confirm</button></div></form>
</dialog>

<script nonce="${nonce}">
(function () {
'use strict';
var CHECK_STATUSES = ${statuses};
${PAGE_SCRIPT}
${PACKAGES_SCRIPT}
${CHECKS_SCRIPT}
})();
</script>
</body>
</html>
`;
}
