"""Views of the library that are not pages: the notice for a withdrawn report."""

from django.http import HttpRequest
from django.template.response import TemplateResponse

from learning.models import ReviewDocument


def report_withdrawn(request: HttpRequest, link_id: int) -> TemplateResponse | None:
    """The 410 Gone page for a report past its "available until" date, in the site's design.

    Says the report is no longer published, how to request a copy, and links to its review.
    None if the link has gone meanwhile (the caller then answers 404).
    """
    link = ReviewDocument.objects.select_related("page").filter(pk=link_id).first()
    if link is None:
        return None
    return TemplateResponse(
        request,
        "learning/document_withdrawn.html",
        {"link": link, "review": link.page},
        status=410,
    )
