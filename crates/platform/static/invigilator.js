// Keeps the invigilator's screen current: the server sends an event when anything happens to a
// candidate of the session (on any node); the list is fetched again and swapped in place, the
// keyboard focus kept on the same control. Without it, "Actualiser" does the same.
(function () {
  var region = document.getElementById('live-candidates');
  var status = document.getElementById('live-status');
  if (!region || !status || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var busy = false;
  var again = false;
  // A control is known by its form's action (one form per candidate and action).
  var keyOf = function (element) {
    var form = element && element.closest ? element.closest('form') : null;
    return form ? form.getAttribute('action') : null;
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
        region.innerHTML = fresh.innerHTML;
        if (focused) {
          var form = region.querySelector('form[action="' + focused + '"]');
          var control = form && form.querySelector('button');
          if (control) control.focus();
        }
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
