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
5. Ceiling: the same rows read from the database, each built inside the clock as the workers
   build it (``tasks.outbox.build_message`` with one batch's ``Prototypes``), sent by ``smtplib``
   from one process of its own (as each worker is: the server keeps the bench process to
   itself) over one connection, into the same server; no claims, no marks, no Celery.
   The ratio fan-out / ceiling is the figure the issue asks for, printed first.
6. For the record: the same loop with every message built before the clock (the wire alone,
   the ceiling of earlier runs), and what building one message costs, whole (Django's
   ``message()``) and from its batch's prototype.
"""

from __future__ import annotations

import argparse
import email.policy
import multiprocessing
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
    delivered_in_fanout = handler.count

    # The ceiling runs in a process of its own, as each worker does, so that the SMTP server
    # (a thread of this process) does not share an interpreter lock with its client.
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    handler.count = 0
    with context.Pool(1) as pool:
        raw, raw_sent = pool.apply(raw_smtplib, (smtp_port, True))
    assert handler.count == raw_sent == recorded, (handler.count, raw_sent, recorded)
    handler.count = 0
    with context.Pool(1) as pool:
        wire, wire_sent = pool.apply(raw_smtplib, (smtp_port, False))
    controller.stop()
    whole_ms, prototype_ms = build_costs(sample=1000)

    fanout_rate, raw_rate, wire_rate = recorded / fanout, raw_sent / raw, wire_sent / wire
    lines = [
        f"# Announcement fan-out: {recorded} emails, {args.workers} workers",
        "",
        f"**fan-out / raw smtplib = {fanout_rate / raw_rate:.2f}** "
        f"({fanout_rate:.0f} against {raw_rate:.0f} emails/s; the issue asks for at least 0.5)",
        "",
        harness.facts_markdown(facts),
        f"- database: {DATABASE_URL.split('@')[-1]}, broker: {REDIS_URL}",
        "",
        "| What | Emails | Time | Rate | Ratio to the ceiling |",
        "|---|---:|---:|---:|---:|",
        f"| Fan-out: `announce()` to every row `sent`, {args.workers} workers "
        f"(recording the rows: {recorded_at:.2f} s) | {recorded:,} | {fanout:.2f} s | "
        f"**{fanout_rate:.0f}/s** | **{fanout_rate / raw_rate:.2f}** |",
        f"| Ceiling: raw `smtplib`, one process, one connection, each message built in the clock "
        f"| {raw_sent:,} | {raw:.2f} s | {raw_rate:.0f}/s | 1.00 |",
        f"| The wire alone: the same loop, messages built before the clock "
        f"| {wire_sent:,} | {wire:.2f} s | {wire_rate:.0f}/s | {wire_rate / raw_rate:.2f} |",
        "",
        f"Building one message ({1000:,} rows, `build_message().message(policy=SMTP).as_bytes()`): "
        f"whole {whole_ms:.3f} ms, from its batch's prototype {prototype_ms:.3f} ms.",
        f"Messages the SMTP server accepted during the fan-out: {delivered_in_fanout:,} (one per row).",
    ]
    harness.write_report("fanout", "\n".join(lines) + "\n")
    harness.write_result("fanout", {"rate": fanout_rate, "raw_rate": raw_rate, "wire_rate": wire_rate})


def raw_smtplib(port: int, build_in_clock: bool) -> tuple[float, int]:
    """Every row, in one process over one smtplib connection: (seconds, messages sent)."""
    from tasks import outbox
    from tasks.models import Notification
    from tasks.wire import Prototypes

    identity = outbox.sender()
    envelope_from = identity.bulk_address or identity.address
    if not build_in_clock:
        rows = list(Notification.objects.order_by("pk"))
        prototypes = Prototypes()
        prebuilt = [(n.recipient, outbox.build_message(n, identity=identity, prototypes=prototypes)) for n in rows]
        prebuilt = [(recipient, m.message(policy=email.policy.SMTP).as_bytes()) for recipient, m in prebuilt]
    started = time.perf_counter()
    sent = 0
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        if build_in_clock:
            prototypes = Prototypes()
            for notification in Notification.objects.order_by("pk").iterator(chunk_size=1000):
                message = outbox.build_message(notification, identity=identity, prototypes=prototypes)
                smtp.sendmail(
                    envelope_from, [notification.recipient], message.message(policy=email.policy.SMTP).as_bytes()
                )
                sent += 1
        else:
            for recipient, message in prebuilt:
                smtp.sendmail(envelope_from, [recipient], message)
                sent += 1
    return time.perf_counter() - started, sent


def build_costs(*, sample: int) -> tuple[float, float]:
    """Milliseconds to build one message: whole, and from its batch's prototype."""
    from tasks import outbox
    from tasks.models import Notification
    from tasks.wire import Prototypes

    identity = outbox.sender()
    rows = list(Notification.objects.order_by("pk")[:sample])
    started = time.perf_counter()
    for notification in rows:
        outbox.build_message(notification, identity=identity).message(policy=email.policy.SMTP).as_bytes()
    whole = time.perf_counter() - started
    prototypes = Prototypes()
    started = time.perf_counter()
    for notification in rows:
        message = outbox.build_message(notification, identity=identity, prototypes=prototypes)
        message.message(policy=email.policy.SMTP).as_bytes()
    prototype = time.perf_counter() - started
    return whole / len(rows) * 1000, prototype / len(rows) * 1000


if __name__ == "__main__":
    main()
