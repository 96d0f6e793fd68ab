"""Every response carries the security headers, whether made fresh or served from the page
cache; public pages get the strict content security policy and the admin its own; and the
production settings pass `manage.py check --deploy` without a warning.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings as django_settings
from django.test import Client

import pytest

from site_core.caching import page_cache
from tests.factories import DocumentFactory, ReviewPageFactory, ThemeFactory
from tests.markup import partnership

ROOT = Path(__file__).resolve().parent.parent


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def assert_security_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    features = response["Permissions-Policy"].split(", ")
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in features


def assert_public_policy(response):
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert "unsafe" not in response["Content-Security-Policy"]


# --- Public pages ---------------------------------------------------------------------------


@pytest.fixture
def review(library, files_on_disk):
    partnership()  # made on the first request otherwise, which then is not cached
    neglect = ThemeFactory(name="Neglect", slug="neglect")
    report = DocumentFactory(title="Child S full report")
    return ReviewPageFactory(
        parent=library,
        title="Child S",
        themes=[neglect],
        documents=[(report, "full_report")],
    )


PUBLIC_PAGES = {
    "home": lambda review: "/",
    "library": lambda review: review.get_parent().url,
    "review": lambda review: review.url,
    "search": lambda review: "/search/?q=neglect",
    "not found": lambda review: "/no-such-page/",
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_carry_the_security_headers_and_the_strict_policy(client, review, name):
    response = client.get(PUBLIC_PAGES[name](review))

    assert response.status_code == (404 if name == "not found" else 200)
    assert_security_headers(response)
    assert_public_policy(response)


@pytest.mark.django_db
def test_a_page_from_the_cache_carries_the_same_headers(client, review):
    first = client.get(review.url)
    hit = client.get(review.url)

    assert first[page_cache.STATUS_HEADER] == "miss"
    assert hit[page_cache.STATUS_HEADER] == "hit"
    assert_security_headers(hit)
    assert_public_policy(hit)
    assert hit["Content-Security-Policy"] == first["Content-Security-Policy"]


@pytest.mark.django_db
def test_a_cached_page_gets_the_policy_in_force_when_served_not_when_cached(
    client, review, settings
):
    client.get(review.url)
    settings.PERMISSIONS_POLICY = ["camera"]

    # A new client's handler reads the changed setting, as a restarted server would.
    hit = Client().get(review.url)

    assert hit[page_cache.STATUS_HEADER] == "hit"
    assert hit["Permissions-Policy"] == "camera=()"


@pytest.mark.django_db
def test_a_report_download_carries_the_headers_and_wagtails_own_stricter_policy(client, review):
    report = review.report_documents.get().document

    response = client.get(report.url)

    assert response.status_code == 200
    assert_security_headers(response)
    # Wagtail's document view forbids everything to a served file (a PDF or office document
    # cannot run script in this site's name); the site's policy does not loosen it.
    assert response["Content-Security-Policy"] == "default-src 'none'"


# --- The admin --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/"])
def test_the_admins_sign_in_pages_get_the_admin_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_security_headers(response)
    policy = directives(response)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]
    # Wagtail shows a page's preview in a frame of the admin's own.
    assert policy["frame-ancestors"] == ["'self'"]


@pytest.mark.django_db
def test_a_page_rendered_for_the_admins_preview_may_be_framed_by_the_admin(review):
    # Wagtail renders a preview by running a request it makes up for the page's public
    # address through the middleware; the preview panel then shows it in a frame.
    response = review.make_preview_request()

    assert response.status_code == 200
    assert directives(response)["frame-ancestors"] == ["'self'"]
    assert directives(response)["script-src"] == ["'self'", "'unsafe-inline'"]


# --- Where images come from -------------------------------------------------------------------


def image_sources(**env) -> list[str]:
    names = ("MEDIA_ORIGIN", "AWS_S3_CUSTOM_DOMAIN", "AWS_STORAGE_BUCKET_NAME")
    names += ("AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME")
    environment = {k: v for k, v in os.environ.items() if k not in names}
    environment.update(env)
    code = (
        "import json; from site_core.settings import test as s; "
        "print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("env", "origins"),
    [
        ({"MEDIA_ORIGIN": "https://cdn.example.org"}, ["https://cdn.example.org"]),
        (
            {"AWS_STORAGE_BUCKET_NAME": "reports", "AWS_S3_CUSTOM_DOMAIN": "media.example.org"},
            ["https://media.example.org"],
        ),
        (
            {"AWS_STORAGE_BUCKET_NAME": "reports", "AWS_S3_ENDPOINT_URL": "https://s3.example.net"},
            ["https://s3.example.net", "https://reports.s3.example.net"],
        ),
        (
            {"AWS_STORAGE_BUCKET_NAME": "reports", "AWS_S3_REGION_NAME": "eu-west-2"},
            ["https://reports.s3.eu-west-2.amazonaws.com"],
        ),
    ],
    ids=["media-origin", "custom-domain", "endpoint", "aws"],
)
def test_images_from_the_media_storage_are_allowed_on_public_pages(env, origins):
    assert image_sources(**env) == ["'self'", "data:", *origins]


# --- Production ---------------------------------------------------------------------------


def run_with_production_settings(args: list[str], **env) -> subprocess.CompletedProcess:
    database = django_settings.DATABASES["default"]
    environment = dict(os.environ)
    environment.update(
        DJANGO_SETTINGS_MODULE="site_core.settings.production",
        SECRET_KEY=secrets.token_urlsafe(38)[:50],
        # The test database's server; the checks run here do not query it.
        DATABASE_URL=f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        REDIS_URL="redis://127.0.0.1:6379/9",
        ALLOWED_HOSTS="example.org",
        # A mail server, as production has (without one each process logs a warning);
        # nothing here sends mail.
        EMAIL_URL="smtp+tls://site:secret@smtp.example.org:587",
        **env,
    )
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="production runs on PostgreSQL",
)
def test_the_production_settings_pass_djangos_deployment_checks():
    result = run_with_production_settings(["manage.py", "check", "--deploy"])

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    output = result.stdout + result.stderr
    assert "WARNING" not in output
    assert "?: (" not in output  # how the check command lists each finding


HTTPS_PROBE = """
import json
import django
django.setup()
from django.http import HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory

middleware = SecurityMiddleware(lambda request: HttpResponse("ok"))
factory = RequestFactory(headers={"host": "example.org"})

def answer(request):
    redirect = middleware.process_request(request)
    if redirect is not None:
        return {"status": redirect.status_code, "location": redirect["Location"]}
    response = middleware.process_response(request, HttpResponse("ok"))
    return {"status": 200, "hsts": response.get("Strict-Transport-Security")}

print(json.dumps({
    "plain": answer(factory.get("/library/")),
    "health": answer(factory.get("/health/")),
    "via_proxy": answer(factory.get("/library/", headers={"x-forwarded-proto": "https"})),
}))
"""


def test_production_sends_readers_to_https_but_answers_the_health_check_over_http():
    result = run_with_production_settings(
        ["-c", HTTPS_PROBE], SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.splitlines()[-1])

    assert answers["plain"] == {"status": 301, "location": "https://example.org/library/"}
    assert answers["health"] == {"status": 200, "hsts": None}
    assert answers["via_proxy"] == {
        "status": 200,
        "hsts": "max-age=31536000; includeSubDomains",
    }
