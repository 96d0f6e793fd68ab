"""Local development: DEBUG on, a fixed insecure key, demo logins allowed."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL_UNSET, DATABASES, REDIS_URL, VAR_DIR, env

# DATABASE_URL, read by base.py (PostgreSQL only); `make run` sets it.
if "ENGINE" not in DATABASES["default"]:
    raise ImproperlyConfigured(f"DATABASE_URL is not set. {DATABASE_URL_UNSET}")

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")

# The demo admin login is printed by the run command; only this settings module allows it.
DEMO_LOGINS_ALLOWED = True

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Uploaded media and the file cache live in the git-ignored var/ folder (as does the private
# PostgreSQL server's data, var/postgres/).
VAR_DIR.mkdir(exist_ok=True)

# `make run` serves pages and runs the scheduler in two processes: a cache in files, which
# both see, lets a scheduled publish clear the pages, menus and branding the server caches.
# (Per-process memory would keep serving the old ones.) REDIS_URL, when set, wins.
if not REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }
