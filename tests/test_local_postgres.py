"""The private PostgreSQL server of `make run` and `make test`, and the settings' refusal of
any database but PostgreSQL (site_core/operations/local_postgres.py, settings/base.py)."""

import io
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from wagtail.models import Site

import pytest

from site_core.operations import local_postgres
from site_core.operations.local_postgres import (
    LocalPostgresError,
    LocalServer,
    Postmaster,
    choose_port,
    configured,
    database_url,
    port_is_free,
    postmaster,
    run_command,
    server_account,
    unreachable,
)
from site_core.settings.base import postgresql_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def open_place():
    """A directory under /tmp that any account may pass through (pytest's own temporary
    directory is closed to all but its owner): as root, the server runs as another account,
    which must reach its data directory."""
    place = Path(tempfile.mkdtemp(prefix="local-postgres-"))
    place.chmod(0o711)
    yield place
    shutil.rmtree(place, ignore_errors=True)


# --- Which database, on which port -----------------------------------------------------------


def test_the_url_names_the_superuser_on_loopback():
    assert database_url(54329, "learning") == "postgres://postgres@127.0.0.1:54329/learning"


def test_the_preferred_port_is_used_when_free_and_another_free_one_when_taken():
    assert choose_port(54329, is_free=lambda port: True) == 54329

    other = choose_port(54329, is_free=lambda port: False)

    assert other != 54329
    assert port_is_free(other)


def test_a_port_something_listens_on_is_taken():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        assert not port_is_free(port)


def test_a_database_set_in_the_environment_or_dotenv_means_no_private_server(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "# DATABASE_URL=postgres://commented@127.0.0.1/out\n"
        "TEST_DATABASE_URL=postgres://first@127.0.0.1/learning\n"
        "export TEST_DATABASE_URL='postgres://last@127.0.0.1/learning'\n"
        "REDIS_URL=\n"
    )

    assert configured("DATABASE_URL", {"DATABASE_URL": "postgres://u@h/d"}, dotenv)
    assert not configured("DATABASE_URL", {"DATABASE_URL": " "}, dotenv)
    assert configured("TEST_DATABASE_URL", {}, dotenv)
    assert local_postgres.dotenv_value(dotenv, "TEST_DATABASE_URL").startswith("postgres://last")
    assert not configured("REDIS_URL", {}, dotenv)
    assert not configured("DATABASE_URL", {}, tmp_path / "missing.env")


# --- A server left running ----------------------------------------------------------------


def test_postmaster_pid_gives_the_running_servers_port_and_status():
    text = "4242\n/work/var/postgres\n1796609700\n54329\n\n127.0.0.1\n  2164116  13\nready   \n"

    assert Postmaster.parse(text) == Postmaster(pid=4242, port=54329, status="ready")
    assert Postmaster.parse("4242\n/work/var/postgres\n1796609700\n54329\n").status == "starting"
    assert Postmaster.parse("4242\n") is None  # still being written


def test_a_postmaster_pid_whose_process_is_gone_is_no_running_server(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], text=True, capture_output=True
    )
    (tmp_path / "postmaster.pid").write_text(
        f"{finished.stdout.strip()}\n{tmp_path}\n1796609700\n54329\n\n127.0.0.1\n1 2\nready\n"
    )

    assert postmaster(tmp_path) is None
    assert postmaster(tmp_path / "never-made") is None


# --- Who runs it: PostgreSQL refuses root ----------------------------------------------------


def unprivileged_account() -> pwd.struct_passwd:
    return next(entry for entry in pwd.getpwall() if entry.pw_uid != 0)


def test_a_normal_user_runs_the_server_as_themselves(tmp_path):
    assert server_account(tmp_path / "data", euid=1000) is None


def test_root_runs_a_new_server_as_an_unprivileged_account(tmp_path):
    entry = unprivileged_account()

    account = server_account(tmp_path / "data", euid=0, requested=entry.pw_name)

    assert (account.name, account.uid, account.gid) == (entry.pw_name, entry.pw_uid, entry.pw_gid)


def test_root_runs_an_existing_data_directory_as_its_owner(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "PG_VERSION").write_text("18\n")
    if os.geteuid() == 0:
        os.chown(data, unprivileged_account().pw_uid, unprivileged_account().pw_gid)

    account = server_account(data, euid=0, requested="an-account-not-used")

    assert account.uid == data.stat().st_uid != 0


@pytest.mark.parametrize(
    "requested, message",
    [("no-such-account-here", "LOCAL_POSTGRES_USER"), ("root", "root too")],
)
def test_root_without_an_unprivileged_account_is_told_what_to_set(tmp_path, requested, message):
    with pytest.raises(LocalPostgresError, match=message):
        server_account(tmp_path / "data", euid=0, requested=requested)


def test_a_directory_closed_to_the_servers_account_is_named(open_place):
    closed = open_place / "closed"
    data = closed / "var" / "postgres"
    data.mkdir(parents=True)
    stranger = 2**31 - 7  # an account owning nothing here

    closed.chmod(0o700)
    assert unreachable(data, stranger, {stranger}) == closed

    closed.chmod(0o711)
    assert unreachable(data, stranger, {stranger}) is None

    closed.chmod(0o710)
    assert unreachable(data, stranger, {closed.stat().st_gid}) is None
    assert unreachable(data / "not-yet-made", stranger, {closed.stat().st_gid}) is None


# --- The command it runs --------------------------------------------------------------------


def test_the_commands_exit_status_is_passed_through():
    assert run_command([sys.executable, "-c", "raise SystemExit(3)"], os.environ) == 3
    killed = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    assert run_command([sys.executable, "-c", killed], os.environ) == 128 + signal.SIGTERM


def test_a_first_run_makes_starts_and_stops_a_loopback_server(open_place, tmp_path):
    """The whole cycle, on a data directory of its own (about 1.5 s: initdb, start, stop)."""
    data = open_place / "postgres"
    seen = tmp_path / "seen.txt"
    query = (
        "import os, psycopg\n"
        "with psycopg.connect(os.environ['CHECK_DATABASE_URL']) as c:\n"
        "    row = c.execute('SELECT current_database(), current_setting(%s), "
        "current_setting(%s)', ['listen_addresses', 'server_version_num']).fetchone()\n"
        f"open({str(seen)!r}, 'w').write(' '.join(row))\n"
    )
    try:
        status = local_postgres.main(
            [
                "run",
                "--data",
                str(data),
                "--port",
                str(local_postgres.free_port()),
                "--database",
                "learning_check",
                "--variable",
                "CHECK_DATABASE_URL",
                "--",
                sys.executable,
                "-c",
                query,
            ]
        )

        assert status == 0
        database, listening, version = seen.read_text().split()
        assert (database, listening) == ("learning_check", "127.0.0.1")
        assert version.startswith("18")
        assert (data / "PG_VERSION").read_text().strip() == "18"
        assert postmaster(data) is None, "stopped when the command ended"
    finally:
        if (data / "PG_VERSION").exists():
            LocalServer(data, account=server_account(data)).stop()


# --- The settings: PostgreSQL only ------------------------------------------------------------


def test_the_settings_take_a_postgresql_url(monkeypatch):
    monkeypatch.setenv("CHECK_DATABASE_URL", "postgres://someone:secret@db.example:5433/site")

    database = postgresql_database("CHECK_DATABASE_URL", unset="")

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("db.example", 5433, "site")


@pytest.mark.parametrize("url", ["sqlite:///var/db.sqlite3", "mysql://u:secret@h/d"])
def test_the_settings_refuse_any_other_database_without_showing_its_password(monkeypatch, url):
    monkeypatch.setenv("CHECK_DATABASE_URL", url)

    with pytest.raises(ImproperlyConfigured, match="PostgreSQL only") as refused:
        postgresql_database("CHECK_DATABASE_URL", unset="")

    assert "secret" not in str(refused.value)


def test_the_settings_say_how_to_get_a_database_when_none_is_set(monkeypatch):
    monkeypatch.delenv("CHECK_DATABASE_URL", raising=False)

    with pytest.raises(ImproperlyConfigured, match=r"CHECK_DATABASE_URL is not set\. Run make"):
        postgresql_database("CHECK_DATABASE_URL", unset="Run make")


@pytest.mark.parametrize(
    "module, variable, hint",
    [("dev", "DATABASE_URL", "`make run` starts"), ("test", "TEST_DATABASE_URL", "`make test`")],
)
def test_the_dev_and_test_settings_refuse_to_start_without_their_database(module, variable, hint):
    environment = {k: v for k, v in os.environ.items() if not k.endswith("DATABASE_URL")}
    # Without reading .env, where a developer may have set the variable.
    code = (
        "import environ; environ.Env.read_env = lambda *args, **kwargs: None\n"
        f"import site_core.settings.{module}"
    )

    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert done.returncode != 0
    assert f"ImproperlyConfigured: {variable} is not set. {hint}" in done.stderr


# --- The demo site's address ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_site_takes_the_address_make_run_serves_and_keeps_one_set_since(home):
    load = ["load_demo_content", "--site-address", "127.0.0.1:8000"]

    call_command(*load, stdout=io.StringIO())

    site = Site.objects.get(is_default_site=True)
    assert site.root_url == "http://127.0.0.1:8000"
    site.hostname, site.port = "reviews.example.org", 443
    site.save()

    call_command(*load, stdout=io.StringIO())

    assert Site.objects.get(is_default_site=True).root_url == "https://reviews.example.org"
