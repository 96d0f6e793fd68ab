"""The partnership's branding: name, colour, logo, footer, quick exit, across the site.

The colour is checked for contrast before it is saved; the branding is cached, and every
change shows at once.
"""

import json
import re
from pathlib import Path

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from wagtail.models import Site

import pytest
import wagtail_factories
from lxml import etree

from site_core.branding.colour import contrast_ratio
from site_core.branding.models import PartnershipSettings
from tests.factories import PolicyPageFactory, ReviewPageFactory
from tests.markup import partnership, soup_for, text_of

ATOM = {"atom": "http://www.w3.org/2005/Atom"}


def test_a_brand_colour_that_fails_contrast_is_refused_with_its_ratio():
    settings = PartnershipSettings(primary_colour="#ff0000")

    with pytest.raises(ValidationError) as refused:
        settings.clean_fields(exclude=["site", "logo", "accessibility_statement"])

    message = " ".join(refused.value.message_dict["primary_colour"])
    assert "3.99:1" in message and "4.5:1" in message


@pytest.mark.parametrize(
    "colour, ratio",
    [
        ("#d4351c", "4.32:1"),  # readable on white, not on the panels tinted with it
        ("#777777", "4.47:1"),  # just short: rounded down, never up to 4.5
        ("teal", None),
    ],
)
def test_brand_colours_that_are_not_readable_everywhere_are_refused(colour, ratio):
    settings = PartnershipSettings(primary_colour=colour)

    with pytest.raises(ValidationError) as refused:
        settings.clean_fields(exclude=["site", "logo", "accessibility_statement"])

    if ratio:
        assert ratio in " ".join(refused.value.message_dict["primary_colour"])


@pytest.mark.parametrize("colour", ["#00505c", "#1d70b8", "#4c2c92", "#A4161A"])
def test_a_dark_enough_brand_colour_is_accepted(colour):
    PartnershipSettings(primary_colour=colour).clean_fields(
        exclude=["site", "logo", "accessibility_statement"]
    )
    assert contrast_ratio(colour, "#ffffff") >= 4.5


@pytest.mark.django_db
def test_the_brand_colour_comes_in_its_own_versioned_stylesheet(client, home):
    assert not soup_for(client, home.url).find("link", href=re.compile("brand.css"))

    partnership(primary_colour="#4c2c92")
    link = soup_for(client, home.url).find("link", href=re.compile(r"^/brand\.css\?v=\w+$"))
    response = client.get(link["href"])

    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert "--colour-primary:#4c2c92;" in response.content.decode()
    assert "immutable" in response["Cache-Control"]
    assert "immutable" not in client.get("/brand.css?v=old")["Cache-Control"]

    partnership(primary_colour="#1d70b8")
    assert (
        soup_for(client, home.url).find("link", href=re.compile("brand.css"))["href"]
        != link["href"]
    )


@pytest.mark.django_db
def test_the_header_shows_the_logo_with_its_alt_text(client, home):
    logo = wagtail_factories.ImageFactory(title="Partnership logo")
    partnership(logo=logo, logo_alt_text="Kingston and Richmond Safeguarding Children Partnership")

    home_link = soup_for(client, home.url).find("a", class_="site-header__name")

    assert home_link.img["alt"] == "Kingston and Richmond Safeguarding Children Partnership"
    assert not home_link.find("span")  # the name is in the logo: not said twice

    partnership(logo_alt_text="")
    home_link = soup_for(client, home.url).find("a", class_="site-header__name")
    assert home_link.img["alt"] == ""
    assert text_of(home_link) == django_settings.WAGTAIL_SITE_NAME


@pytest.mark.django_db
def test_the_footer_shows_the_partnerships_links_and_contact_details(client, home):
    policy = PolicyPageFactory(parent=home, title="Privacy")
    partnership(
        footer_links=[
            ("link", {"label": "Privacy notice", "page": policy, "url": ""}),
            (
                "link",
                {
                    "label": "Report a concern about a child",
                    "page": None,
                    "url": "https://www.gov.uk/report-child-abuse",
                },
            ),
        ],
        contact_details="<p>Email lscp@example.org</p>",
    )

    footer = soup_for(client, home.url).find("footer")

    links = {text_of(a): a["href"] for a in footer.find("nav").find_all("a")}
    assert links == {
        "Privacy notice": policy.url,
        "Report a concern about a child": "https://www.gov.uk/report-child-abuse",
    }
    assert "Email lscp@example.org" in text_of(footer)


def test_a_footer_link_needs_a_page_or_an_address_but_not_both():
    from site_core.branding.models import FooterLinkBlock

    block = FooterLinkBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"label": "Nowhere", "page": None, "url": ""}))


@pytest.mark.django_db
def test_the_quick_exit_can_be_switched_off(client, home):
    partnership(quick_exit_enabled=False)
    soup = soup_for(client, home.url)

    assert soup.find("a", attrs={"data-quick-exit": True}) is None
    assert not soup.find("script", src=re.compile("quick-exit"))


@pytest.mark.django_db
def test_the_quick_exit_goes_to_the_chosen_page_and_loads_its_script(client, home):
    partnership(quick_exit_url="https://www.example.com/recipes")
    soup = soup_for(client, home.url)

    assert (
        soup.find("a", attrs={"data-quick-exit": True})["href"] == "https://www.example.com/recipes"
    )
    script = soup.find("script", src=re.compile(r"js/quick-exit\.js$"))
    assert script.has_attr("defer")
    source = (Path(django_settings.BASE_DIR) / "static" / "js" / "quick-exit.js").read_text()
    assert "location.replace" in source and "Escape" in source


@pytest.mark.django_db
def test_changing_the_settings_shows_at_once_despite_the_cache(client, home):
    soup_for(client, home.url)  # cache the branding
    partnership(partnership_name="Renamed Partnership")

    # The save clears the cached branding: no waiting for it to time out.
    assert "Renamed Partnership" in text_of(soup_for(client, home.url).find("header"))


@pytest.mark.django_db
def test_an_admin_edits_the_branding_and_is_told_why_a_colour_is_refused(admin_client):
    from django.urls import reverse

    from wagtail.test.utils.form_data import rich_text

    site = Site.objects.get(is_default_site=True)
    url = reverse("wagtailsettings:edit", args=["site_core", "partnershipsettings", site.pk])
    data = {
        "partnership_name": "",
        "logo_alt_text": "",
        "primary_colour": "#ff0000",
        "footer_links-count": "0",
        "contact_details": rich_text("<p>Email lscp@example.org</p>"),
        "support_notice_heading": "Support for you",
        "support_notice_text": rich_text("<p>Call 116 123.</p>"),
        "quick_exit_enabled": "on",
        "quick_exit_url": "https://www.bbc.co.uk/weather",
        "report_request_text": rich_text("<p>Email us.</p>"),
    }

    assert admin_client.get(url).status_code == 200
    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    assert "3.99:1" in refused.content.decode()
    assert PartnershipSettings.for_site(site).primary_colour == ""

    accepted = admin_client.post(url, {**data, "primary_colour": "#4c2c92"})

    assert accepted.status_code == 302
    assert PartnershipSettings.for_site(site).primary_colour == "#4c2c92"


@pytest.mark.django_db
def test_feeds_and_structured_data_name_the_partnership_from_its_settings(client, library):
    review = ReviewPageFactory(parent=library, title="Child V")
    partnership(partnership_name="Kingston and Richmond Safeguarding Children Partnership")
    name = "Kingston and Richmond Safeguarding Children Partnership"

    feed = etree.fromstring(client.get(library.url + "feed/").content)
    (script,) = soup_for(client, review.url).find_all("script", type="application/ld+json")

    assert (
        feed.findtext("{http://www.w3.org/2005/Atom}author/{http://www.w3.org/2005/Atom}name")
        == name
    )
    assert json.loads(script.string)["publisher"]["name"] == name
