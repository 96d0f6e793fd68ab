"""An operator backs up a populated site and restores it into a new, empty database.

`manage.py backup` and `manage.py restore` run as they would in production: separate
processes with the production settings, the site's database in DATABASE_URL and its uploads
in MEDIA_ROOT. The site is the test database, committed (`transaction=True`) so that
pg_dump sees it; the restore goes into a database made for the test, and every table, every
sequence and every media file must come back identical. docs/backups.md.
"""

import datetime
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

import boto3
import psycopg
import pytest
import redis
import wagtail_factories
from moto import mock_aws
from psycopg import sql

from learning.models import PolicyDocument, ReviewPage, ThemeIndexPage
from site_core.documents.storage import MediaStorage
from site_core.operations.backup import media_files, restore_media_archive, write_media_archive
from tests.factories import (
    DocumentFactory,
    PolicyPageFactory,
    PublishingBodyFactory,
    ReviewPageFactory,
    ThemeFactory,
    ThemeIndexPageFactory,
)
from tests.markup import partnership

ROOT = Path(__file__).resolve().parent.parent
# The restore empties the cache; the test gives it a Redis database of its own to empty.
REDIS_URL = "redis://127.0.0.1:6379/7"


@pytest.fixture
def commands_cache():
    """Left empty after the test: a restore empties the cache, then sets a page version."""
    yield
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def site_media(settings, tmp_path):
    """Uploads on disk, in the production storage class, where the commands can read them."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "site_core.documents.storage.LocalMediaStorage"},
    }
    return settings.MEDIA_ROOT


def server_dsn(name: str) -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def new_database():
    """A new, empty database on the same server, dropped after the test."""
    name = f"{connection.settings_dict['NAME']}_restored"
    create = sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(server_dsn("postgres"), autocommit=True) as server:
        server.execute(drop)
        server.execute(create)
    yield name
    with psycopg.connect(server_dsn("postgres"), autocommit=True) as server:
        server.execute(drop)


def manage(*args: str, database: str, media: Path) -> subprocess.CompletedProcess:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="site_core.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        DATABASE_URL=server_dsn(database),
        REDIS_URL=REDIS_URL,
        MEDIA_ROOT=str(media),
        LOG_LEVEL="WARNING",
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def populate(home) -> ThemeIndexPage:
    """A site in use: reviews live, in draft and scheduled, reports, authors, a policy page
    with a document, a draft on a live review, and the partnership's logo with a rendition."""
    logo = wagtail_factories.ImageFactory(title="Partnership logo")
    logo.get_rendition("height-128")
    partnership(partnership_name="Thames Valley Partnership", logo=logo)
    neglect = ThemeFactory(name="Neglect", slug="neglect")
    voice = ThemeFactory(name="Voice of the child", slug="voice-of-the-child")
    body = PublishingBodyFactory(name="Thames Valley LSCP", slug="thames-valley-lscp")
    reports = [
        DocumentFactory(title=title, file__data=f"%PDF-1.4\n% {title}\n".encode())
        for title in ("Child A report", "Child A briefing", "Child B report", "Threshold guide")
    ]
    library = ThemeIndexPageFactory(parent=home)
    child_a = ReviewPageFactory(
        parent=library,
        title="Child A",
        themes=[neglect, voice],
        publishing_body=body,
        authors=[("Jane Author", "independent_author"), ("Sam Chair", "panel_chair")],
        documents=[(reports[0], "full_report"), (reports[1], "briefing")],
    )
    ReviewPageFactory(
        parent=library, title="Child B", themes=[voice], documents=[(reports[2], "full_report")]
    )
    # An editor's unpublished changes to a live review: a revision newer than the live one.
    live = ReviewPage.objects.get(pk=child_a.pk)
    live.summary = "A corrected summary, waiting for sign-off."
    live.save_revision()
    ReviewPageFactory(parent=library, title="Child D", publish=False)
    scheduled = ReviewPageFactory(parent=library, title="Child S", themes=[neglect], publish=False)
    scheduled.go_live_at = timezone.now() + datetime.timedelta(days=7)
    scheduled.save_revision().publish()
    policy = PolicyPageFactory(parent=home, title="How reviews are commissioned")
    policy.documents = [PolicyDocument(document=reports[3])]
    policy.save_revision().publish()
    return library


def fingerprint(database: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of all its rows; each sequence's position."""
    found = {}
    with psycopg.connect(server_dsn(database)) as db:
        tables = db.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                "FROM {} AS t"
            ).format(sql.Identifier(table))
            found[table] = db.execute(query).fetchone()
        for name, position in db.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ):
            found[f"sequence {name}"] = (position, "")
    return found


def pages(database: str) -> list[tuple]:
    with psycopg.connect(server_dsn(database)) as db:
        return db.execute(
            "SELECT p.id, p.title, p.url_path, p.live, p.go_live_at, r.content "
            "FROM wagtailcore_page AS p "
            "LEFT JOIN wagtailcore_revision AS r ON r.id = p.latest_revision_id ORDER BY p.path"
        ).fetchall()


def files_in(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("commands_cache")
def test_a_backup_restored_into_a_new_database_is_the_same_site(
    home, restore_migration_data, site_media, new_database, tmp_path
):
    populate(home)
    site = connection.settings_dict["NAME"]
    backup, restored_media = tmp_path / "backup", tmp_path / "restored-media"

    made = manage("backup", str(backup), database=site, media=site_media)
    assert made.returncode == 0, made.stderr
    restored = manage("restore", str(backup), database=new_database, media=restored_media)
    assert restored.returncode == 0, restored.stderr

    assert "Restored the database" in restored.stdout
    assert fingerprint(new_database) == fingerprint(site)
    restored_pages = pages(new_database)
    assert restored_pages == pages(site)
    states = {row[1]: (row[3], row[4] is not None) for row in restored_pages}
    assert states["Child A"] == (True, False)
    assert states["Child D"] == (False, False)
    assert states["Child S"] == (False, True)
    assert states["How reviews are commissioned"] == (True, False)

    originals = files_in(site_media)
    assert files_in(restored_media) == originals
    folders = [name.split("/")[0] for name in originals]
    assert folders.count("documents") == 4
    assert folders.count("original_images") == folders.count("images") == 1  # logo, rendition
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["media"]["file_count"] == len(originals)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("commands_cache")
def test_a_tampered_media_archive_is_refused_before_anything_changes(
    home, restore_migration_data, site_media, new_database, tmp_path
):
    populate(home)
    backup, restored_media = tmp_path / "backup", tmp_path / "restored-media"
    made = manage(
        "backup", str(backup), database=connection.settings_dict["NAME"], media=site_media
    )
    assert made.returncode == 0, made.stderr
    archive = backup / "media.tar"
    content = archive.read_bytes()
    assert content.count(b"% Child A report") == 1
    archive.write_bytes(content.replace(b"% Child A report", b"% Child X report"))

    refused = manage("restore", str(backup), database=new_database, media=restored_media)

    assert refused.returncode != 0
    assert "media.tar does not match its checksum" in refused.stderr
    assert "Nothing was changed" in refused.stderr
    assert fingerprint(new_database) == {}
    assert files_in(restored_media) == {}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("commands_cache")
def test_restoring_over_a_site_needs_force_and_then_puts_back_the_backup(
    home, restore_migration_data, site_media, tmp_path
):
    library = populate(home)
    site = connection.settings_dict["NAME"]
    backup = tmp_path / "backup"
    assert manage("backup", str(backup), database=site, media=site_media).returncode == 0
    backed_up = fingerprint(site)
    ReviewPageFactory(parent=library, title="Child E")  # published after the backup
    changed = fingerprint(site)

    refused = manage("restore", str(backup), database=site, media=site_media)

    assert refused.returncode != 0
    assert "This site is not empty" in refused.stderr and "--force" in refused.stderr
    assert fingerprint(site) == changed

    forced = manage("restore", "--force", str(backup), database=site, media=site_media)

    assert forced.returncode == 0, forced.stderr
    assert fingerprint(site) == backed_up
    assert not ReviewPage.objects.filter(title="Child E").exists()


@pytest.mark.django_db
def test_a_backup_without_pg_dump_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(CommandError, match="pg_dump was not found on the PATH"):
        call_command("backup", str(tmp_path / "backup"))

    assert not (tmp_path / "backup").exists()


def test_media_in_an_s3_bucket_come_back_under_their_exact_names(tmp_path, monkeypatch):
    """The same archive, written and read through the bucket's storage (moto's S3)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    region = "eu-west-2"
    with mock_aws():
        s3 = boto3.client("s3", region_name=region)
        for bucket in ("site-media", "restored-media"):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
            )
        site = MediaStorage(bucket_name="site-media", region_name=region)
        contents = {
            site.save(name, ContentFile(data)): data
            for name, data in [
                ("documents/child-a-report.pdf", b"%PDF-1.4\n% Child A report\n"),
                ("original_images/logo.png", b"\x89PNG logo"),
                ("images/logo.height-128.png", b"\x89PNG smaller logo"),
            ]
        }
        assert "original_images/logo.png" not in contents  # stored under a random prefix

        files = write_media_archive(site, tmp_path / "media.tar")
        restored = MediaStorage(bucket_name="restored-media", region_name=region)
        replaced = restore_media_archive(tmp_path / "media.tar", restored)

        assert sorted(files) == sorted(contents) == sorted(media_files(restored))
        assert {name: restored.open(name).read() for name in contents} == contents
        assert replaced == 0
