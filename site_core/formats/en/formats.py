"""English formats (en and en-gb): 24-hour times, day names, dates typed year first.

Django looks a format up in this module before its own (site_core/formats/__init__.py);
what is not set here comes from Django's.
"""

DATE_FORMAT = "j F Y"  # 14 December 2026
TIME_FORMAT = "H:i"  # 09:00
DATETIME_FORMAT = r"l j F Y \a\t H:i"  # Monday 14 December 2026 at 09:00
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-12-14
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-12-14 09:00
FIRST_DAY_OF_WEEK = 1  # Monday

# What forms accept, in the order tried: year first only, so that 05/06/2026 is never read
# as either 5 June or 6 May. (Django adds its ISO formats to these lists itself.)
DATE_INPUT_FORMATS = ["%Y-%m-%d"]  # 2026-12-14
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S"]  # 09:00
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",  # 2026-12-14 09:00
    "%Y-%m-%dT%H:%M",  # 2026-12-14T09:00
    "%Y-%m-%d %H:%M:%S",  # 2026-12-14 09:00:00
]
