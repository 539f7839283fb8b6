/* Moves focus to the form's error summary (templates/_error_summary.html) after a rejected submit, so that a
   screen reader reads it and a phone scrolls to it. A file, not an inline script: the CSP allows no inline code. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
