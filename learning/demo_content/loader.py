"""Load the demonstration content described in content.toml.

`load_demo_content()` creates whatever is missing and touches nothing that exists: each
object is looked up by a stable natural key (a theme or body slug, a page slug under its
parent, a document title within the "Demo content" collection) and only created if it is
not found, so an editor's later changes survive a re-run. Running it twice creates nothing
the second time. A run is one transaction: it loads everything or nothing, and if it fails
the PDF files it had already written to storage are deleted again.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, TextIO
from uuid import uuid4

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import strip_tags

from wagtail.documents import get_document_model
from wagtail.models import Collection, Page, Site

from home.models import HomePage
from learning.demo_content.pdf import placeholder_pdf
from learning.models import (
    DatePrecision,
    DocumentKind,
    PolicyDocument,
    PolicyGuidanceLink,
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
from learning.models.reviews import SUMMARY_MAX_LENGTH
from site_core.branding.models import PartnershipSettings

CONTENT_FILE = Path(__file__).with_name("content.toml")

# The keys of the dict load_demo_content() returns, in the order they are reported,
# with the singular and plural words for them.
COUNT_LABELS = {
    "collections": ("collection", "collections"),
    "publishing_bodies": ("publishing body", "publishing bodies"),
    "themes": ("theme", "themes"),
    "documents": ("document", "documents"),
    "library_pages": ("library page", "library pages"),
    "review_pages": ("review page", "review pages"),
    "policy_pages": ("policy page", "policy pages"),
    "home_intro": ("home page introduction", "home page introductions"),
    "statement_links": (
        "footer link to the accessibility statement",
        "footer links to the accessibility statement",
    ),
    "site_address": ("site address", "site addresses"),
}
# The address Wagtail's first migration gives the default site.
INITIAL_SITE_ADDRESS = ("localhost", 80)


class DemoContentError(Exception):
    """The content file is inconsistent, or the database lacks something it relies on."""


def read_content(path: Path = CONTENT_FILE) -> dict[str, Any]:
    with path.open("rb") as handle:
        content = tomllib.load(handle)
    problems = content_problems(content)
    if problems:
        raise DemoContentError(
            f"{path.name} is inconsistent:\n" + "\n".join(f"- {p}" for p in problems)
        )
    return content


def content_problems(content: dict[str, Any]) -> list[str]:
    """Mistakes in the data file that would otherwise surface half-way through a load."""
    problems = []
    theme_slugs = [theme["slug"] for theme in content["themes"]]
    theme_names = [theme["name"].lower() for theme in content["themes"]]
    body_slugs = {body["slug"] for body in content["publishing_bodies"]}
    groups = set(Theme.Group.values)

    for label, values in (("theme slug", theme_slugs), ("theme name", theme_names)):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            problems.append(f"repeated {label}: {', '.join(repeated)}")
    for theme in content["themes"]:
        if not theme["name"][:1].isupper():
            problems.append(f"theme “{theme['name']}” must start with a capital letter")
        if theme["group"] not in groups:
            problems.append(f"theme “{theme['name']}” has unknown group “{theme['group']}”")

    review_slugs = [review["slug"] for review in content["reviews"]]
    for review in content["reviews"]:
        name = review["title"]
        if review_slugs.count(review["slug"]) > 1:
            problems.append(f"review slug “{review['slug']}” is used more than once")
        if len(review["summary"]) > SUMMARY_MAX_LENGTH:
            problems.append(f"“{name}”: summary is longer than {SUMMARY_MAX_LENGTH} characters")
        if review["precision"] not in DatePrecision.values:
            problems.append(f"“{name}”: unknown precision “{review['precision']}”")
        if "publication_date" not in review and review["precision"] != DatePrecision.NOT_RECORDED:
            problems.append(f"“{name}”: no publication date, so precision must be not_recorded")
        if not review["themes"]:
            problems.append(f"“{name}”: needs at least one theme")
        if len(set(review["themes"])) != len(review["themes"]):
            problems.append(f"“{name}”: a theme is listed twice")
        problems.extend(
            f"“{name}”: unknown theme “{slug}”"
            for slug in review["themes"]
            if slug not in theme_slugs
        )
        if "publishing_body" in review and review["publishing_body"] not in body_slugs:
            problems.append(f"“{name}”: unknown publishing body “{review['publishing_body']}”")
        problems.extend(
            f"“{name}”: unknown document kind “{document['kind']}”"
            for document in review["documents"]
            if document["kind"] not in DocumentKind.values
        )
        problems.extend(
            f"“{name}”: unknown author role “{author['role']}”"
            for author in review.get("authors", [])
            if author["role"] not in ReviewAuthor.Role.values
        )
    return problems


def rich_text(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)


def section_html(spec: dict[str, Any]) -> str:
    """A section's text: its paragraphs, then optionally a bulleted list, closing
    paragraphs, and subsections (each an h3 heading with text of the same shape)."""
    html = rich_text(spec.get("paragraphs", []))
    if spec.get("bullets"):
        items = "".join(f"<li>{escape(item, quote=False)}</li>" for item in spec["bullets"])
        html += f"<ul>{items}</ul>"
    html += rich_text(spec.get("closing", []))
    for subsection in spec.get("subsections", []):
        html += f"<h3>{escape(subsection['heading'], quote=False)}</h3>" + section_html(subsection)
    return html


def filled_in(value: Any, placeholders: dict[str, str]) -> Any:
    """`value` (strings, lists and tables of them) with each "{name}" replaced."""
    if isinstance(value, str):
        for name, text in placeholders.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, list):
        return [filled_in(item, placeholders) for item in value]
    if isinstance(value, dict):
        return {key: filled_in(item, placeholders) for key, item in value.items()}
    return value


def stream_data(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The data file's body blocks as StreamField data (the JSON form Wagtail stores)."""
    data = []
    for block in blocks:
        if block["type"] == "section":
            value = {"heading": block["heading"], "content": section_html(block)}
        elif block["type"] == "learning_points":
            # ListBlock's current storage format: each item a {"type", "value", "id"} dict.
            points = [
                {"type": "item", "value": point, "id": str(uuid4())} for point in block["points"]
            ]
            value = {"heading": block["heading"], "points": points}
        else:
            raise DemoContentError(f"unknown body block type “{block['type']}”")
        data.append({"type": block["type"], "value": value})
    return data


def load_demo_content(
    stdout: TextIO | None = None, site_address: tuple[str, int] | None = None
) -> dict[str, int]:
    """Create the demonstration content that is missing; return how many of each it created.

    `site_address` (host name, port) is where the site is served, e.g. ("127.0.0.1", 8000) for
    `make run`: the default site takes it if it still has Wagtail's initial localhost:80, so
    that canonical links, the sitemap and the feed give addresses that work.
    """
    content = read_content()
    loader = _Loader(content, stdout, site_address)
    try:
        with transaction.atomic():
            loader.load()
    except BaseException:
        loader.remove_written_files()
        raise
    return dict(loader.created)


class _Loader:
    def __init__(
        self,
        content: dict[str, Any],
        stdout: TextIO | None,
        site_address: tuple[str, int] | None = None,
    ):
        self.content = content
        self.stdout = stdout
        self.site_address = site_address
        self.created = dict.fromkeys(COUNT_LABELS, 0)
        self.themes: dict[str, Theme] = {}
        self.bodies: dict[str, PublishingBody] = {}
        self._collection: Collection | None = None
        self.written_files: list = []  # (storage, name) of each file this run saved

    def remove_written_files(self) -> None:
        for storage, name in self.written_files:
            storage.delete(name)

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def load(self) -> None:
        if self.site_address:
            self.address_site(*self.site_address)
        for spec in self.content["publishing_bodies"]:
            self.bodies[spec["slug"]] = self.publishing_body(spec)
        for spec in self.content["themes"]:
            self.themes[spec["slug"]] = self.theme(spec)

        home = self.home_page()
        self.home_intro(home)
        library = self.library(home)
        for spec in self.content["reviews"]:
            self.review(library, spec)
        self.policy_page(home, self.content["policy"])
        statement = self.accessibility_statement(home, self.content["accessibility_statement"])
        self.link_statement_from_footer(statement)

    def address_site(self, hostname: str, port: int) -> None:
        """Give the default site the address it is served at, unless it has one of its own."""
        site = Site.objects.filter(is_default_site=True).first()
        if site is None or (site.hostname, site.port) != INITIAL_SITE_ADDRESS:
            return
        site.hostname, site.port = hostname, port
        site.full_clean()
        site.save()
        self.created["site_address"] += 1
        self.say(f"Set the default site's address: http://{hostname}:{port}/")

    # --- Snippets -------------------------------------------------------------------

    def publishing_body(self, spec: dict[str, Any]) -> PublishingBody:
        existing = (
            PublishingBody.objects.filter(slug=spec["slug"]).first()
            or PublishingBody.objects.filter(name__iexact=spec["name"]).first()
        )
        if existing:
            return existing
        body = PublishingBody(name=spec["name"], slug=spec["slug"])
        body.full_clean()
        body.save()
        self.created["publishing_bodies"] += 1
        self.say(f"Created publishing body: {body.name}")
        return body

    def theme(self, spec: dict[str, Any]) -> Theme:
        # Also matched by name: the name is unique too, and an admin may have made the
        # theme already under another slug.
        existing = (
            Theme.objects.filter(slug=spec["slug"]).first()
            or Theme.objects.filter(name__iexact=spec["name"]).first()
        )
        if existing:
            return existing
        theme = Theme(
            name=spec["name"],
            slug=spec["slug"],
            group=spec["group"],
            description=spec["description"],
        )
        theme.full_clean()
        theme.save()
        self.created["themes"] += 1
        self.say(f"Created theme: {theme.name}")
        return theme

    def review_type(self, slug: str) -> ReviewType:
        review_type = ReviewType.objects.filter(slug=slug).first()
        if review_type is None:
            raise DemoContentError(
                f"Review type “{slug}” does not exist. It is created by the migrations: "
                "run `manage.py migrate`, or restore the review type in the admin."
            )
        return review_type

    # --- Documents ------------------------------------------------------------------

    def collection(self, *, create: bool) -> Collection | None:
        if self._collection is None:
            name = self.content["collection"]["name"]
            root = Collection.get_first_root_node()
            self._collection = root.get_children().filter(name=name).first()
            if self._collection is None and create:
                self._collection = root.add_child(name=name)
                self.created["collections"] += 1
                self.say(f"Created collection: {name}")
        return self._collection

    def document(self, *, title: str, filename: str, make_pdf: Callable[[], bytes]):
        """The document with this title in the demo collection, made from a new PDF if missing."""
        document_model = get_document_model()
        collection = self.collection(create=False)
        if collection is not None:
            existing = document_model.objects.filter(collection=collection, title=title).first()
            if existing:
                return existing
        document = document_model(
            title=title,
            collection=self.collection(create=True),
            file=ContentFile(make_pdf(), name=filename),
        )
        document.full_clean()
        document._set_document_file_metadata()
        document.save()
        self.written_files.append((document.file.storage, document.file.name))
        self.created["documents"] += 1
        self.say(f"Created document: {title}")
        return document

    # --- Pages ----------------------------------------------------------------------

    def home_page(self) -> HomePage:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        home = site.root_page.specific if site else None
        if not isinstance(home, HomePage):
            home = HomePage.objects.order_by("path").first()
        if home is None:
            raise DemoContentError("There is no home page: run `manage.py migrate` first.")
        return home

    def home_intro(self, home: HomePage) -> None:
        """Give the home page an introduction, unless it has one (or a draft is pending)."""
        if home.has_unpublished_changes or strip_tags(home.intro or "").strip():
            return
        home.intro = rich_text(self.content["home"]["intro"])
        home.save_revision().publish()
        self.created["home_intro"] += 1
        self.say("Set the home page introduction")

    def publish_new(self, parent: Page, page: Page, counter: str) -> Page:
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.created[counter] += 1
        self.say(f"Created and published {COUNT_LABELS[counter][0]}: {page.title}")
        return page

    def library(self, home: HomePage) -> ThemeIndexPage:
        spec = self.content["library"]
        children = ThemeIndexPage.objects.child_of(home)
        # A home page has at most one library; if an editor renamed its slug, use it anyway.
        existing = children.filter(slug=spec["slug"]).first() or children.first()
        if existing:
            return existing
        page = ThemeIndexPage(
            title=spec["title"],
            slug=spec["slug"],
            intro=rich_text(spec["intro"]),
            show_in_menus=True,
        )
        return self.publish_new(home, page, "library_pages")

    def review(self, library: ThemeIndexPage, spec: dict[str, Any]) -> ReviewPage:
        existing = ReviewPage.objects.child_of(library).filter(slug=spec["slug"]).first()
        if existing:
            return existing

        themes = [self.themes[slug] for slug in spec["themes"]]
        page = ReviewPage(
            title=spec["title"],
            slug=spec["slug"],
            subject=spec.get("subject", ""),
            review_type=self.review_type(spec["type"]),
            summary=spec["summary"],
            body=stream_data(spec.get("body", [])),
            publishing_body=self.bodies[spec["publishing_body"]]
            if "publishing_body" in spec
            else None,
            publication_date=spec.get("publication_date"),
            publication_date_precision=spec["precision"],
            show_support_notice=spec.get("support_notice", False),
        )
        page.review_themes = [
            ReviewTheme(theme=theme, sort_order=order) for order, theme in enumerate(themes)
        ]
        page.authors = [
            ReviewAuthor(name=author["name"], role=author["role"], sort_order=order)
            for order, author in enumerate(spec.get("authors", []))
        ]
        page.report_documents = [
            ReviewDocument(
                document=self.review_document(spec, document, themes),
                kind=document["kind"],
                title=document.get("link_title", ""),
                sort_order=order,
            )
            for order, document in enumerate(spec["documents"])
        ]
        return self.publish_new(library, page, "review_pages")

    def review_document(self, review: dict[str, Any], spec: dict[str, Any], themes: list[Theme]):
        kind = spec.get("link_title") or DocumentKind(spec["kind"]).label
        return self.document(
            title=spec["document_title"],
            filename=spec["filename"],
            make_pdf=lambda: placeholder_pdf(
                title=review["title"],
                kind=kind,
                summary=review["summary"],
                themes=[theme.name for theme in themes],
            ),
        )

    def policy_page(self, home: HomePage, spec: dict[str, Any]) -> PolicyPage:
        existing = PolicyPage.objects.child_of(home).filter(slug=spec["slug"]).first()
        if existing:
            return existing
        page = PolicyPage(
            title=spec["title"],
            slug=spec["slug"],
            intro=rich_text(spec["intro"]),
            body=stream_data(spec["body"]),
            show_in_menus=True,
        )
        page.guidance_links = [
            PolicyGuidanceLink(
                title=link["title"], url=link["url"], note=link.get("note", ""), sort_order=order
            )
            for order, link in enumerate(spec["guidance_links"])
        ]
        page.documents = [
            PolicyDocument(
                document=self.document(
                    title=document["document_title"],
                    filename=document["filename"],
                    make_pdf=lambda document=document: placeholder_pdf(
                        title=document["link_title"],
                        kind=document["kind"],
                        summary=document["summary"],
                    ),
                ),
                title=document["link_title"],
                sort_order=order,
            )
            for order, document in enumerate(spec["documents"])
        ]
        return self.publish_new(home, page, "policy_pages")

    def accessibility_statement(self, home: HomePage, spec: dict[str, Any]) -> PolicyPage:
        existing = PolicyPage.objects.child_of(home).filter(slug=spec["slug"]).first()
        if existing:
            return existing
        today = timezone.localdate()
        spec = filled_in(
            spec, {"site_name": settings.WAGTAIL_SITE_NAME, "today": format_date(today, "j F Y")}
        )
        page = PolicyPage(
            title=spec["title"],
            slug=spec["slug"],
            intro=rich_text(spec["intro"]),
            body=stream_data(spec["body"]),
            last_reviewed=today,
            next_review_due=today.replace(year=today.year + 1, day=min(today.day, 28)),
            # Linked from every page's footer (the partnership settings), not the main menu.
            show_in_menus=False,
        )
        return self.publish_new(home, page, "policy_pages")

    def link_statement_from_footer(self, statement: PolicyPage) -> None:
        """Make the statement the one the default site's footer links to, unless it has one."""
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            return
        partnership = PartnershipSettings.for_site(site)
        if partnership.accessibility_statement_id:
            return
        partnership.accessibility_statement = statement
        partnership.save(update_fields=["accessibility_statement"])
        self.created["statement_links"] += 1
        self.say(f"Linked the footer to the accessibility statement: {statement.title}")
