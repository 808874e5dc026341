"""Run the portal as real processes (gunicorn, celery, manage.py) for tests."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def project_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    env.pop("REDIS_URL", None)
    # The browser tests lift Django's async guard in this process (tests/e2e/conftest.py); the
    # processes they start are the portal as deployed, with its guards (and check --deploy
    # refuses the variable).
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env or project_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def database_url() -> str:
    """The URL of the database this test runs on (the test database), for another process."""
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return f"postgres://{settings['USER']}{password}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def wait_for(condition, *, timeout: float = 30, what: str = "the condition"):
    """Poll ``condition`` until it returns something true (and return that), or fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, ready_path: str = "/robots.txt", port: int | None = None, log=None):
    """Serve the project with gunicorn on ``port`` (a free one by default); yields the base URL.

    ``log``: a file (open for writing) that receives the server's output, for tests that read its log.
    """
    port = port or free_port()
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log or subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base_url + ready_path, timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers, even if with an error status
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()  # alive but not answering: its output ends only once it is gone
                    output = process.stdout.read() if process.stdout else f"(see {log.name})"
                    raise RuntimeError(f"gunicorn did not start:\n{output}") from None
                time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
