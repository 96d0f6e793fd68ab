"""The review's create and edit views: Wagtail's own, with messages that tell the truth and
the date checks of the review form (ReviewPageViewSet, learning/admin_listing.py, routes
reviews to them).

Wagtail says "The page could not be created due to validation errors." whenever a new
page fails to publish or submit. That stops being true a moment later: the form is shown
again with unsaved changes, Wagtail's autosave saves them as a draft (drafts skip the
publishing checks) and the page becomes that draft's edit view. So the message says what
did not happen, in the editor's verb ("The review was not submitted for sign-off"), and
lists each problem, the missing key themes included (also shown at their panel).

Submitting and publishing also run the report checks on the version being sent
(`ReviewPageForm.check_release()`, docs/report-checks.md): each blocking problem is an
error at what it is about, and nothing is submitted or published.

Dates that are probably a mistake (learning/admin_dates.py, `date_warnings()`) are
checked when the editor presses Save draft, Publish or Submit, not when autosave saves a
draft, which makes nothing public: a warning pausing autosave would lose work.
"""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils.html import format_html, format_html_join

from wagtail.admin.messages import render as render_message
from wagtail.admin.views.pages.create import CreateView
from wagtail.admin.views.pages.edit import EditView
from wagtail.models import Page

# The view's action names whose dates are checked, as check_dates() takes them.
DATE_CHECKED_ACTIONS = {
    "save": "save",
    "publish": "publish",
    "submit": "submit",
    "restart_workflow": "submit",
}
NOT_DONE = {
    "publish": "The review was not published",
    "submit": "The review was not submitted for sign-off",
    "restart_workflow": "The review was not submitted for sign-off",
}


def formset_headings(panel) -> dict[str, str]:
    """The heading of each inline panel, by its relation ("review_themes": "Key themes")."""
    headings = {}
    for child in getattr(panel, "children", ()):
        if getattr(child, "relation_name", None):
            headings[child.relation_name] = str(child.heading or child.relation_name)
        headings.update(formset_headings(child))
    return headings


def problem_list(form, headings: dict[str, str]):
    """Every error of the form and of its formsets as a whole, as the banner lists them."""
    problems = []
    for name, errors in form.errors.items():
        label = "" if name == NON_FIELD_ERRORS else f"{form[name].label}: "
        problems.extend(f"{label}{error}" for error in errors)
    for name, formset in form.formsets.items():
        heading = headings.get(name, name)
        problems.extend(f"{heading}: {error}" for error in formset.non_form_errors())
    if not problems:
        return ""
    items = format_html_join("\n", "<li>{}</li>", ((problem,) for problem in problems))
    return format_html('<ul class="errorlist">{}</ul>', items)


# Actions that release a review, or send it to be released: the report checks block them.
RELEASE_CHECKED_ACTIONS = {"publish", "submit", "restart_workflow"}


class ReviewFormViewMixin:
    def form_valid(self, form):
        dates = self.check_dates(form)
        release = self.action_name in RELEASE_CHECKED_ACTIONS and form.check_release()
        if dates or release:
            form.restore_required_fields()  # as Wagtail's post() does before form_invalid()
            return self.form_invalid(form)
        return super().form_valid(form)

    def check_dates(self, form) -> bool:
        action = DATE_CHECKED_ACTIONS.get(self.action_name)
        if action is None or self.expects_json_response:
            return False  # workflow actions have their own step; autosave, see above
        page = form.instance
        if page.pk is None:  # a new page is "live" until its first save says otherwise
            return form.check_dates(action=action, live=False, in_sign_off=False)
        return form.check_dates(
            action=action, live=page.live, in_sign_off=page.workflow_in_progress
        )

    def form_invalid(self, form):
        if (
            self.expects_json_response
            or getattr(self, "is_cancelling_workflow", False)
            or getattr(self, "locked_for_user", False)
        ):
            return super().form_invalid(form)
        self.check_dates(form)  # every warning at once, with the errors
        detail = problem_list(form, formset_headings(self.edit_handler))
        message = f"{self.not_done()}: correct what is marked below."
        messages.error(self.request, render_message(message, None, detail=detail))
        # What Wagtail's form_invalid() does besides its message.
        self.errors_debug = repr(form.errors)
        self.has_unsaved_changes = True
        return self.render_to_response(self.get_context_data())

    def not_done(self) -> str:
        if self.action_name in NOT_DONE:
            return NOT_DONE[self.action_name]
        if self.action_name == "perform_workflow_action":
            if getattr(self, "workflow_action", None) == "approve":
                return "The review was not approved"
            return "Nothing was saved"
        if self.action_name == "save" and isinstance(self, CreateView):
            return "The review was not saved as a draft"
        return "Your changes were not saved"


class ReviewCreateView(ReviewFormViewMixin, CreateView):
    pass


class ReviewEditView(ReviewFormViewMixin, EditView):
    def dispatch(self, request, page_id, **kwargs):
        """One save of a review at a time: each POST waits for the one before it to finish.

        Wagtail reads the page's state (its latest version, its workflow, its lock) when a
        request starts. An autosave sent just before the editor pressed Submit was saved
        just after it, with the form as it was a moment earlier: a new latest version
        without the go-live time they had typed, on a review already in sign-off (seen in
        Chromium, tests/browser/test_sign_off_journey.py). Holding the page's row from the
        start of a POST makes the autosave read the state the submission left: the review
        is then in sign-off, locked to the editor, and its version newer than the form's,
        so Wagtail refuses the autosave ("Saving will overwrite a newer version").
        """
        if request.method != "POST":
            return super().dispatch(request, page_id, **kwargs)
        with transaction.atomic():
            list(Page.objects.select_for_update().filter(pk=page_id).values_list("pk"))
            return super().dispatch(request, page_id, **kwargs)
