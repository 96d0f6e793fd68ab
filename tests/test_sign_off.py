"""Sign-off: an editor prepares a review and proposes its go-live date; an approver approves it.

The groups, permissions and workflow come from `manage.py setup_sign_off`; see docs/sign-off.md.
"""

import io
import json
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from wagtail.documents import get_document_model
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    PageLogEntry,
    Revision,
    Workflow,
    WorkflowPage,
    WorkflowState,
    WorkflowTask,
)
from wagtail.permissions import policy_registry
from wagtail.test.utils.form_data import inline_formset

import pytest
from bs4 import BeautifulSoup

from learning.management.commands.setup_sign_off import APPROVERS, EDITORS, WORKFLOW_NAME
from learning.models import ReviewPage, SignOffTask
from learning.review_status import UK_TIME, uk_datetime_label
from tests.factories import (
    DocumentFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)
from tests.test_review_admin import add_review_url, error_texts, review_form_data

pytestmark = pytest.mark.django_db


def set_up_sign_off() -> str:
    out = io.StringIO()
    call_command("setup_sign_off", stdout=out)
    return out.getvalue()


@pytest.fixture
def sign_off(library):
    set_up_sign_off()
    return library


def member_of(group_name: str, username: str):
    user = get_user_model().objects.create_user(username, password="not-a-demo-password")
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(sign_off):
    return member_of(EDITORS, "ed")


@pytest.fixture
def approver(sign_off):
    return member_of(APPROVERS, "ann")


def uk_form_time(moment) -> str:
    """How an editor types a time on the review form: 2026-12-14 09:00, UK time."""
    return timezone.localtime(moment, UK_TIME).strftime("%Y-%m-%d %H:%M")


def next_week():
    """A minute-precise time a week ahead: the admin's picker has no seconds."""
    return (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)


def submit_review(client, editor, library, *, go_live_at=None, action="action-submit"):
    client.force_login(editor)
    report = DocumentFactory(title="Child Q full report")
    response = client.post(
        add_review_url(library),
        review_form_data(
            themes=[ThemeFactory()],
            documents=[(report, "full_report")],
            action=action,
            go_live_at=uk_form_time(go_live_at) if go_live_at else "",
            # A go-live time that has passed is a warning the editor confirms.
            confirm_dates="on" if go_live_at and go_live_at < timezone.now() else "",
        ),
    )
    assert response.status_code == 302, error_texts(response)
    return ReviewPage.objects.get(slug="child-q")


def approve(client, approver, review, *, go_live_at=None):
    """Approve through the approval step's second screen: at `go_live_at`, or now."""
    task_state = review.current_workflow_task_state
    client.force_login(approver)
    decision = {"go_live": "now"}
    if go_live_at is not None:
        decision = {"go_live": "at", "go_live_at": uk_step_time(go_live_at)}
    return client.post(
        reverse("wagtailadmin_pages:workflow_action", args=(review.pk, "approve", task_state.pk)),
        {**decision, "confirmed": "on"},
    )


def uk_step_time(moment) -> str:
    """How a time is typed in the approval step: 2026-12-14 09:00, UK time."""
    return timezone.localtime(moment, UK_TIME).strftime("%Y-%m-%d %H:%M")


def assert_refused(response):
    """Wagtail answers a refused admin action by sending the user to the dashboard."""
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def setup_snapshot():
    return {
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "page permissions": GroupPagePermission.objects.count(),
        "collection permissions": GroupCollectionPermission.objects.count(),
        "admin access": Group.objects.filter(permissions__codename="access_admin").count(),
        "workflows": Workflow.objects.count(),
        "tasks": SignOffTask.objects.count(),
        "workflow tasks": WorkflowTask.objects.count(),
        "workflow pages": WorkflowPage.objects.count(),
    }


# --- The set-up command --------------------------------------------------------------


def test_setting_up_twice_creates_nothing_the_second_time(library):
    first = set_up_sign_off()
    before = setup_snapshot()

    second = set_up_sign_off()

    assert "Sign-off is set up." in first
    assert setup_snapshot() == before
    assert "already set up: nothing was created or changed" in second
    assert WorkflowPage.objects.get(page=library).workflow.name == WORKFLOW_NAME
    task = SignOffTask.objects.get(workflow_tasks__workflow__name=WORKFLOW_NAME)
    assert [group.name for group in task.groups.all()] == [APPROVERS]


def test_setting_up_before_the_library_exists_says_so_and_finishes_later(home):
    output = set_up_sign_off()

    assert "There is no review library yet" in output
    assert Group.objects.filter(name=APPROVERS).exists()
    assert Workflow.objects.filter(name=WORKFLOW_NAME).exists()
    assert not WorkflowPage.objects.filter(workflow__name=WORKFLOW_NAME).exists()

    library = ThemeIndexPageFactory(parent=home)
    set_up_sign_off()

    assert WorkflowPage.objects.get(page=library).workflow.name == WORKFLOW_NAME
    assert library.get_workflow().name == WORKFLOW_NAME


def test_editors_are_left_with_no_way_to_publish(library, home):
    editors = Group.objects.get(name=EDITORS)
    # As if someone had given Editors publish permission by hand.
    GroupPagePermission.objects.create(group=editors, page=home, permission_type="publish")

    set_up_sign_off()
    editor = member_of(EDITORS, "ed")
    review_permissions = ReviewPageFactory(parent=library).permissions_for_user(editor)
    library_permissions = library.permissions_for_user(editor)

    assert not GroupPagePermission.objects.filter(
        group=editors, permission__codename="publish_page"
    ).exists()
    assert library_permissions.can_add_subpage()
    assert not library_permissions.can_publish_subpage()
    assert review_permissions.can_edit()
    assert not review_permissions.can_publish()
    assert not review_permissions.can_unpublish()


def test_editors_upload_and_choose_documents_but_cannot_change_others(editor, approver):
    documents = policy_registry.get_by_type(get_document_model())
    someone_elses = DocumentFactory(
        uploaded_by_user=approver, collection=Collection.get_first_root_node()
    )

    assert documents.user_has_permission(editor, "add")
    assert documents.user_has_permission(editor, "choose")
    assert not documents.user_has_permission_for_instance(editor, "change", someone_elses)
    assert documents.user_has_permission_for_instance(approver, "change", someone_elses)


# --- The editor --------------------------------------------------------------------------


def test_the_editor_sees_the_schedule_control_and_a_submit_button_but_no_publish(
    client, editor, sign_off
):
    client.force_login(editor)

    response = client.get(add_review_url(sign_off))

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    # On the form itself, in the Publishing panel, not in a schedule dialog.
    assert soup.find(id="panel-child-content-publishing-section").find(
        "input", {"name": "go_live_at"}
    )
    assert soup.find(id="schedule-publishing-dialog") is None
    assert soup.find("button", {"name": "action-submit"}) is not None
    assert soup.find("button", {"name": "action-publish"}) is None
    assert f"Submit to {WORKFLOW_NAME}" in soup.get_text()


def test_an_editor_submits_a_review_with_the_go_live_date_they_intend(client, editor, sign_off):
    go_live_at = next_week()

    review = submit_review(client, editor, sign_off, go_live_at=go_live_at)

    assert not review.live
    assert review.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert review.current_workflow_state.workflow.name == WORKFLOW_NAME
    submitted = review.get_latest_revision()
    assert submitted.user == editor
    assert submitted.as_object().go_live_at == go_live_at
    assert [d.document.title for d in submitted.as_object().report_documents.all()] == [
        "Child Q full report"
    ]
    # Proposed, not approved: nothing is scheduled until an approver approves.
    assert not Revision.objects.filter(approved_go_live_at__isnull=False).exists()
    # While it waits for sign-off the editor cannot change it.
    assert review.get_lock().for_user(editor)


def test_the_approver_sees_the_proposed_go_live_date_before_approving(
    client, editor, approver, sign_off
):
    go_live_at = next_week()
    review = submit_review(client, editor, sign_off, go_live_at=go_live_at)
    client.force_login(approver)

    response = client.get(reverse("wagtailadmin_pages:edit", args=(review.pk,)))

    assert response.status_code == 200
    status = BeautifulSoup(response.content, "html.parser").find(
        attrs={"data-side-panel": "status"}
    )
    text = " ".join(status.get_text(" ", strip=True).split())
    shown = date_format(timezone.localtime(go_live_at, UK_TIME), "DATETIME_FORMAT")
    assert f"Once scheduled: Go-live: {shown}" in text


def test_an_editor_pressing_publish_only_saves_a_draft(client, editor, sign_off):
    review = submit_review(client, editor, sign_off, action="action-publish")

    assert not review.live
    assert review.current_workflow_state is None
    assert not PageLogEntry.objects.filter(page=review, action="wagtail.publish").exists()

    edit_url = reverse("wagtailadmin_pages:edit", args=(review.pk,))
    theme = review.review_themes.get()
    response = client.post(
        edit_url,
        review_form_data(
            slug=review.slug,
            review_themes=inline_formset([{"id": theme.pk, "theme": theme.theme_id}], initial=1),
            action="action-publish",
        ),
    )

    assert response.status_code == 302, error_texts(response)
    review.refresh_from_db()
    assert not review.live


def test_an_editors_go_live_date_alone_never_publishes(client, editor, approver, sign_off):
    review = submit_review(client, editor, sign_off, go_live_at=timezone.now() - timedelta(hours=1))

    call_command("publish_scheduled", stdout=io.StringIO())

    review.refresh_from_db()
    assert not review.live

    approve(client, approver, review)  # the approver chooses "now" explicitly

    review.refresh_from_db()
    assert review.live


def test_an_editor_cannot_approve_their_own_review(client, editor, sign_off):
    review = submit_review(client, editor, sign_off)

    response = approve(client, editor, review)

    assert_refused(response)
    review.refresh_from_db()
    assert not review.live
    assert review.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


# --- The approver ------------------------------------------------------------------------


def test_approving_a_review_without_a_date_publishes_it(client, editor, approver, sign_off):
    review = submit_review(client, editor, sign_off)

    response = approve(client, approver, review)

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.live
    assert review.current_workflow_state is None
    published = PageLogEntry.objects.get(page=review, action="wagtail.publish")
    assert published.user == approver


def test_approving_a_review_with_a_future_date_schedules_it(client, editor, approver, sign_off):
    go_live_at = next_week()
    review = submit_review(client, editor, sign_off, go_live_at=go_live_at)

    response = approve(client, approver, review, go_live_at=go_live_at)

    assert response.status_code == 302
    review.refresh_from_db()
    assert not review.live
    scheduled = Revision.objects.get(approved_go_live_at__isnull=False)
    assert scheduled.object_id == str(review.pk)
    assert scheduled.approved_go_live_at == go_live_at
    assert PageLogEntry.objects.get(revision=scheduled, action="wagtail.publish.schedule").user == (
        approver
    )
    # Nobody changes a scheduled review until an approver cancels the schedule.
    assert review.get_lock().for_user(editor)


def test_an_approver_sets_the_go_live_date_while_approving(client, editor, approver, sign_off):
    review = submit_review(client, editor, sign_off)
    go_live_at = next_week()
    client.force_login(approver)
    theme = review.review_themes.get()
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(review.pk,)),
        review_form_data(
            slug=review.slug,
            review_themes=inline_formset([{"id": theme.pk, "theme": theme.theme_id}], initial=1),
            report_documents=inline_formset(
                [
                    {"id": d.pk, "document": d.document_id, "kind": d.kind, "title": ""}
                    for d in review.report_documents.all()
                ],
                initial=1,
            ),
            go_live_at=uk_form_time(go_live_at),
            action="action-workflow-action",
            **{
                "workflow-action-name": "approve",
                # What the approval step's form sends back to the editor, as JSON.
                "workflow-action-extra-data": json.dumps(
                    {"go_live": "at", "go_live_at": go_live_at.isoformat()}
                ),
            },
        ),
    )

    assert response.status_code == 302, error_texts(response)
    review.refresh_from_db()
    assert not review.live
    assert Revision.objects.get(approved_go_live_at__isnull=False).approved_go_live_at == go_live_at
    # The message names the time, beside Wagtail's own "has been updated".
    landing = client.get(response.url)
    assert f"“Child Q” was approved. It goes live on {uk_datetime_label(go_live_at)}." in (
        error_texts(landing)
    )


def test_nobody_outside_the_approvers_approves(client, sign_off):
    outsider = member_of("Moderators", "mo")
    editor = member_of(EDITORS, "ed")
    review = submit_review(client, editor, sign_off)

    response = approve(client, outsider, review)

    assert_refused(response)
    assert not Page.objects.get(pk=review.pk).live
