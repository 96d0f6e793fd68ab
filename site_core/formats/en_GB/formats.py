"""British English (the site's LANGUAGE_CODE, en-gb): the same formats as English."""

from site_core.formats.en.formats import *  # noqa: F403
