"""Sign-off for a new file of a document that live or scheduled pages use.

Wagtail lets a user edit the documents they uploaded, including replacing the file, and a
replaced file is what every page using the document offers at once: an Editor could change
the report of a live review without sign-off. So a new file for a document that a live,
scheduled or in-sign-off page uses (`pages_a_new_file_would_change()`) is taken only from a
user who can publish every one of those pages (`can_replace_directly()`: Approvers,
superusers); anyone else's is kept aside as a `DocumentReplacement` waiting for an Approver,
while the rest of their edit (title, tags, collection) is saved as usual. An Approver accepts
it, which replaces the file exactly as an edit would, or declines it, which deletes it.

Where it hooks in (docs/document-replacement.md):

- `DocumentEditAction`, Wagtail's edit action for documents (registered with the
  `register_actions` hook): every edit through Wagtail's action, from the admin's edit view
  or its API, holds a new file back when it must;
- learning/document_sign_off_views.py: the edit view (Wagtail's, with the pages and the
  waiting file on the page and the message after a save), and the accept, decline and
  download views.
"""

import logging
import mimetypes
import os
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from wagtail.actions import EditAction
from wagtail.admin.utils import get_admin_base_url
from wagtail.documents import get_document_model, get_document_model_string
from wagtail.documents.forms import get_document_form
from wagtail.models import Page, ReferenceIndex, Revision, WorkflowState
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy

from learning.management.commands.setup_sign_off import APPROVERS
from learning.models import DocumentReplacement, ReviewPage
from learning.notifications import Notice, withhold_names
from learning.review_status import uk_datetime_label
from learning.tasks import pages_using

logger = logging.getLogger(__name__)

# Set by DocumentEditAction on the document it saved when it kept the new file aside.
HELD_REPLACEMENT = "_learning_held_replacement"


# --- Which pages a new file changes ----------------------------------------------------------


@dataclass
class PageUse:
    """A page on which a new file of the document would be seen without further sign-off."""

    page: Page
    live: bool = False
    # The go-live time of a version approved and scheduled that uses the document.
    scheduled_at: datetime | None = None
    # The version an Approver is signing off uses the document: approving publishes it.
    in_sign_off: bool = False

    @property
    def state(self) -> str:
        """For example "live", "scheduled for Monday 14 December 2026 at 09:00"."""
        new = "new version " if self.live else ""
        parts = ["live"] if self.live else []
        if self.scheduled_at is not None:
            parts.append(f"{new}scheduled for {uk_datetime_label(self.scheduled_at)}")
        if self.in_sign_off:
            parts.append(f"{new}in sign-off")
        return "; ".join(parts)

    @property
    def label(self) -> str:
        return f"{self.page.title} ({self.state})"


def pages_a_new_file_would_change(document) -> list[PageUse]:
    """The pages on which a new file for `document` would reach readers without sign-off.

    A new file is what every page using the document offers from the moment it is saved.
    It reaches readers without anyone approving it on a page that is

    - **live** (Wagtail's `live` flag, whatever view restriction the page has) and uses the
      document as its database rows stand (which, for a live page, are its published
      version): a registered document use (a review's report, whatever its "available
      until" date; a policy page's document: `learning.tasks.pages_using`), or any link
      Wagtail's reference index records from the page (rich text, StreamField, a chooser:
      what Wagtail's own "Usage" lists). The index can only add a page whose link row was
      deleted without the page being saved again: sign-off is then asked for a page too
      many, never one too few;
    - **scheduled**: a version approved with a future go-live time
      (`Revision.approved_go_live_at`), which the scheduler publishes without anyone looking
      again;
    - **in sign-off**: a workflow in progress, whose approval publishes the page's latest
      version; the Approver may already have read the report and would approve a file they
      never saw.

    For the last two, what counts is the version itself, not the page's rows (a live page's
    scheduled version may add a report): its registered document uses (`_version_uses`).

    A draft that is not in sign-off is not listed: publishing it needs sign-off, and the
    Approver then sees the file as it is. Nor is a version sent back for changes. A
    withdrawn report of a live review is listed (conservatively): the review is live.
    The rule of what the *public* may download stays `site_core.publishing.visibility`'s;
    this only decides whose new file needs an Approver.
    """
    uses: dict[int, PageUse] = {}

    def use_of(page) -> PageUse:
        if page.pk not in uses:
            uses[page.pk] = PageUse(page.specific)
        return uses[page.pk]

    page_type = ContentType.objects.get_for_model(Page)
    linked_ids = {page.pk for page in pages_using(document.pk)}
    linked_ids.update(
        int(object_id)
        for object_id in ReferenceIndex.get_references_to(document)
        .filter(base_content_type=page_type)
        .values_list("object_id", flat=True)
    )
    for page in Page.objects.live().filter(pk__in=linked_ids).specific():
        use_of(page).live = True

    for revision in (
        Revision.page_revisions.filter(approved_go_live_at__isnull=False)
        .select_related("content_type")
        .order_by("approved_go_live_at")
    ):
        if revision.content_object is not None and _version_uses(revision, document):
            use_of(revision.content_object).scheduled_at = revision.approved_go_live_at

    in_progress = WorkflowState.objects.filter(
        status=WorkflowState.STATUS_IN_PROGRESS, base_content_type=page_type
    ).values_list("object_id", flat=True)
    for page in Page.objects.filter(pk__in=[int(pk) for pk in in_progress]).specific():
        revision = page.get_latest_revision()
        if revision is not None and _version_uses(revision, document):
            use_of(page).in_sign_off = True

    return sorted(
        uses.values(), key=lambda use: (not use.live, use.scheduled_at is None, use.page.title)
    )


def _version_uses(revision, document) -> bool:
    """Whether the page version stored in `revision` offers `document` as one of its
    registered document uses: a review's reports, a policy page's documents (the relations
    `learning.tasks.pages_using` reads from the database, read here from the version).

    A link to the document from the version's rich text is not seen: Wagtail reads such
    links only with a private method of its reference index. The report a review offers
    is always one of its registered uses (docs/document-replacement.md).
    """
    version = revision.as_object()
    links = [
        *(version.report_documents.all() if hasattr(version, "report_documents") else ()),
        *(version.documents.all() if hasattr(version, "documents") else ()),
    ]
    return any(link.document_id == document.pk for link in links)


# --- Who may replace the file ---------------------------------------------------------------


def can_replace_directly(user, uses: list[PageUse]) -> bool:
    """Whether `user` may give the document a new file at once: they can publish every page
    the file would change (Wagtail's page permissions: Approvers, superusers). With no such
    page, anyone who may edit the document may."""
    return all(use.page.permissions_for_user(user).can_publish() for use in uses)


def may_decide(user, replacement: DocumentReplacement, uses: list[PageUse] | None = None) -> bool:
    """Whether `user` may accept or decline a waiting file: whoever could replace the
    document's file directly now (its edit permission, and publish on the pages)."""
    document = replacement.document
    if not policy_registry.get_by_type(type(document)).user_has_permission_for_instance(
        user, "change", document
    ):
        return False
    if uses is None:
        uses = pages_a_new_file_would_change(document)
    return can_replace_directly(user, uses)


def approvers_for(uses: list[PageUse]) -> list:
    """The people who can approve a new file: active users who can publish every page.

    Superusers are named only when nobody else can (they can always publish, and the
    partnership's Approvers are the ones expected to act). Read with Wagtail's page
    permissions; the candidates are narrowed first to superusers and members of a group
    with publish permission somewhere.
    """
    candidates = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(groups__page_permissions__permission__codename="publish_page")
        )
        .distinct()
    )
    able = [user for user in candidates if can_replace_directly(user, uses)]
    named = [user for user in able if not user.is_superuser] or able
    return sorted(named, key=lambda user: display_name(user).casefold())


def display_name(user) -> str:
    return (user.get_full_name() or user.get_username()).strip() if user else "someone"


def approver_names(approvers: list) -> str:
    """The approvers' names ("A, B"), or the group's when nobody is found to name."""
    if not approvers:
        return f"the {APPROVERS} group"
    return ", ".join(display_name(user) for user in approvers)


def quoted_titles(uses: list[PageUse]) -> str:
    """“Child Z”, “Child Z” and “Child Y”, “A”, “B” and “C”."""
    titles = [f"“{use.page.title}”" for use in uses]
    if len(titles) <= 1:
        return "".join(titles)
    return f"{', '.join(titles[:-1])} and {titles[-1]}"


def what_it_replaces(uses: list[PageUse]) -> str:
    """“the report on “Child Z””: the report of a review, the document of a policy page."""
    noun = "report" if any(isinstance(use.page, ReviewPage) for use in uses) else "document"
    return f"the {noun} on {quoted_titles(uses)}"


def waiting_message(replacement: DocumentReplacement) -> str:
    """What the editor is told after saving: the file waits, and who can approve it."""
    uses = replacement.uses
    return (
        f"The new file is waiting for an Approver: it replaces {what_it_replaces(uses)} once "
        f"approved. Approvers: {approver_names(replacement.approvers)}."
    )


def consequence(uses: list[PageUse]) -> str:
    """What accepting does: “The report on “Child Z” (live) will change at once.”"""
    if not uses:
        return "No live, scheduled or in-sign-off page uses this document now."
    pages = ", ".join(f"“{use.page.title}” ({use.state})" for use in uses)
    noun = "report" if any(isinstance(use.page, ReviewPage) for use in uses) else "document"
    if len(uses) == 1:
        return f"The {noun} on {pages} will change at once."
    return f"The {noun} on these pages will change at once: {pages}."


# --- The edit action: holding a new file back ------------------------------------------------


class DocumentEditAction(EditAction):
    """Wagtail's edit of a document; a new file that needs an Approver is kept aside.

    When the form brings a new file, the document is used by live, scheduled or in-sign-off
    pages and the user cannot publish them all, the document keeps its file, the new one is
    stored as a waiting `DocumentReplacement`, and every other change of the edit is saved.
    Wagtail's form would otherwise delete the old file from storage and set the new one's
    size and hash; both are skipped by taking the file out of the form's changes.
    """

    def _save_instance(self):
        form = self.form
        if (
            form is not None
            and self.user is not None
            and self.instance.pk is not None
            and "file" in form.changed_data
            and getattr(form, "original_file", None)
        ):
            uses = pages_a_new_file_would_change(self.instance)
            if not can_replace_directly(self.user, uses):
                new_file = form.cleaned_data["file"]
                self.instance.file = form.original_file.name
                form.changed_data.remove("file")
                replacement = hold(self.instance, new_file, self.user, uses)
                setattr(self.instance, HELD_REPLACEMENT, replacement)
        return super()._save_instance()


def hold(document, new_file, user, uses: list[PageUse]) -> DocumentReplacement:
    """Store `new_file` as a replacement waiting for an Approver, and tell the Approvers.

    A newer file replaces one still waiting: that one is marked declined, with nobody named
    as its decider, and its stored copy deleted.
    """
    for earlier in document.replacements.filter(status=DocumentReplacement.Status.WAITING):
        earlier.status = DocumentReplacement.Status.DECLINED
        earlier.decided_at = timezone.now()
        earlier.save(update_fields=["status", "decided_at"])
        transaction.on_commit(partial(_delete_stored_file, earlier), robust=True)
    replacement = DocumentReplacement(document=document, requested_by=user)
    replacement.file.save(os.path.basename(new_file.name), new_file, save=False)
    replacement.save()
    replacement.uses = uses
    replacement.approvers = approvers_for(uses)
    logger.info(
        "New file for document %s from user %s waits for an Approver (pages %s)",
        document.pk,
        user.pk,
        ", ".join(str(use.page.pk) for use in uses),
    )
    recipients = [user.email for user in replacement.approvers if user.email]
    if not recipients:
        logger.warning(
            "Nobody with an email address can approve the new file of document %s", document.pk
        )
    _email_on_commit(
        "document_replacement_waiting",
        f"New file for “{document.title}” waiting for your approval",
        recipients,
        replacement,
        uses=uses,
    )
    return replacement


def held_replacement(document) -> DocumentReplacement | None:
    """The replacement DocumentEditAction kept aside on this save of `document`, if any."""
    return getattr(document, HELD_REPLACEMENT, None)


# --- An Approver's decision ----------------------------------------------------------------


class ReplacementRefused(Exception):
    """The decision cannot be made: the file is no longer waiting (someone decided first),
    or the upload checks refuse it now. The message says which; nothing was changed."""


def accept(replacement: DocumentReplacement, user) -> None:
    """Give the document the waiting file, as an edit of its file would.

    The file goes through Wagtail's document form (the site's upload checks, the new size
    and hash, the old file deleted from storage, the search index) and the edit action (the
    history's "Edited" entry): the text extraction and report checks then run on the saved
    document as after any upload (learning/signals.py). The stored copy of the waiting file
    is deleted once the document has its own. Raises ReplacementRefused, changing nothing,
    when the file is no longer waiting or the upload checks refuse it.
    """
    with transaction.atomic():
        _still_waiting(replacement)
        document = replacement.document
        name = os.path.basename(replacement.file.name)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        upload = TemporaryUploadedFile(name, content_type, replacement.file.size, None)
        try:
            with replacement.file.open("rb") as source:
                for chunk in source.chunks():
                    upload.write(chunk)
            upload.seek(0)
            form_class = get_document_form(type(document), fields=["file"])
            form = form_class(
                data={"collection": document.collection_id},
                files={"file": upload},
                instance=document,
                user=user,
            )
            if not form.is_valid():
                raise ReplacementRefused(" ".join(form.errors.get("file", [])) or "not valid")
            DocumentEditAction(document, user=user, form=form).execute()
        finally:
            upload.close()
        if held_replacement(document) is not None:  # may_decide() was not asked
            raise ReplacementRefused("only someone who can publish its pages can accept it")
        _decided(replacement, DocumentReplacement.Status.ACCEPTED, user)
    _tell_the_editor(replacement, "document_replacement_accepted", "accepted")


def decline(replacement: DocumentReplacement, user) -> None:
    """Leave the document's file as it is and delete the waiting one."""
    with transaction.atomic():
        _still_waiting(replacement)
        _decided(replacement, DocumentReplacement.Status.DECLINED, user)
    _tell_the_editor(replacement, "document_replacement_declined", "declined")


def _still_waiting(replacement: DocumentReplacement) -> None:
    """Lock the replacement's row until the decision commits: two Approvers deciding at
    once act one after the other, and the second finds it decided."""
    status = (
        DocumentReplacement.objects.select_for_update()
        .filter(pk=replacement.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != DocumentReplacement.Status.WAITING:
        raise ReplacementRefused("it has already been accepted or declined")


def _decided(replacement: DocumentReplacement, status: str, user) -> None:
    replacement.status = status
    replacement.decided_by = user
    replacement.decided_at = timezone.now()
    replacement.save(update_fields=["status", "decided_by", "decided_at"])
    transaction.on_commit(partial(_delete_stored_file, replacement), robust=True)


def _tell_the_editor(replacement: DocumentReplacement, template: str, verb: str) -> None:
    editor = replacement.requested_by
    if editor is None or not editor.email:
        return
    _email_on_commit(
        template,
        f"Your new file for “{replacement.document.title}” was {verb}",
        [editor.email],
        replacement,
        uses=pages_a_new_file_would_change(replacement.document),
    )


def _delete_stored_file(replacement: DocumentReplacement) -> None:
    """The waiting copy leaves storage; the row keeps its name as a record."""
    if replacement.file.name:
        try:
            replacement.file.storage.delete(replacement.file.name)
        except Exception:
            logger.exception("Could not delete the stored file of replacement %s", replacement.pk)


# --- Email ----------------------------------------------------------------------------------


def edit_url(document) -> str:
    """The document's edit page, as an absolute address for an email."""
    path = reverse("wagtaildocs:edit", args=(document.pk,))
    return f"{(get_admin_base_url() or '').rstrip('/')}{path}"


def from_email() -> str:
    return getattr(settings, "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", None) or (
        settings.DEFAULT_FROM_EMAIL
    )


@dataclass
class _Email:
    subject: str
    body: str
    recipients: list[str]

    def send(self) -> None:
        try:
            # One message to each person: they need not see one another's addresses.
            send_mass_mail(
                [
                    (self.subject, self.body, from_email(), [recipient])
                    for recipient in self.recipients
                ]
            )
        except Exception:
            # The decision stands; the people concerned see it on the document's page.
            logger.exception("Could not send an email about a document's new file")


def _email_on_commit(template, subject, recipients, replacement, *, uses) -> None:
    """Send the email once the change commits, with no private name of a review in it.

    A review's protected names (family members, school, street) never reach an email: any
    of them in the subject or body (a document's title or file name) is withheld, as in
    sign-off's own emails (learning/notifications.py).
    """
    if not recipients:
        return
    document = replacement.document
    body = render_to_string(
        f"learning/email/{template}.txt",
        {
            "document": document,
            "file_name": os.path.basename(replacement.file.name),
            "editor": display_name(replacement.requested_by),
            "decider": display_name(replacement.decided_by),
            "uses": uses,
            "consequence": consequence(uses),
            "edit_url": edit_url(document),
            "site_name": getattr(settings, "WAGTAIL_SITE_NAME", ""),
        },
    )
    notice = Notice(subject, [body])
    pages = {use.page.pk: use.page for use in uses}
    pages.update((page.pk, page) for page in pages_using(document.pk))
    for page in pages.values():
        notice = withhold_names(notice, page)
    transaction.on_commit(
        _Email(notice.subject, notice.paragraphs[0], recipients).send, robust=True
    )


# --- Deleting a document that pages use --------------------------------------------------------


class ReportDocumentPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's document permissions, except that deleting a document a live, scheduled or
    in-sign-off page uses (`pages_a_new_file_would_change()`) needs the same right as
    replacing its file: publishing every one of those pages.

    Wagtail lets a user delete the documents they uploaded; deleting a report takes it off
    a live review at once (the link and its row go with it), without sign-off. Registered
    for the document model (learning/apps.py) through Wagtail's policy registry, which its
    delete view, bulk delete and listings ask.
    """

    def user_has_any_permission_for_instance(self, user, actions, instance):
        # The policy's one question about an instance (its single-action check asks it).
        others = [action for action in actions if action != "delete"]
        if others and super().user_has_any_permission_for_instance(user, others, instance):
            return True
        return (
            "delete" in actions
            and super().user_has_any_permission_for_instance(user, ["delete"], instance)
            and can_replace_directly(user, pages_a_new_file_would_change(instance))
        )


def register_document_permission_policy() -> None:
    register_permission_policy(
        get_document_model(),
        ReportDocumentPermissionPolicy(
            get_document_model_string(),
            auth_model="wagtaildocs.Document",
            owner_field_name="uploaded_by_user",
        ),
        exact_class=True,
    )
