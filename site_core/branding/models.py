"""The partnership's settings, which editors manage in the admin.

Settings → Partnership settings: name, logo, colour, footer, contact, reader safety.
"""

from django.core.exceptions import ValidationError
from django.db import models

from wagtail import blocks
from wagtail.admin.panels import (
    FieldPanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.blocks import StructBlockValidationError
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model_string

from site_core.branding.colour import brand_colour_problems

DEFAULT_REPORT_REQUEST_TEXT = (
    "<p>To request a copy of a report that is no longer published, contact the "
    "partnership's business unit.</p>"
)


DEFAULT_SUPPORT_NOTICE_HEADING = "If you have been affected by this review"
DEFAULT_SUPPORT_NOTICE_TEXT = (
    "<p>Reading about a child's death or serious harm can be upsetting. You can talk to "
    "someone in confidence:</p><ul>"
    "<li>NSPCC helpline for adults worried about a child: 0808 800 5000</li>"
    "<li>Childline for children and young people: 0800 1111</li>"
    "<li>Samaritans, any time, day or night: 116 123</li>"
    "</ul><p>If a child is in immediate danger, call 999.</p>"
)
DEFAULT_QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"


def validate_brand_colour(value: str) -> None:
    problems = brand_colour_problems(value)
    if problems:
        raise ValidationError(problems)


class FooterLinkBlock(blocks.StructBlock):
    """A link in the footer: to a page of this site or to another website."""

    label = blocks.CharBlock(
        max_length=80,
        help_text="The link text readers see, saying where it goes, for example "
        "“Report a concern about a child”.",
    )
    page = blocks.PageChooserBlock(
        required=False,
        help_text="A page of this site. Leave empty to link to another website instead.",
    )
    url = blocks.URLBlock(
        required=False,
        label="URL",
        help_text="The address of a page on another website, starting https://. Leave empty "
        "when you chose a page of this site.",
    )

    class Meta:
        icon = "link"
        label = "Footer link"

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            message = "Choose a page of this site or enter a web address, not both."
            raise StructBlockValidationError(
                block_errors={"page": ValidationError(message), "url": ValidationError(message)}
            )
        return value


@register_setting(icon="site")
class PartnershipSettings(BaseSiteSetting):
    """Everything about the site a partnership changes without a developer: its name,
    logo and colour, the footer, the support notice, the quick exit and report requests.

    Pages read these through site_core.branding.partnership (cached per site), not on every request.
    """

    partnership_name = models.CharField(
        max_length=120,
        blank=True,
        # Not naming SITE_NAME here: help_text is in the migrations, which must not vary.
        help_text="The partnership's name, shown in the header, the footer and every page's "
        "title. Leave empty to use the name the site was set up with (its SITE_NAME).",
    )
    logo = models.ForeignKey(
        get_image_model_string(),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional: the partnership's logo, shown in the header at up to 64 pixels "
        "high. A wide image (PNG or SVG) with a transparent background works best.",
    )
    logo_alt_text = models.CharField(
        "logo alt text",
        max_length=120,
        blank=True,
        help_text="The words in the logo, usually the partnership's name: screen readers read "
        "them instead of the image. Leave empty to show the partnership's name as text beside "
        "the logo, which is then treated as decoration.",
    )
    primary_colour = models.CharField(
        max_length=7,
        blank=True,
        validators=[validate_brand_colour],
        help_text="Optional: the partnership's colour as # and six hexadecimal digits, for "
        "example #00505c. It colours links, buttons and borders, so it must be dark enough "
        "to read on white (a contrast of at least 4.5:1); a lighter colour is refused. Leave "
        "empty for the site's dark teal.",
    )
    accessibility_statement = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The site's accessibility statement, which the law requires every public "
        "sector website to link to: it is linked from the footer of every page. If empty, the "
        "page with the address “accessibility-statement” is linked, if there is one.",
    )
    footer_links = StreamField(
        [("link", FooterLinkBlock())],
        blank=True,
        help_text="Further links in the footer of every page, in order: for example how to "
        "report a concern about a child, the partnership's main website, privacy and cookies.",
    )
    contact_details = RichTextField(
        blank=True,
        features=["bold", "link", "ul"],
        help_text="How to contact the partnership's business unit (email address, phone "
        "number, postal address), shown in the footer of every page.",
    )
    support_notice_heading = models.CharField(
        max_length=120,
        default=DEFAULT_SUPPORT_NOTICE_HEADING,
        help_text="The heading of the support notice shown on reviews that ask for it "
        "(“Show the support notice” on the review).",
    )
    support_notice_text = RichTextField(
        features=["bold", "link", "ul"],
        default=DEFAULT_SUPPORT_NOTICE_TEXT,
        help_text="Where readers affected by a review can get help: helplines with their "
        "numbers and opening hours. Keep it short.",
    )
    quick_exit_enabled = models.BooleanField(
        "show “Leave this site quickly”",
        default=True,
        help_text="Show a “Leave this site quickly” button at the top of every page, for "
        "readers who may be at risk if someone sees what they are reading. It replaces the "
        "page with the address below (pressing Escape twice does the same).",
    )
    quick_exit_url = models.URLField(
        "quick exit destination",
        default=DEFAULT_QUICK_EXIT_URL,
        help_text="Where “Leave this site quickly” takes the reader: an everyday page that "
        "looks unremarkable on screen, such as a weather forecast.",
    )
    report_request_text = RichTextField(
        features=["bold", "link", "ul"],
        default=DEFAULT_REPORT_REQUEST_TEXT,
        help_text="Shown on a review page in place of a report whose “available until” date "
        "has passed, and on the page readers get when they follow an old link to it. Say "
        "how to request a copy (email address, phone number).",
    )

    # The logo and statement come with the settings row: one query between them.
    select_related = ["logo", "accessibility_statement"]

    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("partnership_name"),
                    MultiFieldPanel(
                        [FieldPanel("logo"), FieldPanel("logo_alt_text")], heading="Logo"
                    ),
                    FieldPanel("primary_colour"),
                ],
                heading="Branding",
            ),
            ObjectList(
                [
                    PageChooserPanel("accessibility_statement", page_type="learning.PolicyPage"),
                    FieldPanel("footer_links"),
                    FieldPanel("contact_details"),
                ],
                heading="Footer",
            ),
            ObjectList(
                [
                    MultiFieldPanel(
                        [FieldPanel("support_notice_heading"), FieldPanel("support_notice_text")],
                        heading="Support notice",
                    ),
                    MultiFieldPanel(
                        [FieldPanel("quick_exit_enabled"), FieldPanel("quick_exit_url")],
                        heading="Leave this site quickly",
                    ),
                ],
                heading="Reader safety",
            ),
            ObjectList([FieldPanel("report_request_text")], heading="Reports"),
        ]
    )

    class Meta:
        verbose_name = "partnership settings"
