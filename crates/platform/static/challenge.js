// Enhances a challenge page: a countdown for timed challenges (the server enforces the limit),
// and a report to the server when the learner leaves a focused challenge. Works without it.
(function () {
  // Exam mode: the time left by the server's deadline, counted down here (announced at 10, 5 and 1
  // minutes), and each time the candidate leaves the page, a report the invigilator sees at once.
  var clock = document.getElementById('exam-clock');
  if (clock) {
    var examEnd = performance.now() + Number(clock.getAttribute('data-seconds')) * 1000;
    var shown = document.getElementById('exam-time');
    var fr = document.documentElement.lang === 'fr';
    var said = {};
    var examTick = function () {
      var minutes = Math.max(0, Math.floor((examEnd - performance.now()) / 60000));
      var h = Math.floor(minutes / 60), m = minutes % 60;
      shown.textContent = minutes === 0 ? (fr ? "moins d'une minute" : 'under a minute')
        : (h > 0 ? h + ' h ' + (m < 10 ? '0' : '') + m + ' min' : m + ' min');
      var moment = minutes === 10 || minutes === 5 || minutes === 1;
      clock.setAttribute('aria-live', moment && !said[minutes] ? 'assertive' : 'off');
      if (moment) said[minutes] = true;
      if (minutes > 0) setTimeout(examTick, 15000);
    };
    examTick();
    var lastReport = 0;
    // Answering or reporting a problem leaves the page too, for the next question: not leaving.
    var submitting = false;
    document.addEventListener('submit', function () { submitting = true; }, true);
    var left = function () {
      var now = Date.now();
      if (submitting || now - lastReport < 3000) return;
      lastReport = now;
      fetch(clock.getAttribute('data-focus-url'), {
        method: 'POST',
        headers: { 'X-CSRF-Token': clock.getAttribute('data-csrf') },
        credentials: 'same-origin',
        keepalive: true
      });
    };
    window.addEventListener('blur', left);
    window.addEventListener('pagehide', left);
    document.addEventListener('visibilitychange', function () { if (document.hidden) left(); });
  }
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
