"""Settings shared by every environment; configured from the environment.

Each value that differs between machines is read from an environment variable
(or a `.env` file at the project root; see `.env.example`).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Local state (SQLite database, uploaded media) lives here; it is git-ignored.
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
    # First after security (and WhiteNoise, in production): a cached page skips the rest.
    "site_core.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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

# SQLite is only the zero-setup default of the run command; production and CI
# use PostgreSQL through DATABASE_URL (postgres://user:password@host:port/name).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
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

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A cache shared by every process (Redis) in production: cached vocabularies and menus are
# cleared on change, and a per-process cache would keep other processes' copies stale.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's own backend, keeping its client between calls (site_core/cache.py).
            "BACKEND": "site_core.cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
        }
    }

# Anonymous readers' pages are cached whole and all made out of date by any change that
# could alter one (site_core/page_cache.py, docs/caching.md). PAGE_CACHE=off serves every
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

# --- Wagtail -----------------------------------------------------------------

WAGTAIL_SITE_NAME = env.str("SITE_NAME", default="Safeguarding Children Partnership")
WAGTAILADMIN_BASE_URL = env.str("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False

WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        # PostgreSQL stems and drops stop words in English ("neglected" finds "neglect").
        "SEARCH_CONFIG": "english",
    },
}

WAGTAILDOCS_DOCUMENT_MODEL = "learning.ReportDocument"
# Every document goes through Django, where site_core/documents.py decides who may have it
# (a report of a review not yet live is a 404), never straight from storage or /media/.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Reports are PDF or office documents; nothing else belongs in the document library.
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "csv"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 30 * 1024 * 1024

WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp", "svg"]

# Show editors the date format that British readers expect.
WAGTAIL_DATE_FORMAT = "%d/%m/%Y"
WAGTAIL_DATETIME_FORMAT = "%d/%m/%Y %H:%M"

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
