"""Colour arithmetic for the partnership's brand colour: WCAG contrast and derived shades.

The brand colour is used for links and visited links on white, as the background of
buttons with white text, and for links on the light panels tinted with it (the footer,
"At a glance"). `brand_colour_problems()` refuses a colour that would fail WCAG 2.2 AA
(4.5:1 for normal text) in any of those places, and `brand_palette()` derives the shades
the stylesheet needs from the one colour an admin picks.
"""

import math
import re

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = "#ffffff"
BLACK = "#000000"
MINIMUM_CONTRAST = 4.5  # WCAG 2.2 success criterion 1.4.3, normal-size text

# How much of the brand colour the light panels keep (the rest is white), and how much
# black the darker shade (hover, visited links) mixes in.
TINT_SHARE = 0.08
DARK_SHARE = 0.3


def _channels(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(channels) -> str:
    return "#" + "".join(f"{round(channel):02x}" for channel in channels)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a "#rrggbb" colour, from 0 (black) to 1 (white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two colours, from 1 (none) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(colour: str, other: str, share_of_other: float) -> str:
    """`colour` with `share_of_other` (0 to 1) of `other` mixed in, channel by channel."""
    return _hex(
        a + (b - a) * share_of_other
        for a, b in zip(_channels(colour), _channels(other), strict=True)
    )


def format_ratio(ratio: float) -> str:
    """ "4.47:1": rounded down, so a failing colour never reads as reaching the minimum."""
    return f"{math.floor(ratio * 100) / 100:.2f}:1"


def brand_palette(colour: str) -> dict[str, str]:
    """The stylesheet's brand custom properties for a valid brand colour."""
    colour = colour.lower()
    return {
        "--colour-primary": colour,
        "--colour-primary-dark": mix(colour, BLACK, DARK_SHARE),
        "--colour-tint": mix(colour, WHITE, 1 - TINT_SHARE),
    }


def brand_colour_problems(colour: str) -> list[str]:
    """Why `colour` cannot be the brand colour, for the admin; empty when it can."""
    if not HEX_COLOUR.match(colour or ""):
        return ["Enter a colour as # and six hexadecimal digits, for example #00505c."]
    problems = []
    on_white = contrast_ratio(colour, WHITE)
    if on_white < MINIMUM_CONTRAST:
        problems.append(
            f"This colour has a contrast ratio of {format_ratio(on_white)} with white. Links "
            "on white and white text on buttons need at least 4.5:1 (WCAG 2.2 AA): choose a "
            "darker shade."
        )
    else:
        tint = brand_palette(colour)["--colour-tint"]
        on_tint = contrast_ratio(colour, tint)
        if on_tint < MINIMUM_CONTRAST:
            problems.append(
                f"This colour has a contrast ratio of {format_ratio(on_tint)} with the light "
                f"panels tinted with it ({tint}), where it colours links. They need at least "
                "4.5:1 (WCAG 2.2 AA): choose a slightly darker shade."
            )
    return problems
