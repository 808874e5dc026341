"""Backups: the whole site in one archive, and back.

An archive (``portal-backup-<UTC time>.tar``) holds:

- ``database.pgdump``: PostgreSQL's ``pg_dump`` in its custom format (compressed, restored by
  ``pg_restore``), or ``database.sqlite3``: a copy of the SQLite file made with SQLite's online
  backup API (consistent while the site writes);
- ``media/``: every upload under ``MEDIA_ROOT`` (images, renditions, documents);
- ``manifest.json``: when, which database and tools, the versions of Python, Django, Wagtail
  and the portal (its git commit), and the migrations applied, so a restore can tell an archive
  it cannot take (another database, a newer version).

The database is dumped before the media are copied, so every file a row names is in the archive
(a file is written before its row commits); an upload during the backup may add a file no row
names yet, which is harmless. ``PRIVATE_ROOT`` (member lists waiting for their import job) is
not kept: those files live minutes, and a job whose file is gone is marked failed.

``manage.py backup`` and ``manage.py restore`` call these functions; beat runs ``core.backup``
nightly (``CELERY_BEAT_SCHEDULE``), which keeps the last ``BACKUP_KEEP`` archives.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import django
import wagtail
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from core import pagecache

ARCHIVE_PREFIX = "portal-backup-"
ARCHIVE_SUFFIX = ".tar"
ARCHIVE_NAME = re.compile(rf"^{ARCHIVE_PREFIX}\d{{8}}T\d{{6}}Z{re.escape(ARCHIVE_SUFFIX)}$")
MANIFEST = "manifest.json"
FORMAT = 1
POSTGRES_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
COMMAND_TIMEOUT = 3600


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# -- making one -------------------------------------------------------------------------------


def backup_create(*, directory: Path, now: datetime.datetime | None = None) -> Path:
    """Write one archive of the database and the media into ``directory``; returns its path.

    The archive appears under its final name only when it is complete (a crash leaves no
    half-written archive for the rotation to count).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    moment = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    target = directory / f"{ARCHIVE_PREFIX}{moment:%Y%m%dT%H%M%SZ}{ARCHIVE_SUFFIX}"
    with tempfile.TemporaryDirectory(dir=directory, prefix=".backup-") as work:
        work = Path(work)
        database = _dump_database(work)
        media_root = Path(settings.MEDIA_ROOT)
        files, size = _media_totals(media_root)
        manifest = {
            "format": FORMAT,
            "created_at": moment.isoformat(),
            "database": database,
            "versions": _versions(),
            "migrations": _applied_migrations(),
            "media": {"files": files, "bytes": size},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        partial = work / target.name
        with tarfile.open(partial, "w") as archive:
            archive.add(work / MANIFEST, arcname=MANIFEST)
            archive.add(work / database["file"], arcname=database["file"])
            if not media_root.is_dir():
                media_root = work / MEDIA
                media_root.mkdir()
            archive.add(media_root, arcname=MEDIA)
        partial.chmod(0o600)  # the whole database: for the owner only, whatever the umask
        os.replace(partial, target)
    return target


def backup_prune(*, directory: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` archives in ``directory`` (by their names' times); returns the deleted."""
    archives = sorted(path for path in Path(directory).glob(f"{ARCHIVE_PREFIX}*") if ARCHIVE_NAME.match(path.name))
    doomed = archives[: max(len(archives) - max(keep, 1), 0)]
    for path in doomed:
        path.unlink()
    return doomed


def _dump_database(work: Path) -> dict:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        tool = _tool_version("pg_dump")
        server = _server_version()
        if _major(tool) < _major(server):
            raise BackupError(
                f"pg_dump {tool} is older than the PostgreSQL server ({server}): install the "
                f"postgresql-client package of version {_major(server)} (Debian: postgresql-client-{_major(server)})."
            )
        _run(["pg_dump", "--format=custom", f"--file={work / POSTGRES_DUMP}", *_pg_connection_args(db)])
        return {"vendor": "postgresql", "file": POSTGRES_DUMP, "server_version": server, "dump_tool": tool}
    if connection.vendor == "sqlite":
        source = sqlite3.connect(db["NAME"])
        copy = sqlite3.connect(work / SQLITE_COPY)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return {"vendor": "sqlite", "file": SQLITE_COPY, "server_version": sqlite3.sqlite_version}
    raise BackupError(f"no backup for a {connection.vendor} database")


def _media_totals(root: Path) -> tuple[int, int]:
    files = [path for path in root.rglob("*") if path.is_file()] if root.is_dir() else []
    return len(files), sum(path.stat().st_size for path in files)


def _versions() -> dict:
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "portal": _git_commit(),
    }


def _git_commit() -> str:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return result.stdout.strip() or "unknown"


def _applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


# -- restoring one ----------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive) as tar:
            member = tar.extractfile(MANIFEST)
            manifest = json.load(member)
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(f"{archive} is not a backup of the portal ({error})") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} has format {manifest.get('format')!r}; this version reads format {FORMAT}")
    return manifest


def backup_restore(*, archive: Path, replace: bool = False) -> dict:
    """Restore ``archive`` into the configured database and ``MEDIA_ROOT``; returns its manifest.

    Both must be empty (a fresh database, no files), unless ``replace``: then the database's
    tables and the media folder's files are replaced by the archive's.
    """
    archive = Path(archive)
    manifest = read_manifest(archive)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            f"The archive holds a {vendor} database, but DATABASE_URL points at {connection.vendor}: "
            f"restore it into a {vendor} database."
        )
    unknown = _migrations_unknown_here(manifest["migrations"])
    if unknown:
        raise BackupError(
            "The archive was made by a newer version of the portal (migrations this code does not "
            f"have: {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}). Deploy that version "
            f"(commit {manifest['versions'].get('portal', 'unknown')}) and restore again."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if not replace:
        problems = []
        tables = connection.introspection.table_names()
        if tables:
            problems.append(f"the database {connection.settings_dict['NAME']} has {len(tables)} tables")
        if media_root.is_dir() and any(media_root.iterdir()):
            problems.append(f"the media folder {media_root} is not empty")
        if problems:
            raise BackupError(
                "Refusing to restore over existing data: "
                + "; ".join(problems)
                + ". Restore into an empty database and media folder, or pass --replace to overwrite them."
            )
    parent = media_root.parent
    parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=parent, prefix=".restore-") as work:
        work = Path(work)
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        _restore_database(work / manifest["database"]["file"], vendor=vendor, replace=replace)
        _restore_media(work / MEDIA, media_root, replace=replace)
    # Pages cached before the restore must not answer for the restored content.
    pagecache.invalidate()
    return manifest


def _restore_media(source: Path, media_root: Path, *, replace: bool) -> None:
    """Copy the archive's files into ``media_root`` as uploads are written: new folders take the
    folder's group (a setgid folder of the web server's group stays readable by it) and files get
    FILE_UPLOAD_PERMISSIONS, whatever owner and modes the archive's files had."""
    media_root.mkdir(parents=True, exist_ok=True)
    if replace:
        for item in media_root.iterdir():
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
    file_mode = settings.FILE_UPLOAD_PERMISSIONS
    folder_mode = settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS
    for path in sorted(source.rglob("*")):
        target = media_root / path.relative_to(source)
        if path.is_dir():
            target.mkdir(exist_ok=True)
            if folder_mode is not None:
                target.chmod(folder_mode)
        else:
            shutil.copyfile(path, target)
            if file_mode is not None:
                target.chmod(file_mode)


def _migrations_unknown_here(applied: dict[str, list[str]]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, names in sorted(applied.items()) for name in names if (app, name) not in known]


def _restore_database(path: Path, *, vendor: str, replace: bool) -> None:
    db = connection.settings_dict
    connection.close()
    if vendor == "postgresql":
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        if replace:
            command += ["--clean", "--if-exists"]
        _run([*command, *_pg_connection_args(db), str(path)])
        return
    source = sqlite3.connect(path)
    target = sqlite3.connect(db["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


# -- PostgreSQL's tools -----------------------------------------------------------------------


def _pg_connection_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    return [*args, "--no-password", f"--dbname={db['NAME']}"]


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    return env


def _run(command: list[str]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - PostgreSQL's own tools, arguments from the settings
            command, env=_pg_env(), capture_output=True, text=True, timeout=COMMAND_TIMEOUT
        )
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)."
        ) from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()}")


def _tool_version(tool: str) -> str:
    try:
        output = subprocess.run(  # noqa: S603 - PostgreSQL's own tool
            [tool, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
    except FileNotFoundError as error:
        raise BackupError(
            f"{tool} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)."
        ) from error
    found = re.search(r"(\d+(?:\.\d+)*)", output)
    return found.group(1) if found else "0"


def _server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]


def _major(version: str) -> int:
    return int(version.split(".")[0])
