"""What the public pages say about reports that may not work with assistive technology.

    {% load report_checks %}
    {% with notice=document|reader_notice %}{% if notice %}{{ notice.text }}{% endif %}{% endwith %}
    {% if reports|need_accessible_copy %}…how to ask for one…{% endif %}

Both read the findings stored on the document at upload (learning/report_checks/readers.py):
no query.
"""

from django import template

from learning.report_checks.readers import ReaderNotice
from learning.report_checks.readers import reader_notice as notice_for_findings

register = template.Library()


@register.filter
def reader_notice(document) -> ReaderNotice | None:
    """The notice for a document (a ReportDocument), or None when readers need none."""
    return notice_for_findings(getattr(document, "check_findings", None))


@register.filter
def need_accessible_copy(links) -> bool:
    """Whether any of a page's document links still offered to readers needs the notice."""
    return any(
        not getattr(link, "is_withdrawn", False) and reader_notice(link.document) is not None
        for link in links or ()
    )
