import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger(__name__)


class SiteCoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "site_core"
    verbose_name = "Site"

    def ready(self):
        from site_core.branding import partnership
        from site_core.caching import page_cache
        from site_core.navigation import menu
        from site_core.publishing import changes, schedules
        from site_core.search import indexing

        # Every event that can change a public page, announced as content_changed ...
        changes.connect()
        # ... and what listens: the cached pages, the menu and the branding.
        page_cache.connect()
        menu.connect()
        partnership.connect()
        # Schedules carried out are cleared; published pages are indexed with their children.
        schedules.connect()
        indexing.connect()

        if not settings.EMAIL_CONFIGURED:
            logger.warning(
                "No mail server is configured (EMAIL_URL or EMAIL_HOST): sign-off emails are "
                "not sent. See docs/notifications.md."
            )
