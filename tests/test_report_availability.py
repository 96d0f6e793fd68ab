"""A report can be published until a date: after it, readers are told how to request a copy.

The review page, its summary, learning and other documents stay; the report itself is
410 Gone for the public (Europe/London dates: available through its last day), unless
another live, public page still links to it. Each scheduler tick announces the windows
that closed since the previous one.
"""

import datetime
import logging
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wagtail.models import PageViewRestriction, Site

import pytest
from bs4 import BeautifulSoup

from learning.models import PolicyDocument, ReviewDocument, ReviewPage
from learning.signals import report_withdrawn
from site_core.branding.models import PartnershipSettings
from site_core.documents import views as documents
from site_core.signals import scheduler_tick
from tests.factories import DocumentFactory, PolicyPageFactory, ReviewPageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("files_on_disk")]

LONDON = ZoneInfo("Europe/London")
PRIVATE = "private, no-store"
REQUEST_TEXT = '<p>Email <a href="mailto:lscp@example.org">lscp@example.org</a> for a copy.</p>'
WITHDRAWN = "The full report is no longer published"


@pytest.fixture
def request_text(home):
    PartnershipSettings.objects.update_or_create(
        site=Site.objects.get(is_default_site=True), defaults={"report_request_text": REQUEST_TEXT}
    )
    return "lscp@example.org"


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def review_with(library, *links, **kwargs) -> ReviewPage:
    """A live review whose documents are (document, kind, available_until) triples."""
    review = ReviewPageFactory(
        parent=library, documents=[(document, kind) for document, kind, _ in links], **kwargs
    )
    for sort_order, (_, _, until) in enumerate(links):
        ReviewDocument.objects.filter(page_id=review.pk, sort_order=sort_order).update(
            available_until=until
        )
    return ReviewPage.objects.get(pk=review.pk)


@pytest.fixture
def child_x(library):
    report, briefing = DocumentFactory(title="Child X report"), DocumentFactory(title="Briefing")
    review = review_with(
        library, (report, "full_report", today() - days(1)), (briefing, "briefing", None)
    )
    return review, report, briefing


def text_of(response) -> str:
    soup = BeautifulSoup(response.content, "html.parser")
    return " ".join(soup.find("main").get_text(" ", strip=True).split())


# --- Readers ------------------------------------------------------------------------------


def test_after_its_date_a_report_is_gone_with_how_to_request_a_copy(client, child_x, request_text):
    review, report, briefing = child_x

    response = client.get(report.url)

    assert response.status_code == 410
    assert response["Cache-Control"] == PRIVATE
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("h1").get_text(strip=True) == WITHDRAWN
    assert request_text in text_of(response)
    assert soup.find("main").find("a", href=review.url)
    assert soup.find("link", rel="stylesheet")  # the site's design, from base.html
    assert client.get(briefing.url).status_code == 200


def test_the_review_page_shows_the_report_as_no_longer_published(client, child_x, request_text):
    review, report, briefing = child_x

    response = client.get(review.url)

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    reports = soup.find("section", class_="reports")
    items = [" ".join(li.get_text(" ", strip=True).split()) for li in reports.find_all("li")]
    assert items[0] == f"{WITHDRAWN}."
    assert items[1].startswith("7-minute briefing")
    assert reports.find("a", href=briefing.url)
    assert not soup.find("a", href=report.url)
    assert text_of(response).count(request_text) == 1
    assert review.summary in text_of(response)


def test_a_report_is_published_through_its_last_day(client, library, request_text):
    report = DocumentFactory()
    review = review_with(library, (report, "full_report", today()))

    assert client.get(report.url).status_code == 200
    assert WITHDRAWN not in text_of(client.get(review.url))


@pytest.mark.parametrize(
    ("utc_time", "status"),
    [
        # 23:30 on the last day in London (BST, UTC+1): still published.
        (datetime.datetime(2025, 6, 30, 22, 30, tzinfo=datetime.UTC), 200),
        # 00:30 the next day in London, though still the last day in UTC: withdrawn.
        (datetime.datetime(2025, 6, 30, 23, 30, tzinfo=datetime.UTC), 410),
    ],
)
def test_the_last_day_is_a_london_day(client, library, monkeypatch, utc_time, status):
    report = DocumentFactory()
    review_with(library, (report, "full_report", datetime.date(2025, 6, 30)))

    monkeypatch.setattr(timezone, "now", lambda: utc_time)

    assert client.get(report.url).status_code == status


def test_a_withdrawn_report_linked_from_another_live_review_is_still_served(client, child_x):
    review, report, _ = child_x
    other = review_with(review.get_parent(), (report, "full_report", None))
    assert client.get(report.url).status_code == 200

    ReviewPage.objects.get(pk=other.pk).unpublish()

    assert client.get(report.url).status_code == 410


def test_a_withdrawn_report_linked_from_a_live_policy_page_is_still_served(client, home, child_x):
    _, report, _ = child_x
    policy = PolicyPageFactory(parent=home)
    policy.documents = [PolicyDocument(document=report)]
    policy.save_revision().publish()

    response = client.get(report.url)

    assert response.status_code == 200
    assert response["Cache-Control"] == documents.PUBLIC_CACHE_CONTROL


def test_an_admin_still_downloads_a_withdrawn_report(admin_client, child_x):
    _, report, _ = child_x

    response = admin_client.get(report.url)

    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_a_withdrawn_report_of_a_review_that_is_not_live_is_a_404_not_a_410(client, child_x):
    review, report, _ = child_x
    review.unpublish()

    assert client.get(report.url).status_code == 404


def test_a_withdrawn_report_of_a_private_review_is_a_404(client, child_x):
    review, report, _ = child_x
    PageViewRestriction.objects.create(page=review, restriction_type=PageViewRestriction.LOGIN)

    assert client.get(report.url).status_code == 404


def test_a_withdrawn_report_costs_the_review_page_one_query_for_the_request_text(
    client, child_x, settings
):
    from tests.test_query_counts import REVIEW_PAGE_QUERIES

    settings.PAGE_CACHE_ENABLED = False  # what making the page costs

    review, _, _ = child_x
    client.get(review.url)  # creates the site's settings: a change the next request sees
    client.get(review.url)

    with CaptureQueriesContext(connection) as captured:
        client.get(review.url)

    assert len(captured) == REVIEW_PAGE_QUERIES + 1


# --- The scheduler ------------------------------------------------------------------------


def london(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=LONDON)


@pytest.fixture
def announced():
    """The (review title, document id, date) of each report_withdrawn sent during the test."""
    sent = []

    def receiver(sender, link, page, document, available_until, **kwargs):
        sent.append((page.title, document.pk, available_until))

    report_withdrawn.connect(receiver)
    yield sent
    report_withdrawn.disconnect(receiver)


@pytest.fixture
def windows(library):
    """Reports of live reviews whose last days are 29 June to 2 July 2025, and one of a draft."""
    made = {}
    for day in (29, 30):
        document = DocumentFactory()
        review_with(
            library, (document, "full_report", datetime.date(2025, 6, day)), title=f"R{day}"
        )
        made[day] = document.pk
    document, later = DocumentFactory(), DocumentFactory()
    review_with(
        library,
        (document, "full_report", datetime.date(2025, 7, 1)),
        (later, "executive_summary", datetime.date(2025, 7, 2)),
        title="R1",
    )
    made[1], made[2] = document.pk, later.pk
    draft = ReviewPageFactory(parent=library, title="Draft", publish=False)
    ReviewDocument.objects.create(
        page=draft, document=DocumentFactory(), available_until=datetime.date(2025, 6, 30)
    )
    return made


def test_a_tick_announces_exactly_the_windows_that_closed_since_the_last(
    windows, announced, caplog
):
    # The window of a report available until 1 July closes at midnight starting 2 July.
    with caplog.at_level(logging.INFO, logger="learning.signals"):
        scheduler_tick.send(
            sender=None, now=london(2025, 7, 2, 0, 0, 30), since=london(2025, 7, 1, 23, 59, 30)
        )

    assert announced == [("R1", windows[1], datetime.date(2025, 7, 1))]
    [record] = [r for r in caplog.records if r.name == "learning.signals"]
    assert "R1" in record.getMessage()
    assert f"document {windows[1]}" in record.getMessage()
    assert "2025-07-01" in record.getMessage()


def test_a_window_closing_at_the_tick_is_announced_once(windows, announced):
    midnight = london(2025, 7, 2)

    scheduler_tick.send(sender=None, now=midnight, since=midnight - datetime.timedelta(minutes=1))
    scheduler_tick.send(sender=None, now=midnight + datetime.timedelta(minutes=1), since=midnight)

    assert announced == [("R1", windows[1], datetime.date(2025, 7, 1))]


def test_a_tick_after_a_long_pause_announces_each_window_closed_meanwhile(windows, announced):
    scheduler_tick.send(sender=None, now=london(2025, 7, 2, 9), since=london(2025, 6, 30, 9))

    assert announced == [
        ("R30", windows[30], datetime.date(2025, 6, 30)),
        ("R1", windows[1], datetime.date(2025, 7, 1)),
    ]


def test_the_first_tick_announces_every_closed_window_of_a_live_review(windows, announced):
    scheduler_tick.send(sender=None, now=london(2025, 7, 2, 9), since=None)

    assert [title for title, _, _ in announced] == ["R29", "R30", "R1"]


def test_a_tick_with_nothing_due_announces_nothing(windows, announced):
    scheduler_tick.send(sender=None, now=london(2025, 7, 1, 12), since=london(2025, 7, 1, 11, 59))

    assert announced == []


def test_a_failing_receiver_does_not_stop_the_other_announcements(windows, announced, caplog):
    def broken(**kwargs):
        raise ConnectionError("cache unreachable")

    report_withdrawn.connect(broken)
    try:
        scheduler_tick.send(sender=None, now=london(2025, 7, 2, 9), since=london(2025, 6, 30, 9))
    finally:
        report_withdrawn.disconnect(broken)

    assert len(announced) == 2
    assert any("failed on the withdrawal" in r.getMessage() for r in caplog.records)


def test_a_withdrawn_reports_words_leave_the_search_index(library, monkeypatch):
    report = DocumentFactory(extracted_text="The zygomorphic flower.")
    review = review_with(library, (report, "full_report", datetime.date(2025, 6, 30)))
    # Indexed while the report was published (a day before its window closed).
    monkeypatch.setattr(timezone, "now", lambda: london(2025, 6, 30, 12))
    review.save_revision().publish()
    assert list(ReviewPage.objects.live().search("zygomorphic")) == [review]

    now = london(2025, 7, 1, 0, 0, 30)
    monkeypatch.setattr(timezone, "now", lambda: now)
    scheduler_tick.send(sender=None, now=now, since=now - datetime.timedelta(minutes=1))

    assert list(ReviewPage.objects.live().search("zygomorphic")) == []
    assert list(ReviewPage.objects.live().search(review.title)) == [review]
