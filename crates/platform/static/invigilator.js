// Keeps the invigilator's screen current: the server sends an event when anything happens to a
// candidate of the session (on any node); the list is fetched again and swapped in place, the
// keyboard focus kept on the same control. Without it, "Actualiser" does the same.
(function () {
  var region = document.getElementById('live-candidates');
  var status = document.getElementById('live-status');
  if (!region || !status || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var busy = false;
  var again = false;
  // A control is known by its row (one per candidate), its form's action and the value it sends:
  // authorising, withdrawing and allowing a resumption share an action.
  var keyOf = function (element) {
    var form = element && element.closest ? element.closest('form') : null;
    if (!form) return null;
    var row = form.closest('tr');
    var value = form.querySelector('input[name="authorized"]');
    return { row: row ? row.id : '', action: form.getAttribute('action'), value: value ? value.value : '' };
  };
  var restore = function (key) {
    var forms = region.querySelectorAll('form[action="' + key.action + '"]');
    for (var i = 0; i < forms.length; i++) {
      var value = forms[i].querySelector('input[name="authorized"]');
      if ((value ? value.value : '') === key.value) {
        forms[i].querySelector('button').focus();
        return;
      }
    }
    // The action is gone (the candidate moved on): the keyboard stays on the candidate's row.
    var row = key.row && document.getElementById(key.row);
    var header = row && row.querySelector('th');
    if (header) {
      header.setAttribute('tabindex', '-1');
      header.focus();
    }
  };
  var rowsOf = function (root) {
    return Array.prototype.slice.call(root.querySelectorAll('tbody tr'));
  };
  var refresh = function () {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(window.location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error('screen closed');
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, 'text/html');
        var fresh = page.getElementById('live-candidates');
        var freshStatus = page.getElementById('live-status');
        if (!fresh) return;
        var focused = region.contains(document.activeElement) ? keyOf(document.activeElement) : null;
        var before = rowsOf(region);
        var after = rowsOf(fresh);
        var sameRows = before.length === after.length && before.every(function (row, i) { return row.id === after[i].id; });
        if (sameRows) {
          // Only the rows that changed: a screen reader keeps its place in the others.
          after.forEach(function (row, i) {
            if (before[i].innerHTML !== row.innerHTML) before[i].innerHTML = row.innerHTML;
          });
        } else {
          region.innerHTML = fresh.innerHTML;
        }
        if (focused && !region.contains(document.activeElement)) restore(focused);
        // The status region is polite: it is read only when the number waiting changes.
        if (freshStatus && freshStatus.textContent !== status.textContent) status.textContent = freshStatus.textContent;
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  };
  var source = new EventSource(region.getAttribute('data-events'));
  source.addEventListener('change', refresh);
  // Events missed while the connection was down: catch up once it is back (not on the first opening).
  var opened = false;
  source.addEventListener('open', function () {
    if (opened) refresh();
    opened = true;
  });
})();
