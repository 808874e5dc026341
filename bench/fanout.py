"""How fast the announcement fan-out delivers, next to the ceiling of raw smtplib.

    make bench-fanout            # or: .venv/bin/python bench/fanout.py [--count 10000] [--workers 2]

What it does, on one machine:
1. A database of its own (PostgreSQL ``portal_bench_fanout`` by default, BENCH_DATABASE_URL to
   change it), migrated, with ``--count`` active members who opted in to announcements.
2. A local aiosmtpd server (in this process, on a free port) that counts what it accepts.
3. ``--workers`` Celery worker processes (``celery -A tasks worker --pool=solo``) on the
   Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/9, flushed first: the benchmarks' db).
4. Fan-out: ``members.announcements.announce()`` records one row per member in one
   transaction and queues batches of 200; the clock runs from the call until the SMTP
   server has accepted every message and every row is ``sent``.
5. Ceiling: the same messages (built by ``tasks.outbox.build_message`` from the same rows)
   sent by ``smtplib`` from one process over one connection, into the same server.
"""

from __future__ import annotations

import argparse
import email.policy
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", f"{POSTGRES_URL}/portal_bench_fanout")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class CountingHandler:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 Message accepted for delivery"


def create_postgres_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SITE_URL": "http://127.0.0.1:8000",
        # Not a line per SMTP command (aiosmtpd) and per page published: that costs time and buries the result.
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    os.environ.update(env)
    if DATABASE_URL.startswith("postgres"):
        create_postgres_database(DATABASE_URL)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "seed_demo", "-v0"], cwd=ROOT, env=env, check=True)

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from members import announcements
    from members.models import Member
    from programs.models import ProgramPage
    from tasks import outbox
    from tasks.models import Notification

    redis.Redis.from_url(REDIS_URL).flushdb()
    User = get_user_model()
    User.objects.bulk_create(
        (User(email=f"bench{n:05d}@example.org", password="!") for n in range(args.count)),  # noqa: S106 - unusable
        batch_size=2000,
    )
    users = User.objects.filter(email__startswith="bench").order_by("pk")
    Member.objects.bulk_create(
        (Member(user=user, full_name=f"Kader {user.pk}", status="active", announcements_opt_in=True) for user in users),
        batch_size=2000,
    )
    page = ProgramPage.objects.live().first()
    import harness

    facts = harness.machine_facts(database_url=DATABASE_URL, server=False)

    workers = [
        subprocess.Popen(  # noqa: S603 - our own celery
            [str(BIN / "celery"), "-A", "tasks", "worker", "--pool=solo", f"--hostname=bench{n}@%h", "-l", "WARNING"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(args.workers)
    ]
    try:
        time.sleep(8)  # let both workers connect to Redis before the clock starts
        started = time.perf_counter()
        with transaction.atomic():
            recorded = announcements.announce(page=page)
        recorded_at = time.perf_counter() - started
        while handler.count < recorded:
            time.sleep(0.05)
        while Notification.objects.exclude(status="sent").exists():
            time.sleep(0.05)
        fanout = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)

    messages = [
        outbox.build_message(n).message(policy=email.policy.SMTP).as_bytes()
        for n in Notification.objects.order_by("pk")
    ]
    recipients = list(Notification.objects.order_by("pk").values_list("recipient", flat=True))
    handler.count = 0
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for recipient, message in zip(recipients, messages, strict=True):
            smtp.sendmail("noreply@localhost", [recipient], message)
    raw = time.perf_counter() - started
    controller.stop()

    print(harness.facts_markdown(facts))
    print(f"database: {DATABASE_URL.split('@')[-1]}, broker: {REDIS_URL}")
    print(f"fan-out: {recorded} emails, {args.workers} workers")
    print(f"  recorded in {recorded_at:.2f} s, all sent in {fanout:.2f} s")
    print(f"  = {recorded / fanout:.0f} emails/s")
    print(
        f"raw smtplib, one process, one connection: {len(messages)} emails in {raw:.2f} s = {len(messages) / raw:.0f}/s"
    )


if __name__ == "__main__":
    main()
