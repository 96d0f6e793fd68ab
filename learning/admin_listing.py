"""The admin's listings of reviews show each review's status (see learning/review_status.py);
the reviews' page viewset also routes the cancelling of a schedule (learning/unschedule.py).

A page viewset for reviews is Wagtail's own way to customise them: it is used when an
editor explores the library (whose children can only be reviews) and for the flat list
of every review (Reports, "Page types usage", "review"). The facts a status needs are
loaded with the listing's one query, so a longer list costs no more queries.
"""

from django.db.models import CharField, Exists, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime

from wagtail.admin.ui.tables import BaseColumn
from wagtail.admin.views.pages.listing import ExplorableIndexView
from wagtail.admin.views.pages.usage import ContentTypeUseView
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Revision, WorkflowState

from learning.admin_review_views import ReviewCreateView, ReviewEditView
from learning.models import ReviewDocument, ReviewPage
from learning.review_status import review_status, uk_today
from learning.unschedule import ReviewUnscheduleView


class ReviewStatusColumn(BaseColumn):
    cell_template_name = "learning/admin/review_status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        # Prefetched by the listing (prefetch_workflow_states), so no query per review.
        workflow_state = instance.current_workflow_state
        context["status"] = review_status(
            live=instance.live,
            expired=instance.expired,
            draft_changes=instance.has_unpublished_changes,
            in_sign_off=workflow_state is not None,
            changes_requested=workflow_state is not None
            and workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES,
            proposed_go_live_at=parse_datetime(instance.review_proposed_go_live_at or ""),
            scheduled_at=instance.review_scheduled_at,
            report_withdrawn=instance.review_report_withdrawn,
        )
        return context


class ReviewStatusFactsMixin:
    """Adds to each review of a page listing what ReviewStatusColumn needs."""

    def annotate_queryset(self, pages):
        scheduled = Revision.page_revisions.filter(
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            approved_go_live_at__isnull=False,
        )
        # A report is published through its "available until" day (UK time), not after.
        withdrawn = ReviewDocument.objects.filter(
            page=OuterRef("pk"), available_until__lt=uk_today()
        )
        return (
            super()
            .annotate_queryset(pages)
            .annotate(
                review_scheduled_at=Subquery(scheduled.values("approved_go_live_at")[:1]),
                # What the version in sign-off would go live at once approved.
                review_proposed_go_live_at=KeyTextTransform(
                    "go_live_at", "latest_revision__content"
                ),
                review_report_withdrawn=Exists(withdrawn),
            )
        )


def with_review_status(columns):
    return [
        ReviewStatusColumn("status", label="Status", width="22%")
        if column.name == "status"
        else column
        for column in columns
        if column.name != "type"  # every row is a review
    ]


class ReviewExplorerView(ReviewStatusFactsMixin, ExplorableIndexView):
    pass


class ReviewTypeUseView(ReviewStatusFactsMixin, ContentTypeUseView):
    pass


class ReviewPageViewSet(PageViewSet):
    model = ReviewPage
    icon = "doc-full"
    index_view_class = ReviewExplorerView
    content_type_use_view_class = ReviewTypeUseView
    # The review form's messages and date checks (learning/admin_review_views.py).
    add_view_class = ReviewCreateView
    edit_view_class = ReviewEditView
    # Cancelling a schedule goes through a page that says what will happen, and the people
    # who asked for it are emailed (learning/unschedule.py).
    revisions_unschedule_view_class = ReviewUnscheduleView
    columns = with_review_status(ExplorableIndexView.base_columns)
