"""The library's facet counts kept in a table (learning/facet_counts.py).

They must be exactly what the finder counts live, for the library and for every theme page,
and stay so through every change a reader could see: publishing, unpublishing, the
scheduler's publishes and expiries, moves, privacy, deletions.
"""

import datetime
import io
import logging
from datetime import date
from unittest import mock

from django.core.management import call_command
from django.db import connection
from django.db.models.deletion import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from wagtail.models import PageViewRestriction

import pytest
import time_machine
from bs4 import BeautifulSoup

from learning import facet_counts
from learning.facet_counts import LOCK_KEY, refresh, stored_counts
from learning.finder import Filters, _facet_counts
from learning.models import (
    DatePrecision,
    FacetCount,
    ReviewPage,
    ReviewType,
    Theme,
    ThemeIndexPage,
)
from learning.reviews_sql import ReviewsSQL
from learning.terms import vocabulary
from site_core.publishing.scheduler import run_tick
from tests.factories import (
    PolicyPageFactory,
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)
from tests.test_review_admin import add_review_url, review_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    # Every request makes its page: what is shown is what the counts are now. That the page
    # cache lets go of a page when the counts change is tests/test_page_cache.py's business.
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture
def themes(db):
    return {
        slug: ThemeFactory(name=name, slug=slug)
        for slug, name in [
            ("neglect", "Neglect"),
            ("domestic-abuse", "Domestic abuse"),
            ("voice-of-the-child", "Voice of the child"),
            ("unused", "Unused"),
        ]
    }


@pytest.fixture
def bodies(db):
    return {
        slug: PublishingBodyFactory(name=name, slug=slug)
        for slug, name in [("richmond-lscb", "Richmond LSCB"), ("kingston-csp", "Kingston CSP")]
    }


def review_type(slug: str) -> ReviewType:
    return ReviewType.objects.get(slug=slug)


@pytest.fixture
def reviews(library, themes, bodies):
    """Five live, public reviews, and beside them one of each kind that must not count."""
    neglect, abuse, voice = (themes[s] for s in ("neglect", "domestic-abuse", "voice-of-the-child"))
    cspr, scr = review_type("local-cspr"), review_type("serious-case-review")
    lscb, csp = bodies["richmond-lscb"], bodies["kingston-csp"]

    def make(title, kind, when, body, review_themes, **extra):
        return ReviewPageFactory(
            parent=library,
            title=title,
            review_type=kind,
            publication_date=when,
            publishing_body=body,
            themes=review_themes,
            **extra,
        )

    made = {
        "a": make("Child A", cspr, date(2022, 5, 1), lscb, [neglect, abuse]),
        "b": make("Child B", scr, date(2015, 6, 1), None, [neglect]),
        "c": make("Child C", cspr, date(2022, 1, 1), csp, [abuse, voice]),
        # A historic review whose date was never recorded.
        "d": make(
            "Child D",
            review_type("rapid-review"),
            None,
            lscb,
            [neglect, voice],
            publication_date_precision=DatePrecision.NOT_RECORDED,
        ),
        "e": make("Child E", scr, date(2019, 3, 1), csp, [voice, neglect, abuse]),
        "draft": make("Draft", cspr, date(2023, 1, 1), lscb, [neglect], publish=False),
        "withdrawn": make("Withdrawn", cspr, date(2020, 1, 1), lscb, [abuse]),
        "private": make("Private", scr, date(2021, 1, 1), csp, [neglect, abuse]),
    }
    # As stored (the factory published a copy: its own instance still says "not live").
    made = {name: ReviewPage.objects.get(pk=review.pk) for name, review in made.items()}
    made["withdrawn"].unpublish()
    PageViewRestriction.objects.create(
        page=made["private"], restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    return made


@pytest.fixture
def second_library(home):
    # One library per home page in the admin; the tree itself allows more (other sites).
    return ThemeIndexPageFactory(parent=home, title="Adults' reviews", slug="adults-reviews")


def live_counts(library, theme=None) -> dict:
    """What the finder counts live for the library, or its page of `theme`, unfiltered."""
    term = vocabulary().by_id("theme")[theme.id] if theme else None
    filters = Filters(fixed_theme=term)
    return _facet_counts(filters, ReviewsSQL(library, filters))


def assert_stored_counts_are_live(library, themes) -> None:
    assert stored_counts(library.pk) == live_counts(library)
    for theme in themes:
        assert stored_counts(library.pk, theme.id) == live_counts(library, theme), theme.slug


def shown(client, url: str) -> dict[str, int]:
    """The numbers the page shows: the total, and each filter option's as "facet:value"."""
    response = client.get(url)
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    numbers = {"total": int(soup.find(id="result-count").get_text().split()[0])}
    for box in soup.select("input[type=checkbox]"):
        label = soup.find("label", {"for": box["id"]}).get_text(" ", strip=True)
        numbers[f"{box['name']}:{box['value']}"] = int(label.rsplit("(", 1)[1].rstrip(")"))
    for option in soup.select("select[name=year] option, select[name=body] option"):
        if option["value"]:
            count = int(option.get_text().rsplit("(", 1)[1].rstrip(")"))
            numbers[f"{option.parent['name']}:{option['value']}"] = count
    return numbers


def picked(numbers: dict[str, int], *names: str) -> dict[str, int]:
    return {name: numbers.get(name, 0) for name in names}


def theme_list(client, library) -> dict[str, int]:
    """The list of themes page: each theme's number of reviews."""
    response = client.get(f"{library.url}themes/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    return {
        item.select_one(".theme-list__name").get_text(strip=True): int(
            item.select_one(".theme-list__count").get_text().split()[0]
        )
        for item in soup.select(".theme-list__item")
    }


NUMBERS = ("total", "theme:neglect", "theme:domestic-abuse", "type:local-cspr", "year:2022")
# Those numbers once review "a" is gone (unpublished or deleted).
WITHOUT_A = {
    "total": 4,
    "theme:neglect": 3,
    "theme:domestic-abuse": 2,
    "type:local-cspr": 1,
    "year:2022": 1,
}


# --- The same numbers as counted live -------------------------------------------------------


def test_stored_counts_are_the_live_counts_of_the_library_and_of_every_theme_page(
    library, second_library, reviews, themes
):
    elsewhere = ReviewPageFactory(
        parent=second_library, themes=[themes["neglect"]], publication_date=date(2022, 2, 2)
    )

    # Neither the draft, the unpublished, the private review nor the other library's counts.
    assert stored_counts(library.pk) == {
        "total": {0: 5},
        "theme": {
            themes["neglect"].id: 4,
            themes["domestic-abuse"].id: 3,
            themes["voice-of-the-child"].id: 3,
        },
        "type": {
            review_type("local-cspr").id: 2,
            review_type("serious-case-review").id: 2,
            review_type("rapid-review").id: 1,
        },
        "year": {2022: 2, 2015: 1, 2019: 1},
        "body": {reviews["a"].publishing_body_id: 2, reviews["c"].publishing_body_id: 2},
    }
    neglect = stored_counts(library.pk, themes["neglect"].id)
    assert neglect["total"] == {0: 4}
    assert neglect["theme"] == {
        themes["neglect"].id: 4,
        themes["domestic-abuse"].id: 2,
        themes["voice-of-the-child"].id: 2,
    }
    assert neglect["year"] == {2022: 1, 2015: 1, 2019: 1}
    assert_stored_counts_are_live(library, themes.values())
    assert stored_counts(second_library.pk)["total"] == {0: 1}
    assert stored_counts(second_library.pk)["year"] == {2022: 1}
    assert_stored_counts_are_live(second_library, themes.values())

    # A review without a type, made live outside Wagtail (an old import), and one moved
    # away: still the same as live once counted again.
    ReviewPage.objects.filter(pk=reviews["b"].pk).update(review_type=None)
    elsewhere.move(library, pos="last-child")
    refresh()
    assert stored_counts(library.pk)["total"] == {0: 6}
    assert sum(stored_counts(library.pk)["type"].values()) == 5
    assert_stored_counts_are_live(library, themes.values())
    assert stored_counts(second_library.pk)["total"] == {0: 0}
    assert_stored_counts_are_live(second_library, themes.values())


def test_a_theme_no_review_has_counts_nothing(library, reviews, themes):
    expected = {"total": {0: 0}, "theme": {}, "type": {}, "year": {}, "body": {}}

    assert stored_counts(library.pk, themes["unused"].id) == expected
    assert live_counts(library, themes["unused"]) == expected


def test_the_demo_content_is_counted_as_it_is_loaded(db):
    call_command("load_demo_content", stdout=io.StringIO())

    library = ThemeIndexPage.objects.get()
    assert stored_counts(library.pk)["total"] == {0: 8}
    assert_stored_counts_are_live(library, Theme.objects.all())


def test_a_library_never_counted_is_counted_live(library, themes, client):
    # Made directly: no publish yet, so nothing has counted it.
    assert stored_counts(library.pk) is None
    assert shown(client, library.url)["total"] == 0

    ReviewPageFactory(parent=library, themes=[themes["neglect"]])

    assert stored_counts(library.pk)["total"] == {0: 1}
    assert stored_counts(library.pk, themes["neglect"].id)["total"] == {0: 1}


def test_the_unfiltered_pages_read_the_stored_counts_and_the_filtered_ones_count_live(
    client, library, reviews, themes
):
    # Numbers no live count could give: the pages that show them read the table.
    FacetCount.objects.filter(library=library, facet="theme", key=themes["neglect"].id).update(
        count=41
    )
    theme_page = f"{library.url}themes/domestic-abuse/"

    assert shown(client, library.url)["theme:neglect"] == 41
    assert shown(client, theme_page)["theme:neglect"] == 41
    assert theme_list(client, library)["Neglect"] == 41
    assert shown(client, f"{library.url}?sort=oldest")["theme:neglect"] == 41
    assert shown(client, f"{library.url}?type=local-cspr")["theme:neglect"] == 1
    assert shown(client, f"{library.url}?q=child")["theme:neglect"] == 4
    assert shown(client, f"{theme_page}?year=2022")["theme:neglect"] == 1

    # In one small query instead of the grouping of every review.
    for url, stored in [
        (library.url, True),
        (theme_page, True),
        (f"{theme_page}?year=2022", False),
    ]:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        sql = " ".join(query["sql"] for query in captured)
        assert ("learning_facetcount" in sql) is stored, url
        assert ("GROUPING SETS" in sql) is not stored, url


def test_a_recount_takes_the_advisory_lock_and_writes_nothing_when_in_step(library, reviews):
    assert refresh().changed == 0  # the fixture's publishes counted everything already
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT classid, objid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = pg_backend_pid() AND objsubid = 1"
        )
        held = cursor.fetchall()
    assert (LOCK_KEY >> 32, LOCK_KEY & 0xFFFFFFFF) in held


# --- Kept in step with every change ---------------------------------------------------------


def test_publishing_a_review_counts_it_on_the_library_and_its_theme_pages(
    client, library, reviews, themes
):
    before = shown(client, library.url)
    neglect_page = f"{library.url}themes/neglect/"
    on_neglect = shown(client, neglect_page)

    ReviewPageFactory(
        parent=library,
        review_type=review_type("local-cspr"),
        publication_date=date(2022, 9, 1),
        themes=[themes["neglect"], themes["domestic-abuse"]],
    )

    after = shown(client, library.url)
    assert picked(after, *NUMBERS) == {name: picked(before, *NUMBERS)[name] + 1 for name in NUMBERS}
    assert picked(after, *NUMBERS) == {
        "total": 6,
        "theme:neglect": 5,
        "theme:domestic-abuse": 4,
        "type:local-cspr": 3,
        "year:2022": 3,
    }
    assert shown(client, neglect_page)["total"] == on_neglect["total"] + 1
    assert shown(client, neglect_page)["theme:domestic-abuse"] == 3
    assert theme_list(client, library)["Neglect"] == 5
    assert_stored_counts_are_live(library, themes.values())


def test_a_review_published_in_the_admin_is_counted(admin_client, client, library, reviews, themes):
    response = admin_client.post(
        add_review_url(library), review_form_data(themes=[themes["voice-of-the-child"]])
    )

    assert response.status_code == 302
    assert shown(client, library.url)["theme:voice-of-the-child"] == 4
    assert shown(client, f"{library.url}themes/voice-of-the-child/")["total"] == 4
    assert_stored_counts_are_live(library, themes.values())


def test_unpublishing_a_review_takes_it_out_of_the_counts(client, library, reviews, themes):
    reviews["a"].unpublish()

    assert picked(shown(client, library.url), *NUMBERS) == WITHOUT_A
    assert shown(client, f"{library.url}themes/domestic-abuse/")["total"] == 2
    assert theme_list(client, library)["Domestic abuse"] == 2
    assert_stored_counts_are_live(library, themes.values())


def test_unpublishing_in_the_admin_takes_it_out_of_the_counts(
    admin_client, client, library, reviews, themes
):
    response = admin_client.post(reverse("wagtailadmin_pages:unpublish", args=[reviews["e"].pk]))

    assert response.status_code == 302
    assert shown(client, library.url)["total"] == 4
    assert shown(client, f"{library.url}themes/voice-of-the-child/")["total"] == 2
    assert_stored_counts_are_live(library, themes.values())


@pytest.fixture
def clock():
    # On a whole minute, as editors schedule.
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


def test_the_scheduler_counts_a_review_at_its_go_live_time_and_uncounts_it_at_its_expiry(
    client, library, reviews, themes, clock, caplog
):
    caplog.set_level(logging.INFO, logger="learning.facet_counts")
    now = timezone.now()
    review = ReviewPageFactory(
        parent=library, publish=False, themes=[themes["unused"]], publication_date=date(2024, 1, 1)
    )
    review.go_live_at = now + datetime.timedelta(minutes=1)
    review.expire_at = now + datetime.timedelta(minutes=2)
    review.save_revision().publish()

    # Embargoed until then: not in the table at all.
    run_tick()
    assert shown(client, library.url)["total"] == 5
    assert not FacetCount.objects.filter(scope_theme=themes["unused"]).exists()
    assert not FacetCount.objects.filter(facet="theme", key=themes["unused"].id).exists()
    assert not FacetCount.objects.filter(facet="year", key=2024).exists()

    clock.shift(datetime.timedelta(minutes=1))
    run_tick()
    assert picked(shown(client, library.url), "total", "theme:unused", "year:2024") == {
        "total": 6,
        "theme:unused": 1,
        "year:2024": 1,
    }
    assert shown(client, f"{library.url}themes/unused/")["total"] == 1
    assert_stored_counts_are_live(library, themes.values())

    clock.shift(datetime.timedelta(minutes=1))
    run_tick()
    assert picked(shown(client, library.url), "total", "theme:unused", "year:2024") == {
        "total": 5,
        "theme:unused": 0,
        "year:2024": 0,
    }
    assert shown(client, f"{library.url}themes/unused/")["total"] == 0
    assert_stored_counts_are_live(library, themes.values())
    # Counted by the publish and the expiry themselves, not by the tick's check after them.
    assert "out of step" not in caplog.text


def test_moving_a_review_to_another_library_moves_its_counts(
    client, library, second_library, reviews, themes
):
    reviews["c"].move(second_library, pos="last-child")

    assert shown(client, library.url)["total"] == 4
    assert shown(client, library.url)["theme:voice-of-the-child"] == 2
    assert shown(client, second_library.url)["total"] == 1
    assert shown(client, f"{second_library.url}themes/voice-of-the-child/")["total"] == 1
    assert_stored_counts_are_live(library, themes.values())
    assert_stored_counts_are_live(second_library, themes.values())


def test_a_review_made_private_leaves_the_counts_and_comes_back_made_public(
    client, library, reviews, themes
):
    restriction = PageViewRestriction.objects.create(
        page=reviews["e"], restriction_type=PageViewRestriction.LOGIN
    )

    assert shown(client, library.url)["total"] == 4
    assert shown(client, f"{library.url}themes/voice-of-the-child/")["total"] == 2
    assert_stored_counts_are_live(library, themes.values())

    restriction.delete()

    assert shown(client, library.url)["total"] == 5
    assert shown(client, f"{library.url}themes/voice-of-the-child/")["total"] == 3
    assert_stored_counts_are_live(library, themes.values())


def test_a_whole_library_made_private_counts_nothing(client, library, reviews, themes):
    PageViewRestriction.objects.create(page=library, restriction_type=PageViewRestriction.LOGIN)

    assert stored_counts(library.pk)["total"] == {0: 0}
    assert_stored_counts_are_live(library, themes.values())


def test_deleting_a_review_recounts_once_committed_and_never_shows_it_meanwhile(
    admin_client, client, library, reviews, themes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("wagtailadmin_pages:delete", args=[reviews["a"].pk]))
        assert response.status_code == 302
        # Until the recount that follows the commit, the counts are withdrawn: counted live.
        assert stored_counts(library.pk) is None
        assert stored_counts(library.pk, themes["neglect"].id) is None
        assert shown(client, library.url)["total"] == 4

    assert stored_counts(library.pk) is not None
    assert picked(shown(client, library.url), *NUMBERS) == WITHOUT_A
    assert shown(client, f"{library.url}themes/neglect/")["total"] == 3
    assert theme_list(client, library)["Neglect"] == 3
    assert_stored_counts_are_live(library, themes.values())


def test_deleting_a_library_counts_once_not_once_per_page(
    library, second_library, reviews, themes, django_capture_on_commit_callbacks
):
    for _ in range(5):
        ReviewPageFactory(parent=second_library, themes=[themes["neglect"]])

    with (
        mock.patch.object(facet_counts, "refresh", wraps=facet_counts.refresh) as recount,
        django_capture_on_commit_callbacks(execute=True),
    ):
        second_library.delete()
        assert recount.call_count == 0

    assert recount.call_count == 1
    assert not FacetCount.objects.filter(library_id=second_library.pk).exists()
    assert_stored_counts_are_live(library, themes.values())


def test_a_deletion_rolled_back_leaves_later_deletions_counted(
    library, reviews, themes, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        reviews["a"].delete()
        raise RuntimeError("changed my mind")
    assert stored_counts(library.pk)["total"] == {0: 5}  # the withdrawal was rolled back too

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        reviews["b"].delete()
    assert facet_counts._recount_after_commit in callbacks
    assert stored_counts(library.pk)["total"] == {0: 4}
    assert_stored_counts_are_live(library, themes.values())


def test_deleting_a_page_that_is_not_counted_leaves_the_counts_alone(
    home, library, reviews, django_capture_on_commit_callbacks
):
    policy = PolicyPageFactory(parent=home)

    with django_capture_on_commit_callbacks() as callbacks:
        policy.delete()

    assert facet_counts._recount_after_commit not in callbacks
    assert stored_counts(library.pk)["total"] == {0: 5}


@pytest.mark.parametrize("kind", ["theme", "type", "body"])
def test_deleting_a_theme_type_or_publisher_counts_again(library, reviews, themes, kind):
    # Stale on purpose: the deletion must recount, whatever it took away.
    FacetCount.objects.filter(library=library, scope_theme=None, facet="total").update(count=99)
    spare = {
        "theme": lambda: ThemeFactory(name="Spare", slug="spare"),
        "type": lambda: review_type("thematic-review"),
        "body": lambda: PublishingBodyFactory(name="Spare body", slug="spare-body"),
    }[kind]()

    spare.delete()

    assert stored_counts(library.pk)["total"] == {0: 5}
    assert_stored_counts_are_live(library, themes.values())


def test_terms_in_use_cannot_be_deleted_so_never_leave_counts_behind(reviews, themes):
    for term in (themes["neglect"], reviews["a"].review_type, reviews["a"].publishing_body):
        with pytest.raises(ProtectedError):
            term.delete()


def test_a_change_made_outside_wagtail_is_counted_at_the_next_tick(
    client, library, reviews, themes, caplog
):
    caplog.set_level(logging.INFO, logger="learning.facet_counts")
    # A script: no signal, so the table does not know yet.
    ReviewPage.objects.filter(pk=reviews["a"].pk).update(review_type=review_type("rapid-review"))
    ReviewPage.objects.filter(pk=reviews["b"].pk).update(live=False)
    assert shown(client, library.url)["total"] == 5

    run_tick()

    assert picked(shown(client, library.url), "total", "type:local-cspr", "type:rapid-review") == {
        "total": 4,
        "type:local-cspr": 1,
        "type:rapid-review": 2,
    }
    assert_stored_counts_are_live(library, themes.values())
    assert "facet counts were out of step with the reviews" in caplog.text

    caplog.clear()
    run_tick()
    assert "out of step" not in caplog.text


def test_a_failing_recount_does_not_stop_the_tick(library, reviews, caplog):
    with mock.patch.object(facet_counts, "_refresh_sql", side_effect=RuntimeError("bug")):
        tick = run_tick()

    assert tick.ran and tick.receivers_ok
    assert "could not count the library's facets" in caplog.text
