"""The site's own signals: lower-level code announces, higher-level code listens.

- `content_changed`: something a reader could see has changed. Sent by
  site_core/publishing/changes.py for every Wagtail and Django event that can change a
  public page (and by other apps for their own, such as learning's report withdrawals),
  with `reason` (for the log), `event` (one of the EVENTS below) and `instance` (what
  changed, when there is one). The page cache, the menu, the branding, the vocabularies and
  the facet counts listen to it and to nothing else of the kind (docs/architecture.md).
- `scheduler_tick`: sent by the scheduler once a tick, inside its lock, after publishing and
  expiring what was due, with `now` (the tick's time) and `since` (the previous tick's
  time, or None). Apps connect here to apply their own dates, e.g. report availability.
"""

from django.dispatch import Signal

content_changed = Signal()
scheduler_tick = Signal()

# What `content_changed` says happened.
PAGE_PUBLISHED = "page published"
PAGE_UNPUBLISHED = "page unpublished"
PAGE_MOVED = "page moved"
PAGE_DELETED = "page deleted"
PAGE_ALIASED = "page aliased"  # an alias made: it shows its source's content at once
PRIVACY_CHANGED = "privacy changed"  # a page or collection view restriction saved or deleted
SAVED = "saved"  # a watched model's object (site_core.publishing.changes.watch)
DELETED = "deleted"
REPORT_WITHDRAWN = "report withdrawn"
EVENTS = (
    PAGE_PUBLISHED,
    PAGE_UNPUBLISHED,
    PAGE_MOVED,
    PAGE_DELETED,
    PAGE_ALIASED,
    PRIVACY_CHANGED,
    SAVED,
    DELETED,
    REPORT_WITHDRAWN,
)


def announce(event: str, reason: str, instance=None) -> None:
    """Send `content_changed`: `event` is one of EVENTS."""
    assert event in EVENTS, event
    content_changed.send(
        sender=type(instance) if instance is not None else None,
        event=event,
        reason=reason,
        instance=instance,
    )
