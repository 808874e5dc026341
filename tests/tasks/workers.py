"""Real Celery workers and a Redis of the test's own, as subprocesses, for the integration tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile

from ..processes import BIN, ROOT, database_url, free_port, project_env, wait_for

__all__ = ["OwnRedis", "Worker", "database_url", "wait_for"]


class Worker:
    """``celery -A tasks worker --pool=solo`` on the test's database, broker and SMTP server.

    ``beat``: with the beat scheduler embedded (``-B``), sweeping the outbox every second.
    """

    def __init__(self, *, broker_url: str, smtp_port: int, name: str = "w1", beat: bool = False):
        self.log = tempfile.NamedTemporaryFile(prefix=f"worker-{name}-", suffix=".log", delete=False)  # noqa: SIM115
        from django.conf import settings

        env = project_env(
            DJANGO_SETTINGS_MODULE="config.settings.dev",
            DEBUG="0",
            # The web's key, as on a server: sealed outbox rows (emails with one-tap links) open with it.
            SECRET_KEY=settings.SECRET_KEY,
            DATABASE_URL=database_url(),
            REDIS_URL=broker_url,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
            SITE_URL="http://127.0.0.1:8000",
            OUTBOX_SWEEP_SECONDS="1",  # read by beat only
        )
        # Beat keeps its schedule in memory: a test's worker starts fresh, and the shelve file of
        # the persistent scheduler (dbm.sqlite3 on Python 3.13) was seen failing in the forked
        # embedded beat ("disk I/O error"), which left the outbox unswept.
        beat_args = ["-B", "--scheduler=celery.beat:Scheduler"] if beat else []
        self.process = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "tasks",
                "worker",
                "--pool=solo",
                f"--hostname={name}-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
                *beat_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def ready(self) -> bool:
        with open(self.log.name) as log:
            return "ready." in log.read()

    def wait_ready(self):
        wait_for(self.ready, timeout=40, what=f"the worker to start:\n{self.output()}")
        return self

    def output(self) -> str:
        with open(self.log.name) as log:
            return log.read()[-4000:]

    def kill(self):
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        os.unlink(self.log.name)


class OwnRedis:
    """A redis-server of the test's own on a free port, to stop and start as an outage."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import socket

        def up():
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
            return False

        wait_for(up, timeout=10, what="redis-server to start")
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
