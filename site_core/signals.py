"""Keep cached navigation and branding and the search index in step with published pages,
and clear a publishing schedule once it has been carried out (Wagtail issue #13896)."""

from datetime import datetime

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index
from wagtail.signals import (
    page_published,
    page_unpublished,
    post_page_move,
    published,
    unpublished,
)

from site_core.branding import forget_branding
from site_core.menu import forget_menus
from site_core.models import PartnershipSettings

# Sent by the scheduler once a tick, inside its lock, after publishing and expiring what was
# due, with `now` (the tick's time) and `since` (the previous tick's time, or None). Apps
# connect here to apply their own dates, e.g. report availability windows.
scheduler_tick = Signal()


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_changed(**kwargs):
    # The footer's links to pages (the accessibility statement) are cached like the menu.
    forget_menus()
    forget_branding()
    # Inside a transaction (a scheduler tick publishes a whole tick's pages in one), a request
    # served before the commit could cache the old menu again: forget it once more after.
    transaction.on_commit(forget_menus)
    transaction.on_commit(forget_branding)


@receiver(post_delete, sender=Page)
@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def page_removed_or_privacy_changed(**kwargs):
    forget_menus()
    forget_branding()


@receiver(post_save, sender=PartnershipSettings)
@receiver(post_save, sender=get_image_model())
@receiver(post_delete, sender=get_image_model())
def branding_changed(**kwargs):
    # A new logo file, or the settings themselves: the cached branding is out of date.
    forget_branding()
    transaction.on_commit(forget_branding)


@receiver(page_published)
def reindex_with_child_relations(instance, **kwargs):
    # Wagtail indexes a page from its post_save signal, which fires before modelcluster
    # saves the page's child rows (a review's themes and authors). Index it again once
    # publishing has finished, so searches see the relations as published.
    index.insert_or_update_object(instance)


# Wagtail issue #13896: publishing at the go-live time, or unpublishing at the expiry time,
# leaves the date on the object and in its revisions. The edit form then shows a schedule
# that has already happened, and after an expiry it refuses every save ("Invalid schedule":
# the expiry is in the past) until the editor finds and clears the date. A date that has
# been acted on is cleared from the object and from the revisions the editor works from.


@receiver(published)
def clear_passed_go_live_at(sender, instance, revision, **kwargs):
    # Also sent when a revision is only scheduled (the object is not live then): keep it.
    if instance.live:
        _clear_passed_date(instance, "go_live_at", revision, instance.latest_revision)


@receiver(unpublished)
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
