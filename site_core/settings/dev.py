"""Local development: DEBUG on, a fixed insecure key, demo logins allowed."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")

# The demo admin login is printed by the run command; only this settings module allows it.
DEMO_LOGINS_ALLOWED = True

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# The default SQLite database and uploaded media live in the git-ignored var/ folder.
VAR_DIR.mkdir(exist_ok=True)
