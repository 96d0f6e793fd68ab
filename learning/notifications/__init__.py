"""The emails of sign-off: who is told what, and when (docs/notifications.md).

Wagtail already emails at three moments of a workflow (wagtail/admin/mail.py): the task's
group when a page is submitted, the submitter when it is approved, and the submitter when
changes are requested. Its notifiers are kept, recipients, notification preferences
(each user's "submitted", "approved" and "rejected" settings), language, connection and
failure logging included. The subclasses here only add to their context a `notice`: what
happened in the names of learning/review_status.py, with the go-live time in UK format.
The templates that override Wagtail's (templates/wagtailadmin/notifications/) lay it out.
`connect()` puts the subclasses in the place of Wagtail's receivers (same signals, same
dispatch_uid).

Two moments Wagtail does not email are added, built on the same classes:

- go-live: the scheduler (site_core/publishing/scheduler.py) publishes a version an approver
  scheduled; Wagtail's `page_published` signal says so (`GoLiveEmailNotifier`);
- schedule cancelled: an approver cancels a scheduled version (learning/unschedule.py calls
  `ScheduleCancelledEmailNotifier`).

Both follow each user's "approved" notification preference: they are what became of an
approval. A review's `protected_names` never reach an email: any of them found in what an
email would say (a title, a comment) is replaced by "[withheld]", and a link whose address
contains one is left out. Nothing here logs the names, or the text of an email.
"""

from learning.notifications.notices import (
    Notice,
    cancel_consequence,
    display_name,
    withhold_names,
)
from learning.notifications.notifiers import (
    PageNoticeEmailNotifier,
    approval_of,
    connect,
    people,
    tell_schedule_cancelled,
)

__all__ = [
    "Notice",
    "PageNoticeEmailNotifier",
    "approval_of",
    "cancel_consequence",
    "connect",
    "display_name",
    "people",
    "tell_schedule_cancelled",
    "withhold_names",
]
