"""Production: every secret and address comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, MIDDLEWARE, REDIS_URL, SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=False)

if not SECRET_KEY or SECRET_KEY.startswith(("dev-", "test-", "change-me")) or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value (at least 32 characters) "
        "in the environment before the production settings will start."
    )
if "DATABASE_URL" not in env.ENVIRON:
    raise ImproperlyConfigured("DATABASE_URL must be set: production runs on PostgreSQL.")
# Cached pages, menus and branding are cleared on change by whichever process makes the
# change (a web worker, the scheduler): only a cache they all share sees every clearing.
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must be set (e.g. redis://127.0.0.1:6379/0): production's web workers "
        "and scheduler share one cache, so that a change clears it for all of them."
    )

# Keep each worker thread's database connection between requests: opening one costs a
# PostgreSQL backend start per request (about 1.5x the uncached throughput in the load
# benchmark). CONN_HEALTH_CHECKS (base.py) replaces a connection the server dropped.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# No parallel query by default: it makes one search faster on an idle server, but under a
# load of many requests it spends cores other requests need (the library's relevance-sorted
# search took two extra workers per request in the benchmark).
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    workers = env.int("DATABASE_PARALLEL_WORKERS", default=0)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={workers}"
    )

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# WhiteNoise serves the collected static files from the same process, right after security.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
