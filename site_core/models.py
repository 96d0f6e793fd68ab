"""The models of the site_core app, defined in their rooms (docs/architecture.md).

Imported here so that Django finds them, and so that migrations which name them here
(site_core.models.validate_brand_colour) keep working.
"""

from site_core.branding.models import (  # noqa: F401
    FooterLinkBlock,
    PartnershipSettings,
    validate_brand_colour,
)
from site_core.publishing.models import RestrictedSubtree, SchedulerHeartbeat  # noqa: F401
from site_core.search.models import PageSearchVector  # noqa: F401
