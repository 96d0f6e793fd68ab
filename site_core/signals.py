"""Clear cached navigation when pages change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from site_core.menu import forget_menus


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
