"""An editor sets a review's dates in its Publishing panel, and cannot be misread.

The publication date, the go-live time and the expiry time are plain text inputs on the
review's form (learning/admin_dates.py), typed year first and read as UK time; what cannot
be read is an error at the field, and dates that are probably a mistake must be confirmed.
The form's messages say what did not happen, in the editor's own verb. docs/scheduling.md,
"Dates on the review form".
"""

import io
import json
from datetime import UTC, date, datetime, timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format

from wagtail.models import Revision
from wagtail.test.utils.form_data import inline_formset
from wagtail.users.models import UserProfile

import pytest
from bs4 import BeautifulSoup

from learning.admin_dates import (
    CONFIRM_FIELD,
    UNREADABLE_DATE,
    UNREADABLE_DATETIME,
    date_warnings,
)
from learning.forms import MISSING_THEME, missing_message
from learning.models import ReviewPage
from learning.review_status import uk_today
from tests.factories import ReviewPageFactory, ThemeFactory
from tests.test_review_admin import add_review_url, error_texts, review_form_data

pytestmark = pytest.mark.django_db

PANEL = "panel-child-content-publishing-section"


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def edit_url(review) -> str:
    return reverse("wagtailadmin_pages:edit", args=(review.pk,))


def edit_form_data(review, **fields):
    """The edit form of `review` as its editor sends it, with `fields` changed."""
    review = ReviewPage.objects.get(pk=review.pk).get_latest_revision_as_object()
    # Rows saved before are sent with their ids, first; a draft's may exist only in it.
    themes = sorted(review.review_themes.all(), key=lambda link: link.pk is None)
    saved = [link for link in themes if link.pk]
    data = {
        "title": review.title,
        "slug": review.slug,
        "summary": review.summary,
        "publication_date": review.publication_date.isoformat(),
        "review_themes": inline_formset(
            [
                {"id": link.pk, "theme": link.theme_id} if link.pk else {"theme": link.theme_id}
                for link in themes
            ],
            initial=len(saved),
        ),
        "action": "action-save-draft",
    }
    data.update(fields)
    action = data.pop("action")
    return review_form_data(action=action, **data)


def text_at_field(soup, name: str) -> str:
    """What the page says about the field: its reading and its errors (aria-describedby)."""
    field = soup.find(attrs={"name": name})
    ids = field.get("aria-describedby", "").split()
    return " ".join(soup.find(id=i).get_text(" ", strip=True) for i in ids if soup.find(id=i))


def banner(response) -> str:
    messages = soup_of(response).select(".messages li")
    return " ".join(" ".join(m.get_text(" ", strip=True).split()) for m in messages)


def draft_review(library, **fields):
    """A draft review, never live, its latest version carrying `fields`."""
    review = ReviewPageFactory(parent=library, publish=False)
    for name, value in fields.items():
        setattr(review, name, value)
    review.save_revision()
    return ReviewPage.objects.get(pk=review.pk)


@pytest.fixture
def sign_off(library):
    call_command("setup_sign_off", stdout=io.StringIO())
    return library


# --- The panel ----------------------------------------------------------------------------


def test_the_publishing_panel_holds_the_publication_date_go_live_and_expiry(admin_client, library):
    review = draft_review(library)
    soup = soup_of(admin_client.get(edit_url(review)))

    panel = soup.find(id=PANEL)
    assert panel.find(attrs={"data-panel-heading-text": True}).get_text(strip=True) == "Publishing"
    names = [field["name"] for field in panel.find_all(["input", "select"]) if field.get("name")]
    assert names == ["publication_date", "publication_date_precision", "go_live_at", "expire_at"]
    text = panel.get_text(" ", strip=True)
    assert "When the review becomes public, after sign-off" in text
    assert "Leave empty and the approver must choose a time or “now”" in text
    assert "when the review stops being public" in text
    # Plain text inputs, no date picker, and one input of each name on the whole form.
    for name in ("publication_date", "go_live_at", "expire_at"):
        assert [field["type"] for field in soup.find_all("input", {"name": name})] == ["text"]
    assert "initDateTimeChooser" not in str(soup.find(id="tab-content"))
    # No schedule dialog, and so no "Set schedule" link that would open it.
    assert soup.find(id="schedule-publishing-dialog") is None
    assert "Set schedule" not in soup.get_text()
    # The confirmation box only appears with a warning.
    assert soup.find(attrs={"name": CONFIRM_FIELD}) is None


def test_the_checks_tab_holds_the_names_that_must_never_appear(admin_client, library):
    soup = soup_of(admin_client.get(add_review_url(library)))

    tab = soup.find(id="tab-checks")
    assert "Checks before release" in tab.get_text(" ", strip=True)
    assert tab.find(attrs={"name": "protected_names"}) is not None


def test_the_status_side_panel_still_tells_the_schedule_without_a_dialog(admin_client, library):
    go_live = datetime(2030, 12, 16, 9, 0, tzinfo=UTC)
    review = draft_review(library, go_live_at=go_live)

    soup = soup_of(admin_client.get(edit_url(review)))

    status = " ".join(
        soup.find(attrs={"data-side-panel": "status"}).get_text(" ", strip=True).split()
    )
    assert "Go-live: Monday 16 December 2030 at 09:00" in status
    assert "Edit schedule" not in status and "Set schedule" not in status
    assert "a.m." not in status and "p.m." not in status
    # The field shows the same moment as typed, and in words.
    assert soup.find("input", {"name": "go_live_at"})["value"] == "2030-12-16 09:00"
    assert text_at_field(soup, "go_live_at").endswith("Monday 16 December 2030 at 09:00 (UK time)")


def test_the_admin_writes_times_on_the_24_hour_clock():
    moment = timezone.localtime(datetime(2026, 12, 7, 0, 27, tzinfo=UTC))

    assert time_format(moment) == "00:27"
    assert date_format(moment, "DATETIME_FORMAT") == "Monday 7 December 2026 at 00:27"
    assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2026-12-07 00:27"


# --- Typing dates -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-12-14 09:00", datetime(2026, 12, 14, 9, 0, tzinfo=UTC)),  # GMT
        ("2026-12-14T09:00", datetime(2026, 12, 14, 9, 0, tzinfo=UTC)),
        ("2027-07-01 09:00", datetime(2027, 7, 1, 8, 0, tzinfo=UTC)),  # BST
        ("2027-07-01T09:00", datetime(2027, 7, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_a_go_live_time_typed_year_first_is_saved_as_that_moment_in_the_uk(
    admin_client, admin_user, library, typed, stored
):
    # Whatever the editor's own time zone preference.
    UserProfile.objects.update_or_create(
        user=admin_user, defaults={"current_time_zone": "America/New_York"}
    )
    response = admin_client.post(
        add_review_url(library),
        review_form_data(
            themes=[ThemeFactory()],
            publication_date="2024-05-01",
            go_live_at=typed,
            expire_at="2030-01-31 17:30",
            action="action-save-draft",
        ),
    )

    assert response.status_code == 302, error_texts(response)
    review = ReviewPage.objects.get(slug="child-q")
    assert review.go_live_at == stored
    assert review.expire_at == datetime(2030, 1, 31, 17, 30, tzinfo=UTC)
    assert review.publication_date.isoformat() == "2024-05-01"
    content = review.get_latest_revision().content
    assert datetime.fromisoformat(content["go_live_at"]) == stored


@pytest.mark.parametrize("typed", ["12/14/2026", "2026-13-01 09:00", "tomorrow", "2026-12-14"])
def test_a_go_live_time_that_cannot_be_read_is_an_error_at_the_field_and_nothing_is_saved(
    admin_client, library, typed
):
    kept = datetime(2030, 12, 16, 9, 0, tzinfo=UTC)
    review = draft_review(library, go_live_at=kept)
    revisions = Revision.objects.count()

    response = admin_client.post(edit_url(review), edit_form_data(review, go_live_at=typed))

    assert response.status_code == 200
    soup = soup_of(response)
    assert UNREADABLE_DATETIME in text_at_field(soup, "go_live_at")
    # What was typed is shown again, for the editor to correct.
    assert soup.find("input", {"name": "go_live_at"})["value"] == typed
    assert Revision.objects.count() == revisions
    assert ReviewPage.objects.get(pk=review.pk).get_latest_revision_as_object().go_live_at == kept


@pytest.mark.parametrize("typed", ["12/14/2026", "14/12/2026", "2026-12-14 09:00", "soon"])
def test_a_publication_date_that_cannot_be_read_is_an_error_at_the_field(
    admin_client, library, typed
):
    response = admin_client.post(
        add_review_url(library),
        review_form_data(themes=[ThemeFactory()], publication_date=typed),
    )

    assert response.status_code == 200
    assert UNREADABLE_DATE in text_at_field(soup_of(response), "publication_date")
    assert not ReviewPage.objects.exists()


def test_a_time_the_clocks_skip_or_pass_twice_is_refused(admin_client, library):
    for typed, words in [
        ("2027-03-28 01:30", "There is no 01:30 on Sunday 28 March 2027 in the UK"),
        ("2026-10-25 01:30", "01:30 on Sunday 25 October 2026 happens twice in the UK"),
    ]:
        response = admin_client.post(
            add_review_url(library),
            review_form_data(themes=[ThemeFactory()], go_live_at=typed, action="action-save-draft"),
        )
        assert words in text_at_field(soup_of(response), "go_live_at")
    assert not ReviewPage.objects.exists()


# --- Dates that are probably a mistake ----------------------------------------------------


def test_a_future_publication_date_without_a_go_live_time_must_be_confirmed(admin_client, library):
    next_week = (uk_today() + timedelta(days=7)).isoformat()
    data = review_form_data(
        themes=[ThemeFactory()], publication_date=next_week, action="action-save-draft"
    )

    response = admin_client.post(add_review_url(library), data)

    assert response.status_code == 200
    soup = soup_of(response)
    assert "The publication date is in the future" in text_at_field(soup, "publication_date")
    assert "no go-live time is set" in text_at_field(soup, "publication_date")
    box = soup.find(id=PANEL).find("input", {"name": CONFIRM_FIELD})
    assert box is not None and not box.has_attr("checked")
    # Nothing typed is lost.
    assert soup.find("input", {"name": "publication_date"})["value"] == next_week
    assert soup.find("input", {"name": "subject"})["value"] == "Child Q"
    assert not ReviewPage.objects.exists()

    response = admin_client.post(add_review_url(library), {**data, CONFIRM_FIELD: "on"})

    assert response.status_code == 302, error_texts(response)
    assert ReviewPage.objects.get(slug="child-q").publication_date.isoformat() == next_week


def test_a_go_live_time_before_the_publication_date_must_be_confirmed(admin_client, library):
    data = review_form_data(
        themes=[ThemeFactory()],
        publication_date="2030-06-10",
        go_live_at="2030-06-01 09:00",
        action="action-save-draft",
    )

    response = admin_client.post(add_review_url(library), data)

    assert response.status_code == 200
    at_go_live = text_at_field(soup_of(response), "go_live_at")
    assert "before its publication date, Monday 10 June 2030," in at_go_live
    assert not ReviewPage.objects.exists()

    response = admin_client.post(add_review_url(library), {**data, CONFIRM_FIELD: "on"})

    assert response.status_code == 302, error_texts(response)
    assert ReviewPage.objects.get(slug="child-q").go_live_at == datetime(
        2030, 6, 1, 8, 0, tzinfo=UTC
    )


def test_submitting_with_a_go_live_time_that_has_passed_must_be_confirmed(admin_client, sign_off):
    an_hour_ago = timezone.localtime(timezone.now() - timedelta(hours=1))
    data = review_form_data(
        themes=[ThemeFactory()],
        go_live_at=an_hour_ago.strftime("%Y-%m-%d %H:%M"),
        action="action-submit",
    )

    response = admin_client.post(add_review_url(sign_off), data)

    assert response.status_code == 200
    at_go_live = text_at_field(soup_of(response), "go_live_at")
    assert "has passed: once approved, the review would be public at once" in at_go_live
    assert "The review was not submitted for sign-off" in banner(response)
    assert not ReviewPage.objects.exists()

    response = admin_client.post(add_review_url(sign_off), {**data, CONFIRM_FIELD: "on"})

    assert response.status_code == 302, error_texts(response)
    assert ReviewPage.objects.get(slug="child-q").workflow_in_progress


def test_no_warning_for_a_historic_review_or_a_draft_whose_dates_were_saved_before(
    admin_client, library
):
    # A historic review: past publication date, no go-live time, published at once.
    response = admin_client.post(
        add_review_url(library),
        review_form_data(themes=[ThemeFactory()], publication_date="2009-03-01"),
    )
    assert response.status_code == 302, error_texts(response)
    assert ReviewPage.objects.get(slug="child-q").live

    # A draft saved with a future date and no go-live: the next save that leaves the dates
    # alone does not ask again; a past go-live time on a draft outside sign-off is no
    # warning either (nothing is released by a draft).
    future = uk_today() + timedelta(days=30)
    review = draft_review(library, publication_date=future)
    response = admin_client.post(edit_url(review), edit_form_data(review, summary="Changed."))
    assert response.status_code == 302, error_texts(response)
    response = admin_client.post(
        edit_url(review),
        edit_form_data(review, go_live_at="2020-01-06 09:00", publication_date="2019-12-01"),
    )
    assert response.status_code == 302, error_texts(response)


NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.mark.parametrize(
    ("facts", "warned"),
    [
        # A future date and no go-live time: not for a live review, nor a date not shown.
        ({"publication_date": TODAY + timedelta(days=7)}, ["publication_date"]),
        ({"publication_date": TODAY + timedelta(days=7), "live": True}, []),
        ({"publication_date": TODAY + timedelta(days=7), "date_shown": False}, []),
        ({"publication_date": TODAY}, []),
        # A go-live time before the publication date's day.
        ({"publication_date": TODAY, "go_live_at": NOW - timedelta(days=1)}, ["go_live_at"]),
        ({"publication_date": TODAY, "go_live_at": NOW + timedelta(hours=1)}, []),
        # A go-live time that has passed, when it would release the review at once.
        ({"go_live_at": NOW - timedelta(minutes=1), "releasing": "submit"}, ["go_live_at"]),
        ({"go_live_at": NOW - timedelta(minutes=1), "releasing": "publish"}, ["go_live_at"]),
        ({"go_live_at": NOW - timedelta(minutes=1), "in_sign_off": True}, ["go_live_at"]),
        ({"go_live_at": NOW - timedelta(minutes=1)}, []),
        # A historic review: past dates, no go-live time, released.
        ({"publication_date": date(2009, 3, 1), "releasing": "publish"}, []),
    ],
)
def test_which_dates_are_probably_a_mistake(facts, warned):
    defaults = {
        "publication_date": None,
        "date_shown": True,
        "go_live_at": None,
        "live": False,
        "releasing": None,
        "in_sign_off": False,
    }
    assert list(date_warnings(**{**defaults, **facts}, now=NOW)) == warned


def test_autosave_keeps_a_draft_without_asking_about_its_dates(admin_client, library):
    next_week = (uk_today() + timedelta(days=7)).isoformat()
    # Wagtail's autosave posts the form, without a button, asking for JSON.
    data = review_form_data(themes=[ThemeFactory()], publication_date=next_week, action="none")

    response = admin_client.post(add_review_url(library), data, HTTP_ACCEPT="application/json")

    assert json.loads(response.content)["success"] is True
    assert not ReviewPage.objects.get(slug="child-q").live


# --- Messages that tell the truth, at their field, in the editor's verb --------------------


def test_a_new_review_that_cannot_be_published_says_so_and_its_draft_is_then_kept(
    admin_client, library
):
    data = review_form_data(summary="")

    response = admin_client.post(add_review_url(library), data)

    assert response.status_code == 200
    said = banner(response)
    assert "The review was not published" in said
    assert "could not be created" not in said
    assert not ReviewPage.objects.exists()
    # What a browser does next: Wagtail's autosave saves the form as a draft, which may
    # lack the essentials. The message said nothing untrue: the review was not published.
    del data["action-publish"]
    response = admin_client.post(add_review_url(library), data, HTTP_ACCEPT="application/json")
    assert json.loads(response.content)["success"] is True
    assert not ReviewPage.objects.get(slug="child-q").live


def test_a_new_draft_that_cannot_be_saved_says_so(admin_client, library):
    response = admin_client.post(
        add_review_url(library),
        review_form_data(themes=[ThemeFactory()], slug="feed", action="action-save-draft"),
    )

    assert response.status_code == 200
    assert "The review was not saved as a draft" in banner(response)
    assert not ReviewPage.objects.exists()


def test_the_missing_themes_error_is_shown_at_the_key_themes_panel_and_in_the_banner(
    admin_client, library
):
    response = admin_client.post(add_review_url(library), review_form_data(themes=[]))

    assert response.status_code == 200
    soup = soup_of(response)
    themes_panel = soup.find(id="id_review_themes-FORMS").parent
    assert MISSING_THEME in themes_panel.find(class_="error-message").get_text(" ", strip=True)
    assert f"Key themes: {MISSING_THEME}" in banner(response)
    assert not ReviewPage.objects.exists()


def test_a_submit_says_before_submitting_and_a_publish_before_publishing(admin_client, sign_off):
    response = admin_client.post(
        add_review_url(sign_off), review_form_data(summary="", action="action-submit")
    )

    soup = soup_of(response)
    assert "Write a short summary before submitting it for sign-off" in text_at_field(
        soup, "summary"
    )
    themes_panel = soup.find(id="id_review_themes-FORMS").parent
    assert missing_message("review_themes", "submit") in themes_panel.get_text(" ", strip=True)
    assert "before publishing" not in banner(response)

    response = admin_client.post(
        add_review_url(sign_off), review_form_data(summary="", action="action-publish")
    )

    assert "Write a short summary before publishing" in text_at_field(soup_of(response), "summary")
    assert "The review was not published" in banner(response)
