"""The production deployment (docker/), checked without a Docker engine: CI has none.

- the compose file is valid for Docker Compose, refuses to start without its secrets, and
  wires the services as the README says (migrations once, before the web service; one
  scheduler; only the web port published, on loopback);
- the Dockerfile and compose.yaml name files and entry point subcommands that exist;
- the entry point itself runs, on this machine, what the containers run: the build's
  collectstatic, `migrate` (the deploy checks and the migrations) on a scratch database,
  one scheduler tick, and `web` (gunicorn with docker/gunicorn.conf.py) until the container
  health check passes, writing JSON log lines to stdout; SIGTERM stops it cleanly;
- the JSON log formatter (site_core/operations/logging.py).
"""

import json
import logging
import os
import re
import runpy
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory

import psycopg
import pytest
import yaml

from site_core.operations.logging import JsonFormatter

ROOT = Path(__file__).resolve().parent.parent
DOCKER = ROOT / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"
REDIS_URL = "redis://127.0.0.1:6379/9"
# The entry point runs from anywhere: it finds the project from its own path.
ELSEWHERE = "/"
SITE_HOST = "127.0.0.1"
# The settings docker/.env must give (docker/.env.example): without them nothing starts.
REQUIRED = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "POSTGRES_PASSWORD": secrets.token_hex(24),
    "ALLOWED_HOSTS": "reviews.example.org",
}
# What compose.yaml or the image sets itself, rather than passing on from docker/.env.
SET_BY_COMPOSE_OR_IMAGE = {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT"}
# Never in production, or only for the tests.
NOT_FOR_PRODUCTION = {"DEBUG", "TEST_DATABASE_URL"}
# The image's own: the container listens on its port 8000, which compose publishes.
IMAGE_ONLY = {"GUNICORN_BIND"}


# --- Compose ------------------------------------------------------------------------------


def compose_command() -> list[str]:
    """Docker Compose v2 where installed, else Debian's docker-compose (what CI installs)."""
    if shutil.which("docker"):
        found = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if found.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.fail(
        "No Docker Compose to validate docker/compose.yaml with: install Debian's "
        "(apt-get install docker-compose, as .ci/run does) or Docker's compose plugin."
    )


def compose_config(tmp_path, env_lines=None) -> subprocess.CompletedProcess:
    """`compose config` on docker/compose.yaml, with these lines as docker/.env (None: none).

    The project directory is a scratch one, so a developer's own docker/.env (secrets,
    never committed) plays no part; nor do the shell's values of the settings.
    """
    if env_lines is not None:
        (tmp_path / ".env").write_text("".join(f"{line}\n" for line in env_lines))
    environment = {k: v for k, v in os.environ.items() if k not in REQUIRED}
    return subprocess.run(
        [
            *compose_command(),
            "--file",
            str(DOCKER / "compose.yaml"),
            "--project-directory",
            str(tmp_path),
            "config",
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def entrypoint_subcommands() -> set[str]:
    return set(re.findall(r"^    ([a-z]+)\)$", ENTRYPOINT.read_text(), re.MULTILINE))


def test_compose_file_is_valid_as_checked_out(tmp_path):
    # `docker compose -f docker/compose.yaml config` on a fresh clone: no docker/.env yet.
    result = compose_config(tmp_path)

    assert result.returncode == 0, result.stderr


def test_compose_hands_the_settings_of_docker_env_to_the_site_services(tmp_path):
    example = (DOCKER / ".env.example").read_text().splitlines()
    filled = [line for line in example if line.split("=")[0] not in REQUIRED]
    result = compose_config(tmp_path, [*filled, *(f"{k}={v}" for k, v in REQUIRED.items())])

    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    for name in ("migrate", "web", "scheduler"):
        environment = services[name]["environment"]
        assert environment["SECRET_KEY"] == REQUIRED["SECRET_KEY"]
        assert environment["ALLOWED_HOSTS"] == REQUIRED["ALLOWED_HOSTS"]
        assert environment["REVERSE_PROXY_COUNT"] == "1"
        assert REQUIRED["POSTGRES_PASSWORD"] in environment["DATABASE_URL"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == REQUIRED["POSTGRES_PASSWORD"]


def test_every_setting_the_site_reads_can_be_given_in_docker_env(compose):
    """A setting missing from compose.yaml's list would be silently ignored in docker/.env."""
    read = set()
    for path in [*(ROOT / "site_core" / "settings").glob("*.py"), DOCKER / "gunicorn.conf.py"]:
        text = path.read_text()
        read |= set(re.findall(r"env(?:\.[a-z_]+)?\(\s*\"([A-Z0-9_]+)\"", text))
        read |= set(re.findall(r"os\.environ\.get\(\s*\"([A-Z0-9_]+)\"", text))
    passed = set()
    for item in compose["x-site"]["environment"]:
        passed.add(item.split("=")[0])

    assert "SECRET_KEY" in read and "GUNICORN_THREADS" in read  # the patterns find them
    missing = read - passed - SET_BY_COMPOSE_OR_IMAGE - NOT_FOR_PRODUCTION - IMAGE_ONLY
    assert not missing, f"add to x-site's environment in docker/compose.yaml: {sorted(missing)}"


def test_the_validator_rejects_what_compose_would(tmp_path):
    """The validator reads the compose schema: a misspelt condition fails it (a validator
    that passed anything would make the test above worthless)."""
    broken = {
        "services": {
            "web": {"image": "site", "depends_on": {"db": {"condition": "service_finished"}}},
            "db": {"image": "postgres:15"},
        }
    }
    (tmp_path / "compose.yaml").write_text(yaml.safe_dump(broken))
    result = subprocess.run(
        [*compose_command(), "--file", str(tmp_path / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "service_finished" in result.stderr


def test_every_site_service_runs_an_entrypoint_subcommand(compose):
    subcommands = entrypoint_subcommands()
    assert subcommands == {"web", "scheduler", "migrate", "manage"}
    site_services = {
        name: service
        for name, service in compose["services"].items()
        if service.get("build", {}).get("dockerfile") == "docker/Dockerfile"
    }

    assert {name: s["command"][0] for name, s in site_services.items()} == {
        "migrate": "migrate",
        "web": "web",
        "scheduler": "scheduler",
    }


def test_migrations_run_once_before_the_web_service_and_the_scheduler(compose):
    services = compose["services"]

    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "scheduler"):
        depends_on = services[name]["depends_on"]
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"
        assert depends_on["redis"]["condition"] == "service_healthy"


def test_only_the_web_service_is_published_and_only_on_loopback(compose):
    published = {name: s["ports"] for name, s in compose["services"].items() if "ports" in s}

    assert list(published) == ["web"]
    assert all(port.startswith("127.0.0.1:") for port in published["web"])


def test_the_web_health_check_is_the_images_and_the_others_have_none(compose):
    services = compose["services"]

    assert services["web"]["healthcheck"]["test"] == ["CMD", *dockerfile_healthcheck()]
    # The image's health check asks gunicorn, which only the web service runs.
    for name in ("migrate", "scheduler"):
        assert services[name]["healthcheck"] == {"disable": True}


def test_the_database_and_the_media_are_kept_in_volumes(compose):
    services = compose["services"]

    assert "postgres-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "media:/data/media" in services["web"]["volumes"]
    assert set(compose["volumes"]) == {"postgres-data", "media"}


def test_redis_evicts_least_recently_used_entries_when_full(compose):
    command = compose["services"]["redis"]["command"]

    def option(name):
        return command[command.index(name) + 1]

    # The page cache makes an entry per address asked for: bounded only by eviction.
    assert option("--maxmemory") == "256mb"
    assert option("--maxmemory-policy") == "allkeys-lru"


# --- Dockerfile ---------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DOCKER / "Dockerfile").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in joined.splitlines()
        if line.strip()
    ]


def instruction(name: str) -> str:
    [value] = [value for key, value in dockerfile_instructions() if key == name]
    return value


def dockerfile_healthcheck() -> list[str]:
    return json.loads(instruction("HEALTHCHECK").split("CMD", 1)[1])


def build_time_environment() -> dict[str, str]:
    """The stand-in settings the image's collectstatic step runs with."""
    [step] = [v for k, v in dockerfile_instructions() if k == "RUN" and "collectstatic" in v]
    return dict(re.findall(r"\b([A-Z_]+)=(\S+)", step))


def test_dockerfile_names_files_that_exist():
    workdir = Path(instruction("WORKDIR"))
    [entrypoint] = json.loads(instruction("ENTRYPOINT"))
    entrypoint_file = ROOT / Path(entrypoint).relative_to(workdir)
    healthcheck = dockerfile_healthcheck()

    assert entrypoint_file == ENTRYPOINT
    assert os.access(ENTRYPOINT, os.X_OK)
    assert healthcheck[0] == "python" and (ROOT / healthcheck[1]).is_file()
    assert json.loads(instruction("CMD"))[0] in entrypoint_subcommands()


def test_dockerfile_installs_exactly_the_locked_production_requirements():
    [install] = [v for k, v in dockerfile_instructions() if k == "RUN" and "pip install" in v]
    [copy] = [v for k, v in dockerfile_instructions() if k == "COPY" and "requirements" in v]
    source, target = copy.split()

    assert source == "requirements/production.txt" and (ROOT / source).is_file()
    assert f"-r {target}" in install
    assert "--require-hashes" in install and "--no-deps" in install


def test_dockerfile_runs_the_site_as_an_unprivileged_user():
    user = instruction("USER")

    assert user not in ("root", "0")
    assert "8000" in instruction("EXPOSE")


# --- The entry point, run here as in the containers ---------------------------------------


@pytest.fixture
def scratch_database_url(tmp_path):
    """A new, empty database on the test database's server, dropped afterwards."""
    server = settings.DATABASES["default"]
    name = f"learning_ops_deploy_{secrets.token_hex(4)}"
    credentials = {
        "host": server["HOST"] or "127.0.0.1",
        "port": server["PORT"] or 5432,
        "user": server["USER"],
        "password": server["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **credentials) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{server['PASSWORD']}" if server["PASSWORD"] else ""
        yield (
            f"postgres://{server['USER']}{password}@{credentials['host']}:"
            f"{credentials['port']}/{name}"
        )
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **credentials) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def container_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a container: production settings, the venv's commands first."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DATABASE_URL", "REDIS_URL")
        and not k.startswith(("GUNICORN_", "LOG_"))
    }
    environment.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        ALLOWED_HOSTS=SITE_HOST,
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    return environment


def run(args, env, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ENTRYPOINT), *args],
        env=env,
        cwd=ELSEWHERE,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_web(env, log_path: Path) -> tuple[subprocess.Popen, int]:
    """`entrypoint.sh web` on a free port of 127.0.0.1; the process and the port."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(ENTRYPOINT), "web"],
            env={**env, "GUNICORN_BIND": "127.0.0.1:0"},
            cwd=ELSEWHERE,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited ({process.returncode}):\n{log_path.read_text()}")
        if found := re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log_path.read_text()):
            return process, int(found.group(1))
        time.sleep(0.2)
    stop(process)
    pytest.fail(f"gunicorn did not start listening:\n{log_path.read_text()}")


def stop(process: subprocess.Popen) -> int:
    """SIGTERM, as `docker stop` sends: gunicorn's graceful stop. SIGKILL if it hangs."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def wait_until_healthy(env, port: int, log_path: Path) -> None:
    """Until the container health check (docker/healthcheck.py) passes."""
    check_env = {**env, "GUNICORN_BIND": f"0.0.0.0:{port}"}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        check = subprocess.run(
            [sys.executable, str(DOCKER / "healthcheck.py")],
            env=check_env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check.returncode == 0:
            return
        time.sleep(0.5)
    pytest.fail(f"Never healthy: {check.stderr}\n{log_path.read_text()}")


def get(port: int, path: str) -> int:
    """A request as the reverse proxy passes it on: the site's host, over HTTPS (production
    redirects plain HTTP, but for the health check, to HTTPS)."""
    headers = {"Host": SITE_HOST, "X-Forwarded-Proto": "https"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_entrypoint_deploys_and_serves_the_site(scratch_database_url, tmp_path):
    env = container_env(scratch_database_url, tmp_path)
    # The image's build step, with the Dockerfile's own stand-in settings.
    collect = subprocess.run(
        [str(ENTRYPOINT), "manage", *shlex.split("collectstatic --noinput --verbosity 0")],
        env={**env, **build_time_environment()},
        cwd=ELSEWHERE,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    migrate = run(["migrate"], env)
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    assert "System check identified no issues" in migrate.stdout
    assert "Applying wagtailcore.0001_squashed_0016_change_page_url_path_to_text_field... OK" in (
        migrate.stdout
    )

    tick = run(["scheduler", "--once"], env)
    assert tick.returncode == 0, tick.stdout + tick.stderr

    log_path = tmp_path / "web.log"
    process, port = start_web(env, log_path)
    try:
        wait_until_healthy(env, port, log_path)
        assert get(port, "/health/") == 200
        assert get(port, "/no-such-page/") == 404
    finally:
        status = stop(process)
    assert status == 0, log_path.read_text()

    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert {
        "level": "INFO",
        "method": "GET",
        "path": "/health/",
        "query": "",
        "status": 200,
        "bytes": 2,
        "remote_addr": "127.0.0.1",
    }.items() <= access[-2].items()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access[-2]["time"])
    assert isinstance(access[-2]["duration_ms"], float)
    # Django's own records go the same way: the 404's warning, with its request.
    [not_found] = [line for line in lines if line["logger"] == "django.request"]
    assert not_found["level"] == "WARNING"
    assert (not_found["path"], not_found["status"]) == ("/no-such-page/", 404)


def test_an_unknown_log_format_is_refused(tmp_path):
    env = container_env("postgres://nobody@127.0.0.1:1/none", tmp_path)
    result = run(["manage", "check"], {**env, "LOG_FORMAT": "xml"}, timeout=60)

    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain" in result.stderr


# --- The JSON log formatter ---------------------------------------------------------------


def formatted(record: logging.LogRecord) -> dict:
    line = JsonFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)


def make_record(name="site_core.test", level=logging.INFO, msg="hello %s", args=("world",), **kw):
    record = logging.LogRecord(name, level, __file__, 1, msg, args, kw.pop("exc_info", None))
    record.__dict__.update(kw)
    return record


def test_a_record_is_one_json_line_with_time_level_logger_and_message():
    record = make_record()
    record.created = 1_795_000_000.25

    assert formatted(record) == {
        "time": "2026-11-18T11:06:40.250Z",
        "level": "INFO",
        "logger": "site_core.test",
        "message": "hello world",
    }


def test_text_that_would_break_a_line_or_a_string_is_escaped():
    entry = formatted(make_record(args=('a "quoted"\nsecond line \\ end',)))

    assert entry["message"] == 'hello a "quoted"\nsecond line \\ end'


def test_an_exception_is_written_with_its_traceback():
    try:
        raise ValueError("bad value")
    except ValueError:
        record = make_record(level=logging.ERROR, exc_info=sys.exc_info())

    entry = formatted(record)

    assert entry["level"] == "ERROR"
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: bad value" in entry["exception"]


def test_a_django_request_record_gives_the_path_and_the_status():
    request = RequestFactory().get("/library/?theme=neglect")
    record = make_record(
        "django.request", logging.WARNING, "Not Found: %s", ("/library/",), request=request
    )
    record.status_code = 404

    entry = formatted(record)

    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/library/", 404)
    assert "request" not in entry  # the request object itself never goes into the log


def test_only_known_extra_fields_are_written():
    entry = formatted(make_record(status=200, duration_ms=1.5, user=object()))

    assert entry["status"] == 200 and entry["duration_ms"] == 1.5
    assert "user" not in entry


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ("sync", 2 * len(os.sched_getaffinity(0)), 1)),
        ({"WEB_CONCURRENCY": "3"}, ("sync", 3, 1)),
        ({"GUNICORN_THREADS": "4", "WEB_CONCURRENCY": "2"}, ("gthread", 2, 4)),
    ],
)
def test_gunicorn_runs_two_single_threaded_workers_per_cpu_unless_told(
    monkeypatch, environ, expected
):
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    config = runpy.run_path(str(DOCKER / "gunicorn.conf.py"))

    assert (config["worker_class"], config["workers"], config["threads"]) == expected
