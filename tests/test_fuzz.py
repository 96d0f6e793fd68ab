"""Whatever the query string, the public listings and the search never fail with a 500.

Hypothesis throws 1,800 generated query strings at the library, a theme page, the theme
index, the feed and the site search: the real parameters repeated, empty or upper-cased, odd
keys, unicode and control characters (NUL included), broken percent-escapes, huge values,
and page numbers such as -1, 0, 1e9 and "abc". Any answer below 500 is fine: the pages are
meant to fall back and explain, not to refuse.

Each page's examples run inside one test function, against a few reviews created once for
it. PAGES says how many for each page: more where a request is cheap, fewer for the theme
index, which reads no parameters. The file takes about a minute on two busy cores.
FUZZ_SCALE in the environment multiplies them (FUZZ_SCALE=10 for a long run).
"""

import os
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learning.models import ReviewType
from tests.factories import (
    PolicyPageFactory,
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

# Shared with tests/test_http_fuzz.py. No example database: a failure is reproduced from
# the example Hypothesis prints, not replayed from a file.
EXAMPLE_SETTINGS = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))

PARAMETERS = ["q", "theme", "type", "year", "body", "sort", "page"]
THEME_SLUGS = ["neglect", "domestic-abuse", "voice-of-the-child"]

# The pages that read their query string: (test id, address, examples). The feed is last;
# if it is ever missing, mark its entry skipped rather than removing it.
PAGES = [
    ("library", "/learning-from-reviews/", 350),
    ("theme-page", "/learning-from-reviews/themes/neglect/", 250),
    ("theme-index", "/learning-from-reviews/themes/", 100),
    ("site-search", "/search/", 850),
    ("feed", "/learning-from-reviews/feed/", 250),
]


@pytest.fixture
def site(home, library):
    themes = [
        ThemeFactory(name=slug.replace("-", " ").capitalize(), slug=slug) for slug in THEME_SLUGS
    ]
    body = PublishingBodyFactory(name="Richmond LSCB", slug="richmond-lscb")
    scr = ReviewType.objects.get(slug="serious-case-review")
    ReviewPageFactory(parent=library, title="Child A", themes=themes[:2], publishing_body=body)
    ReviewPageFactory(parent=library, title="Child B", themes=themes[:1], review_type=scr)
    ReviewPageFactory(parent=library, title="Family C", themes=themes[1:])
    PolicyPageFactory(parent=home, title="Neglect procedure")
    return library


# --- Strategies ----------------------------------------------------------------------------

# Any character that can travel in a URL: everything but lone surrogates, which cannot be
# encoded as UTF-8. Control characters, NUL included, are in.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
control_text = st.text(st.characters(codec="ascii", categories=["Cc"]), min_size=1, max_size=5)

# Half the keys are the real parameters, so that their values are what gets explored.
real_keys = st.sampled_from(PARAMETERS)
keys = st.one_of(
    real_keys,
    real_keys,
    real_keys,
    real_keys.map(str.upper),
    st.sampled_from(["", "q[]", "page[]", "theme.slug", "__proto__", "q\x00", "\uff31"]),
    any_text,
)

# Numbers of every sort, including digits that are not ASCII (superscripts, Arabic-Indic).
numbers = st.sampled_from(
    [
        *["-1", "0", "1", "2", "3", "99", "1e9", "1E9", "abc", "1.5", " 2 ", "0x10", "+1"],
        *["-0", "NaN", "inf", "9" * 40, "²", "١٢", "٢٠٢٢", "2022", "1899", "2101", "²⁰²²"],
    ]
)
known = st.sampled_from(
    [
        *THEME_SLUGS,
        *["local-cspr", "serious-case-review", "richmond-lscb", "newest", "oldest"],
        *["relevance", "NEWEST", "neglect child", "child", "-", "'", '"', "a:b", "!"],
    ]
)
huge = st.builds(
    lambda unit, n: unit * n,
    st.sampled_from(["a", "neglect ", "\x00", "é", "%", "—", "child & family "]),
    st.integers(min_value=200, max_value=1_000),
)
values = st.one_of(any_text, control_text, numbers, numbers, known, known, huge, st.just(""))


def _encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in pairs)


# Raw pieces that no encoder would write: broken escapes, invalid UTF-8, stray separators.
raw_pieces = st.sampled_from(
    ["%00", "%ff", "%", "%%", "%e2%80", "%C0%AF", "&&", "==", ";", "+", "q", "q=", "=q", "page=%00"]
)
pairs = st.lists(st.tuples(keys, values), max_size=10)
query_strings = st.one_of(
    pairs.map(_encode),
    st.lists(st.one_of(pairs.map(_encode), raw_pieces), max_size=6).map("&".join),
)


# --- Tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "address", "count"), PAGES, ids=[page[0] for page in PAGES])
def test_no_query_string_makes_the_page_fail(client, site, name, address, count):
    count = max(1, round(count * SCALE))
    assert client.get(address).status_code == 200  # the page exists: the fuzzing means something
    examples = []

    @settings(
        max_examples=count,
        **EXAMPLE_SETTINGS,
    )
    @given(query=query_strings)
    def check(query):
        examples.append(query)
        response = client.get(address, QUERY_STRING=query)
        assert response.status_code < 500, f"{address}?{query!r} answered {response.status_code}"

    check()
    print(f"{name}: {len(examples)} query strings")
    assert len(examples) >= count
