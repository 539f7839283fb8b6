/* Ticks the server-rendered countdowns ("3 hari 4 jam lagi"). Optional: the page reads right without it.
   Counts down from the seconds the server computed, on a monotonic clock: a phone's wrong clock
   cannot move the deadline. Format strings come translated in data attributes. */
(function () {
  "use strict";
  var started = window.performance ? performance.now() : Date.now();
  function now() { return window.performance ? performance.now() : Date.now(); }
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) { return String(values[key]); });
  }
  function tick() {
    var elapsed = Math.floor((now() - started) / 1000);
    var timers = document.querySelectorAll("[data-countdown]");
    for (var i = 0; i < timers.length; i++) {
      var el = timers[i];
      var left = parseInt(el.getAttribute("data-seconds"), 10) - elapsed;
      if (isNaN(left)) { continue; }
      if (left <= 0) { el.textContent = el.getAttribute("data-done"); continue; }
      var days = Math.floor(left / 86400), hours = Math.floor((left % 86400) / 3600), minutes = Math.floor((left % 3600) / 60);
      el.textContent = days
        ? format(el.getAttribute("data-format-days"), { days: days, hours: hours })
        : format(el.getAttribute("data-format-hours"), { hours: hours, minutes: minutes });
    }
  }
  tick();
  window.setInterval(tick, 15000);
})();
