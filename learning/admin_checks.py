"""The report checks as editors see them on a review's edit form (docs/report-checks.md).

A read-only panel: what `release_check()` finds in the version being edited, each problem
with its place, blocking ones first. It says what blocks submission and approval before
anyone tries, rather than only after.
"""

from wagtail.admin.panels import Panel


class ReleaseChecksPanel(Panel):
    @property
    def clean_name(self):
        return super().clean_name or "release_checks"

    class BoundPanel(Panel.BoundPanel):
        template_name = "learning/admin/release_checks_panel.html"

        def get_context_data(self, parent_context=None):
            from learning.report_checks import release_check

            context = super().get_context_data(parent_context)
            check = release_check(self.instance)
            context.update(blocking=check.blocking, warnings=check.warnings, info=check.info)
            return context
