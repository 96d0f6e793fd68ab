"""Helpers for tests that read the rendered pages and change the partnership's settings."""

from wagtail.models import Site

from bs4 import BeautifulSoup

from site_core.branding.models import PartnershipSettings


def soup_for(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return BeautifulSoup(response.content, "html.parser")


def text_of(node):
    return " ".join(node.get_text(" ", strip=True).split())


def partnership(**fields):
    """Saves `fields` on the default site's PartnershipSettings, as the admin's form does."""
    settings = PartnershipSettings.for_site(Site.objects.get(is_default_site=True))
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings
