"""Where uploads are kept and how they reach readers, on disk and in an S3-compatible bucket.

On disk, documents are streamed by site_core/documents/views.py and images by
site_core/documents/media.py, each with headers that keep them from running in a reader's
browser. In a bucket (moto's in-process S3 here, configured exactly as settings/base.py
configures a real one), the bucket is private: a live review's report is a redirect to an
address signed for MEDIA_SIGNED_URL_SECONDS, an embargoed one a 404 that names no bucket,
and images have lasting addresses whose names cannot be guessed. See docs/uploads.md.
"""

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from wagtail.models import Collection

import boto3
import pytest
import requests
import wagtail_factories
from botocore import UNSIGNED
from botocore.config import Config
from moto import mock_aws

from learning.models import ReviewPage
from site_core.documents import media
from site_core.documents import views as documents
from tests.factories import DocumentFactory, ReviewPageFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "lscp-media-test"
REGION = "eu-west-2"
SIGNED_SECONDS = 120
PDF = b"%PDF-1.7\n%test report\n"
CSV = b"Theme,Reviews\r\nNeglect,4\r\n"


def allow_public_images(s3) -> None:
    """The bucket policy docs/uploads.md gives: anyone may read images, nothing else."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicImages",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [
                    f"arn:aws:s3:::{BUCKET}/images/*",
                    f"arn:aws:s3:::{BUCKET}/original_images/*",
                ],
            }
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))


def base_settings(monkeypatch, **env) -> dict:
    """settings/base.py as it reads the given environment."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "site_core" / "settings" / "base.py"))


@pytest.fixture
def s3_settings(monkeypatch) -> dict:
    """What settings/base.py makes of a bucket's environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return base_settings(
        monkeypatch,
        AWS_STORAGE_BUCKET_NAME=BUCKET,
        AWS_S3_REGION_NAME=REGION,
        MEDIA_SIGNED_URL_SECONDS=str(SIGNED_SECONDS),
    )


@pytest.fixture
def bucket(settings, s3_settings):
    """A private bucket in moto, and the site configured for it as base.py configures it."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        for name, value in s3_settings.items():
            if name.startswith("AWS_") or name in ("WAGTAILDOCS_SERVE_METHOD", "STORAGES"):
                setattr(settings, name, value)
        yield s3


def test_a_named_bucket_makes_a_private_signed_storage_of_it(monkeypatch):
    configured = base_settings(
        monkeypatch, AWS_STORAGE_BUCKET_NAME=BUCKET, MEDIA_SIGNED_URL_SECONDS="90"
    )

    assert (
        configured["STORAGES"]["default"]["BACKEND"] == "site_core.documents.storage.MediaStorage"
    )
    assert configured["AWS_DEFAULT_ACL"] is None
    assert configured["AWS_QUERYSTRING_AUTH"] is True
    assert configured["AWS_QUERYSTRING_EXPIRE"] == 90
    assert configured["AWS_S3_FILE_OVERWRITE"] is False
    # Every document link still leads to site_core/documents/views.py, which redirects.
    assert configured["WAGTAILDOCS_SERVE_METHOD"] == "redirect"


def test_without_a_bucket_uploads_stay_on_disk(monkeypatch):
    monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME", raising=False)
    configured = base_settings(monkeypatch)

    assert (
        configured["STORAGES"]["default"]["BACKEND"]
        == "site_core.documents.storage.LocalMediaStorage"
    )
    assert configured["WAGTAILDOCS_SERVE_METHOD"] == "serve_view"


def test_production_keeps_uploads_in_the_bucket_and_static_files_with_whitenoise():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "site_core.settings.production",
        "SECRET_KEY": "k" * 50,
        "DATABASE_URL": "postgres://u@127.0.0.1/db",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
    }
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print('default', settings.STORAGES['default']['BACKEND']); "
        "print('staticfiles', settings.STORAGES['staticfiles']['BACKEND'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    lines = result.stdout.splitlines()
    assert "default site_core.documents.storage.MediaStorage" in lines
    assert "staticfiles whitenoise.storage.CompressedManifestStaticFilesStorage" in lines


# --- Documents in the bucket --------------------------------------------------------------


def test_an_uploaded_document_is_stored_in_the_bucket(admin_client, bucket):
    response = admin_client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "Child W full report",
            "collection": Collection.get_first_root_node().pk,
            "file": SimpleUploadedFile("child-w.pdf", PDF),
        },
    )

    assert response.status_code == 302
    stored = bucket.get_object(Bucket=BUCKET, Key="documents/child-w.pdf")
    assert stored["Body"].read() == PDF


def test_a_stored_document_is_private_even_with_images_public(bucket):
    allow_public_images(bucket)
    report = DocumentFactory(file__filename="child-w.pdf", file__data=PDF)
    anonymous = boto3.client("s3", region_name=REGION, config=Config(signature_version=UNSIGNED))

    with pytest.raises(anonymous.exceptions.ClientError) as refused:
        anonymous.get_object(Bucket=BUCKET, Key=report.file.name)

    assert refused.value.response["Error"]["Code"] in ("AccessDenied", "403")
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=report.file.name)["Grants"]
    assert [grant["Grantee"]["Type"] for grant in grants] == ["CanonicalUser"]


def test_an_embargoed_reviews_report_is_a_404_that_names_no_bucket(client, library, bucket):
    report = DocumentFactory(file__filename="child-w.pdf", file__data=PDF)
    ReviewPageFactory(parent=library, documents=[(report, "full_report")], publish=False)

    response = client.get(report.url)

    assert response.status_code == 404
    assert "Location" not in response
    assert BUCKET not in response.content.decode()
    assert response["Cache-Control"] == documents.PRIVATE_CACHE_CONTROL


def test_a_live_reviews_report_redirects_to_an_address_signed_for_minutes(client, library, bucket):
    report = DocumentFactory(file__filename="child-w.pdf", file__data=PDF)
    review = ReviewPageFactory(parent=library, documents=[(report, "full_report")])

    page = client.get(review.url).content.decode()
    response = client.get(report.url)

    # The page links to the site's own address, never to the bucket.
    assert report.url in page
    assert BUCKET not in page
    assert response.status_code == 302
    assert response["Cache-Control"] == documents.PRIVATE_CACHE_CONTROL
    signed = urlsplit(response["Location"])
    query = parse_qs(signed.query)
    assert signed.netloc.startswith(f"{BUCKET}.s3.") and signed.netloc.endswith(".amazonaws.com")
    assert signed.path == f"/{report.file.name}"
    assert query["X-Amz-Expires"] == [str(SIGNED_SECONDS)]
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"] == ['inline; filename="child-w.pdf"']
    downloaded = requests.get(response["Location"], timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.content == PDF
    assert downloaded.headers["Content-Disposition"] == 'inline; filename="child-w.pdf"'
    assert requests.get(response["Location"].split("?")[0], timeout=10).status_code == 403


def test_with_a_cdn_for_images_documents_are_still_signed_by_the_bucket(
    client, library, bucket, settings
):
    settings.AWS_S3_CUSTOM_DOMAIN = "media.example.org"
    report = DocumentFactory(file__filename="child-y.pdf", file__data=PDF)
    ReviewPageFactory(parent=library, documents=[(report, "full_report")])

    response = client.get(report.url)

    signed = urlsplit(response["Location"])
    assert response.status_code == 302
    assert signed.netloc.startswith(f"{BUCKET}.s3.")
    assert "X-Amz-Signature" in parse_qs(signed.query)
    assert requests.get(response["Location"], timeout=10).content == PDF


def test_a_spreadsheet_from_the_bucket_is_downloaded_not_opened(client, library, bucket):
    figures = DocumentFactory(file__filename="figures.csv", file__data=CSV)
    ReviewPageFactory(parent=library, documents=[(figures, "briefing")])

    query = parse_qs(urlsplit(client.get(figures.url)["Location"]).query)

    assert query["response-content-disposition"] == ['attachment; filename="figures.csv"']


def test_an_unpublished_reviews_report_stops_redirecting(client, library, bucket):
    report = DocumentFactory(file__filename="child-w.pdf", file__data=PDF)
    review = ReviewPageFactory(parent=library, documents=[(report, "full_report")])
    assert client.get(report.url).status_code == 302

    ReviewPage.objects.get(pk=review.pk).unpublish()

    response = client.get(report.url)
    assert response.status_code == 404
    assert "Location" not in response


def test_an_editor_gets_a_signed_address_for_a_draft_and_nothing_keeps_it(
    admin_client, library, bucket
):
    report = DocumentFactory(file__filename="child-w.pdf", file__data=PDF)
    ReviewPageFactory(parent=library, documents=[(report, "full_report")], publish=False)

    response = admin_client.get(report.url)

    assert response.status_code == 302
    assert urlsplit(response["Location"]).netloc.startswith(BUCKET)
    assert response["Cache-Control"] == documents.PRIVATE_CACHE_CONTROL


# --- Images in the bucket -----------------------------------------------------------------


def test_images_in_the_bucket_have_lasting_unguessable_addresses(bucket, s3_settings):
    image = wagtail_factories.ImageFactory(file__filename="logo.png")
    rendition = image.get_rendition("height-128")
    addresses = [urlsplit(url) for url in (image.file.url, rendition.url)]

    # Unsigned, so an image never expires under a cached page; at the origin the pages'
    # Content-Security-Policy allows images from.
    assert [address.query for address in addresses] == ["", ""]
    for address in addresses:
        assert f"{address.scheme}://{address.netloc}" in s3_settings["MEDIA_ORIGINS"]
    original_name = image.file.name
    assert re.fullmatch(r"original_images/[A-Za-z0-9]{12}-logo\.png", original_name)
    random_part = original_name.removeprefix("original_images/")[:12]
    assert rendition.file.name.startswith(f"images/{random_part}-logo.")


def test_images_are_readable_once_the_bucket_policy_allows_them(bucket):
    image = wagtail_factories.ImageFactory(file__filename="logo.png")
    rendition = image.get_rendition("height-128")
    assert requests.get(rendition.url, timeout=10).status_code == 403

    allow_public_images(bucket)

    assert requests.get(image.file.url, timeout=10).content == image.file.open().read()
    assert requests.get(rendition.url, timeout=10).status_code == 200


# --- On disk ------------------------------------------------------------------------------


@pytest.mark.usefixtures("files_on_disk")
def test_a_pdf_from_disk_opens_in_the_browser_and_cannot_sniff(client, library):
    report = DocumentFactory(file__filename="child-w.pdf", file__data=PDF)
    ReviewPageFactory(parent=library, documents=[(report, "full_report")])

    response = client.get(report.url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="child-w.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    # Chrome's and Safari's PDF viewers show nothing in a sandbox; the site-wide policy
    # (site_core/security/middleware.py) does not replace this one.
    assert response["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.usefixtures("files_on_disk")
def test_a_spreadsheet_from_disk_is_downloaded_in_a_sandbox(client, library):
    figures = DocumentFactory(file__filename="figures.csv", file__data=CSV)
    ReviewPageFactory(parent=library, documents=[(figures, "briefing")])

    response = client.get(figures.url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="figures.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


@pytest.mark.usefixtures("files_on_disk")
def test_images_from_disk_are_served_sandboxed_and_cached(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "site_core.documents.storage.LocalMediaStorage"},
    }
    image = wagtail_factories.ImageFactory(file__filename="logo.png", file__format="PNG")
    rendition = image.get_rendition("height-128")

    for url in (image.file.url, rendition.url):
        response = client.get(url)

        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == media.IMAGE_POLICY
        assert response["Cache-Control"] == media.IMAGE_CACHE_CONTROL
    assert re.fullmatch(r"original_images/[A-Za-z0-9]{12}-logo\.png", image.file.name)


@pytest.mark.usefixtures("files_on_disk")
def test_the_image_route_never_serves_a_document(client):
    name = default_storage.save("documents/child-w.pdf", ContentFile(PDF))

    assert client.get(f"/media/{name}").status_code == 404
    # Django's static view refuses a path leaving the image folder as a bad request.
    escaping = client.get(f"/media/images/../{name}")
    assert escaping.status_code == 400
    assert PDF not in escaping.content
