// The settings page's step 2 (plain browser JS, same scope as ./script.ts): the packages table with the default
// marked, one form to add or edit a package (name and check types), delete behind a confirmation.
export const PACKAGES_SCRIPT = String.raw`
function renderPackages(t) {
  var tb = $('packages'); tb.textContent = '';
  if (!t.packages.length) {
    var tr0 = document.createElement('tr'); var td0 = document.createElement('td'); td0.colSpan = 4;
    td0.className = 'hint'; td0.textContent = 'No package yet: add one below and make it the default.';
    tr0.appendChild(td0); tb.appendChild(tr0);
  }
  t.packages.forEach(function (p) {
    var isDefault = p.id === t.defaultPackageId;
    var tr = document.createElement('tr'); if (isDefault) tr.className = 'default';
    var name = document.createElement('td'); name.textContent = p.name;
    var types = document.createElement('td'); types.className = 'mono'; types.textContent = p.checkTypes.join(', ');
    var def = document.createElement('td');
    if (isDefault) { var tag = document.createElement('span'); tag.className = 'tag ok'; tag.textContent = 'Default'; def.appendChild(tag); }
    else def.appendChild(button('Make default', 'secondary small', 'Make ' + p.name + ' the default package', function () { makeDefault(p); }));
    var act = document.createElement('td'); var row = document.createElement('div'); row.className = 'row';
    row.appendChild(button('Edit', 'secondary small', 'Edit package ' + p.name, function () { editPackage(p); }));
    row.appendChild(button('Delete', 'danger small', 'Delete package ' + p.name, function () { deletePackage(p); }));
    act.appendChild(row);
    [name, types, def, act].forEach(function (c) { tr.appendChild(c); });
    tb.appendChild(tr);
  });
  renderTypes();
}
function renderTypes() {
  var box = $('pkg-types'); var checked = state.editing ? state.editing.checkTypes : [];
  if (box.childElementCount && !renderTypes.reset) return;
  renderTypes.reset = false;
  box.textContent = '';
  state.types.forEach(function (ct) {
    var l = document.createElement('label'); var c = document.createElement('input');
    c.type = 'checkbox'; c.value = ct; c.checked = checked.indexOf(ct) >= 0;
    l.appendChild(c); l.appendChild(document.createTextNode(ct)); box.appendChild(l);
  });
}
function editPackage(p) {
  state.editing = p; renderTypes.reset = true; renderTypes(); clearErrors($('pkg-form'));
  $('f-pkg-name').value = p.name;
  $('pkg-form-h').textContent = 'Edit package “' + p.name + '”';
  $('pkg-submit').textContent = 'Save package'; $('pkg-cancel').hidden = false;
  $('f-pkg-name').focus();
}
function stopEditing() {
  state.editing = null; renderTypes.reset = true; renderTypes();
  $('f-pkg-name').value = ''; $('pkg-form-h').textContent = 'New package';
  $('pkg-submit').textContent = 'Add package'; $('pkg-cancel').hidden = true;
}
$('pkg-cancel').onclick = function () { stopEditing(); $('f-pkg-name').focus(); };
$('pkg-form').onsubmit = async function (ev) {
  ev.preventDefault(); clearErrors(this);
  var body = {
    name: $('f-pkg-name').value,
    checkTypes: Array.prototype.map.call(document.querySelectorAll('#pkg-types input:checked'), function (c) { return c.value; }),
  };
  var base = '/teams/' + encodeURIComponent(state.team.id) + '/packages';
  try {
    var editing = state.editing;
    if (editing) await api('PATCH', base + '/' + encodeURIComponent(editing.id), body);
    else await api('POST', base, body);
    stopEditing();
    await refresh(editing ? 'Package ' + body.name + ' saved.' : 'Package ' + body.name + ' added.');
  } catch (err) { fail(err, 'pkg.'); }
};
async function makeDefault(p) {
  try {
    render(await api('POST', '/teams/' + encodeURIComponent(state.team.id) + '/packages/' + encodeURIComponent(p.id) + '/default'));
    say(p.name + ' is now the default package.');
  } catch (err) { fail(err); }
}
async function deletePackage(p) {
  if (!(await confirmDialog('Delete the package “' + p.name + '”? Candidates tagged with its name get the default package instead.', 'Delete package'))) return;
  try {
    await api('DELETE', '/teams/' + encodeURIComponent(state.team.id) + '/packages/' + encodeURIComponent(p.id));
    if (state.editing && state.editing.id === p.id) stopEditing();
    await refresh('Package ' + p.name + ' deleted.');
  } catch (err) { fail(err); }
}
async function refresh(message) {
  render(await api('GET', '/teams/' + encodeURIComponent(state.team.id)));
  if (message) say(message);
}

`;
