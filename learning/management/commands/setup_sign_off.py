"""Set up sign-off: Editors prepare and submit reviews, Approvers approve (and so publish) them.

Each run brings the groups, their permissions and the "Partnership sign-off" workflow to
the state below, creating only what is missing, so running it again changes nothing.
docs/sign-off.md explains the design.
"""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Task,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from learning.models import SignOffTask, ThemeIndexPage

EDITORS = "Editors"
APPROVERS = "Approvers"
WORKFLOW_NAME = "Partnership sign-off"
TASK_NAME = "Sign-off"
# The task earlier versions of this command created: Wagtail's group approval, whose
# "Approve" published at once. Replaced by SignOffTask wherever it is found.
OLD_TASK_NAME = "Approval by an Approver"

ADMIN_ACCESS = "wagtailadmin.access_admin"

# On each review library, and so on every review in it. Approval publishes the review as
# the approver, so Approvers need publish permission; Editors never get it.
LIBRARY_PAGE_PERMISSIONS = {
    EDITORS: ["wagtailcore.add_page", "wagtailcore.change_page"],
    APPROVERS: ["wagtailcore.add_page", "wagtailcore.change_page", "wagtailcore.publish_page"],
}
EDITORS_NEVER_ON_PAGES = ["wagtailcore.publish_page"]

# On the root collection, and so on every collection. Documents use Wagtail's document
# permissions whatever the document model (ours is learning.ReportDocument).
COLLECTION_PERMISSIONS = {
    EDITORS: [
        "wagtaildocs.add_document",
        "wagtaildocs.choose_document",
        "wagtailimages.add_image",
        "wagtailimages.choose_image",
    ],
    APPROVERS: [
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
    ],
}
# Wagtail gives its default Editors group these. Replacing the file of a document or image
# that a live review uses changes the public page at once, without approval.
EDITORS_NEVER_ON_COLLECTIONS = [
    "wagtaildocs.change_document",
    "wagtaildocs.delete_document",
    "wagtailimages.change_image",
    "wagtailimages.delete_image",
]


def permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


class Command(BaseCommand):
    help = (
        "Create the Editors and Approvers groups, their permissions, and the “Partnership "
        "sign-off” workflow on the review library. Editors can create, edit and submit "
        "reviews but not publish them; Approvers approve, which publishes the review or "
        "schedules it for its go-live date. Only what is missing is created, so running it "
        "again changes nothing."
    )

    def handle(self, *args, **options):
        self.changes: list[str] = []
        with transaction.atomic():
            groups = {name: self.ensure_group(name) for name in (EDITORS, APPROVERS)}
            self.ensure_collection_permissions(groups)
            workflow = self.ensure_workflow(groups[APPROVERS])
            libraries = list(ThemeIndexPage.objects.order_by("path"))
            for library in libraries:
                self.ensure_library(library, groups, workflow)
            self.remove_editors_publishing(groups[EDITORS])

        for change in self.changes:
            self.stdout.write(change)
        if not libraries:
            self.stdout.write(
                self.style.WARNING(
                    "There is no review library yet, so the groups have no permissions on "
                    "reviews and the workflow is not attached. Create the library (or run "
                    "load_demo_content), then run setup_sign_off again."
                )
            )
        elif self.changes:
            self.stdout.write(self.style.SUCCESS("Sign-off is set up."))
        else:
            self.stdout.write("Sign-off is already set up: nothing was created or changed.")

    def ensure_group(self, name: str) -> Group:
        group, created = Group.objects.get_or_create(name=name)
        if created:
            self.changes.append(f"Created the group “{name}”.")
        if not group.permissions.filter(pk=permission(ADMIN_ACCESS).pk).exists():
            group.permissions.add(permission(ADMIN_ACCESS))
            self.changes.append(f"Gave {name} access to the admin.")
        return group

    def ensure_collection_permissions(self, groups: dict[str, Group]) -> None:
        root = Collection.get_first_root_node()
        for name, dotted_names in COLLECTION_PERMISSIONS.items():
            for dotted in dotted_names:
                _, created = GroupCollectionPermission.objects.get_or_create(
                    group=groups[name], collection=root, permission=permission(dotted)
                )
                if created:
                    self.changes.append(f"Gave {name} “{dotted}” on all collections.")
        removed, _ = GroupCollectionPermission.objects.filter(
            group=groups[EDITORS],
            permission__in=[permission(dotted) for dotted in EDITORS_NEVER_ON_COLLECTIONS],
        ).delete()
        if removed:
            self.changes.append(
                "Took from Editors the right to change or delete documents and images they "
                "did not upload (replacing a published report's file would skip sign-off)."
            )

    def ensure_workflow(self, approvers: Group) -> Workflow:
        workflow, created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
        if created:
            self.changes.append(f"Created the workflow “{WORKFLOW_NAME}”.")
        elif not workflow.active:
            workflow.active = True
            workflow.save(update_fields=["active"])
            self.changes.append(f"Re-enabled the workflow “{WORKFLOW_NAME}”.")

        task = SignOffTask.objects.filter(name=TASK_NAME).first()
        if task is None:
            task = SignOffTask.objects.create(name=TASK_NAME)
            self.changes.append(f"Created the task “{TASK_NAME}”.")
        elif not task.active:
            task.active = True
            task.save(update_fields=["active"])
            self.changes.append(f"Re-enabled the task “{TASK_NAME}”.")
        if list(task.groups.all()) != [approvers]:
            task.groups.set([approvers])
            self.changes.append(f"Made {APPROVERS} the group that approves “{TASK_NAME}”.")

        self.retire_old_tasks(workflow, task)
        _, created = WorkflowTask.objects.get_or_create(
            workflow=workflow, task=task, defaults={"sort_order": 0}
        )
        if created:
            self.changes.append(f"Added “{TASK_NAME}” to “{WORKFLOW_NAME}”.")
        return workflow

    def retire_old_tasks(self, workflow: Workflow, task: Task) -> None:
        """Take out of the workflow any task but ours, such as the group approval task of
        earlier versions. Reviews waiting on it go back to their editors, who submit again."""
        for link in WorkflowTask.objects.filter(workflow=workflow).exclude(task=task):
            old = link.task.specific
            link.delete()
            if isinstance(old, GroupApprovalTask) and old.name == OLD_TASK_NAME:
                old.deactivate()
            self.changes.append(
                f"Replaced the task “{old.name}” in “{WORKFLOW_NAME}” with “{TASK_NAME}”: "
                "any review waiting on it must be submitted again."
            )

    def ensure_library(self, library, groups: dict[str, Group], workflow: Workflow) -> None:
        for name, dotted_names in LIBRARY_PAGE_PERMISSIONS.items():
            for dotted in dotted_names:
                _, created = GroupPagePermission.objects.get_or_create(
                    group=groups[name], page=library, permission=permission(dotted)
                )
                if created:
                    self.changes.append(f"Gave {name} “{dotted}” on “{library.title}”.")

        link = WorkflowPage.objects.filter(page=library).first()
        if link is None:
            WorkflowPage.objects.create(page=library, workflow=workflow)
        elif link.workflow_id != workflow.pk:
            link.workflow = workflow
            link.save(update_fields=["workflow"])
        else:
            return
        self.changes.append(f"Reviews in “{library.title}” now go through “{WORKFLOW_NAME}”.")

    def remove_editors_publishing(self, editors: Group) -> None:
        removed, _ = GroupPagePermission.objects.filter(
            group=editors,
            permission__in=[permission(dotted) for dotted in EDITORS_NEVER_ON_PAGES],
        ).delete()
        if removed:
            self.changes.append("Took publish permission from Editors: they submit for sign-off.")
