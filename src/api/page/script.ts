// The settings page's behaviour for the team and its four setup steps (plain browser JS, no build step). It shares
// one scope with ./packages-script.ts and ./checks-script.ts (the page wraps them in one function), which use
// `api`, `say`, `fail`, `button`, `confirmDialog`, `state` and `onTeam` from here. API data goes into the page with textContent only, never as HTML.
export const PAGE_SCRIPT = String.raw`
var $ = function (id) { return document.getElementById(id); };
var state = { team: null, types: [], editing: null, problems: [] };
var onTeam = []; // called with the team whenever another team is shown
var tokenInput = $('token');
tokenInput.value = sessionStorage.getItem('adminToken') || '';

function say(text, bad) {
  var live = $('live');
  live.className = 'toast' + (bad ? ' bad' : '');
  live.textContent = text;
  clearTimeout(say.timer);
  say.timer = setTimeout(function () { live.textContent = ''; }, 8000);
}

function ApiError(status, data) { this.status = status; this.data = data || {}; }
async function api(method, path, body) {
  var res = await fetch('/api/admin' + path, {
    method: method,
    headers: Object.assign({ Authorization: 'Bearer ' + tokenInput.value }, body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  var data = res.status === 204 ? null : await res.json().catch(function () { return null; });
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
function explain(err) {
  if (!(err instanceof ApiError)) return 'The service did not answer (' + (err && err.message) + ').';
  if (err.status === 401) return 'The admin token was not accepted: check it and press Connect.';
  var d = err.data;
  if (d.fields) return Object.keys(d.fields).map(function (k) { return k + ': ' + d.fields[k]; }).join('; ');
  return d.message || 'The request failed (HTTP ' + err.status + ').';
}

function confirmDialog(text, yes) {
  return new Promise(function (resolve) {
    var d = $('confirm');
    $('confirm-text').textContent = text;
    $('confirm-yes').textContent = yes;
    d.returnValue = '';
    d.onclose = function () { resolve(d.returnValue === 'ok'); };
    d.showModal();
    $('confirm-no').focus();
  });
}

// ------------------------------------------------------------------ field errors, shown beside their input
function slotFor(name) {
  var slot = document.querySelector('[data-err="' + CSS.escape(name) + '"]');
  // "checkTypes.2" → the "checkTypes" slot
  if (!slot && name.indexOf('.') > 0) return slotFor(name.replace(/\.[^.]*$/, ''));
  return slot;
}
function clearErrors(scope) {
  scope.querySelectorAll('[data-err]').forEach(function (p) { p.textContent = ''; });
  scope.querySelectorAll('[aria-invalid]').forEach(function (i) { i.removeAttribute('aria-invalid'); });
}
function fieldError(name, message) {
  var slot = slotFor(name);
  if (!slot) return null;
  var input = $(slot.id.replace(/-err$/, ''));
  var label = input && document.querySelector('label[for="' + input.id + '"]');
  // A group (the check types) names itself with its legend; focus goes to its first box.
  var group = !input && document.querySelector('fieldset[aria-describedby~="' + slot.id + '"]');
  if (group) { label = group.querySelector('legend'); input = group.querySelector('input'); }
  slot.textContent = (label ? label.textContent + ': ' : '') + message;
  if (input && !group) input.setAttribute('aria-invalid', 'true');
  return input || slot;
}
/** Shows the API's field errors (400 fields, 409 field, 422 problems) beside their inputs; true when any was. */
function showErrors(err, prefix) {
  var d = (err instanceof ApiError && err.data) || {};
  var list = [];
  if (d.fields) Object.keys(d.fields).forEach(function (k) { list.push([k, d.fields[k]]); });
  if (d.field) list.push([d.field, d.message]);
  if (d.problems) d.problems.forEach(function (p) { list.push([p.field, p.message]); });
  var first = null;
  list.forEach(function (e) {
    var el = fieldError((prefix || '') + e[0], e[1]) || (prefix ? null : fieldError(e[0], e[1]));
    first = first || el;
  });
  if (first && first.focus) first.focus();
  return first !== null;
}
function fail(err, prefix) {
  var inline = showErrors(err, prefix);
  say(inline ? 'Not saved: see the message beside each highlighted field.' : explain(err), true);
}

// ------------------------------------------------------------------ teams
async function connect() {
  sessionStorage.setItem('adminToken', tokenInput.value);
  try {
    var data = await api('GET', '/teams');
    state.types = (await api('GET', '/check-types')).checkTypes;
    fillTeams(data.teams, sessionStorage.getItem('teamId'));
    say(data.teams.length ? 'Connected: ' + data.teams.length + ' team(s).' : 'Connected. No team yet: create one.');
    if (!data.teams.length) $('f-newteam').focus();
  } catch (err) { say(explain(err), true); }
}
function fillTeams(teams, selectId) {
  var sel = $('teams');
  sel.textContent = '';
  teams.forEach(function (t) {
    var o = document.createElement('option');
    o.value = t.id; o.textContent = t.name + (t.enabled ? ' — enabled' : '');
    sel.appendChild(o);
  });
  sel.disabled = teams.length === 0;
  var pick = teams.find(function (t) { return t.id === selectId; }) || teams[0];
  if (pick) { sel.value = pick.id; render(pick); }
}
$('connect').onsubmit = function (ev) { ev.preventDefault(); connect(); };
$('teams').onchange = function () {
  api('GET', '/teams/' + encodeURIComponent(this.value)).then(render, function (err) { say(explain(err), true); });
};
$('new-team').onsubmit = async function (ev) {
  ev.preventDefault(); clearErrors(this);
  try {
    var t = await api('POST', '/teams', { name: $('f-newteam').value });
    $('f-newteam').value = '';
    fillTeams((await api('GET', '/teams')).teams, t.id);
    say('Team ' + t.name + ' created. Fill in step 1 next.');
    $('f-lever-apiKey').focus();
  } catch (err) { fail(err, 'new.'); }
};

// ------------------------------------------------------------------ rendering one team
var REQUIRED = [
  ['lever.apiKey', 'Lever API key', function (t) { return t.lever.apiKey.set; }],
  ['lever.triggerStageName', 'Trigger stage name', function (t) { return !!t.lever.triggerStageName; }],
  ['lever.performAsUserId', 'Lever user for uploads', function (t) { return !!t.lever.performAsUserId; }],
  ['certn.apiKey', 'Certn API key', function (t) { return t.certn.apiKey.set; }],
  ['certn.webhookSecret', 'Certn webhook secret', function (t) { return t.certn.webhookSecret.set; }],
  ['defaultPackageId', 'Default package', function (t) { return t.packages.some(function (p) { return p.id === t.defaultPackageId; }); }],
  ['lever.signatureToken', 'Candidate Stage Change token', function (t) { return t.lever.signatureToken.set; }],
];
// Not needed to enable, but without them archiving or deleting a candidate in Lever leaves the check open.
var RECOMMENDED = [
  ['lever.archiveSignatureToken', 'Candidate Archive State Change token', function (t) { return t.lever.archiveSignatureToken.set; }],
  ['lever.deletedSignatureToken', 'Candidate Deleted token', function (t) { return t.lever.deletedSignatureToken.set; }],
];
function inputIdFor(field) { return field === 'defaultPackageId' ? 'f-pkg-name' : 'f-' + field.replace(/\./g, '-'); }

function render(t) {
  var changed = !state.team || state.team.id !== t.id;
  state.team = t;
  sessionStorage.setItem('teamId', t.id);
  $('team-area').hidden = false;
  var opt = document.querySelector('#teams option[value="' + CSS.escape(t.id) + '"]');
  if (opt) opt.textContent = t.name + (t.enabled ? ' — enabled' : '');
  var f = $('settings');
  f.elements['name'].value = t.name;
  f.elements['lever.triggerStageName'].value = t.lever.triggerStageName || '';
  f.elements['lever.performAsUserId'].value = t.lever.performAsUserId || '';
  f.elements['lever.advanceStageName'].value = t.lever.advanceStageName || '';
  f.elements['lever.plainCompleteTag'].checked = !!t.lever.plainCompleteTag;
  ['lever.apiKey', 'lever.signatureToken', 'lever.archiveSignatureToken', 'lever.deletedSignatureToken', 'certn.apiKey', 'certn.webhookSecret'].forEach(function (k) {
    $('f-' + k.replace('.', '-')).value = '';
    var s = t[k.split('.')[0]][k.split('.')[1]];
    document.querySelector('[data-mask="' + k + '"]').textContent = s.set ? 'stored ' + s.masked : 'not set';
  });
  $('lever-url').textContent = t.webhookUrls.lever;
  $('certn-url').textContent = t.webhookUrls.certn;
  if (changed) { state.problems = []; clearErrors(document); showProblems(); }
  renderPackages(t);
  renderGlance(t);
  if (changed) onTeam.forEach(function (fn) { fn(t); });
}

function renderGlance(t) {
  var badge = $('state-badge');
  badge.textContent = t.enabled ? 'Enabled' : 'Not enabled';
  badge.className = 'badge ' + (t.enabled ? 'on' : 'off');
  var ul = $('checklist'); ul.textContent = '';
  var missing = [];
  REQUIRED.forEach(function (r) {
    var problem = state.problems.find(function (p) { return p.field === r[0]; });
    var ok = r[2](t) && !problem;
    if (!ok) missing.push(r[1]);
    var li = document.createElement('li'); li.className = ok ? 'done' : 'todo';
    var mark = document.createElement('span'); mark.className = 'mark'; mark.setAttribute('aria-hidden', 'true');
    mark.textContent = ok ? '✓' : '✗';
    var a = document.createElement('a'); a.href = '#' + inputIdFor(r[0]);
    a.textContent = r[1] + (ok ? '' : r[2](t) ? ' — not accepted' : ' — missing');
    a.onclick = function (ev) { ev.preventDefault(); var i = $(inputIdFor(r[0])); if (i) i.focus(); };
    var text = document.createElement('div'); text.appendChild(a);
    // A problem beyond "not set" (a rejected key, an unknown stage) is spelled out under its line.
    if (problem && problem.code !== 'missing') {
      var why = document.createElement('div'); why.className = 'why'; why.textContent = problem.message; text.appendChild(why);
    }
    li.appendChild(mark); li.appendChild(text);
    ul.appendChild(li);
  });
  RECOMMENDED.forEach(function (r) {
    var ok = r[2](t);
    var li = document.createElement('li'); li.className = ok ? 'done' : 'optional';
    var mark = document.createElement('span'); mark.className = 'mark'; mark.setAttribute('aria-hidden', 'true');
    mark.textContent = ok ? '✓' : '○';
    var a = document.createElement('a'); a.href = '#' + inputIdFor(r[0]);
    a.textContent = r[1] + (ok ? ' (recommended)' : ' — recommended, not set');
    a.onclick = function (ev) { ev.preventDefault(); $(inputIdFor(r[0])).focus(); };
    li.appendChild(mark); li.appendChild(a);
    ul.appendChild(li);
  });
  $('glance-summary').textContent = t.enabled
    ? 'Checks start when a candidate enters “' + t.lever.triggerStageName + '” in Lever.'
    : missing.length
      ? missing.length + ' of ' + REQUIRED.length + ' still to do before this team can be enabled.'
      : 'Everything is filled in: press “Validate and enable” in step 4.';
}

function showProblems() {
  var ul = $('problems'); ul.textContent = '';
  state.problems.forEach(function (p) { var li = document.createElement('li'); li.textContent = p.message; ul.appendChild(li); });
}

// ------------------------------------------------------------------ step 1 and the webhook tokens of step 3
function settingsBody(form, keys) {
  var body = {};
  keys.forEach(function (k) {
    var input = form.elements[k]; var v = input.value.trim(); var parts = k.split('.');
    var target = parts.length === 1 ? body : (body[parts[0]] = body[parts[0]] || {});
    if (input.type === 'checkbox') { target[parts[parts.length - 1]] = input.checked; return; }
    if (v) target[parts[parts.length - 1]] = v;
    else if (input.type !== 'password') target[parts[parts.length - 1]] = parts.length === 1 ? v : null;
  });
  return body;
}
async function save(form, keys, done) {
  clearErrors(form);
  try {
    render(await api('PATCH', '/teams/' + encodeURIComponent(state.team.id), settingsBody(form, keys)));
    say(done + (state.team.enabled ? '' : ' The team is not enabled yet.'));
  } catch (err) { fail(err); }
}
$('settings').onsubmit = function (ev) {
  ev.preventDefault();
  save(this, ['name', 'lever.apiKey', 'lever.triggerStageName', 'lever.performAsUserId', 'lever.advanceStageName', 'lever.plainCompleteTag', 'certn.apiKey', 'certn.webhookSecret'], 'Keys and stage saved.');
};
$('sig-form').onsubmit = function (ev) {
  ev.preventDefault();
  save(this, ['lever.signatureToken', 'lever.archiveSignatureToken', 'lever.deletedSignatureToken'], 'Webhook tokens saved.');
};

// ------------------------------------------------------------------ shared by the packages and checks scripts
function button(text, cls, label, onclick) {
  var b = document.createElement('button'); b.type = 'button'; b.className = cls; b.textContent = text;
  if (label) b.setAttribute('aria-label', label);
  b.onclick = onclick; return b;
}
// ------------------------------------------------------------------ step 3: copy buttons; step 4: enable
document.querySelectorAll('[data-copy]').forEach(function (b) {
  b.onclick = async function () {
    var code = $(b.getAttribute('data-copy')); var text = code.textContent;
    try { await navigator.clipboard.writeText(text); }
    catch (e) { var r = document.createRange(); r.selectNodeContents(code); var s = getSelection(); s.removeAllRanges(); s.addRange(r); document.execCommand('copy'); }
    say($(code.id + '-label').textContent + ' copied.');
  };
});
$('enable').onclick = async function () {
  clearErrors(document); state.problems = [];
  try {
    var r = await api('POST', '/teams/' + encodeURIComponent(state.team.id) + '/enable');
    showProblems(); render(r.team);
    say('Enabled. Moving a candidate into “' + r.team.lever.triggerStageName + '” now orders a check.');
  } catch (err) {
    state.problems = (err instanceof ApiError && err.data.problems) || [];
    showProblems(); renderGlance(state.team); showErrors(err);
    say(state.problems.length ? 'Not enabled: ' + state.problems.length + ' problem(s), each shown beside its field.' : explain(err), true);
  }
};
$('disable').onclick = async function () {
  if (!(await confirmDialog('Disable this team? Webhooks from Lever are refused until it is enabled again; open checks carry on.', 'Disable'))) return;
  try { render(await api('POST', '/teams/' + encodeURIComponent(state.team.id) + '/disable')); say('Disabled.'); }
  catch (err) { say(explain(err), true); }
};
`;
