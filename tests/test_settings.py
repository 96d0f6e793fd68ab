"""The production settings refuse to start without a real secret and database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" * 50


def import_production_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
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
        {"DATABASE_URL": "postgres://u@127.0.0.1/db"},
        {"DATABASE_URL": "postgres://u@127.0.0.1/db", "SECRET_KEY": "short"},
        {"DATABASE_URL": "postgres://u@127.0.0.1/db", "SECRET_KEY": "change-me" + "x" * 40},
        {"SECRET_KEY": GOOD_KEY},
    ],
    ids=["no-key", "short-key", "example-key", "no-database"],
)
def test_production_refuses_to_start_without_a_secret_and_database(env):
    result = import_production_settings(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_starts_with_both_set():
    result = import_production_settings(
        SECRET_KEY=GOOD_KEY, DATABASE_URL="postgres://u@127.0.0.1/db"
    )

    assert result.returncode == 0, result.stderr
