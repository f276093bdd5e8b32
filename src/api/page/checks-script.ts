// The settings page's checks list (plain browser JS, same scope as ./script.ts): status filter, paging with the
// API's opaque tokens, a link to each check in the Temporal UI, re-run and cancel behind a confirmation.
export const CHECKS_SCRIPT = String.raw`
var STATUS_LABELS = {
  NotInTriggerStage: 'Not in trigger stage', ErrorNoEmail: 'Error (no e-mail)', NotOrdered: 'Not ordered',
  InviteUndeliverable: 'Invite undeliverable', ApplicantExpired: 'Invite expired', InDispute: 'In dispute',
  ActionRequired: 'Action required',
};
var STATUS_CLASS = {
  Complete: 'ok', Partial: 'warn', InDispute: 'warn', ActionRequired: 'warn', Resumed: 'warn',
  ErrorNoEmail: 'bad', NotOrdered: 'bad', InviteUndeliverable: 'bad', ApplicantExpired: 'bad', Cancelled: 'bad',
  NotInTriggerStage: 'bad',
};
var checks = { tokens: [null], index: 0, loading: false };
function statusLabel(s) { return STATUS_LABELS[s] || s; }
CHECK_STATUSES.forEach(function (s) {
  var o = document.createElement('option'); o.value = s; o.textContent = statusLabel(s); $('status-filter').appendChild(o);
});

async function loadChecks(announce) {
  var t = state.team; if (!t || checks.loading) return;
  checks.loading = true;
  var filter = $('status-filter').value; var token = checks.tokens[checks.index];
  var q = '?pageSize=10' + (filter ? '&status=' + encodeURIComponent(filter) : '') + (token ? '&pageToken=' + encodeURIComponent(token) : '');
  try {
    var data = await api('GET', '/teams/' + encodeURIComponent(t.id) + '/checks' + q);
    if (state.team !== t && state.team.id !== t.id) return;
    checks.tokens[checks.index + 1] = data.nextPageToken;
    checks.tokens.length = checks.index + 2;
    renderChecks(data.checks);
    $('checks-newer').disabled = checks.index === 0;
    $('checks-older').disabled = !data.nextPageToken;
    $('checks-page').textContent = 'Page ' + (checks.index + 1);
    if (announce) say(data.checks.length ? 'Showing ' + data.checks.length + ' check(s), page ' + (checks.index + 1) + '.' : 'No checks match.');
  } catch (err) {
    if (announce) say(explain(err), true);
  } finally { checks.loading = false; }
}

function cell(tr, text, cls) { var td = document.createElement('td'); if (cls) td.className = cls; td.textContent = text; tr.appendChild(td); return td; }
function renderChecks(rows) {
  var tb = $('checks'); tb.textContent = '';
  $('checks-empty').hidden = rows.length > 0;
  rows.forEach(function (c) {
    var tr = document.createElement('tr'); tr.setAttribute('data-opportunity', c.opportunityId);
    var opp = cell(tr, c.opportunityId, 'mono'); opp.title = c.workflowId;
    var st = document.createElement('td'); var tag = document.createElement('span');
    tag.className = 'tag ' + (STATUS_CLASS[c.status] || ''); tag.setAttribute('data-status', c.status); tag.textContent = statusLabel(c.status);
    st.appendChild(tag); tr.appendChild(st);
    cell(tr, c.packageName || '—');
    cell(tr, c.caseId || '—', 'mono');
    var when = document.createElement('td'); var time = document.createElement('time');
    time.dateTime = c.changedAt; time.textContent = new Date(c.changedAt).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }); when.appendChild(time); tr.appendChild(when);
    cell(tr, c.runState === 'running' ? 'Running' : 'Closed' + (c.closeStatus && c.closeStatus !== 'Completed' ? ' (' + c.closeStatus.toLowerCase() + ')' : ''));
    var act = document.createElement('td'); var row = document.createElement('div'); row.className = 'row';
    if (c.temporalUiUrl && /^https?:\/\//.test(c.temporalUiUrl)) {
      var a = document.createElement('a'); a.href = c.temporalUiUrl; a.target = '_blank'; a.rel = 'noopener noreferrer';
      a.textContent = 'Temporal UI'; a.setAttribute('aria-label', 'Open the check of ' + c.opportunityId + ' in the Temporal UI');
      row.appendChild(a);
    }
    if (c.runState === 'running') row.appendChild(button('Cancel', 'danger small', 'Cancel the check of ' + c.opportunityId, function () { checkAction(c, 'cancel'); }));
    else row.appendChild(button('Re-run', 'secondary small', 'Re-run the check of ' + c.opportunityId, function () { checkAction(c, 'rerun'); }));
    act.appendChild(row); tr.appendChild(act);
    tb.appendChild(tr);
  });
}

async function checkAction(c, what) {
  var text = what === 'cancel'
    ? 'Cancel the check of opportunity ' + c.opportunityId + '? Its Certn case is cancelled and the candidate is tagged “CERTN - Cancelled”.'
    : 'Re-run the check of opportunity ' + c.opportunityId + '? This orders a new Certn case.';
  if (!(await confirmDialog(text, what === 'cancel' ? 'Cancel the check' : 'Order a new case'))) return;
  var path = '/teams/' + encodeURIComponent(state.team.id) + '/checks/' + encodeURIComponent(c.opportunityId) + '/' + what;
  try {
    await api('POST', path, what === 'cancel' ? { reason: 'cancelled from the settings page' } : undefined);
    say(what === 'cancel' ? 'Cancel requested for ' + c.opportunityId + '.' : 'A new check started for ' + c.opportunityId + '.');
  } catch (err) { say(explain(err), true); }
  loadChecks(false);
}

function firstPage() { checks.tokens = [null]; checks.index = 0; loadChecks(true); }
onTeam.push(function () { checks.tokens = [null]; checks.index = 0; loadChecks(false); });
$('status-filter').onchange = firstPage;
$('checks-refresh').onclick = function () { loadChecks(true); };
$('checks-older').onclick = function () { checks.index++; loadChecks(true); };
$('checks-newer').onclick = function () { checks.index = Math.max(0, checks.index - 1); loadChecks(true); };
// Auto-refresh, but never under the keyboard: not while focus is in the table or a confirmation is open.
setInterval(function () {
  if (!$('checks-auto').checked || document.hidden || $('confirm').open) return;
  if ($('checks-table').contains(document.activeElement)) return;
  loadChecks(false);
}, 5000);

if (tokenInput.value) connect();
`;
