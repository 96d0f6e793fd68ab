"""Log records as JSON lines, one object per line, for a log collector to read from stdout.

Production writes its log this way by default (LOG_FORMAT=json; `plain` for a person at a
terminal): Django's and the site's own records through the settings' LOGGING, gunicorn's
error and access logs through docker/gunicorn.conf.py. Every line has the same keys, so one
query finds a request in the access log and the warning it caused:

    {"time": "2026-11-27T07:14:21.123Z", "level": "WARNING", "logger": "django.request",
     "message": "Not Found: /nowhere/", "method": "GET", "path": "/nowhere/", "status": 404}
"""

import json
import logging
from datetime import UTC, datetime

# Attributes a record may carry (given with `extra=`) that become fields of their own: the
# access log's, set by docker/gunicorn.conf.py. Anything else given with `extra=` stays out,
# so no caller can spill an object (a request, a user) into the log by accident.
FIELDS = (
    "method",
    "path",
    "query",
    "status",
    "bytes",
    "duration_ms",
    "remote_addr",
    "forwarded_for",
    "user_agent",
    "referer",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # Django's request records (django.request, django.security.*) carry the request,
        # and the response's status when there is one. Only an HttpRequest has a path: the
        # development server puts its socket there.
        request = getattr(record, "request", None)
        if isinstance(path := getattr(request, "path", None), str):
            entry["method"] = request.method
            entry["path"] = path
        if isinstance(status := getattr(record, "status_code", None), int):
            entry["status"] = status
        for name in FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # default=str: a field of another type (a lazy translation, a Decimal) is written as
        # its text rather than losing the record.
        return json.dumps(entry, default=str)
