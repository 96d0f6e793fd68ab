"""Wagtail's content checker (axe-core, in the userbar and the editor's preview), with the
rules that catch what editors can get wrong in this site's content. See docs/front-end.md."""

from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.userbar import ContentCheckerItem


class SiteContentCheckerItem(ContentCheckerItem):
    """Wagtail's checks, plus those that rich text, images and tables in reviews and
    policies can fail. The templates are checked against the whole of WCAG 2.2 AA by the
    automated browser tests; these are the checks that depend on what an editor types."""

    axe_run_only = [
        *ContentCheckerItem.axe_run_only,
        "image-alt",
        "image-redundant-alt",
        "link-in-text-block",
        "list",
        "listitem",
        "page-has-heading-one",
        "table-duplicate-name",
        "td-headers-attr",
        "th-has-data-cells",
    ]
    axe_messages = {
        **ContentCheckerItem.axe_messages,
        "image-alt": {
            "error_name": _("Image has no alt text"),
            "help_text": _("Describe the image, or mark it as decorative"),
        },
        "image-redundant-alt": {
            "error_name": _("Image alt text repeats the text beside it"),
            "help_text": _("Say something the surrounding text does not"),
        },
        "page-has-heading-one": {
            "error_name": _("Page has no main heading"),
            "help_text": _("Give the page a title"),
        },
    }


@hooks.register("construct_wagtail_userbar")
def use_site_content_checker(request, items, page):
    # Wagtail adds its own checker to the userbar on the site and in the editor's preview
    # panel (where it fills the "Checks" side panel); swap it for ours in both.
    for position, item in enumerate(items):
        if type(item) is not SiteContentCheckerItem and isinstance(item, ContentCheckerItem):
            items[position] = SiteContentCheckerItem(in_editor=item.in_editor)
