"""Site-wide settings editors manage in the admin, and the scheduler's heartbeat."""

from django.db import models

from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField

DEFAULT_REPORT_REQUEST_TEXT = (
    "<p>To request a copy of a report that is no longer published, contact the "
    "partnership's business unit.</p>"
)


@register_setting(icon="site")
class PartnershipSettings(BaseSiteSetting):
    report_request_text = RichTextField(
        features=["bold", "link", "ul"],
        default=DEFAULT_REPORT_REQUEST_TEXT,
        help_text="Shown on a review page in place of a report whose “available until” date "
        "has passed, and on the page readers get when they follow an old link to it. Say "
        "how to request a copy (email address, phone number).",
    )

    class Meta:
        verbose_name = "partnership settings"


class SchedulerHeartbeat(models.Model):
    """One row: when the publishing scheduler last finished a tick (see docs/scheduling.md).

    Lets the dashboard and an operator see at a glance whether scheduled publishing is
    running, and tells the scheduler which report withdrawals fell due since its last tick.
    """

    name = models.CharField(
        max_length=40, unique=True, default="scheduler", help_text="Which scheduler this is."
    )
    last_tick_at = models.DateTimeField(
        null=True, blank=True, help_text="When the scheduler last finished a tick."
    )
    host = models.CharField(
        max_length=200, blank=True, help_text="The host and process id that ran that tick."
    )

    class Meta:
        verbose_name = "scheduler heartbeat"

    def __str__(self) -> str:
        return f"{self.name}: last tick {self.last_tick_at or 'never'}"
