/*
 * The review form's dates in words, as the editor types (learning/admin_dates.py).
 *
 * Below each date input the server writes what it read, "Monday 14 December 2026 at 09:00
 * (UK time)". This keeps that line up to date while typing, and empties it while the text
 * cannot be read. It never changes the input: the server reads what was typed, and says
 * at the field when it cannot. One listener on the document, so report rows added later
 * (an inline panel's new forms) are covered too.
 */
(function () {
  "use strict";

  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
  ];
  // 2026-12-14, 2026-12-14 09:00 or 2026-12-14T09:00: the formats the server accepts.
  var PATTERN = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\s*$/;

  function reading(text, kind) {
    var match = PATTERN.exec(text);
    if (!match) {
      return "";
    }
    var hasTime = match[4] !== undefined;
    if (hasTime !== (kind === "datetime")) {
      return "";
    }
    var year = Number(match[1]);
    var month = Number(match[2]);
    var day = Number(match[3]);
    // A day that does not exist (31 April) comes back as another one.
    var date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1
        || date.getUTCDate() !== day) {
      return "";
    }
    var words = DAYS[date.getUTCDay()] + " " + day + " " + MONTHS[month - 1] + " " + year;
    if (!hasTime) {
      return words;
    }
    var hour = Number(match[4]);
    var minute = Number(match[5]);
    if (hour > 23 || minute > 59) {
      return "";
    }
    return words + " at " + String(hour).padStart(2, "0") + ":" + match[5] + " (UK time)";
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.reviewDate) {
      return;
    }
    var line = document.getElementById(input.id + "-reading");
    if (line) {
      line.textContent = reading(input.value, input.dataset.reviewDate);
    }
  });
})();
