"""A single review: the page readers land on from search engines and shared links."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.dateformat import format as format_date

from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    MultipleChooserPanel,
    ObjectList,
    PublishingPanel,
    TabbedInterface,
)
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from learning.admin_checks import ReleaseChecksPanel
from learning.admin_dates import ConfirmDatesPanel, UKDateInput
from learning.blocks import ReviewBodyBlock
from learning.extraction import text_for_search_index
from learning.forms import ReviewPageForm, review_publish_problems
from site_core.publishing.visibility import VisibilityMixin

SUMMARY_MAX_LENGTH = 300


class DatePrecision(models.TextChoices):
    DAY = "day", "Exact day"
    MONTH = "month", "Month and year only"
    YEAR = "year", "Year only"
    NOT_RECORDED = "not_recorded", "Not recorded (historic review)"


class ReviewPage(VisibilityMixin, Page):
    subject = models.CharField(
        max_length=120,
        blank=True,
        help_text="The pseudonym the review uses, for example “Child V” or “Family A”. "
        "Never a real name. Leave empty if the review has no single subject.",
    )
    review_type = models.ForeignKey(
        "learning.ReviewType",
        on_delete=models.PROTECT,
        null=True,
        blank=False,
        related_name="reviews",
        help_text="What kind of review this is. Needed before publishing.",
    )
    summary = models.TextField(
        max_length=SUMMARY_MAX_LENGTH,
        validators=[MaxLengthValidator(SUMMARY_MAX_LENGTH)],
        help_text=f"Plain text, up to {SUMMARY_MAX_LENGTH} characters: one or two sentences "
        "saying what the review concerns. Shown in listings, feeds and search engine results. "
        "Needed before publishing.",
    )
    body = StreamField(
        ReviewBodyBlock(),
        blank=True,
        help_text="The review's learning in HTML, so nobody has to open a PDF to read it: "
        "what happened, the learning, the recommendations.",
    )
    publishing_body = models.ForeignKey(
        "learning.PublishingBody",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        help_text="The partnership or board that commissioned or published the review.",
    )
    publication_date = models.DateField(
        null=True,
        blank=True,
        help_text="When the review itself was published; for a historic review, its original "
        "date. Shown to readers. This does not schedule anything: set the go-live time in "
        "the Publishing panel for that. Needed before publishing.",
    )
    publication_date_precision = models.CharField(
        "date shown as",
        max_length=20,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        help_text="How much of the date readers see. For a historic review known only by "
        "month, enter the 1st of that month and choose “Month and year only”. Choose "
        "“Not recorded” only for an old review whose date is genuinely unknown.",
    )
    reference = models.CharField(
        "reference ID",
        max_length=60,
        blank=True,
        help_text="Optional: the review's own reference, for example the Panel's notification "
        "number. Shown to readers.",
    )
    external_url = models.URLField(
        "published elsewhere at",
        blank=True,
        help_text="Optional: the address of the review where it is published elsewhere, "
        "for example anonymously on the NSPCC national case review repository.",
    )
    external_reason = models.CharField(
        "why it is published elsewhere",
        max_length=200,
        blank=True,
        help_text="Shown next to the link, for example “Published anonymously on the NSPCC "
        "repository to protect the family's privacy.”",
    )
    show_support_notice = models.BooleanField(
        default=False,
        help_text="Show the partnership's support notice (where to get help, for example "
        "helplines) near the top of this review. Turn it on for reviews that readers close to "
        "what happened may find distressing. The notice's text is in the partnership "
        "settings (Settings menu).",
    )

    protected_names = models.TextField(
        "names that must never appear",
        blank=True,
        help_text="Private: the real names and identifying details of this review (family "
        "members, school, street), one per line. Only Editors and Approvers see this list; "
        "it is never shown, searched or published. Submission and approval are blocked "
        "while any of them appears in the review's text or its reports.",
    )

    base_form_class = ReviewPageForm
    parent_page_types = ["learning.ThemeIndexPage"]
    subpage_types: list[str] = []
    page_description = (
        "One review (CSPR, local learning review, SCR, SAR or DHR): its summary, learning, "
        "themes and reports."
    )
    template = "learning/review_page.html"

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("subject"),
                FieldPanel("review_type"),
                FieldPanel("summary"),
                FieldPanel("show_support_notice"),
            ],
            heading="About the review",
        ),
        # Near the top of the first tab: when the review becomes public is decided here, and
        # the date readers see is beside it so the two are not mistaken for each other.
        # Dates are typed year first (learning/admin_dates.py; docs/scheduling.md).
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [
                        FieldPanel("publication_date", widget=UKDateInput()),
                        FieldPanel("publication_date_precision"),
                    ]
                ),
                FieldPanel("go_live_at"),
                FieldPanel("expire_at"),
                ConfirmDatesPanel(),
            ],
            heading="Publishing",
            help_text="Dates are typed year first, times on the 24-hour clock in UK time: "
            "2026-12-14 09:00. Each is written out in words below it.",
        ),
        FieldPanel("body"),
        MultipleChooserPanel(
            "review_themes",
            chooser_field_name="theme",
            heading="Key themes",
            label="Theme",
            help_text="Choose from the controlled list, most important first. At least one is "
            "needed before publishing. Ask an admin to add a theme that is missing.",
        ),
        InlinePanel(
            "report_documents",
            heading="Reports",
            label="Report",
            help_text="The review's documents in the order readers should see them.",
        ),
    ]
    details_panels = [
        FieldPanel("publishing_body"),
        InlinePanel(
            "authors",
            heading="Authors",
            label="Author",
            help_text="Independent authors, lead reviewers and panel chairs, in order.",
        ),
        FieldPanel("reference"),
        MultiFieldPanel(
            [FieldPanel("external_url"), FieldPanel("external_reason")],
            heading="Published elsewhere",
        ),
    ]
    checks_panels = [
        ReleaseChecksPanel(heading="What the checks found"),
        MultiFieldPanel([FieldPanel("protected_names")], heading="Checks before release"),
    ]
    # Wagtail's settings panels less its schedule dialog (PublishingPanel): the go-live and
    # expiry times are in the review's own Publishing panel, one input each. What is left
    # (the comments) draws no tab of its own.
    settings_panels = [
        panel
        for panel in Page.settings_panels
        if not issubclass(getattr(panel, "panel_class", type(panel)), PublishingPanel)
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading="Content"),
            ObjectList(details_panels, heading="Details"),
            ObjectList(checks_panels, heading="Checks"),
            ObjectList(Page.promote_panels, heading="Promote"),
            ObjectList(settings_panels, heading="Settings"),
        ]
    )

    search_fields = [
        *Page.search_fields,
        index.SearchField("subject", boost=2),
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("reference"),
        index.RelatedFields("review_type", [index.SearchField("name")]),
        index.RelatedFields("publishing_body", [index.SearchField("name")]),
        index.RelatedFields(
            "review_themes", [index.RelatedFields("theme", [index.SearchField("name")])]
        ),
        index.RelatedFields("authors", [index.SearchField("name")]),
        index.SearchField("report_text"),
        index.FilterField("publication_date"),
        index.FilterField("review_type"),
    ]

    class Meta:
        verbose_name = "review"

    @property
    def display_date(self) -> str:
        """The publication date as readers see it, to the precision the editor chose."""
        precision = self.publication_date_precision
        if self.publication_date is None or precision == DatePrecision.NOT_RECORDED:
            return ""
        pattern = {
            DatePrecision.DAY: "j F Y",
            DatePrecision.MONTH: "F Y",
            DatePrecision.YEAR: "Y",
        }[precision]
        return format_date(self.publication_date, pattern)

    @property
    def iso_date(self) -> str:
        """The publication date in ISO 8601 to the precision shown: "2021-03-01", "2021-03"
        or "2021"; empty when it is not shown. For machines (schema.org, <time>)."""
        precision = self.publication_date_precision
        if self.publication_date is None or precision == DatePrecision.NOT_RECORDED:
            return ""
        length = {DatePrecision.DAY: 10, DatePrecision.MONTH: 7, DatePrecision.YEAR: 4}
        return self.publication_date.isoformat()[: length[precision]]

    @property
    def key_themes(self) -> list:
        """The review's key themes in order, as vocabulary terms (each has slug and name).

        One query for the review's theme links, none when a listing has prefetched them;
        the names come from the cached vocabulary (learning.terms), not one query per theme.
        """
        from learning.cards import key_themes
        from learning.terms import vocabulary

        return key_themes(self, vocabulary())

    @classmethod
    def find_for_routing(cls, library: Page, slug: str) -> "ReviewPage | None":
        """The review of `library` slugged `slug`, loaded to be served, in one query; or None.

        How the library's `route()` finds a review (ThemeIndexPage.route): as Wagtail's
        `Page.route()` finds a child (`get_children().get(slug=…)`, then its specific page),
        with the ids of its themes and its authors' names and roles in the same query, for
        its page (`get_context()` reads them from there rather than with a query each).
        Written in SQL: building it with the ORM took Django longer than PostgreSQL took to
        run it, a fifth of a review page's time. Tree paths are digits and capital letters:
        nothing in them is special to LIKE.
        """
        children = f"{library.path}%"
        sql = (
            "SELECT page.*, review.*,"
            " ARRAY(SELECT link.theme_id FROM learning_reviewtheme link"
            " WHERE link.page_id = page.id ORDER BY link.sort_order, link.id) AS theme_ids,"
            # Two arrays in the same order: plain values, which any query returns as lists.
            " ARRAY(SELECT author.name FROM learning_reviewauthor author"
            " WHERE author.page_id = page.id ORDER BY author.sort_order, author.id)"
            " AS author_names,"
            " ARRAY(SELECT author.role FROM learning_reviewauthor author"
            " WHERE author.page_id = page.id ORDER BY author.sort_order, author.id)"
            " AS author_roles"
            " FROM wagtailcore_page page"
            " INNER JOIN learning_reviewpage review ON review.page_ptr_id = page.id"
            " WHERE page.path LIKE %s AND page.depth = %s AND page.slug = %s"
            " ORDER BY page.path LIMIT 1"
        )
        found = list(cls.objects.raw(sql, [children, library.depth + 1, slug]))
        return found[0] if found else None

    def get_context(self, request, *args, **kwargs):
        """The review's facts, read once and shared by the page, its metadata and JSON-LD.

        The type and publishing body come from the cached vocabulary (read once), the
        library's title from the review's parent (`parent_page()`, which the process keeps
        for anonymous readers, as it does for the breadcrumbs), its address from the
        review's own (worked out once, with the request's cached site root paths), so the
        page's queries and cache reads do not grow with them.
        """
        from learning.cards import (
            key_themes,
            library_url_of,
            publishing_body,
            review_cards,
            review_type,
            theme_links,
        )
        from learning.queries import related_reviews
        from learning.structured_data import review_structured_data
        from learning.terms import vocabulary
        from site_core.navigation.tree import parent_page

        context = super().get_context(request, *args, **kwargs)
        vocab = vocabulary()
        library = parent_page(self)
        # Not the documents' extracted text: it is for the search index, and a long report's
        # runs to hundreds of thousands of characters.
        reports = list(
            self.report_documents.select_related("document").defer("document__extracted_text")
        )
        themes = key_themes(self, vocab)
        context.update(
            review_type=review_type(self, vocab),
            publishing_body=publishing_body(self, vocab),
            key_themes=themes,
            # Each theme linking to its page in the review's library (the review's parent).
            theme_links=theme_links(themes, library_url_of(self.get_url(request) or "")),
            authors=_authors(self),
            reports=reports,
            # Read here, once, so the page says how to request a copy only once, however
            # many of its reports are withdrawn.
            reports_withdrawn=any(report.is_withdrawn for report in reports),
            library_title=library.title if library else "",
        )
        # Compact cards (learning.cards): type, date and summary, no themes.
        context["related_reviews"] = review_cards(
            related_reviews(self, [t.id for t in themes]),
            request,
            vocab=vocab,
            with_themes=False,
        )
        context["structured_data"] = review_structured_data(self, request, context)
        return context

    def save(self, *args, **kwargs):
        # The admin form reports missing essentials to editors; this guards every other
        # way of making a review live (bulk publish, scripts, the demo loader). It is not
        # in clean(), which the admin form also runs for drafts of new, default-live pages.
        if self.live and kwargs.get("clean", True):
            problems = review_publish_problems(
                review_type=self.review_type,
                summary=self.summary,
                theme_count=len(self.review_themes.all()),
                publication_date=self.publication_date,
                precision=self.publication_date_precision,
            )
            if problems:
                raise ValidationError(problems)
        return super().save(*args, **kwargs)

    def get_meta_description(self) -> str:
        return self.search_description or self.summary

    def report_text(self) -> str:
        """The extracted text of the review's published reports, in order, for the search index.

        A withdrawn report's text is left out, and so is a report in a restricted collection
        (site_core.publishing.visibility): search results quote the indexed text, and
        readers could not get the report it came from. The review is indexed again when a
        report is withdrawn or its collection's privacy changes (learning/signals.py).
        """
        from site_core.publishing.visibility import in_open_collections

        links = [r for r in self.report_documents.select_related("document") if not r.is_withdrawn]
        public = in_open_collections(link.document_id for link in links)
        return text_for_search_index(link.document for link in links if link.document_id in public)

    # How the admin names the review's state (learning/review_status.py, docs/notifications.md).

    @property
    def status_string(self) -> str:
        """Wagtail's status tag in its page listings, search and reports, in the names every
        other screen uses ("In sign-off", "Scheduled for …"), not "live + in moderation"."""
        from learning.review_status import page_status

        return page_status(self, in_listing=True).label

    def get_lock(self):
        """Wagtail's locks, saying "in sign-off" and "scheduled for …" instead of "awaiting
        moderation" (learning/admin_locks.py); they lock exactly as Wagtail's do."""
        from learning.admin_locks import in_review_words

        return in_review_words(self, super().get_lock())


def _authors(review: ReviewPage) -> list:
    """The review's authors in order: as the library's route() loaded them, else its rows."""
    names, roles = getattr(review, "author_names", None), getattr(review, "author_roles", None)
    if names is None or roles is None:  # not routed (a preview, a draft): its own, maybe unsaved
        return list(review.authors.all())
    from learning.models.review_parts import ReviewAuthor

    return [
        ReviewAuthor(page=review, name=name, role=role)
        for name, role in zip(names, roles, strict=True)
    ]
