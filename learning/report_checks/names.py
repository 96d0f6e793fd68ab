"""Names that must never appear: finding a review's protected names in its text and reports.

A review keeps, privately, the real names and identifying details of the people and places
it is about (`ReviewPage.protected_names`, one per line). Before it is released every text
readers will see is searched for them: `find_protected_names(names, sources)`.

Matching is forgiving where writing varies and strict where words differ:

- case and accents do not matter ("ZOË" matches "Zoe"): both sides are NFKD-decomposed,
  stripped of combining marks and case-folded; curly apostrophes count as straight ones;
- any run of whitespace, line breaks included, counts as one space, so a name of several
  words matches across a line break ("Oak\\nPrimary School");
- a word hyphenated at a line end is joined when it goes on in lower case ("Jo-\\nhn" is
  "John") and keeps its hyphen otherwise ("Smith-\\nJones" is "Smith-Jones", which also
  matches "Smith" and "Jones"); capitals on both sides ("OAK-\\nLANDS") are read both ways;
- whole words only: "Ann" does not match "Annual" or "planning";
- possessives match: "Smith's", "Smith\u2019s" (a curly apostrophe), "Smiths'".

The findings name the place and page and the name itself, for editors in the admin. A
name must never be logged or written anywhere public: nothing here logs, and a finding's
repr() leaves the name out, so a stray log line of one does not leak it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from learning.report_checks.findings import BLOCKING, plural

PROTECTED_NAME = "protected_name"

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_PUNCTUATION = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\uff07": "'",
        "`": "'",
        "\u2010": "-",
        "\u2011": "-",
    }
)
# A hyphen at the end of a line, between two word characters.
_LINE_END_HYPHEN = re.compile(
    r"(?<=\w)[-\u2010\u2011][ \t]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])\s*(?=\w)"
)
_WORD_CHARACTER = re.compile(r"\w")


def fold(text: str) -> str:
    """Text as it is compared: no accents, case-folded, one kind of apostrophe and hyphen."""
    text = unicodedata.normalize("NFKD", _INVISIBLE.sub("", text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_PUNCTUATION)


def _variants(text: str) -> list[str]:
    """The text folded, whitespace collapsed, with each word hyphenated at a line end read
    as a hyphenation when it goes on in lower case ("Jo-\\nhn" is "John", "Smith-\\nson"
    "Smithson") and as a hyphenated word otherwise ("Smith-\\nJones" is "Smith-Jones"); and,
    when there are such others, a second reading with every one joined ("OAK-\\nLANDS")."""

    def goes_on_in_lower_case(match: re.Match) -> bool:
        return match.string[match.end()].islower()

    def read(match: re.Match) -> str:
        return "" if goes_on_in_lower_case(match) else "-"

    readings = [_LINE_END_HYPHEN.sub(read, text)]
    if not all(goes_on_in_lower_case(match) for match in _LINE_END_HYPHEN.finditer(text)):
        readings.append(_LINE_END_HYPHEN.sub("", text))
    return [" ".join(fold(reading).split()) for reading in readings]


def split_names(text: str) -> list[str]:
    """The names of a `protected_names` field: one per line, trimmed, blanks left out."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@dataclass(frozen=True)
class NameFinding:
    """A protected name found in one place. `name` is the name as the editor wrote it in
    the list: show it to editors in the admin only; never log it or publish it."""

    name: str = field(repr=False)
    place: str
    page: int | None = None
    count: int = 1

    code = PROTECTED_NAME
    severity = BLOCKING
    is_blocking = True

    @property
    def where(self) -> str:
        """ "Full report, page 3", or the place alone when it has no pages."""
        return self.place if self.page is None else f"{self.place}, page {self.page}"

    @property
    def message(self) -> str:
        times = "" if self.count == 1 else f" ({plural(self.count, 'time')})"
        return (
            f"“{self.name}” appears in {self.where}{times}. It is on this review's list of "
            "names that must never appear: remove it, or replace it with the pseudonym the "
            "review uses, before the review is released."
        )

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "name": self.name,
            "place": self.place,
            "page": self.page,
            "count": self.count,
            "message": self.message,
        }

    @classmethod
    def from_json(cls, data: dict) -> NameFinding:
        return cls(
            name=str(data["name"]),
            place=str(data["place"]),
            page=data.get("page"),
            count=int(data.get("count", 1)),
        )


Source = tuple[str, str] | tuple[str, int | None, str]


def find_protected_names(
    names: Iterable[str] | str, sources: Iterable[Source]
) -> list[NameFinding]:
    """Each protected name found in each source, in the order of the sources, then names.

    `names`: the names (a list, or the `protected_names` text, one per line; blank lines
    and repeats are ignored). `sources`: (place, text) or (place, page number, text) items,
    e.g. ("Summary", "…") or ("Full report", 3, "…"). Returns findings; logs nothing.
    """
    patterns = _patterns(names)
    if not patterns:
        return []

    findings: list[NameFinding] = []
    for source in sources:
        if len(source) == 2:
            place, text = source
            page = None
        else:
            place, page, text = source
        if not text:
            continue
        variants = _variants(text)
        for name, pattern in patterns:
            count = max(len(pattern.findall(variant)) for variant in variants)
            if count:
                findings.append(NameFinding(name=name, place=place, page=page, count=count))
    return findings


def _patterns(names: Iterable[str] | str) -> list[tuple[str, re.Pattern]]:
    """Each name as written, with the pattern that finds it in folded text: whole words,
    and a possessive "s'" (Smiths') counts as the name."""
    if isinstance(names, str):
        names = split_names(names)
    patterns: list[tuple[str, re.Pattern]] = []
    seen: set[str] = set()
    for name in names:
        words = " ".join(fold(name).split())
        if not words or words in seen or not _WORD_CHARACTER.search(words):
            continue
        seen.add(words)
        body = re.escape(words).replace(r"\ ", r"\s+")
        patterns.append((name.strip(), re.compile(rf"(?<!\w){body}(?:s(?='))?(?!\w)")))
    return patterns


def redact_protected_names(
    names: Iterable[str] | str, text: str, replacement: str = "[withheld]"
) -> str:
    """`text` with each protected name replaced, found as `find_protected_names` finds it
    (case, accents, apostrophes, possessives, words split across lines), for messages that
    quote what someone wrote, such as an approver's comment in an email."""
    patterns = _patterns(names)
    if not patterns or not text:
        return text
    # Fold character by character, remembering where each folded character came from, so
    # that a match in the folded text is a span of the original.
    folded, origin = [], []
    for index, character in enumerate(text):
        for piece in fold(character):
            folded.append(piece)
            origin.append(index)
    folded_text = "".join(folded)
    spans = sorted(
        (origin[match.start()], origin[match.end() - 1] + 1)
        for _, pattern in patterns
        for match in pattern.finditer(folded_text)
    )
    pieces, position = [], 0
    for start, end in spans:
        if start < position:
            continue  # inside a longer name already replaced
        pieces += [text[position:start], replacement]
        position = end
    return "".join([*pieces, text[position:]])
