from .documents import DocumentReplacement, ReportDocument
from .facets import FacetCount
from .library import ThemeIndexPage
from .policy import PolicyDocument, PolicyGuidanceLink, PolicyPage
from .review_parts import DocumentKind, ReviewAuthor, ReviewDocument, ReviewTheme
from .reviews import DatePrecision, ReviewPage
from .sign_off import SignOffTask
from .vocabulary import PublishingBody, ReviewType, Theme

__all__ = [
    "DatePrecision",
    "DocumentKind",
    "DocumentReplacement",
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
    "SignOffTask",
    "Theme",
    "ThemeIndexPage",
]
