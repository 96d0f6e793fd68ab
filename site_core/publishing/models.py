"""The database objects behind `site_core.publishing.visibility` (read only)."""

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
