"""Production: every secret and address comes from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, MIDDLEWARE, REDIS_URL, SECRET_KEY, STORAGES, env

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

# Uploads as base.py chooses them: disk, or the bucket when AWS_STORAGE_BUCKET_NAME is set.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# WhiteNoise serves the collected static files from the same process, right after security.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]

# --- HTTPS (docs/security.md) ----------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A load balancer checks the health endpoint over plain HTTP, and must get its answer.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Behind a proxy that terminates TLS: the header it sets to "https" for a secure request,
# e.g. X-Forwarded-Proto. Only set it when the proxy always sets or strips that header.
if proxy_ssl_header := env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_ssl_header.upper().replace("-", "_"), "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# Preloading commits the whole registrable domain (often a council's) to HTTPS in browsers
# for months, beyond this site's control: the domain's owner opts in. Until then Django's
# reminder that the site cannot be preloaded (security.W021) is expected, so silenced.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

# --- Email (docs/notifications.md) ---------------------------------------------------------
# Through SMTP: EMAIL_URL (e.g. smtp+tls://user:password@smtp.example.org:587, or
# smtp+ssl://…:465), or EMAIL_HOST with EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD
# and EMAIL_USE_TLS. Without either the site runs, but sends no email: publishing and
# sign-off work without it (the dashboard lists what waits for whom), so a missing mail
# server is warned about as each process starts rather than refused.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
else:
    # Said in the log as each process starts (site_core/apps.py), as a JSON line like the
    # rest: a warning printed here, before logging is set up, would be a line of plain text.
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    EMAIL_CONFIGURED = False

# --- Logs (site_core/operations/logging.py) -------------------------------------------------------
# One JSON object a line on stdout, for a log collector; LOG_FORMAT=plain for a person at a
# terminal. gunicorn's own logs follow the same variable (docker/gunicorn.conf.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
if LOG_FORMAT not in ("json", "plain"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = {
    **LOGGING,
    "formatters": {
        **LOGGING["formatters"],
        "json": {"()": "site_core.operations.logging.JsonFormatter"},
    },
    "handlers": {
        **LOGGING["handlers"],
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "stream": "ext://sys.stdout",
        },
    },
}
