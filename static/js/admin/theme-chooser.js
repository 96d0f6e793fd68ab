/*
 * The theme chooser's filter box (learning/admin_themes.py, docs/content-model.md).
 *
 * A Stimulus controller registered with the Wagtail admin's own Stimulus application, so it
 * starts whenever the chooser's markup is put into the page (the chooser is a modal drawn
 * inside the review's edit form). It:
 *   - narrows the list of themes as the editor types, matching every word typed against
 *     each theme's name and description, ignoring case and accents. Themes are hidden, not
 *     removed, so every tick stays in the chooser's form and is sent on "Confirm selection";
 *   - says how many themes are shown in a polite live region ("12 of 48 themes shown");
 *   - marks the themes the review already has ("Already chosen"; ticked and disabled when
 *     choosing several), read from the edit form's theme choosers, leaving out rows the
 *     editor has deleted;
 *   - clears the filter on Escape without closing the chooser (the modal closes on the
 *     Escape key's keyup), when there is something to clear.
 * Loaded as a file by the theme chooser widget's media: the admin needs no inline script.
 */
(() => {
  "use strict";

  const wagtail = window.wagtail;
  if (!wagtail || !wagtail.app || !window.StimulusModule) {
    return;
  }

  // "Élan" and "elan" are the same to the filter.
  const fold = (text) =>
    text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();

  class ThemeChooserController extends window.StimulusModule.Controller {
    static targets = ["filter", "status"];

    static values = { chooserUrl: String };

    connect() {
      // The filter sits above the chooser's form; both are inside the chooser's tab panel.
      const scope = this.element.closest("[role=tabpanel]") || this.element.parentElement;
      this.groups = Array.from(scope.querySelectorAll("[data-theme-chooser-group]"));
      this.themes = Array.from(scope.querySelectorAll("[data-theme-chooser-theme]")).map(
        (item) => ({
          item,
          text: fold(
            Array.from(
              item.querySelectorAll("[data-theme-chooser-name], [data-theme-chooser-description]"),
            )
              .map((part) => part.textContent)
              .join(" "),
          ),
        }),
      );
      this.markAlreadyChosen();
      this.element.hidden = false;
      this.filter();
    }

    /* The ids of the themes in the edit form's choosers (the review's key themes). */
    alreadyChosen() {
      const ids = new Set();
      if (!this.chooserUrlValue) {
        return ids;
      }
      const selector = `[data-chooser-url="${CSS.escape(this.chooserUrlValue)}"]`;
      document.querySelectorAll(selector).forEach((chooser) => {
        if (chooser.closest(".deleted") || !chooser.id.endsWith("-chooser")) {
          return;
        }
        const input = document.getElementById(chooser.id.slice(0, -"-chooser".length));
        if (input && input.value) {
          ids.add(input.value);
        }
      });
      return ids;
    }

    markAlreadyChosen() {
      const ids = this.alreadyChosen();
      this.themes.forEach(({ item }) => {
        if (!ids.has(item.dataset.themeChooserTheme)) {
          return;
        }
        item.classList.add("theme-chooser__theme--chosen");
        const tag = item.querySelector("[data-theme-chooser-chosen]");
        if (tag) {
          tag.hidden = false;
        }
        const box = item.querySelector("input[type=checkbox]");
        if (box) {
          // Shown ticked, but neither sent nor counted by Wagtail's "Confirm selection".
          box.checked = true;
          box.disabled = true;
          box.removeAttribute("data-multiple-choice-select");
        }
      });
    }

    filter() {
      const words = fold(this.filterTarget.value).split(/\s+/).filter(Boolean);
      let shown = 0;
      this.themes.forEach(({ item, text }) => {
        const match = words.every((word) => text.includes(word));
        item.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      this.groups.forEach((group) => {
        group.hidden = !group.querySelector("[data-theme-chooser-theme]:not([hidden])");
      });
      const total = this.themes.length;
      const noun = total === 1 ? "theme" : "themes";
      const status = `${shown} of ${total} ${noun} shown`;
      // Written only when it changes, so that opening the chooser announces nothing.
      if (this.statusTarget.textContent !== status) {
        this.statusTarget.textContent = status;
      }
    }

    keydown(event) {
      this.clearingOnEscape = event.key === "Escape" && this.filterTarget.value !== "";
      if (this.clearingOnEscape) {
        event.preventDefault();
        this.filterTarget.value = "";
        this.filter();
      }
    }

    keyup(event) {
      if (event.key === "Escape" && this.clearingOnEscape) {
        // Keep the modal open: Escape cleared the filter.
        event.stopPropagation();
        this.clearingOnEscape = false;
      }
    }
  }

  wagtail.app.register("theme-chooser", ThemeChooserController);
})();
