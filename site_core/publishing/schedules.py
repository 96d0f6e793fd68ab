"""Schedules cleared once carried out (Wagtail issue #13896).

Connected in SiteCoreConfig.ready().
"""

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wagtail.signals import published, unpublished

# Wagtail issue #13896: publishing at the go-live time, or unpublishing at the expiry time,
# leaves the date on the object and in its revisions. The edit form then shows a schedule
# that has already happened, and after an expiry it refuses every save ("Invalid schedule":
# the expiry is in the past) until the editor finds and clears the date. A date that has
# been acted on is cleared from the object and from the revisions the editor works from.


def clear_passed_go_live_at(sender, instance, revision, **kwargs):
    # Also sent when a revision is only scheduled (the object is not live then): keep it.
    if instance.live:
        _clear_passed_date(instance, "go_live_at", revision, instance.latest_revision)


def clear_passed_expire_at(sender, instance, **kwargs):
    # Only a scheduled expiry sets `expired`; a manual unpublish keeps a future expiry.
    if instance.expired:
        _clear_passed_date(instance, "expire_at", instance.latest_revision)


def _clear_passed_date(instance, field: str, *revisions) -> None:
    now = timezone.now()
    value = getattr(instance, field)
    if value is None or value > now:
        return
    setattr(instance, field, None)
    # An update, not save(): nothing else about the object changes, so no save signals.
    type(instance)._default_manager.filter(pk=instance.pk).update(**{field: None})
    for revision in {r.pk: r for r in revisions if r is not None}.values():
        stored = revision.content.get(field)
        if stored is None:
            continue
        when = stored if isinstance(stored, datetime) else parse_datetime(stored)
        # A newer draft may carry a schedule of its own, still to come: leave that one.
        if when <= now:
            revision.content[field] = None
            revision.save(update_fields=["content"])


def connect() -> None:
    published.connect(clear_passed_go_live_at, dispatch_uid="schedules_go_live_at")
    unpublished.connect(clear_passed_expire_at, dispatch_uid="schedules_expire_at")
