"""What the report checks found in one file, as editors read it and as it is stored.

A `ReportCheck` is the result of checking one PDF or Word file: its document properties
(metadata), its accessibility facts and a list of `Finding`s, each with a severity and a
message that tells an editor what is wrong and how to fix it. It round-trips through JSON
(`to_json()`, `from_json()`), which is how it is kept on the document
(`ReportDocument.check_findings`).

Severities:

- BLOCKING: comments, tracked changes, embedded files, and a file that could not be
  checked. Approval is blocked until a clean file is uploaded.
- WARNING: accessibility problems (scanned pages, no tags, no title, no language) and
  author details that could not be removed. Editors should fix them; nothing is blocked.
- INFO: the document properties, listed for information, and what was removed from the
  copy readers download.

Nothing here touches Django: these are plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

BLOCKING = "blocking"
WARNING = "warning"
INFO = "info"
SEVERITIES = (BLOCKING, WARNING, INFO)

FORMAT_VERSION = 1

# Finding codes: stable names callers and templates may test.
UNREADABLE = "unreadable"
NOT_CHECKED = "not_checked"
COMMENTS = "comments"
TRACKED_CHANGES = "tracked_changes"
EMBEDDED_FILES = "embedded_files"
SCANNED_PAGES = "scanned_pages"
PAGES_NOT_READ = "pages_not_read"
UNTAGGED = "untagged"
NO_TITLE = "no_title"
NO_LANGUAGE = "no_language"
METADATA = "metadata"
METADATA_REMOVED = "metadata_removed"
METADATA_NOT_REMOVED = "metadata_not_removed"

# What readers are told about a report that may not work with assistive technology
# (ReportCheck.reader_problems).
READER_NO_TEXT = "no_text"
READER_UNTAGGED = "untagged"

# The document properties, in the order they are listed, with the words editors see.
METADATA_LABELS = {
    "title": "Title",
    "subject": "Subject",
    "keywords": "Keywords",
    "author": "Author",
    "last_modified_by": "Last modified by",
    "company": "Company",
    "manager": "Manager",
    "creator": "Created with",
    "producer": "PDF made by",
    "xmp": "XMP metadata",
}
# Properties, by format, that can identify the people who wrote or handled a report: removed
# from the copy readers download (pdf.strip_pdf() and docx.strip_docx() say exactly how). A
# PDF's custom properties (CUSTOM_PREFIX) count too.
AUTHOR_IDENTIFYING = {
    "pdf": ("author", "last_modified_by", "company", "manager", "xmp"),
    "docx": ("author", "last_modified_by", "company", "manager"),
}
CUSTOM_PREFIX = "custom:"


@dataclass(frozen=True)
class Finding:
    """One thing the checks found, in words an editor understands, naming the fix."""

    code: str
    severity: str
    message: str
    pages: tuple[int, ...] = ()
    count: int | None = None
    items: tuple[str, ...] = ()

    @property
    def is_blocking(self) -> bool:
        return self.severity == BLOCKING

    def to_json(self) -> dict:
        data: dict = {"code": self.code, "severity": self.severity, "message": self.message}
        if self.pages:
            data["pages"] = list(self.pages)
        if self.count is not None:
            data["count"] = self.count
        if self.items:
            data["items"] = list(self.items)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Finding:
        return cls(
            code=str(data.get("code", "")),
            severity=str(data.get("severity", INFO)),
            message=str(data.get("message", "")),
            pages=tuple(int(n) for n in data.get("pages") or ()),
            count=data.get("count"),
            items=tuple(str(item) for item in data.get("items") or ()),
        )


@dataclass
class Accessibility:
    """What a screen reader would meet. None where the format has no such notion."""

    scanned_pages: list[int] = field(default_factory=list)
    pages_read: int | None = None  # pages whose text was read (the limits may stop short)
    tagged: bool | None = None  # PDF only: /MarkInfo /Marked true and a /StructTreeRoot
    has_title: bool | None = None
    language: str | None = None  # "" when the file says none

    def to_json(self) -> dict:
        return {
            "scanned_pages": list(self.scanned_pages),
            "pages_read": self.pages_read,
            "tagged": self.tagged,
            "has_title": self.has_title,
            "language": self.language,
        }

    @classmethod
    def from_json(cls, data: dict) -> Accessibility:
        return cls(
            scanned_pages=[int(n) for n in data.get("scanned_pages") or ()],
            pages_read=data.get("pages_read"),
            tagged=data.get("tagged"),
            has_title=data.get("has_title"),
            language=data.get("language"),
        )


@dataclass
class ReportCheck:
    """The result of checking one file. `checked` is False when it could not be read."""

    format: str = ""  # "pdf", "docx", or "" for a format that is not checked
    checked: bool = True
    page_count: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    accessibility: Accessibility = field(default_factory=Accessibility)
    removed: list[str] = field(default_factory=list)  # metadata keys removed from the copy
    uploaded_hash: str = ""  # SHA-1 of the file as uploaded (set by the upload step)
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == BLOCKING]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def info(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == INFO]

    @property
    def author_identifying(self) -> list[str]:
        """The metadata keys present that identify people (removed from the served copy)."""
        keys = AUTHOR_IDENTIFYING.get(self.format, ())
        return [
            key
            for key in self.metadata
            if key in keys or (self.format == "pdf" and key.startswith(CUSTOM_PREFIX))
        ]

    @property
    def reader_problems(self) -> list[str]:
        """Why readers using assistive technology may not manage with this file, if at all:
        READER_NO_TEXT (scanned pages without text), READER_UNTAGGED (a PDF without tags)."""
        problems = []
        if self.accessibility.scanned_pages:
            problems.append(READER_NO_TEXT)
        if self.format == "pdf" and self.accessibility.tagged is False:
            problems.append(READER_UNTAGGED)
        return problems

    def to_json(self) -> dict:
        return {
            "version": FORMAT_VERSION,
            "format": self.format,
            "checked": self.checked,
            "page_count": self.page_count,
            "metadata": dict(self.metadata),
            "accessibility": self.accessibility.to_json(),
            "removed": list(self.removed),
            "uploaded_hash": self.uploaded_hash,
            "findings": [finding.to_json() for finding in self.findings],
        }

    @classmethod
    def from_json(cls, data: dict | None) -> ReportCheck | None:
        """The check stored as JSON; None for an empty value (a document never checked)."""
        if not data:
            return None
        return cls(
            format=str(data.get("format", "")),
            checked=bool(data.get("checked", True)),
            page_count=data.get("page_count"),
            metadata={str(k): str(v) for k, v in (data.get("metadata") or {}).items()},
            accessibility=Accessibility.from_json(data.get("accessibility") or {}),
            removed=[str(key) for key in data.get("removed") or ()],
            uploaded_hash=str(data.get("uploaded_hash", "")),
            findings=[Finding.from_json(item) for item in data.get("findings") or ()],
        )


# --- Words ---------------------------------------------------------------------------------


def metadata_label(key: str) -> str:
    if key.startswith(CUSTOM_PREFIX):
        return key[len(CUSTOM_PREFIX) :]
    return METADATA_LABELS.get(key, key)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def join_words(words: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def quoted_names(names: list[str], *, limit: int = 5) -> str:
    """ "“a.xlsx”, “b.docx” and 3 more": the first few file names, quoted."""
    shown = join_words(f"“{name}”" for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def page_list(pages: Iterable[int], *, limit: int = 12) -> str:
    """ "Page 3", "Pages 3 and 4", "Pages 1-5, 8 and 10": runs of three or more as ranges,
    written with an en dash."""
    numbers = sorted(set(pages))
    groups: list[str] = []
    start = previous = None
    for number in [*numbers, None]:
        if number is not None and previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            if previous - start >= 2:
                groups.append(f"{start}\u2013{previous}")
            elif previous != start:
                groups.extend([str(start), str(previous)])
            else:
                groups.append(str(start))
        start = previous = number
    if len(groups) > limit:
        rest = len(groups) - limit
        groups = [*groups[:limit], f"{rest} more"]
    single = len(numbers) == 1
    return f"{'Page' if single else 'Pages'} {join_words(groups)}"
