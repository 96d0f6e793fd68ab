"""Which pages a document's new file would change, and who may give it one at once."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from wagtail.admin.utils import get_user_display_name
from wagtail.models import Page, ReferenceIndex, Revision, WorkflowState
from wagtail.permissions import policy_registry

from learning.management.commands.setup_sign_off import APPROVERS
from learning.models import DocumentReplacement, ReviewPage
from learning.review_status import uk_datetime_label
from learning.tasks import pages_using


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
    return get_user_display_name(user) if user else "someone"


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
