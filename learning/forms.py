"""Admin form for reviews: drafts save with anything missing, releasing needs the essentials.

Wagtail defers "required" checks when an editor saves a draft. On publish, on submit for
sign-off and on approval this form reports every missing essential at once, each next to
its field (the key themes at their panel), in the words of what the editor was doing
("… before submitting it for sign-off"); what they typed is kept on the re-shown form.

Its dates are typed and read as learning/admin_dates.py says. Dates that can be read but
are probably a mistake are warnings the editor confirms (`check_dates()`, which the
review's admin views call: learning/admin_review_views.py).
"""

from django import forms

from wagtail.admin.forms import WagtailAdminPageForm

from learning.admin_dates import (
    CONFIRM_FIELD,
    CONFIRM_LABEL,
    DATETIME_EXAMPLE,
    WARNING_FIELDS,
    UKDateField,
    UKDateTimeField,
    date_warnings,
)
from learning.report_checks.names import PROTECTED_NAME
from learning.report_checks.review import AUTHORS_PLACE, BODY_PLACE, REVIEW_TEXT_FIELDS

THEMES_FIELD = "review_themes"
# The review's fields by the place the report checks name ("Summary"), and the body's.
RELEASE_FIELD_PLACES = dict(REVIEW_TEXT_FIELDS) | {"body": BODY_PLACE}

# What the editor is doing, as a message says it: "Choose the type of review before …".
BEFORE = {
    "publish": "before publishing",
    "submit": "before submitting it for sign-off",
    "approve": "before approving it",
}
_MISSING = {
    "review_type": "Choose the type of review {before}.",
    "summary": "Write a short summary {before}: it is what readers see in listings.",
    THEMES_FIELD: "Add at least one key theme {before}, so readers can find this review.",
    "publication_date": (
        "Enter the date the review was published {before}. For an old review whose date is "
        "genuinely unknown, set “Date shown as” to “Not recorded”."
    ),
}


def missing_message(field: str, action: str = "publish") -> str:
    return _MISSING[field].format(before=BEFORE[action])


# As ReviewPage.save() says them to scripts (and the admin to an editor who publishes).
MISSING_TYPE = missing_message("review_type")
MISSING_SUMMARY = missing_message("summary")
MISSING_THEME = missing_message(THEMES_FIELD)
MISSING_DATE = missing_message("publication_date")

GO_LIVE_HELP = (
    "When the review becomes public, after sign-off: typed as "
    f"{DATETIME_EXAMPLE} (year-month-day, 24-hour clock, UK time). Leave empty and the "
    "approver must choose a time or “now” when approving. Nothing goes live until the "
    "review is approved."
)
EXPIRY_HELP = (
    f"Optional: when the review stops being public, typed as {DATETIME_EXAMPLE} (UK time). "
    "Its page and reports are then taken down. Leave empty to keep it published."
)


def reserved_slug_message(slug: str) -> str:
    return (
        f"“{slug}” is the address of part of the library itself, so a review there could "
        f"never be opened. Choose another, for example “{slug}-review”."
    )


def review_action(data) -> str:
    """What a POST of the review form asks for, as BEFORE names it: "publish" unless it
    submits for sign-off (or again) or approves."""
    if data.get("action-submit") or data.get("action-restart-workflow"):
        return "submit"
    if data.get("action-workflow-action") and data.get("workflow-action-name") == "approve":
        return "approve"
    return "publish"


def review_publish_problems(
    *, review_type, summary, theme_count, publication_date, precision, action="publish"
):
    """Every essential a review lacks before it can go live, keyed by field name."""
    from learning.models.reviews import DatePrecision

    missing = []
    if review_type is None:
        missing.append("review_type")
    if not (summary or "").strip():
        missing.append("summary")
    if theme_count < 1:
        missing.append(THEMES_FIELD)
    if publication_date is None and precision != DatePrecision.NOT_RECORDED:
        missing.append("publication_date")
    return {field: missing_message(field, action) for field in missing}


class ReviewPageForm(WagtailAdminPageForm):
    # Wagtail's own fields, in the review's Publishing panel rather than a dialog.
    go_live_at = UKDateTimeField(label="Go-live time", required=False, help_text=GO_LIVE_HELP)
    expire_at = UKDateTimeField(label="Expiry time", required=False, help_text=EXPIRY_HELP)
    confirm_dates = forms.BooleanField(
        label=CONFIRM_LABEL,
        required=False,
        help_text="Tick to save the dates above as they are, despite the warnings.",
    )

    class Meta(WagtailAdminPageForm.Meta):
        field_classes = {"publication_date": UKDateField}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Wagtail builds each page type's form as a subclass with its draft-state mixin
        # first, whose `show_schedule_publishing_toggle` is true whenever the form has
        # go_live_at: the status side panel would offer "Set schedule", opening the
        # settings' schedule dialog. The review has no such dialog: its go-live and expiry
        # are in its Publishing panel, and the side panel still shows the schedule.
        cls.show_schedule_publishing_toggle = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action = review_action(self.data)
        self.date_warnings = None  # {field: message} once check_dates() has run
        for field in ("review_type", "summary"):
            if field in self.fields:
                self.fields[field].error_messages["required"] = missing_message(field, self.action)

    def clean(self):
        from learning.models.library import ROUTE_SLUGS

        cleaned_data = super().clean()
        # Checked for drafts too: the slug is the review's address from its first save.
        slug = cleaned_data.get("slug")
        if slug in ROUTE_SLUGS:
            self.add_error("slug", reserved_slug_message(slug))
        if self.is_deferred_validation:
            return cleaned_data  # a draft: anything may still be missing

        problems = review_publish_problems(
            review_type=cleaned_data.get("review_type"),
            summary=cleaned_data.get("summary"),
            theme_count=self._count_themes(),
            publication_date=cleaned_data.get("publication_date"),
            precision=cleaned_data.get("publication_date_precision"),
            action=self.action,
        )
        for field, message in problems.items():
            if field == THEMES_FIELD:
                self._add_themes_error(message)
            elif field not in self.errors:  # an empty or unreadable field already says so
                self.add_error(field, message)
        return cleaned_data

    def _count_themes(self) -> int:
        # A theme chosen twice is reported by the formset itself (its unique check).
        formset = self.formsets.get(THEMES_FIELD)
        if formset is None:
            return 0
        formset.is_valid()
        rows = [getattr(form, "cleaned_data", {}) for form in formset.forms]
        return sum(1 for row in rows if row.get("theme") and not row.get("DELETE"))

    def _add_themes_error(self, message: str) -> None:
        """At the Key themes panel, which shows its formset's own errors (Wagtail's
        inline_panel.html renders `formset.non_form_errors`); that also makes the formset,
        and so the form, invalid."""
        formset = self.formsets.get(THEMES_FIELD)
        if formset is None:
            self.add_error(None, message)
        else:
            formset.non_form_errors().append(message)

    def check_release(self) -> bool:
        """Add each problem the report checks find in the version about to be submitted or
        published (docs/report-checks.md) at what it is about: a field of the review, or
        its Reports or Authors panel; True when there is one. Run after validation."""
        from learning.report_checks import release_check

        check = release_check(
            self.instance, links=self._kept("report_documents"), authors=self._kept("authors")
        )
        fields = {place: name for name, place in RELEASE_FIELD_PLACES.items()}
        for problem in check.blocking:
            # A name's message says where it is; a report's findings are at its panel.
            named = problem.code == PROTECTED_NAME
            message = problem.message if named else f"{problem.place}: {problem.message}"
            field = fields.get(problem.place)
            if field in self.fields:
                self.add_error(field, message)
            elif problem.place == AUTHORS_PLACE and "authors" in self.formsets:
                self.formsets["authors"].non_form_errors().append(message)
            elif "report_documents" in self.formsets and problem.place != BODY_PLACE:
                self.formsets["report_documents"].non_form_errors().append(message)
            else:
                self.add_error(None, message)
        return bool(check.blocking)

    def _kept(self, relation: str) -> list:
        """The rows of an inline panel as this form would save them (deleted ones left out)."""
        formset = self.formsets.get(relation)
        if formset is None:
            return []
        return [
            form.instance
            for form in formset.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE")
        ]

    def check_dates(self, *, action: str, live: bool, in_sign_off: bool, now=None) -> bool:
        """Add a warning at each date that is probably a mistake, unless the editor has
        ticked "I have checked these dates"; True when there is one. Run after validation.

        `action` is "save" (a draft: only the dates just changed are checked), "publish"
        or "submit". A date that cannot be read is an error already and is not checked.
        """
        from learning.models.reviews import DatePrecision

        if self.date_warnings is not None:
            return bool(self.date_warnings)
        self.date_warnings = {}
        data = self.cleaned_data
        if data.get(CONFIRM_FIELD) or {"publication_date", "go_live_at"} & self.errors.keys():
            return False
        warnings = date_warnings(
            publication_date=data.get("publication_date"),
            date_shown=data.get("publication_date_precision") != DatePrecision.NOT_RECORDED,
            go_live_at=data.get("go_live_at"),
            live=live,
            releasing=None if action == "save" else action,
            in_sign_off=in_sign_off,
            now=now,
        )
        changed = set(self.changed_data)
        for field, message in warnings.items():
            if action == "save" and not changed.intersection(WARNING_FIELDS[field]):
                continue  # a draft whose dates were already saved as they are
            self.date_warnings[field] = message
        for field, message in self.date_warnings.items():
            self.add_error(field, message)
        return bool(self.date_warnings)
