from django.apps import AppConfig


class LearningConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learning"
    verbose_name = "Learning from reviews"

    def ready(self):
        from learning import facet_counts, signals, terms

        # Read the text of report documents when they are uploaded or replaced.
        signals.connect()
        # Forget cached vocabularies when a theme, review type or body changes.
        terms.connect()
        # Count the library's facets again whenever what they count changes.
        facet_counts.connect()
