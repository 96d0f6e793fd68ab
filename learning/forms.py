"""Admin form for reviews: drafts save with anything missing, publishing needs the essentials.

Wagtail defers "required" checks when an editor saves a draft. On publish (or submit
for sign-off) this form reports every missing essential at once, each next to its
field, in words an editor understands; what they typed is kept on the re-shown form.
"""

from wagtail.admin.forms import WagtailAdminPageForm

MISSING_TYPE = "Choose the type of review before publishing."
MISSING_SUMMARY = "Write a short summary before publishing: it is what readers see in listings."
MISSING_THEME = "Add at least one key theme before publishing, so readers can find this review."
MISSING_DATE = (
    "Enter the date the review was published before publishing. For an old review whose "
    "date is genuinely unknown, set “Date shown as” to “Not recorded”."
)
THEMES_FIELD = "review_themes"


def reserved_slug_message(slug: str) -> str:
    return (
        f"“{slug}” is the address of part of the library itself, so a review there could "
        f"never be opened. Choose another, for example “{slug}-review”."
    )


def review_publish_problems(*, review_type, summary, theme_count, publication_date, precision):
    """Every essential a review lacks before it can go live, keyed by field name."""
    from learning.models.reviews import DatePrecision

    problems = {}
    if review_type is None:
        problems["review_type"] = MISSING_TYPE
    if not (summary or "").strip():
        problems["summary"] = MISSING_SUMMARY
    if theme_count < 1:
        problems[THEMES_FIELD] = MISSING_THEME
    if publication_date is None and precision != DatePrecision.NOT_RECORDED:
        problems["publication_date"] = MISSING_DATE
    return problems


class ReviewPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field, message in (("review_type", MISSING_TYPE), ("summary", MISSING_SUMMARY)):
            if field in self.fields:
                self.fields[field].error_messages["required"] = message

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
        )
        for field, message in problems.items():
            if field == THEMES_FIELD:
                self.add_error(None, message)
            elif field not in self.errors:  # an empty required field already says so
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
