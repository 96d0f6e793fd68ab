"""Cancelling a review's schedule: always through a page that says what will happen, and the
people who asked for it are told (docs/notifications.md).

Wagtail's edit view offers "Cancel scheduled publish" in the lock message of a scheduled
page, a button that posts straight to the unschedule view: one click dropped a go-live time
agreed with the Panel, the family and the press office, with no confirmation and nobody
told. Wagtail shows a confirmation page only on GET. For reviews (the reviews' page viewset,
learning/admin_listing.py, routes Wagtail's own address here) this subclass of Wagtail's view:

- answers a POST without the confirmation page's field by sending the browser to that page
  (GET), so Wagtail's button leads to it; nothing is cancelled;
- says on that page exactly what will happen, and who will be emailed;
- once confirmed, cancels as Wagtail does (its view clears `approved_go_live_at` and logs
  "wagtail.schedule.cancel"), emails the submitter and the version's author
  (learning/notifications/), and tells the canceller who was emailed.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import urlencode

from wagtail.admin import messages
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views.pages.revisions import RevisionsUnscheduleView

from learning.notifications import (
    PageNoticeEmailNotifier,
    approval_of,
    cancel_consequence,
    display_name,
    people,
    tell_schedule_cancelled,
)
from learning.review_status import uk_datetime_label

# The confirmation page's hidden field: a POST without it only shows that page.
CONFIRMED = "schedule-cancel-confirmed"


def names(users) -> str:
    listed = [display_name(user) for user in users]
    return ", ".join(listed[:-1]) + f" and {listed[-1]}" if len(listed) > 1 else "".join(listed)


class ReviewUnscheduleView(RevisionsUnscheduleView):
    template_name = "learning/admin/confirm_unschedule.html"
    page_title = "Cancel the schedule"

    def get_page_subtitle(self):
        return self.get_object_display_title()

    def people_to_tell(self) -> list:
        """The submitter of the sign-off that approved this version, and its author: those of
        them with an address who want these emails, not the person cancelling."""
        approval = approval_of(self.object, self.revision)
        candidates = [
            user
            for user in people(approval.submitter, self.revision.user)
            if user.pk != self.request.user.pk
        ]
        return sorted(
            PageNoticeEmailNotifier().get_valid_recipients(self.object, people_to_tell=candidates),
            key=display_name,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        at = self.revision.approved_go_live_at
        context.update(
            scheduled=at is not None,
            go_live=uk_datetime_label(at) if at else "",
            consequence=cancel_consequence(self.object, at) if at else "",
            people_to_tell=names(self.people_to_tell()) if at else "",
            email_configured=getattr(settings, "EMAIL_CONFIGURED", True),
            confirmed_field=CONFIRMED,
        )
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get(CONFIRMED) != "yes":
            # Wagtail's one-click button: show what would happen first.
            url = self.get_revisions_unschedule_url()
            next_url = get_valid_next_url_from_request(request)
            return redirect(f"{url}?{urlencode({'next': next_url})}" if next_url else url)
        at = self.revision.approved_go_live_at
        if at is None:
            messages.warning(
                request, f"{self.get_object_display_title()} is not scheduled: nothing changed."
            )
            return redirect(self.get_next_url())
        response = super().post(request, *args, **kwargs)
        emailed = tell_schedule_cancelled(self.object, self.revision, at, request.user)
        messages.success(
            request,
            f"{cancel_consequence(self.object, at)} {self.emailed_sentence(emailed)}",
            buttons=self.get_success_buttons(),
        )
        return response

    def get_success_message(self):
        # Said once the people to tell have been emailed (post()), not by Wagtail's view.
        return None

    def emailed_sentence(self, emailed) -> str:
        if not getattr(settings, "EMAIL_CONFIGURED", True):
            return "Email is not set up on this site, so nobody was emailed."
        if emailed:
            return f"Emailed to tell them: {names(emailed)}."
        return (
            "Nobody was emailed: the person who submitted it and the version's author have no "
            "email address, have turned these emails off, or are you."
        )
