from django.apps import AppConfig


class SiteCoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "site_core"
    verbose_name = "Site"

    def ready(self):
        from site_core import page_cache, signals  # noqa: F401  (signals connects receivers)

        # Every change that can alter a public page makes the cached pages out of date.
        page_cache.connect()
