// Enhances a challenge page: a countdown for timed challenges (the server enforces the limit),
// and a report to the server when the learner leaves a focused challenge. Works without it.
(function () {
  var form = document.getElementById('challenge-form');
  if (!form) return;
  // The server sends the seconds left by its own clock; only elapsed time is measured here, so a
  // device whose clock is wrong still counts down correctly.
  var remaining = form.getAttribute('data-remaining');
  var timer = document.getElementById('timer');
  if (remaining !== null && timer) {
    var deadline = performance.now() + Number(remaining) * 1000;
    var lang = document.documentElement.lang;
    var announced = {};
    timer.hidden = false;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - performance.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      var text = (lang === 'fr' ? 'Temps restant : ' : 'Time left: ') + m + ':' + (s < 10 ? '0' : '') + s;
      // Announce only at a few moments so screen readers are not flooded every second.
      var moment = left === 60 || left === 30 || left === 10 || left === 0;
      timer.setAttribute('aria-live', moment && !announced[left] ? 'assertive' : 'off');
      if (moment) announced[left] = true;
      timer.textContent = left === 0 ? (lang === 'fr' ? 'Le temps est écoulé.' : 'Time is up.') : text;
      if (left > 0) setTimeout(tick, 1000);
    };
    tick();
  }
  if (form.getAttribute('data-focused') === 'true') {
    var reported = false;
    var report = function () {
      if (reported) return;
      reported = true;
      var warning = document.getElementById('focus-warning');
      if (warning) warning.hidden = false;
      var body = new URLSearchParams({ challenge_id: form.getAttribute('data-challenge') });
      fetch('/assessments/' + form.getAttribute('data-assessment') + '/focus-out', {
        method: 'POST',
        headers: { 'X-CSRF-Token': form.getAttribute('data-csrf') },
        body: body,
        credentials: 'same-origin',
        keepalive: true
      });
    };
    window.addEventListener('blur', report);
    document.addEventListener('visibilitychange', function () { if (document.hidden) report(); });
  }
})();
