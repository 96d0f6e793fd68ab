"""Every event that can change what a reader sees, announced once as `content_changed`.

Wagtail and Django tell of changes through many signals; they are wired here, once, into
`site_core.signals.content_changed`, which the page cache, the menu, the branding, the
vocabularies and the facet counts listen to (docs/architecture.md):

- a page published, unpublished (also by its expiry), moved or deleted, or an alias made
  (Wagtail sends no publishing signal for an alias, which shows its source at once);
- a page's or a collection's view restriction saved or deleted;
- an object of a watched model saved or deleted: sites, partnership settings, documents and
  images here; other apps add theirs with `watch()` (learning: its vocabularies).

A draft saved on a live page changes nothing public, so page saves are not announced.
Connected in SiteCoreConfig.ready().
"""

from django.apps import apps
from django.db.models.signals import post_delete, post_save

from wagtail.models import CollectionViewRestriction, Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from site_core.signals import (
    DELETED,
    PAGE_ALIASED,
    PAGE_DELETED,
    PAGE_MOVED,
    PAGE_PUBLISHED,
    PAGE_UNPUBLISHED,
    PRIVACY_CHANGED,
    SAVED,
    announce,
)

# Wagtail stores a document's size the first time a page shows it, mid-render: the page
# being made already shows that size, so such a save changes nothing a reader sees.
SELF_FILLED_FIELDS = {"file_size", "file_hash"}


def _published(sender, instance, **kwargs) -> None:
    announce(PAGE_PUBLISHED, f"page {instance.pk} published", instance)


def _unpublished(sender, instance, **kwargs) -> None:
    announce(PAGE_UNPUBLISHED, f"page {instance.pk} unpublished", instance)


def _moved(sender, instance, **kwargs) -> None:
    announce(PAGE_MOVED, f"page {instance.pk} moved", instance)


def _page_deleted(sender, instance, **kwargs) -> None:
    announce(PAGE_DELETED, f"page {instance.pk} deleted", instance)


def _page_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if created and not raw and isinstance(instance, Page) and instance.alias_of_id:
        announce(PAGE_ALIASED, f"page {instance.pk}, an alias of {instance.alias_of_id}", instance)


def _privacy_changed(sender, instance, **kwargs) -> None:
    announce(PRIVACY_CHANGED, f"{sender._meta.label} {instance.pk} changed", instance)


def _saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    if raw or (update_fields and set(update_fields) <= SELF_FILLED_FIELDS):
        return
    announce(SAVED, f"{sender._meta.label} {instance.pk} saved", instance)


def _deleted(sender, instance, **kwargs) -> None:
    announce(DELETED, f"{sender._meta.label} {instance.pk} deleted", instance)


def watch(*models) -> None:
    """Announce each save and deletion of these models' objects."""
    for model in models:
        uid = f"content_changed_{model._meta.label}"
        post_save.connect(_saved, sender=model, dispatch_uid=f"{uid}_saved")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"{uid}_deleted")


def connect() -> None:
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    # Sent for every page type (Wagtail sends them with the specific class as sender).
    page_published.connect(_published, dispatch_uid="content_changed_published")
    page_unpublished.connect(_unpublished, dispatch_uid="content_changed_unpublished")
    post_page_move.connect(_moved, dispatch_uid="content_changed_moved")
    # Deleting a page of any type deletes its row of wagtailcore.Page too: sent once, for it.
    post_delete.connect(_page_deleted, sender=Page, dispatch_uid="content_changed_page_deleted")
    # An alias is saved with its specific class as sender: every class, checked above.
    post_save.connect(_page_saved, dispatch_uid="content_changed_page_saved")
    for model in (PageViewRestriction, CollectionViewRestriction):
        uid = f"content_changed_{model._meta.label}"
        post_save.connect(_privacy_changed, sender=model, dispatch_uid=f"{uid}_saved")
        post_delete.connect(_privacy_changed, sender=model, dispatch_uid=f"{uid}_deleted")
    watch(
        apps.get_model("wagtailcore.Site"),
        apps.get_model("site_core.PartnershipSettings"),
        get_document_model(),
        get_image_model(),
    )
