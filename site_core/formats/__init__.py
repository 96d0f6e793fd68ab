"""The site's own date and time formats (FORMAT_MODULE_PATH), ahead of Django's for English.

Django's English formats write times as "12:27 a.m." (en-gb's TIME_FORMAT is "P"), which
the Wagtail admin shows in its history, listings and status side panel, beside the
24-hour times the site writes itself. Here every time is on the 24-hour clock, a full date
and time carries its day name, and dates are typed year first, the one way the review
form reads them (learning/admin_dates.py, docs/scheduling.md).
"""
