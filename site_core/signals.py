"""Keep cached navigation and the search index in step with published pages."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from wagtail.models import Page, PageViewRestriction
from wagtail.search import index
from wagtail.signals import page_published, page_unpublished, post_page_move

from site_core.menu import forget_menus

# Sent by the scheduler once a tick, inside its lock, after publishing and expiring what was
# due, with `now` (the tick's time) and `since` (the previous tick's time, or None). Apps
# connect here to apply their own dates, e.g. report availability windows.
scheduler_tick = Signal()


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def page_changed(**kwargs):
    forget_menus()


@receiver(post_delete, sender=Page)
@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def page_removed_or_privacy_changed(**kwargs):
    forget_menus()


@receiver(page_published)
def reindex_with_child_relations(instance, **kwargs):
    # Wagtail indexes a page from its post_save signal, which fires before modelcluster
    # saves the page's child rows (a review's themes and authors). Index it again once
    # publishing has finished, so searches see the relations as published.
    index.insert_or_update_object(instance)
