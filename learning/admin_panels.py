"""The admin dashboard's "Scheduled publications" panel.

Lists what goes live, expires or has a report withdrawn in the next 30 days (and anything
overdue), with who scheduled it, and warns when the scheduler (manage.py run_scheduler)
has stopped ticking while something is due. A fixed number of queries, however many
items there are.

"Scheduled by" is read from Wagtail's audit log, not from the revision's author: the
person who schedules a version is whoever published or approved it, which in sign-off is
an approver, while the revision was written by an editor (shown as "prepared by").
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, IntegerField, Max, OuterRef, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wagtail.admin.ui.components import Component
from wagtail.models import Page, PageLogEntry, Revision
from wagtail.permissions import policy_registry

from learning.models import ReviewDocument
from learning.review_status import UK_TIME, uk_today, withdrawal_time
from site_core.publishing.models import SchedulerHeartbeat

HORIZON = timedelta(days=30)
# The scheduler ticks every minute; five missed ticks is not a slow tick but a stopped one.
SCHEDULER_STALE_AFTER = timedelta(minutes=5)

# Log actions whose user put a version's dates into effect: scheduling it, or publishing it
# (by hand or by approving it in sign-off). A scheduled publish is logged with no user.
SETTING_ACTIONS = ["wagtail.publish.schedule", "wagtail.publish"]


class Kind:
    GO_LIVE = "Goes live"
    CHANGES_GO_LIVE = "New version goes live"
    EXPIRES = "Expires"
    REPORT_WITHDRAWN = "Report withdrawn"


@dataclass
class ScheduledItem:
    at: datetime
    kind: str
    page_id: int
    page_title: str
    scheduled_by_id: int | None
    prepared_by_id: int | None = None
    detail: str = ""
    # Filled in by scheduled_publications(), from one query for all the items' users.
    scheduled_by: AbstractBaseUser | None = None
    prepared_by: AbstractBaseUser | None = None
    overdue: bool = False


def _who_set(revision_id_ref: str) -> Subquery:
    """The last user who scheduled or published the revision the outer row points to."""
    entries = PageLogEntry.objects.filter(
        revision_id=OuterRef(revision_id_ref), action__in=SETTING_ACTIONS, user__isnull=False
    ).order_by("-timestamp", "-pk")
    return Subquery(entries.values("user_id")[:1])


def _scheduled_versions(horizon: datetime) -> list[ScheduledItem]:
    """Versions approved to go live (and the expiry they carry): one query."""
    page = Page.objects.filter(pk=Cast(OuterRef("object_id"), output_field=IntegerField()))
    revisions = (
        Revision.page_revisions.filter(approved_go_live_at__lte=horizon)
        .annotate(
            page_live=Subquery(page.values("live")[:1]),
            scheduled_by_id=_who_set("pk"),
            expire_at=KT("content__expire_at"),
        )
        .values(
            "object_id",
            "object_str",
            "approved_go_live_at",
            "user_id",
            "page_live",
            "scheduled_by_id",
            "expire_at",
        )
    )
    items = []
    for row in revisions:
        common = {
            "page_id": int(row["object_id"]),
            "page_title": row["object_str"],
            "scheduled_by_id": row["scheduled_by_id"],
            "prepared_by_id": row["user_id"],
        }
        kind = Kind.CHANGES_GO_LIVE if row["page_live"] else Kind.GO_LIVE
        items.append(ScheduledItem(at=row["approved_go_live_at"], kind=kind, **common))
        expire_at = parse_datetime(row["expire_at"] or "")
        if expire_at and expire_at <= horizon:
            items.append(ScheduledItem(at=expire_at, kind=Kind.EXPIRES, **common))
    return items


def _expiring_live_pages(horizon: datetime, go_live_by_page: dict) -> list[ScheduledItem]:
    """Live pages due to expire: one query.

    A version scheduled to go live before the live one expires brings its own expiry
    date (or none), so the live page's is dropped, as Wagtail's status panel does.
    """
    pages = (
        Page.objects.filter(live=True, expire_at__lte=horizon)
        .annotate(scheduled_by_id=_who_set("live_revision_id"))
        .values("pk", "title", "expire_at", "scheduled_by_id", "live_revision__user_id")
    )
    return [
        ScheduledItem(
            at=row["expire_at"],
            kind=Kind.EXPIRES,
            page_id=row["pk"],
            page_title=row["title"],
            scheduled_by_id=row["scheduled_by_id"],
            prepared_by_id=row["live_revision__user_id"],
        )
        for row in pages
        if not (row["pk"] in go_live_by_page and go_live_by_page[row["pk"]] < row["expire_at"])
    ]


def _report_withdrawals(now: datetime) -> list[ScheduledItem]:
    """Reports of live reviews whose last public day falls in the next 30 days: one query."""
    today = uk_today(now)
    documents = (
        ReviewDocument.objects.filter(
            page__live=True,
            available_until__gte=today,
            available_until__lte=today + HORIZON,
        )
        .annotate(
            scheduled_by_id=_who_set("page__live_revision_id"),
            prepared_by_id=F("page__live_revision__user_id"),
        )
        .select_related("page")
        .only("kind", "title", "available_until", "page", "page__title")
    )
    return [
        ScheduledItem(
            at=withdrawal_time(document.available_until),
            kind=Kind.REPORT_WITHDRAWN,
            page_id=document.page_id,
            page_title=document.page.title,
            scheduled_by_id=document.scheduled_by_id,
            prepared_by_id=document.prepared_by_id,
            detail=document.label,
        )
        for document in documents
    ]


def scheduled_publications(now: datetime | None = None) -> list[ScheduledItem]:
    """Everything due in the next 30 days, or overdue, soonest first, with the users loaded."""
    now = now or timezone.now()
    horizon = now + HORIZON
    versions = _scheduled_versions(horizon)
    go_live_by_page = {item.page_id: item.at for item in versions if item.kind != Kind.EXPIRES}
    items = [
        *versions,
        *_expiring_live_pages(horizon, go_live_by_page),
        *_report_withdrawals(now),
    ]
    user_ids = {item.scheduled_by_id for item in items} | {item.prepared_by_id for item in items}
    user_ids.discard(None)
    users = get_user_model()._default_manager.in_bulk(user_ids) if user_ids else {}
    for item in items:
        item.scheduled_by = users.get(item.scheduled_by_id)
        item.prepared_by = users.get(item.prepared_by_id)
        item.overdue = item.at <= now
    return sorted(items, key=lambda item: (item.at, item.page_title))


def last_scheduler_tick() -> datetime | None:
    return SchedulerHeartbeat.objects.aggregate(last=Max("last_tick_at"))["last"]


class ScheduledPublicationsPanel(Component):
    name = "scheduled_publications"
    template_name = "learning/admin/scheduled_publications.html"
    order = 150  # above the moderation panels: a missed date is the costliest mistake

    def render_html(self, parent_context=None):
        user = parent_context["request"].user
        # Embargoed titles are for the people who work on pages, not every admin user.
        if not policy_registry.get_by_type(Page).user_has_any_permission(
            user, {"add", "change", "publish"}
        ):
            return ""
        return super().render_html(parent_context)

    def get_context_data(self, parent_context=None):
        now = timezone.now()
        items = scheduled_publications(now)
        last_tick = last_scheduler_tick()
        stale = last_tick is None or now - last_tick > SCHEDULER_STALE_AFTER
        return {
            "items": items,
            "horizon_days": HORIZON.days,
            "last_tick": last_tick,
            "scheduler_stopped": bool(items) and stale,
            "time_zone": UK_TIME.key,
        }
