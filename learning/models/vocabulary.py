"""Controlled vocabularies that admins manage as snippets: themes, review types, bodies.

Editors choose from these lists; they cannot type a new theme into a review. That is
what makes themes and types filterable, countable and usable in URLs.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify

from wagtail.admin.panels import FieldPanel, TitleFieldPanel
from wagtail.search import index


def _tidy_name(value: str) -> str:
    """Collapse runs of white space so "Neglect " and "Neglect" are the same name."""
    return " ".join((value or "").split())


class VocabularyTerm(models.Model):
    """A named, slugged term; the case-insensitive name and the slug are both unique."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        self.name = _tidy_name(self.name)
        if not self.slug and self.name:
            self.slug = slugify(self.name)
        clash = (
            type(self)._default_manager.filter(name__iexact=self.name).exclude(pk=self.pk).first()
        )
        if clash:
            raise ValidationError(
                {
                    "name": (
                        f"“{clash.name}” already exists. Use the existing "
                        f"{self._meta.verbose_name} rather than creating a second one."
                    )
                }
            )


class Theme(index.Indexed, VocabularyTerm):
    class Group(models.TextChoices):
        HARM = "harm", "Type of harm"
        PRACTICE = "practice", "Practice theme"
        CONTEXT = "context", "Child and family context"
        SYSTEM = "system", "Multi-agency system"

    name = models.CharField(
        max_length=100,
        help_text="The theme as readers see it, for example “Neglect” or “Voice of the child”. "
        "Start with a capital letter; keep it short.",
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Used in web addresses such as /learning-from-reviews/themes/neglect/. "
        "Filled in from the name; changing it later breaks links people have shared.",
    )
    group = models.CharField(
        max_length=20,
        choices=Group.choices,
        default=Group.PRACTICE,
        help_text="Groups themes in the library's filters.",
    )
    description = models.TextField(
        blank=True,
        help_text="One or two plain sentences telling readers what this theme covers. "
        "Shown on the theme's own page.",
    )

    panels = [
        TitleFieldPanel("name", targets=["slug"]),
        FieldPanel("slug"),
        FieldPanel("group"),
        FieldPanel("description"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("description"),
    ]

    class Meta(VocabularyTerm.Meta):
        verbose_name = "theme"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="learning_theme_name_ci_unique",
                violation_error_message="A theme with this name already exists.",
            )
        ]


class ReviewType(VocabularyTerm):
    name = models.CharField(
        max_length=100,
        help_text="The type as readers see it, for example “Safeguarding Adults Review”.",
    )
    slug = models.SlugField(
        max_length=100,
        unique=True,
        help_text="Used in the library's filter addresses (?type=…). Changing it breaks "
        "links people have shared.",
    )
    description = models.TextField(
        blank=True,
        help_text="A sentence explaining this kind of review to a member of the public.",
    )
    sort_order = models.PositiveSmallIntegerField(
        default=0,
        help_text="Lower numbers come first in filters and menus.",
    )

    panels = [
        TitleFieldPanel("name", targets=["slug"]),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]

    class Meta(VocabularyTerm.Meta):
        verbose_name = "review type"
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="learning_reviewtype_name_ci_unique",
                violation_error_message="A review type with this name already exists.",
            )
        ]


class PublishingBody(VocabularyTerm):
    name = models.CharField(
        max_length=150,
        help_text="The body that commissioned or published reviews, for example "
        "“Richmond LSCB” or “Richmond Community Safety Partnership”.",
    )
    slug = models.SlugField(
        max_length=150,
        unique=True,
        help_text="Used in the library's filter addresses (?body=…).",
    )

    panels = [
        TitleFieldPanel("name", targets=["slug"]),
        FieldPanel("slug"),
    ]

    class Meta(VocabularyTerm.Meta):
        verbose_name = "publishing body"
        verbose_name_plural = "publishing bodies"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="learning_publishingbody_name_ci_unique",
                violation_error_message="A publishing body with this name already exists.",
            )
        ]
