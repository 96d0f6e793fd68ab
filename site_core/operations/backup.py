"""Back up the site to a directory, and restore it from one: the database and the media files.

A backup is a directory of three files:
- `database.dump`: the whole PostgreSQL database, from `pg_dump --format=custom` (tables,
  sequences, the search vectors' trigger: everything, as PostgreSQL sees it);
- `media.tar`: every file of the media storage (documents, images and their renditions),
  read through Django's storage API, so the same code backs up a folder or an S3 bucket;
- `manifest.json`: when and from what it was made (Django, Wagtail and PostgreSQL versions,
  each app's latest migration) and the SHA-256 of the dump, of the archive and of each file.
  It is written last: a directory without it is not a complete backup.

Restoring checks every checksum and version before it changes anything, refuses a database
or media storage that already holds a site unless forced, then restores the database with
`pg_restore` in one transaction and the files through the storage API.
The operator's guide is docs/backups.md.
"""

import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import django
from django.core.cache import cache
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

import wagtail

from site_core.caching import page_cache

FORMAT = 1
DUMP = "database.dump"
MEDIA = "media.tar"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
# Files bigger than this are spooled to disk while their checksum is taken, not kept in memory.
SPOOL_BYTES = 8 * 1024 * 1024

Say = Callable[[str], None]


class BackupError(Exception):
    """Something the operator must put right; the message says what."""


# --- PostgreSQL and its client tools --------------------------------------------------------


def _tool(name: str) -> tuple[str, int, str]:
    """The path, major version and full version of a PostgreSQL client tool."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on the PATH. Install PostgreSQL's client tools, of the "
            "database server's version or later (Debian: apt-get install postgresql-client)."
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"\(PostgreSQL\)\s+((\d+)\S*)", output)
    if found is None:
        raise BackupError(f"Cannot read the version of {path} from {output.strip()!r}.")
    return path, int(found.group(2)), found.group(1)


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def _server_version() -> str:
    connection.ensure_connection()
    version = connection.pg_version
    return f"{version // 10000}.{version % 10000}"


def _client_options() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump/pg_restore. The password goes in the
    environment (PGPASSWORD), never on the command line, where other users could read it."""
    db = connection.settings_dict
    args = ["--no-password"]  # never wait for a password prompt (cron, containers)
    if db.get("HOST"):
        args += ["--host", db["HOST"]]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    args += ["--dbname", db["NAME"]]
    _, extra = connection.client.settings_to_cmd_args_env(db, [])
    return args, {**os.environ, **(extra or {})}


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit status {done.returncode}):\n{done.stderr.strip()}")


# --- Migrations ---------------------------------------------------------------------------


def migration_heads() -> list[str]:
    """Each app's latest applied migration, as "app.name"; any applied migration this code
    does not have is listed too (none, in a backup made by the site's own code)."""
    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    # Migrations a squashed one stands in for are recorded as applied but are not in the graph.
    squashed = {key for migration in loader.replacements.values() for key in migration.replaces}
    heads = []
    for key in applied:
        node = loader.graph.node_map.get(key)
        if node is None:
            if key not in squashed:
                heads.append(key)
        elif not any(child.key[0] == key[0] and child.key in applied for child in node.children):
            heads.append(key)
    return sorted(f"{app}.{name}" for app, name in heads)


def _unknown_migrations(heads: list[str]) -> list[str]:
    """Heads this version of the site does not have: the backup is from a newer one."""
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [head for head in heads if tuple(head.split(".", 1)) not in known]


def _pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


# --- Files --------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_storage() -> Storage:
    """The storage of uploaded files: a folder (MEDIA_ROOT) or an S3 bucket."""
    return storages["default"]


def media_files(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file name in the storage, walking its directories (S3 "prefixes") in order."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # a filesystem storage whose MEDIA_ROOT was never created
        return
    for name in sorted(files):
        yield posixpath.join(directory, name)
    for name in sorted(directories):
        yield from media_files(storage, posixpath.join(directory, name))


def _safe_member_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and ".." not in parts and "" not in parts


def _human(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    amount, unit = size / 1000, "kB"
    for larger in ("MB", "GB"):
        if amount < 1000:
            break
        amount, unit = amount / 1000, larger
    return f"{amount:.1f} {unit}"


# --- Backup -------------------------------------------------------------------------------


def backup(directory: Path, say: Say) -> dict:
    """Writes a backup of the database and the media storage into `directory` (new or empty)."""
    pg_dump, dump_major, dump_version = _tool("pg_dump")
    server_major = _server_major()
    if dump_major < server_major:
        raise BackupError(
            f"pg_dump {dump_version} cannot back up a PostgreSQL {server_major} database: "
            f"install the client tools of version {server_major} or later "
            f"(Debian: apt-get install postgresql-client-{server_major})."
        )
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise BackupError(
            f"{directory} is not empty: give each backup a new directory, for example "
            f"{directory / datetime.now(UTC).strftime('%Y-%m-%dT%H%M')}."
        )
    created_at = datetime.now(UTC)
    try:
        args, env = _client_options()
        dump_path = directory / DUMP
        _run([pg_dump, "--format=custom", "--file", str(dump_path), *args], env, "pg_dump")
        storage = media_storage()
        files = write_media_archive(storage, directory / MEDIA)
        media_bytes = sum(file["bytes"] for file in files.values())
        manifest = {
            "format": FORMAT,
            "created_at": created_at.isoformat(),
            "versions": {
                "django": django.get_version(),
                "wagtail": wagtail.__version__,
                "postgresql": _server_version(),
                "pg_dump": dump_version,
            },
            "database": {
                "name": connection.settings_dict["NAME"],
                "file": DUMP,
                "bytes": dump_path.stat().st_size,
                "sha256": sha256_of(dump_path),
                "migration_heads": migration_heads(),
            },
            "media": {
                "file": MEDIA,
                "storage": type(storage).__name__,
                "bytes": (directory / MEDIA).stat().st_size,
                "sha256": sha256_of(directory / MEDIA),
                "file_count": len(files),
                "files": files,
            },
        }
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        for name in (DUMP, MEDIA, MANIFEST):
            (directory / name).unlink(missing_ok=True)
        raise
    say(
        f"Backed up the database {manifest['database']['name']} "
        f"({_human(manifest['database']['bytes'])}, pg_dump {dump_version}) and "
        f"{len(files)} media files ({_human(media_bytes)}, from "
        f"{manifest['media']['storage']}) to {directory}."
    )
    return manifest


def write_media_archive(storage: Storage, path: Path) -> dict[str, dict]:
    """Copies every file of the storage into a tar archive; each one's size and checksum."""
    files: dict[str, dict] = {}
    created = datetime.now(UTC).timestamp()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        for name in media_files(storage):
            digest = hashlib.sha256()
            # A copy first: the archive needs the size before the bytes, and the checksum
            # must be of exactly the bytes archived, even if the file changes meanwhile.
            with (
                tempfile.SpooledTemporaryFile(SPOOL_BYTES) as copy,
                storage.open(name, "rb") as source,
            ):
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    copy.write(chunk)
                member = tarfile.TarInfo(name)
                member.size = copy.tell()
                member.mtime = created
                member.mode = 0o644
                copy.seek(0)
                archive.addfile(member, copy)
            files[name] = {"bytes": member.size, "sha256": digest.hexdigest()}
    return files


# --- Restore ------------------------------------------------------------------------------


@dataclass
class Backup:
    directory: Path
    manifest: dict

    @property
    def files(self) -> dict[str, dict]:
        return self.manifest["media"]["files"]


def read_backup(directory: Path) -> Backup:
    """The backup in `directory`, once every checksum in its manifest has been checked."""
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(
            f"{directory} holds no {MANIFEST}: it is not a backup, or its backup did not "
            "finish. Nothing was changed."
        )
    try:
        manifest = json.loads(manifest_path.read_text())
    except ValueError as error:
        raise BackupError(
            f"{manifest_path} is not valid JSON ({error}). Nothing was changed."
        ) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{manifest_path} is in format {manifest.get('format')!r}; this version of the "
            f"site reads format {FORMAT}. Nothing was changed."
        )
    found = Backup(directory, manifest)
    for part in ("database", "media"):
        expected = manifest[part]
        path = directory / expected["file"]
        if not path.is_file():
            raise BackupError(f"{path} is missing. Nothing was changed.")
        if path.stat().st_size != expected["bytes"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(
                f"{path} does not match its checksum in {MANIFEST}: the file is damaged or "
                "was changed after the backup. Nothing was changed."
            )
    _check_media_archive(found)
    return found


def _check_media_archive(found: Backup) -> None:
    expected = found.files
    seen = set()
    with tarfile.open(found.directory / MEDIA, "r:") as archive:
        for member in archive:
            name = member.name
            if not member.isreg() or not _safe_member_name(name) or name in seen:
                raise BackupError(
                    f"{MEDIA} holds an entry that no backup writes ({name!r}). Nothing was changed."
                )
            if name not in expected:
                raise BackupError(
                    f"{MEDIA} holds {name}, which {MANIFEST} does not list. Nothing was changed."
                )
            digest = hashlib.sha256()
            stream = archive.extractfile(member)
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != expected[name]["sha256"]:
                raise BackupError(
                    f"{name} in {MEDIA} does not match its checksum in {MANIFEST}. Nothing "
                    "was changed."
                )
            seen.add(name)
    if missing := sorted(set(expected) - seen):
        raise BackupError(
            f"{MEDIA} lacks {len(missing)} files that {MANIFEST} lists, such as "
            f"{missing[0]}. Nothing was changed."
        )


def restore(directory: Path, force: bool, say: Say) -> None:
    """Restores the backup in `directory` into this site's database and media storage."""
    found = read_backup(directory)
    manifest = found.manifest
    versions = manifest["versions"]
    pg_restore, restore_major, restore_version = _tool("pg_restore")
    source_major = int(versions["pg_dump"].split(".")[0])
    if restore_major < source_major:
        raise BackupError(
            f"The dump was made by pg_dump {versions['pg_dump']}, which pg_restore "
            f"{restore_version} cannot read: install the client tools of version "
            f"{source_major} or later. Nothing was changed."
        )
    server_major = _server_major()
    if server_major < int(versions["postgresql"].split(".")[0]):
        raise BackupError(
            f"The backup is of a PostgreSQL {versions['postgresql']} database and this "
            f"server runs {_server_version()}: restore it into PostgreSQL "
            f"{versions['postgresql'].split('.')[0]} or later. Nothing was changed."
        )
    if unknown := _unknown_migrations(manifest["database"]["migration_heads"]):
        raise BackupError(
            "The backup was made by a newer version of the site: its database has migrations "
            f"this version does not know ({', '.join(unknown)}). Restore it with the version "
            f"of the site that made it (Django {versions['django']}, Wagtail "
            f"{versions['wagtail']}). Nothing was changed."
        )

    storage = media_storage()
    tables = connection.introspection.table_names()
    existing = sum(1 for _ in media_files(storage))
    if (tables or existing) and not force:
        held = []
        if tables:
            held.append(f"the database {connection.settings_dict['NAME']} has {len(tables)} tables")
        if existing:
            held.append(f"the media storage holds {existing} files")
        raise BackupError(
            f"This site is not empty: {' and '.join(held)}. Restore into a new, empty "
            "database and media storage, or pass --force to replace what is there with the "
            "backup (stop the web processes and the scheduler first). Nothing was changed."
        )
    say(
        f"Checked the backup made at {manifest['created_at']}: the dump, the media archive "
        f"and its {len(found.files)} files match {MANIFEST}."
    )

    args, env = _client_options()
    command = [pg_restore, "--single-transaction", "--no-owner", "--no-privileges"]
    if force:
        command += ["--clean", "--if-exists"]
    connection.close()  # ours holds no lock, but nothing of this process should linger
    _run([*command, *args, str(directory / DUMP)], env, "pg_restore")
    say(
        f"Restored the database {connection.settings_dict['NAME']} from "
        f"{manifest['database']['name']} (pg_restore {restore_version}, in one transaction)."
    )

    try:
        replaced = restore_media_archive(directory / MEDIA, storage)
    except Exception as error:
        raise BackupError(
            f"The database was restored, but writing the media files failed: {error}. Run "
            "the restore again with --force once the media storage works."
        ) from error
    say(
        f"Restored {len(found.files)} media files to {type(storage).__name__}"
        + (f", replacing {replaced} that were there." if replaced else ".")
    )

    # Pages, menus and vocabularies cached before the restore must not be served after it.
    cache.clear()
    page_cache.invalidate("a backup was restored")
    say("Emptied the cache, so that every page is made from the restored database.")

    if pending := _pending_migrations():
        say(
            f"The backup predates {len(pending)} migrations of this version: run "
            "`manage.py migrate` before starting the site."
        )
    if (versions["django"], versions["wagtail"]) != (django.get_version(), wagtail.__version__):
        say(
            f"The backup was made with Django {versions['django']} and Wagtail "
            f"{versions['wagtail']}; this site runs Django {django.get_version()} and Wagtail "
            f"{wagtail.__version__}."
        )


def restore_media_archive(path: Path, storage: Storage) -> int:
    """Writes each file of a checked archive under its own name into the storage; how many
    replaced a file already there."""
    replaced = 0
    with tarfile.open(path, "r:") as archive:
        for member in archive:
            if storage.exists(member.name):
                storage.delete(member.name)
                replaced += 1
            # The storage's own save() would choose a new name (an original image gets a
            # random prefix, a name in use a suffix), and the database refers to this one:
            # _save(), what save() calls once it has a name, writes under exactly it.
            saved = storage._save(member.name, File(archive.extractfile(member), name=member.name))
            if saved != member.name:
                raise BackupError(
                    f"The media storage saved {member.name} as {saved}: check its settings "
                    "(AWS_S3_FILE_OVERWRITE, a custom storage class)."
                )
    return replaced
