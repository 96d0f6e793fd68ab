"""Dates on the review form: typed one way, read as UK time, never guessed (docs/scheduling.md).

Wagtail's date pickers turn what they cannot read into *now* as the field loses focus
(`2026-12-14 09:00` typed into a picker set to day/month/year became today's date), so
approving after a typo published at once. The review's dates are plain text inputs
instead:

- a date-time is typed as `2026-12-14 09:00` (or `2026-12-14T09:00`), a date as
  `2026-12-14`: year first, 24-hour clock, nothing else, so it cannot be misread;
- it is read as UK time (Europe/London) whatever the editor's own time zone preference,
  and a time that does not exist or happens twice as the clocks change is refused;
- beside each field the date is written out in words with its day name, "Monday 14
  December 2026 at 09:00 (UK time)": by the server, and as the editor types by
  `static/js/admin/review-dates.js`;
- what cannot be read is an error at the field, and nothing is saved.

`date_warnings()` finds dates that can be read but are probably a mistake (a future
publication date with no go-live time, say); the review form shows each at its field
until the editor ticks the box of `ConfirmDatesPanel` (`ReviewPageForm.check_dates()`,
learning/forms.py).
"""

from datetime import UTC, date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html

from wagtail.admin.panels import FieldPanel

from learning.review_status import UK_TIME, uk_datetime_label, uk_today

DATE_EXAMPLE = "2026-12-14"
DATETIME_EXAMPLE = "2026-12-14 09:00"
DATE_INPUT_FORMAT = "%Y-%m-%d"
DATETIME_INPUT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
UNREADABLE_DATE = f"Enter the date as {DATE_EXAMPLE} (year-month-day)."
UNREADABLE_DATETIME = (
    f"Enter the date and time as {DATETIME_EXAMPLE} (year-month-day, 24-hour clock)."
)
CONFIRM_FIELD = "confirm_dates"
CONFIRM_LABEL = "I have checked these dates"
SCRIPT = "js/admin/review-dates.js"


def read_date(text: str) -> date:
    """`2026-12-14` as a date; a ValidationError for anything else."""
    try:
        return datetime.strptime(text.strip(), DATE_INPUT_FORMAT).date()
    except ValueError:
        raise ValidationError(UNREADABLE_DATE, code="invalid") from None


def read_uk_datetime(text: str) -> datetime:
    """`2026-12-14 09:00` (or with a "T") as that moment in UK time; a ValidationError for
    anything else, and for a time the clocks skip or pass twice."""
    for pattern in DATETIME_INPUT_FORMATS:
        try:
            naive = datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return uk_moment(naive)
    raise ValidationError(UNREADABLE_DATETIME, code="invalid")


def uk_moment(naive: datetime) -> datetime:
    """A wall-clock time in the UK as an aware datetime, refusing the ones that are not a
    single moment: the hour skipped when the clocks go forward, the hour passed twice
    when they go back."""
    first, second = naive.replace(tzinfo=UK_TIME, fold=0), naive.replace(tzinfo=UK_TIME, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    day = format_date(naive, "l j F Y")
    clock = naive.strftime("%H:%M")
    if first.astimezone(UTC).astimezone(UK_TIME).replace(tzinfo=None) != naive:
        message = (
            f"There is no {clock} on {day} in the UK: the clocks go forward an hour. "
            "Enter another time."
        )
        raise ValidationError(message, code="no_such_time")
    message = (
        f"{clock} on {day} happens twice in the UK, as the clocks go back an hour. "
        "Enter a time outside that hour."
    )
    raise ValidationError(message, code="ambiguous_time")


def uk_date_of(moment: datetime) -> date:
    return timezone.localtime(moment, UK_TIME).date()


def date_reading(day: date) -> str:
    """A date with its day name: "Monday 14 December 2026"."""
    return format_date(day, "l j F Y")


def datetime_reading(moment: datetime) -> str:
    """A moment in UK time, in words: "Monday 14 December 2026 at 09:00 (UK time)"."""
    return f"{uk_datetime_label(moment)} (UK time)"


class UKDateInput(forms.TextInput):
    """A plain text input (no picker that rewrites what it cannot read) with the date in
    words beside it, updated as the editor types."""

    kind = "date"
    placeholder = "YYYY-MM-DD"

    def __init__(self, attrs=None):
        defaults = {
            "autocomplete": "off",
            "spellcheck": "false",
            "placeholder": self.placeholder,
            "data-review-date": self.kind,
        }
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, date):
            return value.strftime(DATE_INPUT_FORMAT)
        return super().format_value(value)

    def reading(self, value) -> str:
        """The value in words, or "" when it cannot be read (the field's error says why)."""
        if isinstance(value, date):
            return date_reading(value)
        try:
            return date_reading(read_date(value)) if value else ""
        except ValidationError:
            return ""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        reading_id = f"{attrs.get('id') or self.attrs.get('id') or 'id_' + name}-reading"
        described_by = attrs.get("aria-describedby", "")
        attrs["aria-describedby"] = f"{described_by} {reading_id}".strip()
        return format_html(
            '{}<p class="w-help-text review-date-reading" id="{}" data-review-date-reading '
            'aria-live="polite">{}</p>',
            super().render(name, value, attrs, renderer),
            reading_id,
            self.reading(value),
        )

    @property
    def media(self):
        return forms.Media(js=[SCRIPT])


class UKDateTimeInput(UKDateInput):
    kind = "datetime"
    placeholder = "YYYY-MM-DD HH:MM"

    def format_value(self, value):
        if isinstance(value, datetime):
            return timezone.localtime(value, UK_TIME).strftime(DATETIME_INPUT_FORMATS[0])
        return super().format_value(value)

    def reading(self, value) -> str:
        if isinstance(value, datetime):
            return datetime_reading(value)
        try:
            return datetime_reading(read_uk_datetime(value)) if value else ""
        except ValidationError:
            return ""


class UKDateField(forms.DateField):
    """A date typed as 2026-12-14, and only that."""

    widget = UKDateInput
    default_error_messages = {"invalid": UNREADABLE_DATE}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return read_date(str(value))


class UKDateTimeField(forms.DateTimeField):
    """A date and time typed as 2026-12-14 09:00 (or 2026-12-14T09:00), read as UK time
    whatever the editor's own time zone: reviews go live at times agreed in the UK."""

    widget = UKDateTimeInput
    default_error_messages = {"invalid": UNREADABLE_DATETIME}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else uk_moment(value)
        return read_uk_datetime(str(value))

    def prepare_value(self, value):
        if isinstance(value, datetime):
            return timezone.localtime(value, UK_TIME).strftime(DATETIME_INPUT_FORMATS[0])
        return value


# --- Dates that can be read but are probably a mistake --------------------------------------

# Which fields each warning is about, so a draft save warns only when one of them changed.
WARNING_FIELDS = {
    "publication_date": ("publication_date", "publication_date_precision", "go_live_at"),
    "go_live_at": ("publication_date", "go_live_at"),
}
TICK = f"If the dates are right as they are, tick “{CONFIRM_LABEL}” and save again."


def date_warnings(
    *,
    publication_date: date | None,
    date_shown: bool,
    go_live_at: datetime | None,
    live: bool,
    releasing: str | None,
    in_sign_off: bool,
    now: datetime | None = None,
) -> dict[str, str]:
    """Each date that is probably a mistake, keyed by the field to show it at.

    `releasing` is "publish" or "submit" when the editor is making the review public or
    sending it for sign-off now, else None (a draft). `date_shown` is False for a historic
    review whose date is "Not recorded". A historic review with past dates and no go-live
    time gets no warning.
    """
    now = now or timezone.now()
    if releasing == "publish":
        at_once = "publishing makes the review public at once"
    else:
        at_once = "once approved, the review would be public at once"
    warnings = {}
    if go_live_at is None:
        if not live and date_shown and publication_date and publication_date > uk_today(now):
            warnings["publication_date"] = (
                f"The publication date is in the future, {date_reading(publication_date)}, "
                f"but no go-live time is set: {at_once}, before that date. Set the go-live "
                f"time below. {TICK}"
            )
        return warnings
    if go_live_at <= now and (releasing or in_sign_off):
        warnings["go_live_at"] = (
            f"This go-live time, {uk_datetime_label(go_live_at)}, has passed: {at_once}. "
            f"Enter a time still to come. {TICK}"
        )
    elif date_shown and publication_date and uk_date_of(go_live_at) < publication_date:
        warnings["go_live_at"] = (
            f"The review would go live on {uk_datetime_label(go_live_at)}, before its "
            f"publication date, {date_reading(publication_date)}, which readers see as the "
            f"date it was published. Check both dates. {TICK}"
        )
    return warnings


class ConfirmDatesPanel(FieldPanel):
    """The "I have checked these dates" box: shown only once the form has warned about a
    date (or when it was ticked), so it cannot be ticked in advance, out of habit."""

    def __init__(self, field_name=CONFIRM_FIELD, **kwargs):
        super().__init__(field_name, **kwargs)

    class BoundPanel(FieldPanel.BoundPanel):
        def is_shown(self):
            form = self.form
            if form is None or not super().is_shown():
                return False
            ticked = form.is_bound and form[CONFIRM_FIELD].value()
            return bool(getattr(form, "date_warnings", None) or ticked)
