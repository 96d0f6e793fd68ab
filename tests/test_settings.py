"""The production settings refuse to start without a real secret, a database and a cache."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 50
DATABASE = "postgres://u@127.0.0.1/db"
REDIS = "redis://127.0.0.1:6379/0"


def import_production_settings(**env):
    names = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")
    environment = {k: v for k, v in os.environ.items() if k not in names}
    environment.update(env, DJANGO_SETTINGS_MODULE="site_core.settings.production")
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS},
        {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS, "SECRET_KEY": "short"},
        {"DATABASE_URL": DATABASE, "REDIS_URL": REDIS, "SECRET_KEY": "change-me" + "x" * 40},
        {"SECRET_KEY": GOOD_KEY, "REDIS_URL": REDIS},
        {"SECRET_KEY": GOOD_KEY, "DATABASE_URL": DATABASE},
    ],
    ids=["no-key", "short-key", "example-key", "no-database", "no-redis"],
)
def test_production_refuses_to_start_without_a_secret_database_and_cache(env):
    result = import_production_settings(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_starts_with_all_three_set():
    result = import_production_settings(SECRET_KEY=GOOD_KEY, DATABASE_URL=DATABASE, REDIS_URL=REDIS)

    assert result.returncode == 0, result.stderr
