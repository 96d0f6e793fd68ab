"""One-page placeholder PDFs for the demonstration documents.

They stand in for real reports, which the demo does not have. Each says plainly that it is
a placeholder, then carries a few lines of real text (the review's summary and key themes)
so that text extraction and document search have words to find.

The core Helvetica font only covers Latin-1, so typographic punctuation is replaced with
ASCII first. The creation date is fixed, so the same input always gives the same bytes.
"""

from datetime import UTC, datetime

from fpdf import FPDF

PLACEHOLDER_HEADING = "DEMONSTRATION PLACEHOLDER \u2013 not the real report"
FIXED_CREATION_DATE = datetime(2024, 1, 1, tzinfo=UTC)

# Curly quotes, dashes, ellipsis, bullet and no-break space, written as escapes so the
# source stays unambiguous.
_ASCII_EQUIVALENTS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": ",",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2011": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u2022": "-",
        "\u00a0": " ",
    }
)


def latin1_text(value: str) -> str:
    """The text with typographic punctuation made ASCII and anything else unencodable as '?'."""
    return value.translate(_ASCII_EQUIVALENTS).encode("latin-1", "replace").decode("latin-1")


def placeholder_pdf(
    *,
    title: str,
    kind: str,
    summary: str = "",
    themes: list[str] | tuple[str, ...] = (),
    lines: list[str] | tuple[str, ...] = (),
) -> bytes:
    """A one-page PDF: the placeholder warning, the title, the kind, then the real text."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_CREATION_DATE)
    pdf.set_title(latin1_text(f"{title} - {kind} (demonstration placeholder)"))
    pdf.set_creator("Learning from reviews demo content")
    pdf.set_lang("en-GB")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()

    def paragraph(text: str, *, size: int, style: str = "", gap: float = 4) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(0, size * 0.5, latin1_text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    paragraph(PLACEHOLDER_HEADING, size=14, style="B", gap=8)
    paragraph(title, size=18, style="B")
    paragraph(kind, size=13, gap=8)
    if summary:
        paragraph("Summary", size=12, style="B", gap=1)
        paragraph(summary, size=11)
    if themes:
        paragraph("Key themes", size=12, style="B", gap=1)
        paragraph("; ".join(themes) + ".", size=11)
    for line in lines:
        paragraph(line, size=11)
    paragraph(
        "This file was generated for the demonstration site. It is not the published "
        "report and must not be relied on.",
        size=9,
        style="I",
        gap=0,
    )
    return bytes(pdf.output())
