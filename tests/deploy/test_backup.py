"""Backups that restore: ``manage.py backup`` of a site with content, members, enrollments, email
in the outbox and uploads, ``manage.py restore`` into a fresh database and an empty media
folder, and every table and file is there as it was. On SQLite and on PostgreSQL."""

import hashlib
import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.core.management import call_command
from django.db import connection
from PIL import Image
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from core.backup import BackupError, backup_prune, backup_restore
from members import enrollment
from members.models import Enrollment
from tasks.models import Notification

from ..people import PEOPLE
from ..processes import database_url, manage, project_env


def jpeg(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def connect(url: str):
    """A plain DB-API connection (not Django's), the same kind on both sides of the comparison."""
    if url.startswith("sqlite:///"):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url)


def fingerprints(url: str) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows (in any order)."""
    with connect(url) as conn:
        cursor = conn.cursor()
        if url.startswith("sqlite:///"):
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        else:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = sorted(row[0] for row in cursor.fetchall())
        result = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalogue
            rows = sorted(repr(row) for row in cursor.fetchall())
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def files(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def fresh_database(tmp_path):
    """The URL of a database with no tables, on the server this test runs on."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    source = database_url()
    server, _, name = source.rpartition("/")
    restored = f"{name}_restored"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{restored}"')
    yield f"{server}/{restored}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


# Real commits (pg_dump and the restoring process read them): the database is flushed after the
# test, and seed_demo (the demo_site fixture) rebuilds what the next one needs.
@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_backup_restores_into_a_fresh_database_with_every_row_and_file(
    settings, tmp_path, make_training, make_person, fresh_database
):
    settings.MEDIA_ROOT = tmp_path / "media"
    training = make_training(title="Pelatihan Abon Ikan Jum'at", capacity=1)
    photo = get_image_model().objects.create(
        title="Kopi & Kue Nur'aini", file=ImageFile(io.BytesIO(jpeg("brown")), name="kopi-kue.jpg")
    )
    photo.get_rendition("fill-320x240|format-webp")
    get_document_model().objects.create(
        title="Laporan Rapat Koordinasi", file=ContentFile(b"%PDF-1.4\n% laporan\n", name="laporan-rakor.pdf")
    )
    for person in PEOPLE[:3]:
        enrollment.enroll(member=make_person(person), training=training)
    assert Enrollment.objects.filter(training=training, status=Enrollment.Status.CONFIRMED).count() == 1
    assert Notification.objects.count() >= 3

    out = io.StringIO()
    call_command("backup", output=tmp_path / "backups", stdout=out)
    archive = Path(out.getvalue().strip())

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database"]["vendor"] == connection.vendor
    assert "0001_initial" in manifest["migrations"]["members"]
    assert manifest["versions"]["django"].startswith("6.1")
    assert manifest["media"]["files"] == len(files(settings.MEDIA_ROOT)) >= 3

    restored_media = tmp_path / "restored-media"
    result = manage(
        "restore",
        str(archive),
        env=project_env(
            DJANGO_SETTINGS_MODULE="config.settings.production",
            SECRET_KEY="backup-test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
            DATABASE_URL=fresh_database,
            MEDIA_ROOT=str(restored_media),
        ),
    )
    assert result.returncode == 0, result.stderr
    assert "Restored the backup" in result.stdout

    source = fingerprints(database_url())
    restored = fingerprints(fresh_database)
    assert restored == source
    assert source["members_enrollment"][0] == 3
    assert source["tasks_notification"][0] >= 3
    assert files(restored_media) == files(settings.MEDIA_ROOT)


def test_a_restore_refuses_a_database_that_has_data(settings, tmp_path, db):
    settings.MEDIA_ROOT = tmp_path / "media"
    out = io.StringIO()
    call_command("backup", output=tmp_path, stdout=out)

    with pytest.raises(BackupError, match="--replace"):
        backup_restore(archive=Path(out.getvalue().strip()))


def test_the_rotation_keeps_the_newest_archives_and_nothing_else(tmp_path):
    names = [f"portal-backup-202612{day:02d}T023000Z.tar" for day in range(1, 6)]
    for name in [*names, "catatan.txt"]:
        (tmp_path / name).write_text("x")

    deleted = backup_prune(directory=tmp_path, keep=2)

    assert sorted(path.name for path in deleted) == names[:3]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["catatan.txt", *names[3:]]


def test_beat_backs_up_nightly_with_the_registered_task(settings):
    from core.tasks import backup

    entry = settings.CELERY_BEAT_SCHEDULE["backup"]
    assert entry["task"] == backup.name == "core.backup"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {30})  # 02:30 WIB, after the day's work
