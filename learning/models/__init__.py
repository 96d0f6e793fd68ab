from .documents import ReportDocument
from .facets import FacetCount
from .library import ThemeIndexPage
from .policy import PolicyDocument, PolicyGuidanceLink, PolicyPage
from .reviews import (
    DatePrecision,
    DocumentKind,
    ReviewAuthor,
    ReviewDocument,
    ReviewPage,
    ReviewTheme,
)
from .vocabulary import PublishingBody, ReviewType, Theme

__all__ = [
    "DatePrecision",
    "DocumentKind",
    "FacetCount",
    "PolicyDocument",
    "PolicyGuidanceLink",
    "PolicyPage",
    "PublishingBody",
    "ReportDocument",
    "ReviewAuthor",
    "ReviewDocument",
    "ReviewPage",
    "ReviewTheme",
    "ReviewType",
    "Theme",
    "ThemeIndexPage",
]
