"""Everything about a review that must be put right before it is released, in one call.

`release_check(page)` gathers, for a review (a ReviewPage, or the page of a revision:
`revision.as_object()`):

- the findings of each report it offers (not those past their "available until" date),
  from the check made at upload (`current_check()`: made now if it is missing or stale);
- every place a protected name appears: the review's own text (title, summary, body…),
  each report's file name (it is in the report's public address), link title, kept
  document properties and pages.

Each problem names its place ("Summary", "Full report", "Full report, page 3") and carries
an editor's message; `blocking` ones stop release. Nothing is logged: messages about names
contain the name, for editors in the admin only.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field

from learning.report_checks.documents import current_check, document_text
from learning.report_checks.findings import BLOCKING, INFO, WARNING
from learning.report_checks.names import find_protected_names, split_names

NAMES_UNCHECKED = "names_unchecked"
NAMES_PARTLY_CHECKED = "names_partly_checked"

# The review's own fields readers see (in the page, its address, search engines' results).
REVIEW_TEXT_FIELDS = (
    ("title", "Title"),
    ("subject", "Subject"),
    ("summary", "Summary"),
    ("reference", "Reference"),
    ("external_reason", "Why it is published elsewhere"),
    ("external_url", "Published elsewhere at"),
    ("seo_title", "Title for search engines"),
    ("search_description", "Description for search engines"),
    ("slug", "Page address (slug)"),
)
BODY_PLACE = "Learning (the review's text)"
AUTHORS_PLACE = "Authors"

_BLOCK_TAG = re.compile(
    r"</?(?:p|h[1-6]|li|ul|ol|br|div|blockquote|hr|table|tr|td|th)\b[^>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


@dataclass(frozen=True)
class Problem:
    """One thing to put right: where it is, what to do, and whether it blocks release."""

    place: str
    message: str = field(repr=False)  # may contain a protected name
    code: str = ""
    severity: str = BLOCKING

    @property
    def is_blocking(self) -> bool:
        return self.severity == BLOCKING


@dataclass(frozen=True)
class ReleaseCheck:
    problems: list[Problem]

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.is_blocking]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def info(self) -> list[Problem]:
        """The reports' document properties and what was removed from the copy readers
        get: listed for editors, asking nothing of them."""
        return [p for p in self.problems if p.severity == INFO]


def release_check(page, *, links=None, authors=None) -> ReleaseCheck:
    """The problems of the review and its reports (see the module's docstring).

    `links` (its report links) and `authors` default to the page's own; the review form
    passes those it is about to save, to check the version being submitted.
    """
    names = split_names(getattr(page, "protected_names", ""))
    sources: list[tuple[str, int | None, str]] = (
        review_text_sources(page, authors=authors) if names else []
    )
    problems: list[Problem] = []
    if links is None:
        links = page.report_documents.all()
    links = [link for link in links if not link.is_withdrawn]
    for link, place in zip(links, report_places(links), strict=True):
        document = link.document
        check = current_check(document)
        problems.extend(
            Problem(place, finding.message, finding.code, finding.severity)
            for finding in check.findings
        )
        if not names:
            continue
        sources.append((f"{place} (its file name)", None, document.filename))
        if link.title:
            sources.append((f"{place} (its link text)", None, link.title))
        kept = [check.metadata.get(key, "") for key in ("title", "subject", "keywords")]
        sources.append((f"{place} (its document properties)", None, "\n".join(kept)))
        if not check.checked:
            continue  # its "could not be checked" finding already blocks release
        try:
            text = document_text(document)
        except Exception:
            problems.append(Problem(place, _unchecked_message(), NAMES_UNCHECKED, BLOCKING))
            continue
        sources.extend(text.sources(place))
        if not text.complete:
            problems.append(
                Problem(place, _partly_checked_message(), NAMES_PARTLY_CHECKED, WARNING)
            )
    problems.extend(
        Problem(found.where, found.message, found.code, BLOCKING)
        for found in find_protected_names(names, sources)
    )
    return ReleaseCheck(problems)


def report_places(links) -> list[str]:
    """Each report link's name for editors: its label ("Full report"), with the document's
    title when two links share a label."""
    labels = [link.label for link in links]
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    return [
        f"{label} (“{link.document.title}”)" if label in repeated else label
        for label, link in zip(labels, links, strict=True)
    ]


def review_text_sources(page, *, authors=None) -> list[tuple[str, int | None, str]]:
    """The review's own text readers see, as (place, None, text) sources."""
    sources: list[tuple[str, int | None, str]] = []
    for name, place in REVIEW_TEXT_FIELDS:
        value = getattr(page, name, "") or ""
        if value:
            sources.append((place, None, str(value)))
    body = getattr(getattr(page, "body", None), "raw_data", None)
    if body:
        sources.append((BODY_PLACE, None, "\n".join(_strings(list(body)))))
    if authors is None:
        authors = page.authors.all() if hasattr(page, "authors") else []
    names = [author.name for author in authors]
    if names:
        sources.append((AUTHORS_PLACE, None, "\n".join(names)))
    return sources


def _strings(value) -> list[str]:
    """Every text in a StreamField's raw data, rich text as plain text with its images'
    alternative text (block types and ids left out)."""
    if isinstance(value, str):
        return [html_text(value)]
    if isinstance(value, dict):
        return [
            text
            for key, item in value.items()
            if key not in ("type", "id")
            for text in _strings(item)
        ]
    if isinstance(value, list | tuple):
        return [text for item in value for text in _strings(item)]
    return []


def html_text(value: str) -> str:
    """Rich text as the words readers see (paragraphs on lines of their own), then the
    alternative text of its images."""
    alternatives = [double or single for double, single in _ALT.findall(value)]
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", value))
    return html.unescape("\n".join([text, *alternatives]))


def _unchecked_message() -> str:
    return (
        "This report could not be read to look for the names that must never appear. "
        "Release is blocked until you upload a file that can be read: export it again as a "
        "PDF and upload the new file."
    )


def _partly_checked_message() -> str:
    return (
        "Only part of this report could be read to look for the names that must never appear "
        "(the checks stop after 500 pages, a minute, or a million characters): check the rest "
        "yourself, or split the report into smaller files."
    )
