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
        # Sign-off's emails, in the names of the review's states (docs/notifications.md).
        from learning import notifications

        notifications.connect()
        # What the public may download: a review's reports while their availability window
        # is open (then a 410 page), a policy page's documents (site_core.publishing).
        from learning.models import PolicyDocument, ReviewDocument
        from learning.views import report_withdrawn
        from site_core.publishing.visibility import register_document_use

        register_document_use(
            ReviewDocument, open_on=ReviewDocument.window_open_on, withdrawn=report_withdrawn
        )
        register_document_use(PolicyDocument)
        # Deleting a document that live or scheduled pages use needs an Approver, as
        # replacing its file does (docs/document-replacement.md).
        from learning.document_sign_off import register_document_permission_policy

        register_document_permission_policy()
