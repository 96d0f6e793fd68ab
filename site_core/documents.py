"""Who may download a document: the public only what a live, public page links to.

Wagtail serves any document to whoever has its address, so a report attached to a review
that is still a draft, or scheduled for next week, would leak. Here the public gets a
document only while a live page outside any privacy setting links to it:

- a review's reports (`ReviewDocument`), until the link's "available until" date has
  passed (Europe/London); after it, a 410 page says how to request a copy;
- a policy page's documents (`PolicyDocument`);
- a link or chooser in a page's own fields (rich text, StreamField, a foreign key), as
  recorded in Wagtail's reference index.

Anyone else gets the site's ordinary 404, exactly as for a document that does not exist,
so the address confirms nothing; users who can use the Wagtail admin get the file. See
docs/embargo.md for why the reference index is trusted for page fields only.
"""

import functools
import operator
import os
from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Length, Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_resolver, get_urlconf
from django.utils import timezone

from wagtail.documents import get_document_model
from wagtail.documents.views.serve import serve as wagtail_serve
from wagtail.models import CollectionViewRestriction, Page, ReferenceIndex, get_page_models

from modelcluster.models import get_all_child_relations

from learning.models import PolicyDocument, ReviewDocument
from learning.queries import is_public
from learning.views import report_withdrawn
from site_core.storage import download_headers

# Long enough to spare the server a burst of downloads, short enough that a report taken
# down (unpublished, expired, withdrawn) leaves shared caches within minutes.
PUBLIC_CACHE_CONTROL = "public, max-age=300"
# Anything not public: a copy must never be kept by a proxy, nor reused by the browser.
PRIVATE_CACHE_CONTROL = "private, no-store"
# Content-Security-Policy of a document opened in the browser (a PDF), and of one saved.
INLINE_FILE_POLICY = "default-src 'none'"
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


@dataclass(frozen=True)
class DocumentStatus:
    """What the public may have of one document today."""

    file_name: str
    public: bool
    # A link from a live, public review whose availability window has closed; the 410 page
    # a reader gets names that review.
    withdrawn_link_id: int | None
    # Its collection has a view restriction: Wagtail's own check then decides, and no
    # response about it may be cached by others.
    restricted: bool

    @property
    def filename(self) -> str:
        return os.path.basename(self.file_name)


def live_public_pages() -> QuerySet[Page]:
    return Page.objects.live().filter(is_public())


@functools.cache
def _child_relation_names() -> tuple[str, ...]:
    return tuple(
        sorted(
            {
                relation.get_accessor_name()
                for model in get_page_models()
                for relation in get_all_child_relations(model)
            }
        )
    )


def page_field_references(document_id: int) -> QuerySet[ReferenceIndex]:
    """The reference index's links to the document from a live, public page's own fields.

    The index is rebuilt from the page's row whenever that row is saved, so for a live page
    it matches the published version (drafts live in revisions, which it ignores).
    References from child rows (a review's reports, a policy page's documents) are left
    out: deleting a child row does not refresh its page's entry, so a document removed
    from a page would stay listed. Those relations are read from their own tables instead.
    """
    document_type = ContentType.objects.get_for_model(get_document_model())
    page_type = ContentType.objects.get_for_model(Page)
    page_ids = live_public_pages().annotate(pk_text=Cast("pk", CharField())).values("pk_text")
    from_child_rows = functools.reduce(
        operator.or_, (Q(model_path__startswith=f"{name}.") for name in _child_relation_names())
    )
    return ReferenceIndex.objects.filter(
        to_content_type=document_type,
        to_object_id=str(document_id),
        base_content_type=page_type,
        object_id__in=page_ids,
    ).exclude(from_child_rows)


def document_status(document_id: int, today: date | None = None) -> DocumentStatus | None:
    """Whether the public may download the document, in one query; None if there is none."""
    today = today or timezone.localdate()
    page_ids = live_public_pages().values("pk")
    reports = ReviewDocument.objects.filter(document_id=document_id, page_id__in=page_ids)
    # A collection's restriction also covers the collections below it (a path prefix).
    covering_restrictions = CollectionViewRestriction.objects.filter(
        collection__path=Substr(OuterRef("collection__path"), 1, Length("collection__path"))
    )
    row = (
        get_document_model()
        .objects.filter(pk=document_id)
        .annotate(
            open_report=Exists(reports.filter(ReviewDocument.window_open_on(today))),
            policy_document=Exists(
                PolicyDocument.objects.filter(document_id=document_id, page_id__in=page_ids)
            ),
            page_field_link=Exists(page_field_references(document_id)),
            withdrawn_link_id=Subquery(
                reports.filter(available_until__lt=today)
                .order_by("-available_until", "pk")
                .values("pk")[:1]
            ),
            restricted=Exists(covering_restrictions),
        )
        .values(
            "file",
            "open_report",
            "policy_document",
            "page_field_link",
            "withdrawn_link_id",
            "restricted",
        )
        .first()
    )
    if row is None:
        return None
    return DocumentStatus(
        file_name=row["file"],
        public=row["open_report"] or row["policy_document"] or row["page_field_link"],
        withdrawn_link_id=row["withdrawn_link_id"],
        restricted=row["restricted"],
    )


def can_use_admin(user) -> bool:
    return user.is_authenticated and user.has_perm("wagtailadmin.access_admin")


def serve(request: HttpRequest, document_id: str, document_filename: str) -> HttpResponse:
    """Wagtail's document view behind the public-access rule, with caching headers.

    Routed in place of Wagtail's own (site_core/urls.py). Only the decision and the
    headers are added; Wagtail still checks the file name and collection privacy, sends
    `document_served` and streams the file.
    """
    status = document_status(int(document_id))
    if status is None or status.filename != document_filename:
        return not_found(request)
    cache_control = PRIVATE_CACHE_CONTROL
    if status.public or can_use_admin(request.user):
        try:
            response = wagtail_serve(request, document_id, document_filename)
        except Http404:
            return not_found(request)
        if response.streaming:
            with_file_headers(response, status.file_name)
        # A redirect to the object store's signed address is never kept: the address expires
        # within minutes (MEDIA_SIGNED_URL_SECONDS), and is the editor's alone for a draft.
        if status.public and not status.restricted and not is_redirect(response):
            cache_control = PUBLIC_CACHE_CONTROL
    elif status.withdrawn_link_id is not None:
        response = report_withdrawn(request, status.withdrawn_link_id)
        if response is None:
            return not_found(request)
    else:
        return not_found(request)
    return with_headers(response, cache_control)


def not_found(request: HttpRequest) -> HttpResponse:
    """The site's ordinary 404, the same for a missing document and an embargoed one."""
    handler = get_resolver(get_urlconf()).resolve_error_handler(404)
    response = handler(request, Http404("No document here."))
    return with_headers(response, PRIVATE_CACHE_CONTROL)


def is_redirect(response: HttpResponse) -> bool:
    return response.status_code in (301, 302, 303, 307, 308)


def with_file_headers(response: HttpResponse, file_name: str) -> None:
    """The file's own type and disposition, and a policy that keeps it from running script.

    A PDF opens in the browser and gets Wagtail's `default-src 'none'` only: Chrome's and
    Safari's PDF viewers show nothing under a `sandbox` policy. Everything else is saved
    rather than opened, and sandboxed should a browser open it all the same. The view sets
    the policy, so the site-wide one (site_core/security.py) leaves it alone.
    """
    content_type, disposition = download_headers(file_name)
    response["Content-Type"] = content_type
    response["Content-Disposition"] = disposition
    response["Content-Security-Policy"] = (
        INLINE_FILE_POLICY if disposition.startswith("inline") else DOWNLOAD_POLICY
    )


def with_headers(response: HttpResponse, cache_control: str) -> HttpResponse:
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    return response
