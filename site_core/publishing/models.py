"""Publishing's models: the view behind `visibility` (read only), the scheduler's heartbeat."""

from django.db import models


class RestrictedSubtree(models.Model):
    """A subtree of pages a view restriction covers, as Wagtail decides it.

    A database view (migration site_core/0006): the pages with a restriction and every
    alias of them, by tree path. Read through `site_core.publishing.visibility` only.
    """

    path = models.CharField(
        primary_key=True,
        max_length=255,
        help_text="The tree path of a page whose subtree a view restriction covers.",
    )

    class Meta:
        managed = False
        db_table = "site_core_restrictedsubtree"
        app_label = "site_core"

    def __str__(self) -> str:
        return self.path


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
