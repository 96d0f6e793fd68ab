"""Test settings: PostgreSQL from TEST_DATABASE_URL (as in production and CI), fast hashing."""

from .base import *  # noqa: F403
from .base import BASE_DIR, postgresql_database

SECRET_KEY = "test-only-insecure-key"
DEBUG = False

# The suite runs on the PostgreSQL server TEST_DATABASE_URL names, creating and dropping its
# own database there (test_<name>). A separate variable keeps a developer's DATABASE_URL (the
# site they run) out of the tests.
DATABASES = {
    "default": postgresql_database(
        "TEST_DATABASE_URL",
        unset="`make test` starts a private PostgreSQL server and sets it; to use another "
        "server, set TEST_DATABASE_URL=postgres://user:password@host:5432/learning.",
    ),
}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEMO_LOGINS_ALLOWED = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
