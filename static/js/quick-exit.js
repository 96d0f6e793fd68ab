/* "Leave this site quickly": see docs/front-end.md.
   Without JavaScript the button is a plain link to the partnership's chosen everyday page.
   With it, leaving replaces this page in the browser's history (location.replace), so
   Back does not return here, and pressing Escape twice in quick succession does the same
   from anywhere on the page. Loaded as a file (no inline script) for the CSP. */
(function () {
    "use strict";

    var link = document.querySelector("[data-quick-exit]");
    if (!link) {
        return;
    }
    var ESCAPE_WINDOW_MS = 1000; // the second Escape must follow the first within this time
    var lastEscape = 0;

    function leave() {
        // Hide the page at once, so it is not seen while the next page loads.
        document.documentElement.classList.add("quick-exit-leaving");
        window.location.replace(link.href);
    }

    link.addEventListener("click", function (event) {
        // A modified click (new tab, new window) is left to the browser.
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
            return;
        }
        event.preventDefault();
        leave();
    });

    document.addEventListener("keydown", function (event) {
        if (event.key !== "Escape" && event.key !== "Esc") {
            return;
        }
        var now = Date.now();
        if (now - lastEscape <= ESCAPE_WINDOW_MS) {
            leave();
        }
        lastEscape = now;
    });

    // The shortcut only works with JavaScript, so only then is it mentioned.
    var hint = document.querySelector(".quick-exit__hint");
    if (hint) {
        hint.hidden = false;
    }
})();
