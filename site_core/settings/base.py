"""Settings shared by every environment; configured from the environment.

Each value that differs between machines is read from an environment variable
(or a `.env` file at the project root; see `.env.example`).
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state (uploaded media, the private PostgreSQL's data) lives here; it is git-ignored.
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "home",
    "learning",
    "site_core",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "axes",  # sign-in lock-out (docs/security.md)
    "csp",  # Content-Security-Policy (docs/security.md)
    "django_otp",  # optional two-step verification for the admin (docs/security.md)
    "django_otp.plugins.otp_totp",
    "site_core.two_factor",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",  # the sitemap.xml template wagtail.contrib.sitemaps renders
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the page cache, so that a cached page gets the current policies too
    # (docs/security.md).
    "site_core.security.middleware.PermissionsPolicyMiddleware",
    "site_core.security.middleware.ContentSecurityPolicyMiddleware",
    # First after the security headers (and WhiteNoise, in production): a cached page skips
    # the rest.
    "site_core.caching.page_cache.PageCacheMiddleware",
    # A database out of reach is a 503 page asking readers to try again, not a 500; after
    # the page cache, which still serves what it holds meanwhile
    # (site_core/operations/unavailable.py).
    "site_core.operations.unavailable.DatabaseUnavailableMiddleware",
    # Lets the values every page shows be kept per content version (site_core/caching/memo.py).
    "site_core.caching.memo.ServingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "site_core.security.middleware.IdleSessionMiddleware",
    "site_core.two_factor.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Wagtail's, never to a page the public may not see (site_core/publishing/redirects.py).
    "site_core.publishing.redirects.VisibleRedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "site_core.urls"
WSGI_APPLICATION = "site_core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]


def postgresql_database(variable: str, *, unset: str) -> dict:
    """The database this environment variable's URL names, which must be PostgreSQL."""
    url = env.str(variable, default="")
    if not url:
        raise ImproperlyConfigured(f"{variable} is not set. {unset}")
    database = env.db_url_config(url)
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"{variable} must name a PostgreSQL database "
            f"(postgres://user:password@host:5432/name), not {urlsplit(url).scheme or '?'}://…: "
            "the site runs on PostgreSQL only."
        )
    return database


# The site runs on PostgreSQL only, named by DATABASE_URL. dev.py and production.py refuse
# to start without it; when it is unset, `make run` starts a private server and sets it
# (site_core/operations/local_postgres.py). The tests read TEST_DATABASE_URL instead (test.py),
# so that they never touch the site a developer runs: hence no refusal of its absence here.
DATABASE_URL_UNSET = (
    "`make run` starts a private PostgreSQL server and sets it; to use another server, set "
    "DATABASE_URL=postgres://user:password@host:5432/learning (in the environment or .env)."
)
DATABASES = {
    "default": postgresql_database("DATABASE_URL", unset=DATABASE_URL_UNSET)
    if "DATABASE_URL" in env.ENVIRON
    else {},
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# A persistent connection the server dropped (a database restart) is replaced before use
# rather than failing the request or scheduler tick that finds it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security: headers, sign-in, sessions (docs/security.md) --------------------------

# django-axes' backend first: a username locked out from an address is refused before its
# password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# Locked per username AND address: someone guessing an editor's password from elsewhere
# locks out only themselves, never the editor at their own desk.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "site_core.security.middleware.locked_out"
AXES_CLIENT_IP_CALLABLE = "site_core.security.middleware.client_ip"
# The reverse proxies in front of the site that each append the address they saw to
# X-Forwarded-For (a load balancer, nginx): 0 when clients connect to gunicorn directly.
REVERSE_PROXY_COUNT = env.int("REVERSE_PROXY_COUNT", default=0)

# A signed-in session ends after this long without a request (site_core/security/middleware.py),
# and in any case this long after signing in.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 60 * 60)
# Django's database sessions, refusing keys Django cannot have made (a forged cookie's NUL
# character made every page a 500): site_core/security/sessions.py.
SESSION_ENGINE = "site_core.security.sessions"
# Everyone who uses the admin must set up an authenticator app (site_core/two_factor/);
# otherwise only those who choose to enter its code after their password.
ADMIN_REQUIRE_TWO_FACTOR = env.bool("ADMIN_REQUIRE_TWO_FACTOR", default=False)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of this site uses, refused to the page and anything it embeds.
PERMISSIONS_POLICY = [
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "payment",
    "usb",
]


def _media_origins() -> list[str]:
    """Where uploaded images are served from when they are not on this site: MEDIA_ORIGIN,
    else the S3 storage's custom domain, endpoint or AWS bucket address."""
    if origin := env.str("MEDIA_ORIGIN", default=""):
        return [origin]
    if domain := env.str("AWS_S3_CUSTOM_DOMAIN", default=""):
        return [f"https://{domain}"]
    if not (bucket := env.str("AWS_STORAGE_BUCKET_NAME", default="")):
        return []
    if endpoint := env.str("AWS_S3_ENDPOINT_URL", default=""):
        parts = urlsplit(endpoint)
        # Path-style (host/bucket) or virtual-hosted (bucket.host) addresses.
        return [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://{bucket}.{parts.netloc}"]
    region = env.str("AWS_S3_REGION_NAME", default="")
    host = f"s3.{region}.amazonaws.com" if region else "s3.amazonaws.com"
    return [f"https://{bucket}.{host}"]


MEDIA_ORIGINS = _media_origins()

# Public pages: nothing inline and nothing from elsewhere but uploaded images. The front end
# needs no inline script or style (the brand colour is /brand.css for this reason).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *MEDIA_ORIGINS],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The Wagtail and Django admins write inline scripts and styles, and Wagtail shows a page's
# preview in a frame of its own: they get this policy instead (site_core/security/middleware.py).
ADMIN_PATH_PREFIXES = ("/admin/", "/django-admin/")
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *MEDIA_ORIGINS],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
# The site's own words for a few of Wagtail's messages (locale/en_GB/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# 24-hour times and dates typed year first, in the admin as everywhere: our formats come
# before Django's for English (site_core/formats/).
FORMAT_MODULE_PATH = ["site_core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

# Uploads on disk in MEDIA_ROOT, or, when a bucket is named, in a private S3-compatible
# bucket shared by every web process (site_core/documents/storage.py, docs/uploads.md).
STORAGES = {
    "default": {"BACKEND": "site_core.documents.storage.LocalMediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# How long a document's signed address in the bucket works: the reader is sent to it at once.
MEDIA_SIGNED_URL_SECONDS = env.int("MEDIA_SIGNED_URL_SECONDS", default=300)
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "site_core.documents.storage.MediaStorage"}
    # An S3-compatible store other than AWS (MinIO, Ceph...), e.g. https://s3.example.org;
    # credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or the machine's role.
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    if not AWS_S3_ENDPOINT_URL:
        # On AWS, addresses at the bucket's own regional host, which MEDIA_ORIGINS (the
        # images' Content-Security-Policy) names; boto would otherwise use s3.amazonaws.com.
        AWS_S3_ADDRESSING_STYLE = "virtual"
    AWS_S3_CUSTOM_DOMAIN = env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None
    # Objects get the bucket's own (private) access; only signed addresses reach documents.
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = MEDIA_SIGNED_URL_SECONDS
    AWS_S3_FILE_OVERWRITE = False

# A cache shared by every process (Redis) in production: cached vocabularies and menus are
# cleared on change, and a per-process cache would keep other processes' copies stale.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's own backend, keeping its client between calls and serving misses
            # while Redis is out of reach (site_core/caching/redis.py).
            "BACKEND": "site_core.caching.redis.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                # Loopback or a nearby Redis answers in well under a millisecond: waiting
                # longer for one that does not only holds every request up.
                "socket_connect_timeout": 0.25,
                "socket_timeout": 0.5,
                # After a failure, seconds before Redis is tried again (misses meanwhile).
                "retry_after_seconds": 5,
            },
        }
    }

# Anonymous readers' pages are cached whole and all made out of date by any change that
# could alter one (site_core/caching/page_cache.py, docs/caching.md). PAGE_CACHE=off serves every
# page fresh (the benchmark's "cold" runs).
PAGE_CACHE_ENABLED = env.bool("PAGE_CACHE", default=True)
PAGE_CACHE_ALIAS = "default"
# A bound on any staleness a missed change could cause; changes themselves act at once.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# How long a CDN may keep a page (s-maxage) when WAGTAILFRONTENDCACHE configures one: every
# change purges it, so this only bounds a purge that failed.
PAGE_CACHE_CDN_SECONDS = env.int("PAGE_CACHE_CDN_SECONDS", default=3600)
PAGE_CACHE_EXCLUDED_PREFIXES = ("/admin/", "/django-admin/", "/documents/")
# A caching proxy or CDN in front of the site (Varnish, nginx with a purge module): with
# every change Wagtail's HTTP backend sends it `PURGE <site root>/*`, which its
# configuration must treat as "everything under this site" (docs/caching.md). Other
# Wagtail backends (CloudFront, Cloudflare...) are set in WAGTAILFRONTENDCACHE the same way.
if FRONTEND_CACHE_PURGE_URL := env.str("FRONTEND_CACHE_PURGE_URL", default=""):
    WAGTAILFRONTENDCACHE = {
        "proxy": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": FRONTEND_CACHE_PURGE_URL,
        }
    }

# Complex page forms (StreamFields, several inline panels) exceed Django's default of 1,000.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Email (docs/notifications.md) -------------------------------------------------
# Sign-off's emails (submitted, approved, sent back, live, schedule cancelled). How they are
# sent is each environment's: the console in dev, memory in tests, SMTP in production.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="learning-from-reviews@localhost")
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = env.str(
    "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", default=DEFAULT_FROM_EMAIL
)
# Django's own mail to ADMINS (none are set).
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Plain text: every mail client shows it, and it says no more than a sentence or three.
WAGTAILADMIN_NOTIFICATION_USE_HTML = False
# A submission is emailed to the task's group (Approvers), not also to every superuser, who
# would otherwise get it twice (Wagtail's workflow and task emails both include them).
WAGTAILADMIN_NOTIFICATION_INCLUDE_SUPERUSERS = False
# Emails are sent while an editor's request waits (Wagtail's notifiers): a mail server that
# does not answer delays it by this many seconds at most, then the email is logged as failed.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Whether emails leave the site; the production settings say False when no mail server is
# configured, and the admin then says nobody was emailed instead of naming who was.
EMAIL_CONFIGURED = True

# --- Wagtail -----------------------------------------------------------------

WAGTAIL_SITE_NAME = env.str("SITE_NAME", default="Safeguarding Children Partnership")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# The admin's browser calls nothing outside this site (its content security policy would
# refuse it): no avatars from Gravatar, which would tell it every editor's hashed email
# address, and no check for new Wagtail releases (upgrades come through the lock files).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
# The name an authenticator app lists the admin sign-in under.
OTP_TOTP_ISSUER = WAGTAIL_SITE_NAME

WAGTAILSEARCH_BACKENDS = {
    "default": {
        # Wagtail's PostgreSQL backend, also keeping the narrow copy of the index that the
        # site searches (site_core/search/backend.py).
        "BACKEND": "site_core.search.backend",
        # PostgreSQL stems and drops stop words in English ("neglected" finds "neglect").
        "SEARCH_CONFIG": "english",
    },
}

WAGTAILDOCS_DOCUMENT_MODEL = "learning.ReportDocument"
# Every document link goes through Django, where site_core/documents/views.py decides who may have
# it (a report of a review not yet live is a 404), never straight to storage or /media/.
# From a bucket, the view then redirects to a short-lived signed address ("redirect");
# from disk, it streams the file.
WAGTAILDOCS_SERVE_METHOD = "redirect" if AWS_STORAGE_BUCKET_NAME else "serve_view"
# Opened in the browser; every other document is downloaded (site_core/documents/storage.py).
WAGTAILDOCS_INLINE_CONTENT_TYPES = ["application/pdf"]

# Reports are PDF or office documents; nothing else belongs in the document library. Each
# upload's content is checked against its extension (site_core/documents/uploads.py,
# docs/uploads.md).
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "csv"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = env.int("DOCUMENT_MAX_UPLOAD_MB", default=30) * 1024 * 1024
WAGTAILDOCS_DOCUMENT_FORM_BASE = "site_core.documents.uploads.DocumentForm"

WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "svg"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
# A small file can decode to billions of pixels, and each costs memory while resizing; a
# 48-megapixel phone photograph still fits.
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "site_core.documents.uploads.ImageForm"

# The admin's date pickers (on pages other than reviews, whose dates are plain text inputs:
# learning/admin_dates.py) write and read dates as the review form does, year first.
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
WAGTAIL_TIME_FORMAT = "%H:%M"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Wagtail runs reference-index updates as tasks; one INFO line each drowns the log.
        "django_tasks": {"level": "WARNING"},
    },
}
