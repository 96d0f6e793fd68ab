from django.apps import AppConfig


class SiteCoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "site_core"
    verbose_name = "Site"

    def ready(self):
        from site_core import signals  # noqa: F401  (connects the receivers)
