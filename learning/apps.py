from django.apps import AppConfig


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"
    verbose_name = "Learning from reviews"

    def ready(self):
        from learning import signals, terms

        # Read the text of report documents when they are uploaded or replaced.
        signals.connect()
        # Forget cached vocabularies when a theme, review type or body changes.
        terms.connect()
