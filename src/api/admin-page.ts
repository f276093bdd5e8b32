// A minimal settings page: plain HTML and fetch() against the admin REST API with the bearer token the admin types
// in (kept in sessionStorage only). No framework; data is written with textContent, never as HTML.
export function adminPageHtml(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lever ⇄ Certn — settings</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
  fieldset { border: 1px solid #ccc; border-radius: 6px; margin: 1rem 0; padding: .75rem 1rem; }
  legend { font-weight: 600; }
  label { display: block; margin: .4rem 0; }
  label span { display: inline-block; min-width: 16rem; }
  input[type=text], input[type=password] { width: 22rem; }
  .hint { color: #666; font-size: 90%; }
  .ok { color: #17692b; } .bad { color: #a11; }
  #out { white-space: pre-wrap; background: #f6f6f6; padding: .75rem; border-radius: 6px; min-height: 2rem; }
  table { border-collapse: collapse; } td, th { padding: .2rem .6rem; border-bottom: 1px solid #eee; text-align: left; }
  .types { columns: 2; }
</style>
</head>
<body>
<h1>Lever ⇄ Certn background checks</h1>

<fieldset>
  <legend>Admin token</legend>
  <label><span>Bearer token</span><input id="token" type="password" autocomplete="off"></label>
  <button id="load">Load teams</button>
  <span class="hint">Printed by the service at first start (or ADMIN_TOKEN). Kept in this tab only.</span>
</fieldset>

<fieldset>
  <legend>Team</legend>
  <label><span>Team</span><select id="teams"></select> <button id="newTeam">New team…</button></label>
  <p id="status" class="hint"></p>
</fieldset>

<form id="settings">
<fieldset>
  <legend>1. Lever</legend>
  <label><span>Team name</span><input name="name" type="text" required></label>
  <label><span>Lever API key</span><input name="lever.apiKey" type="password" autocomplete="off" placeholder="unchanged"> <em data-mask="lever.apiKey" class="hint"></em></label>
  <label><span>Webhook signature token</span><input name="lever.signatureToken" type="password" autocomplete="off" placeholder="unchanged"> <em data-mask="lever.signatureToken" class="hint"></em></label>
  <label><span>Trigger stage name</span><input name="lever.triggerStageName" type="text" placeholder="Background Check"></label>
  <label><span>Lever user id for uploads (perform_as)</span><input name="lever.performAsUserId" type="text"></label>
</fieldset>
<fieldset>
  <legend>2. Certn</legend>
  <label><span>Certn API key</span><input name="certn.apiKey" type="password" autocomplete="off" placeholder="unchanged"> <em data-mask="certn.apiKey" class="hint"></em></label>
  <label><span>Certn webhook secret</span><input name="certn.webhookSecret" type="password" autocomplete="off" placeholder="unchanged"> <em data-mask="certn.webhookSecret" class="hint"></em></label>
  <button type="submit">Save settings</button> <span class="hint">Empty secret fields keep the stored value.</span>
</fieldset>
</form>

<fieldset>
  <legend>3. Packages</legend>
  <table><thead><tr><th>Default</th><th>Name</th><th>Check types</th><th></th></tr></thead><tbody id="packages"></tbody></table>
  <h4>New package</h4>
  <label><span>Name</span><input id="pkgName" type="text"></label>
  <div id="pkgTypes" class="types"></div>
  <button id="addPkg">Add package</button>
</fieldset>

<fieldset>
  <legend>4. Enable</legend>
  <button id="enable">Validate and enable</button> <button id="disable">Disable</button>
  <p>Lever webhook URL (Candidate Stage Change): <code id="leverUrl"></code></p>
  <p>Certn webhook URL: <code id="certnUrl"></code></p>
</fieldset>

<h3>Result</h3>
<div id="out"></div>

<script nonce="${nonce}">
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var current = null;
  var tokenInput = $('token');
  tokenInput.value = sessionStorage.getItem('adminToken') || '';

  function show(text, ok) { var o = $('out'); o.textContent = text; o.className = ok ? 'ok' : 'bad'; }

  async function api(method, path, body) {
    sessionStorage.setItem('adminToken', tokenInput.value);
    var res = await fetch('/api/admin' + path, {
      method: method,
      headers: Object.assign({ Authorization: 'Bearer ' + tokenInput.value }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    var data = res.status === 204 ? null : await res.json().catch(function () { return null; });
    if (!res.ok) {
      var msg = 'HTTP ' + res.status;
      if (data && data.fields) msg += '\\n' + Object.keys(data.fields).map(function (k) { return k + ': ' + data.fields[k]; }).join('\\n');
      else if (data && data.problems) msg += '\\n' + data.problems.map(function (p) { return '• ' + p.message; }).join('\\n');
      else if (data && data.message) msg += ': ' + data.message;
      else if (data && data.error) msg += ': ' + data.error;
      show(msg, false);
      throw new Error(msg);
    }
    return data;
  }

  function option(value, text) { var o = document.createElement('option'); o.value = value; o.textContent = text; return o; }

  async function loadTeams(selectId) {
    var data = await api('GET', '/teams');
    var sel = $('teams'); sel.textContent = '';
    data.teams.forEach(function (t) { sel.appendChild(option(t.id, t.name + (t.enabled ? ' (enabled)' : ''))); });
    if (selectId) sel.value = selectId;
    if (sel.value) { render(data.teams.find(function (t) { return t.id === sel.value; })); show('Loaded ' + data.teams.length + ' team(s)', true); }
    else show('No team yet: create one.', true);
  }

  function render(t) {
    current = t;
    Array.prototype.forEach.call($('teams').options, function (o) { if (o.value === t.id) o.textContent = t.name + (t.enabled ? ' (enabled)' : ''); });
    var f = $('settings');
    f.elements['name'].value = t.name;
    f.elements['lever.triggerStageName'].value = t.lever.triggerStageName || '';
    f.elements['lever.performAsUserId'].value = t.lever.performAsUserId || '';
    ['lever.apiKey', 'lever.signatureToken', 'certn.apiKey', 'certn.webhookSecret'].forEach(function (k) {
      f.elements[k].value = '';
      var parts = k.split('.'); var s = t[parts[0]][parts[1]];
      document.querySelector('[data-mask="' + k + '"]').textContent = s.set ? 'set ' + s.masked : 'not set';
    });
    $('status').textContent = (t.enabled ? 'Enabled' : 'Disabled') + (t.lever.triggerStageId ? ' — trigger stage id ' + t.lever.triggerStageId : '');
    $('leverUrl').textContent = t.webhookUrls.lever;
    $('certnUrl').textContent = t.webhookUrls.certn;
    var tb = $('packages'); tb.textContent = '';
    t.packages.forEach(function (p) {
      var tr = document.createElement('tr');
      var def = document.createElement('td'); var r = document.createElement('input'); r.type = 'radio'; r.name = 'def';
      r.checked = p.id === t.defaultPackageId;
      r.onchange = function () { api('POST', '/teams/' + t.id + '/packages/' + p.id + '/default').then(function (x) { render(x); show('Default package: ' + p.name, true); }, function () { render(current); }); };
      def.appendChild(r); tr.appendChild(def);
      var n = document.createElement('td'); n.textContent = p.name; tr.appendChild(n);
      var c = document.createElement('td'); c.textContent = p.checkTypes.join(', '); tr.appendChild(c);
      var a = document.createElement('td');
      var ren = document.createElement('button'); ren.textContent = 'Rename';
      ren.onclick = function () { var nn = prompt('New name', p.name); if (nn) api('PATCH', '/teams/' + t.id + '/packages/' + p.id, { name: nn }).then(function () { return refresh('Renamed'); }).catch(function () {}); };
      var del = document.createElement('button'); del.textContent = 'Delete';
      del.onclick = function () { if (confirm('Delete ' + p.name + '?')) api('DELETE', '/teams/' + t.id + '/packages/' + p.id).then(function () { return refresh('Deleted'); }).catch(function () {}); };
      a.appendChild(ren); a.appendChild(del); tr.appendChild(a);
      tb.appendChild(tr);
    });
  }

  async function refresh(msg) { var t = await api('GET', '/teams/' + current.id); render(t); if (msg) show(msg, true); }

  $('load').onclick = function () { loadTeams().then(loadTypes).catch(function () {}); };
  $('teams').onchange = function () { api('GET', '/teams/' + this.value).then(render).catch(function () {}); };
  $('newTeam').onclick = function () {
    var name = prompt('Team (company) name'); if (!name) return;
    api('POST', '/teams', { name: name }).then(function (t) { return loadTeams(t.id).then(function () { show('Team created', true); }); }).catch(function () {});
  };

  $('settings').onsubmit = function (ev) {
    ev.preventDefault(); if (!current) return;
    var f = ev.target; var body = { name: f.elements['name'].value, lever: {}, certn: {} };
    ['lever.apiKey', 'lever.signatureToken', 'lever.triggerStageName', 'lever.performAsUserId', 'certn.apiKey', 'certn.webhookSecret'].forEach(function (k) {
      var v = f.elements[k].value.trim(); var parts = k.split('.');
      var secret = f.elements[k].type === 'password';
      if (v) body[parts[0]][parts[1]] = v; else if (!secret) body[parts[0]][parts[1]] = null;
    });
    api('PATCH', '/teams/' + current.id, body).then(function (t) { render(t); show('Saved' + (t.enabled ? '' : ' (team is disabled)'), true); }).catch(function () {});
  };

  async function loadTypes() {
    var data = await api('GET', '/check-types'); var box = $('pkgTypes'); box.textContent = '';
    data.checkTypes.forEach(function (ct) {
      var l = document.createElement('label'); var c = document.createElement('input'); c.type = 'checkbox'; c.value = ct;
      l.appendChild(c); l.appendChild(document.createTextNode(' ' + ct)); box.appendChild(l);
    });
  }
  $('addPkg').onclick = function () {
    if (!current) return;
    var types = Array.prototype.map.call(document.querySelectorAll('#pkgTypes input:checked'), function (c) { return c.value; });
    api('POST', '/teams/' + current.id + '/packages', { name: $('pkgName').value, checkTypes: types })
      .then(function () {
        $('pkgName').value = '';
        document.querySelectorAll('#pkgTypes input:checked').forEach(function (c) { c.checked = false; });
        return refresh('Package added');
      }).catch(function () {});
  };
  $('enable').onclick = function () {
    if (!current) return;
    api('POST', '/teams/' + current.id + '/enable').then(function (r) {
      render(r.team);
      show('Enabled. Paste these into Lever and Certn:\\nLever: ' + r.webhookUrls.lever + '\\nCertn: ' + r.webhookUrls.certn, true);
    }).catch(function () {});
  };
  $('disable').onclick = function () {
    if (!current) return;
    api('POST', '/teams/' + current.id + '/disable').then(function (t) { render(t); show('Disabled', true); }).catch(function () {});
  };
  if (tokenInput.value) $('load').click();
})();
</script>
</body>
</html>
`;
}
