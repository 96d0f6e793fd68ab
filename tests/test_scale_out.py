"""Two web processes, one PostgreSQL, one Redis: the web processes hold no state of their own.

An editor publishes a review through one gunicorn process; the other process, whose pages
were all in the shared page cache, shows it on its very next requests and never serves the
old pages. Then the editor unpublishes it through the first process, and the second answers
404 for it and lists it nowhere. The servers run the production settings against the test
database, which is why the test commits its data (`transaction=True`). docs/scaling.md.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

import pytest
import redis
import requests
from bs4 import BeautifulSoup

from learning.models import ReviewPage
from site_core.caching import page_cache
from tests.factories import ReviewPageFactory, ThemeIndexPageFactory
from tests.markup import partnership

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
GUNICORN_CONFIG = ROOT / "docker" / "gunicorn.conf.py"  # production's, as the image runs it
# Its own Redis database: the test empties it before and after.
REDIS_URL = "redis://127.0.0.1:6379/7"
STATUS = page_cache.STATUS_HEADER
# What the load balancer in front of the web processes adds after ending TLS.
FROM_BALANCER = {"X-Forwarded-Proto": "https"}
PASSWORD = "correct horse battery staple"


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.RedisError as error:
        pytest.fail(f"needs Redis at {REDIS_URL}: {error}")
    yield
    client.flushdb()


def database_url() -> str:
    """The test database, as the servers must reach it (the same server, user and name)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="site_core.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        DATABASE_URL=database_url(),
        REDIS_URL=REDIS_URL,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        MEDIA_ROOT=str(tmp_path / "media"),
        STATIC_ROOT=str(tmp_path / "static"),
        # TLS ends at the load balancer, which says so in this header.
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        PAGE_CACHE="on",
        # docker/gunicorn.conf.py's settings: one worker of two threads each is enough here;
        # plain logs, for a failure's report.
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
        GUNICORN_GRACEFUL_TIMEOUT="5",
        LOG_FORMAT="plain",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def collect_static(env: dict[str, str]) -> None:
    """The production settings serve the static files by their manifest, which must exist."""
    done = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebProcess:
    """gunicorn as production runs it, in its own process group, on a port of 127.0.0.1."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"gunicorn-{name}.log"
        address = f"127.0.0.1:{free_port()}"
        self.base = f"http://{address}"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--config", str(GUNICORN_CONFIG), "site_core.wsgi:application"],
                cwd=ROOT,
                env={**env, "GUNICORN_BIND": address},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: stop() reaches the worker too
            )

    def log_tail(self) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()[-30:]
        return f"\n--- end of {self.name}'s log ---\n" + "\n".join(lines)

    def wait_until_healthy(self, timeout: float = 30) -> None:
        """Until the load balancer's health check would send it readers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"{self.name} exited" + self.log_tail()
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(self.base + "/health/", timeout=10).status_code == 200:
                    return
            time.sleep(0.1)
        pytest.fail(f"{self.name} was not healthy within {timeout:.0f} s" + self.log_tail())

    def get(self, path: str) -> requests.Response:
        """An anonymous reader's request: no cookies."""
        response = requests.get(
            self.base + path, headers=FROM_BALANCER, allow_redirects=False, timeout=10
        )
        assert response.status_code in (200, 404), (self.name, path, response.status_code)
        return response

    def stop(self) -> None:
        """SIGTERM to the process group (gunicorn's graceful stop), SIGKILL if need be."""
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def web_processes(tmp_path, shared_redis):
    env = production_env(tmp_path)
    collect_static(env)
    processes = []
    try:
        processes = [WebProcess(name, env, tmp_path) for name in ("A", "B")]
        for process in processes:
            process.wait_until_healthy()
        yield processes
    finally:
        for process in processes:
            process.stop()


class Editor:
    """An editor's browser signed in to the admin of one web process.

    Cookies are kept by hand: the production settings mark them Secure, and the browser
    here speaks plain HTTP to a process behind a (pretend) TLS-ending load balancer.
    """

    def __init__(self, server: WebProcess, username: str, password: str):
        self.server = server
        self.cookies: dict[str, str] = {}
        form = self.form("/admin/login/", "form:has(input[name=password])")
        response = self.post(
            "/admin/login/", {**form, "username": username, "password": password, "next": ""}
        )
        assert response.status_code == 302 and "sessionid" in self.cookies, (
            "the editor could not sign in" + server.log_tail()
        )

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {
            **FROM_BALANCER,
            "Referer": self.server.base.replace("http:", "https:", 1) + path,
        }
        response = requests.request(
            method,
            self.server.base + path,
            headers=headers,
            cookies=self.cookies,
            allow_redirects=False,
            timeout=30,
            **kwargs,
        )
        self.cookies.update(response.cookies.get_dict())
        return response

    def post(self, path: str, data: dict) -> requests.Response:
        return self.request("POST", path, data=data)

    def form(self, path: str, selector: str) -> dict[str, str]:
        """The fields a browser would submit from the form at `path`, as it was served."""
        response = self.request("GET", path)
        assert response.status_code == 200, (path, response.status_code)
        soup = BeautifulSoup(response.text, "html.parser")
        form = soup.select_one(selector)
        fields = {}
        for field in form.find_all(["input", "select", "textarea"]):
            name = field.get("name")
            kind = field.get("type", "")
            if not name or "__prefix__" in name or kind in ("submit", "button"):
                continue
            if kind in ("checkbox", "radio") and not field.has_attr("checked"):
                continue
            if field.name == "select":
                chosen = field.find("option", selected=True)
                fields[name] = chosen.get("value", chosen.text) if chosen else ""
            elif field.name == "textarea":
                fields[name] = field.text.removeprefix("\n")
            else:
                fields[name] = field.get("value", "")
        return fields

    def publish(self, page: ReviewPage) -> None:
        """Opens the review's edit form and chooses "Publish", changing nothing."""
        edit = f"/admin/pages/{page.pk}/edit/"
        fields = self.form(edit, "#page-edit-form")
        # What the admin's scripts add to the form: the (empty) body and the comments.
        scripted = nested_form_data({"body": streamfield([]), "comments": inline_formset([])})
        response = self.post(edit, {**fields, **scripted, "action-publish": "action-publish"})
        errors = BeautifulSoup(response.text, "html.parser").get_text(" ", strip=True)
        assert response.status_code == 302, errors[:2000]

    def unpublish(self, page: ReviewPage) -> None:
        path = f"/admin/pages/{page.pk}/unpublish/"
        form = self.form(path, f'form[action^="{path}"]')
        response = self.post(path, form)
        assert response.status_code == 302, response.status_code


def warm(server: WebProcess, paths: list[str]) -> None:
    """Loads each page until the process serves it from the shared cache."""
    for path in paths:
        server.get(path)
        response = server.get(path)
        assert response.status_code == 200 and response.headers[STATUS] == "hit", (
            server.name,
            path,
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_review_published_on_one_web_process_is_served_at_once_by_the_other(
    home, restore_migration_data, web_processes
):
    a, b = web_processes
    partnership()  # a site in use: its settings exist before the first page is cached
    library = ThemeIndexPageFactory(parent=home)
    ReviewPageFactory(parent=library, title="Child L")
    draft = ReviewPageFactory(parent=library, title="Child N", publish=False)
    review_path = f"{library.url}child-n/"
    editor_user = get_user_model().objects.create_superuser("editor", "editor@example.org")
    # Hashed as production checks it (the test settings hash with MD5, which it refuses).
    hasher = PBKDF2PasswordHasher()
    editor_user.password = hasher.encode(PASSWORD, hasher.salt())
    editor_user.save()
    listings = ["/", library.url, f"{library.url}feed/"]

    for server in (a, b):
        warm(server, listings)
        assert server.get(review_path).status_code == 404
        assert not any(review_path in server.get(path).text for path in listings)

    editor = Editor(a, "editor", PASSWORD)
    editor.publish(draft)
    assert ReviewPage.objects.get(pk=draft.pk).live

    # No waiting: B's very next requests show it.
    assert b.get(review_path).status_code == 200
    for path in listings:
        response = b.get(path)
        assert review_path in response.text, (path, response.headers[STATUS])
    warm(b, [review_path, *listings])

    editor.unpublish(draft)

    assert b.get(review_path).status_code == 404
    assert [path for path in listings if review_path in b.get(path).text] == []
    assert ReviewPage.objects.get(pk=draft.pk).live is False
