"""The emails about a waiting file: to the Approvers, and back to the editor."""

import logging
import os
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.template.loader import render_to_string

from learning.document_sign_off.uses import consequence, display_name
from learning.notifications import Notice, withhold_names
from learning.notifications.notices import admin_url
from learning.tasks import pages_using

logger = logging.getLogger(__name__)


def edit_url(document) -> str:
    """The document's edit page, as an absolute address for an email."""
    return admin_url("wagtaildocs:edit", document.pk)


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


def email_on_commit(template, subject, recipients, replacement, *, uses) -> None:
    """Send the email once the change commits, with no private name of a review in it.

    A review's protected names (family members, school, street) never reach an email: any
    of them in the subject or body (a document's title or file name) is withheld, as in
    sign-off's own emails (learning/notifications/).
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
