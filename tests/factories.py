"""Factories for the site's models; tests build exactly the content they need."""

import datetime

import factory
import wagtail_factories
from factory.django import DjangoModelFactory

from home.models import HomePage
from learning.models import (
    PolicyPage,
    PublishingBody,
    ReviewAuthor,
    ReviewDocument,
    ReviewPage,
    ReviewTheme,
    ReviewType,
    Theme,
    ThemeIndexPage,
)


class ThemeFactory(DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.Sequence(lambda n: f"theme-{n}")
    group = Theme.Group.PRACTICE
    description = factory.LazyAttribute(lambda o: f"Reviews about {o.name.lower()}.")

    class Meta:
        model = Theme
        django_get_or_create = ["slug"]


class ReviewTypeFactory(DjangoModelFactory):
    """The migration seeds the standard types; by default this returns the local CSPR."""

    slug = "local-cspr"
    name = "Local Child Safeguarding Practice Review"

    class Meta:
        model = ReviewType
        django_get_or_create = ["slug"]


class PublishingBodyFactory(DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Safeguarding Partnership {n}")
    slug = factory.Sequence(lambda n: f"partnership-{n}")

    class Meta:
        model = PublishingBody
        django_get_or_create = ["slug"]


def readable_pdf() -> bytes:
    """A small PDF the report checks can read: one page of text, a title and a language,
    and no author. A file they cannot read would block every approval (docs/report-checks.md)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title("Report")
    pdf.set_lang("en-GB")
    pdf.set_creator("")
    pdf.set_producer("")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="What the review found.")
    return bytes(pdf.output())


READABLE_PDF = readable_pdf()


class DocumentFactory(wagtail_factories.DocumentFactory):
    title = factory.Sequence(lambda n: f"Report {n}")
    file = factory.django.FileField(filename="report.pdf", data=READABLE_PDF)


class HomePageFactory(wagtail_factories.PageFactory):
    title = "Home"

    class Meta:
        model = HomePage


class ThemeIndexPageFactory(wagtail_factories.PageFactory):
    title = "Learning from reviews"
    slug = "learning-from-reviews"
    intro = "<p>What we learn from reviews.</p>"

    class Meta:
        model = ThemeIndexPage


class PolicyPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Policy {n}")
    intro = "<p>How the process works.</p>"

    class Meta:
        model = PolicyPage


class ReviewPageFactory(wagtail_factories.PageFactory):
    """A published review with one theme; `themes`, `authors`, `documents` replace the defaults.

    `authors` takes (name, role) pairs and `documents` (document, kind) pairs. Pass
    `publish=False` for a draft that was never live.
    """

    title = factory.Sequence(lambda n: f"Child {n}")
    subject = factory.LazyAttribute(lambda o: o.title)
    review_type = factory.SubFactory(ReviewTypeFactory)
    summary = factory.LazyAttribute(lambda o: f"A review concerning {o.title}.")
    publication_date = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(n))
    # Created as a draft; the `publish` hook publishes it once its children are in place,
    # because a live review must have a theme.
    live = False

    class Meta:
        model = ReviewPage
        skip_postgeneration_save = True

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        themes = extracted if extracted is not None else [ThemeFactory()]
        self.review_themes = [ReviewTheme(theme=t, sort_order=i) for i, t in enumerate(themes)]

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        self.authors = [
            ReviewAuthor(name=name, role=role, sort_order=i)
            for i, (name, role) in enumerate(extracted or [])
        ]

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        self.report_documents = [
            ReviewDocument(document=doc, kind=kind, sort_order=i)
            for i, (doc, kind) in enumerate(extracted or [])
        ]

    @factory.post_generation
    def publish(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is False:
            self.save_revision()
        else:
            self.save_revision().publish()
