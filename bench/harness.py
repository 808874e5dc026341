"""What the benchmarks share: a fresh database, the production server, machine facts, cleanup,
wrk, and a browser's session (log in over HTTP, keep the cookies).

Longer than 400 lines on purpose: every script imports this one module for what they all do
the same way (the server's life, the load generator, the login), so that none does it its own way.

Every benchmark works on a PostgreSQL database of its own (``portal_bench_<name>``, dropped and
created again on each run) and on Redis db 9 (flushed), so that a run never touches the
development or test databases and can be repeated at will. Override with BENCH_POSTGRES_URL
(the server, without a database name) and BENCH_REDIS_URL.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUTPUT_DIR = ROOT / "var" / "bench"
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
# A key for these throw-away databases only; the production settings refuse to start without one.
SECRET_KEY = "bench-only-secret-key-not-for-any-real-site-0123456789abcdef"  # noqa: S105


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def default_workers() -> int:
    """Gunicorn's own rule of thumb: two workers per core, plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def die_on_sigterm() -> None:
    """SIGTERM (and SIGHUP) unwind like Ctrl-C, so every ``finally`` stops what it started."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


def run(main) -> None:
    """Run a benchmark's ``main``; Ctrl-C stops it (its ``finally`` blocks stop the server) quietly."""
    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it happens, also through tee
    die_on_sigterm()
    try:
        status = main()
    except KeyboardInterrupt:
        print("\ninterrupted: the server is stopped, nothing was measured", file=sys.stderr)
        status = 130
    sys.exit(status)


def require_services() -> None:
    """Fail early, and clearly, when PostgreSQL or Redis is not there."""
    import psycopg
    import redis

    try:
        psycopg.connect(POSTGRES_URL + "/postgres", connect_timeout=3).close()
    except psycopg.Error as error:
        sys.exit(f"PostgreSQL is not reachable at {POSTGRES_URL} ({error}); the benchmarks need it.")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        sys.exit(f"Redis is not reachable at {REDIS_URL} ({error}); the benchmarks need it.")


def recreate_database(name: str) -> str:
    """Drop and create ``name`` on the benchmark PostgreSQL server; returns its URL."""
    import psycopg

    with psycopg.connect(POSTGRES_URL + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{POSTGRES_URL}/{name}"


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def production_env(*, database_url: str, scratch: Path, port: int) -> dict[str, str]:
    """The environment of a production deployment on this machine, minus TLS (loopback)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": SECRET_KEY,
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            # Nothing listens there: nothing in these benchmarks sends mail (the outbox only records).
            "EMAIL_URL": "smtp://127.0.0.1:1",
            "SITE_URL": f"http://127.0.0.1:{port}",
            "STATIC_ROOT": str(scratch / "static"),
            "MEDIA_ROOT": str(scratch / "media"),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


@contextlib.contextmanager
def scratch_dir(name: str):
    path = Path(tempfile.mkdtemp(prefix=f"portal-bench-{name}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def manage(*args: str, env: dict[str, str], root: Path = ROOT) -> None:
    """``manage.py`` of the tree at ``root`` (this one, or the baseline's worktree)."""
    subprocess.run([sys.executable, "manage.py", *args], cwd=root, env=env, check=True)  # noqa: S603 - our own manage.py


def prepare_site(env: dict[str, str], *, root: Path = ROOT) -> None:
    """What a deployment does before it serves: translations, migrations, static files."""
    manage("compilemessages", "--ignore=.venv", "-v0", env=env, root=root)
    manage("migrate", "--no-input", "-v0", env=env, root=root)
    manage("collectstatic", "--no-input", "-v0", env=env, root=root)


def setup_django(env: dict[str, str]) -> None:
    """Use the same settings as the server in this process (seeding, reading results)."""
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# -- the server -----------------------------------------------------------------------------


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop_group(pgid: int, *, process: subprocess.Popen | None = None, timeout: float = 15) -> None:
    """SIGINT the process group (gunicorn's quick shutdown), SIGKILL what is left after ``timeout``.

    Not SIGTERM: that is gunicorn's graceful stop, where an idle sync worker notices only when
    its wait for connections times out (half of --timeout).
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGINT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # Our own child must be reaped, or its zombie would keep the group "alive".
        if process is not None:
            process.poll()
        if not _group_alive(pgid):
            break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    if process is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


def _stop_leftover(pidfile: Path) -> None:
    """A previous run killed hard (SIGKILL) may have left its gunicorn: stop exactly that one."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        cmdline = ""
    try:  # ours only: started in this tree (or in its baseline's worktree under var/bench/)
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        cwd = ""
    if "gunicorn" in cmdline and "config.wsgi" in cmdline and cwd.startswith(str(ROOT)):
        print(f"stopping gunicorn {pid} left over by an earlier run")
        _stop_group(pid)
    pidfile.unlink(missing_ok=True)


def server_options() -> dict[str, object]:
    """Workers, worker class and threads: BENCH_WORKERS, BENCH_WORKER_CLASS, BENCH_THREADS."""
    worker_class = os.environ.get("BENCH_WORKER_CLASS", "sync")
    return {
        "workers": env_int("BENCH_WORKERS", default_workers()),
        "worker_class": worker_class,
        "threads": env_int("BENCH_THREADS", 4 if worker_class == "gthread" else 1),
    }


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str],
    *,
    port: int,
    name: str,
    ready_path: str = "/robots.txt",
    root: Path = ROOT,
    options: dict[str, object] | None = None,
):
    """Serve the project (the tree at ``root``) with gunicorn as in production; yields the base
    URL, stops it on exit. ``options`` overrides server_options() (workers, class, threads)."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    pidfile = OUTPUT_DIR / f"gunicorn-{name}.pid"
    _stop_leftover(pidfile)
    options = {**server_options(), **(options or {})}
    log_path = OUTPUT_DIR / f"gunicorn-{name}.log"
    command = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={options['workers']}",
        f"--worker-class={options['worker_class']}",
        f"--threads={options['threads']}",
        "--backlog=2048",
        "--timeout=120",
        f"--error-logfile={log_path}",
        "--log-level=warning",
    ]
    with log_path.open("w") as log:
        # A session of its own: Ctrl-C reaches this script, which then stops the whole group.
        process = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=log, start_new_session=True)  # noqa: S603
    pidfile.write_text(str(process.pid))
    base_url = f"http://127.0.0.1:{port}"
    try:
        # A loaded machine (other work on the 2 cores) can take a minute to import Django.
        deadline = time.monotonic() + env_int("BENCH_START_SECONDS", 300)
        while True:
            try:
                urllib.request.urlopen(base_url + ready_path, timeout=30).close()  # noqa: S310 - loopback
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log_path}") from None
                time.sleep(0.2)
        yield base_url
    finally:
        _stop_group(process.pid, process=process)
        pidfile.unlink(missing_ok=True)


# -- facts ----------------------------------------------------------------------------------


def _command_output(*command: str) -> str:
    try:
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return ""


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def git_commit() -> str:
    commit = _command_output("git", "rev-parse", "--short=12", "HEAD") or "unknown"
    branch = _command_output("git", "rev-parse", "--abbrev-ref", "HEAD")
    changed = _command_output("git", "status", "--porcelain", "--untracked-files=no")
    dirty = " (with uncommitted changes)" if changed else ""
    return f"{commit} on {branch}{dirty}" if branch else commit + dirty


def machine_facts(*, database_url: str, server: bool = True) -> list[tuple[str, str]]:
    """What a reader needs to compare these figures with another run."""
    import django
    import gunicorn as gunicorn_package
    import psycopg
    import redis
    import wagtail

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        postgres = conn.execute("SHOW server_version").fetchone()[0]
    redis_version = redis.Redis.from_url(REDIS_URL).info("server").get("redis_version", "?")
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        total_kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB memory"
    options = server_options()
    gunicorn_line = f"gunicorn {gunicorn_package.__version__}, {options['workers']} {options['worker_class']} workers"
    if options["worker_class"] == "gthread":
        gunicorn_line += f" x {options['threads']} threads"
    facts = [
        ("date", datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("commit", git_commit()),
        ("machine", f"{platform.machine()}, {os.cpu_count()} cores ({cpu_model()}){memory}, {platform.system()}"),
        ("load average just before measuring (1/5/15 min)", load),
        ("python", platform.python_version()),
        ("django / wagtail", f"{django.get_version()} / {wagtail.__version__}"),
        ("postgresql", f"{postgres}, {database_url.split('@')[-1]}"),
        ("redis", f"{redis_version}, {REDIS_URL.split('@')[-1]}"),
    ]
    if server:
        settings = os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.production")
        facts.append(("server", f"{gunicorn_line}, settings {settings}, loopback"))
    return facts


def facts_markdown(facts: list[tuple[str, str]]) -> str:
    return "\n".join(f"- {label}: {value}" for label, value in facts)


def write_report(name: str, text: str) -> Path:
    """Keep each run's report under var/bench/ (not committed), and print it."""
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = OUTPUT_DIR / f"{name}-{stamp}.md"
    path.write_text(text)
    print(text)
    print(f"(report saved in {path.relative_to(ROOT)})")
    return path


def write_result(name: str, data: dict) -> Path:
    """The figures of one benchmark as JSON, for bench/summary.py: in BENCH_RUN_DIR (set by
    ``make bench`` for one run) or as var/bench/<name>-latest.json."""
    run_dir = os.environ.get("BENCH_RUN_DIR")
    path = Path(run_dir) / f"{name}.json" if run_dir else OUTPUT_DIR / f"{name}-latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, default=str))
    return path


def milliseconds(value: float, unit: str) -> float:
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}[unit]


def format_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms" if value >= 1 else f"{value:.2f} ms"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (what wrk reports too)."""
    ordered = sorted(values)
    rank = min(max(1, math.ceil(fraction * len(ordered))), len(ordered))
    return ordered[rank - 1]


# -- wrk --------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rate: float
    p50: float | None
    p99: float | None
    non_2xx_3xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non_2xx_3xx + self.socket_errors


WRK_LATENCY = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.MULTILINE)


def parse_wrk(output: str) -> WrkResult:
    """Read wrk 4's report (``--latency``): totals, rate, percentiles and both kinds of errors."""
    totals = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not totals or not rate:
        raise ValueError(f"cannot read wrk's output:\n{output}")
    percentiles = {int(p): milliseconds(float(v), unit) for p, v, unit in WRK_LATENCY.findall(output)}
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(totals.group(1)),
        seconds=milliseconds(float(totals.group(2)), totals.group(3)) / 1000,
        rate=float(rate.group(1)),
        p50=percentiles.get(50),
        p99=percentiles.get(99),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def wrk(url: str, *, seconds: int, connections: int, threads: int = 2, cookies: str = "") -> tuple[WrkResult, str]:
    """wrk as a browser asks (compressed); ``cookies``: a logged-in member's Cookie header."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout=10s",
        "--latency",
        # What a browser asks for: WhiteNoise then serves the pre-compressed file.
        "-H",
        "Accept-Encoding: gzip, deflate, br",
        *(["-H", f"Cookie: {cookies}"] if cookies else []),
        url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)  # noqa: S603
    return parse_wrk(completed.stdout), completed.stdout


# -- a browser's session ----------------------------------------------------------------------

CSRF_FIELD = re.compile(
    r'<input[^>]*name="csrfmiddlewaretoken"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrfmiddlewaretoken"'
)


class LoginFailed(RuntimeError):
    pass


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def form_token(html: str) -> str:
    """The CSRF token a page put in its (first) form, as a browser would submit it."""
    found = CSRF_FIELD.search(html)
    if not found:
        raise LoginFailed("no csrfmiddlewaretoken in the page's form")
    return found.group(1) or found.group(2)


@dataclass
class Browser:
    """Keeps cookies the way a browser does (set, replaced, deleted by Max-Age=0), over plain
    HTTP/1.1 (or HTTPS) from the standard library; follows no redirects, so every answer can be checked.

    The production cookies are ``Secure``; on loopback without TLS a real browser would drop
    them, this client keeps them (the server is told nothing else: no X-Forwarded-Proto).
    """

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    # For an https:// base URL: the TLS context (e.g. one that trusts a test's self-signed certificate).
    tls_context: ssl.SSLContext | None = None

    @property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, *, data: dict | None = None, referer: str | None = None) -> Response:
        parts = urlsplit(self.base_url)
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=120, context=self.tls_context)
        else:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        headers = {"Accept-Encoding": "identity", "Accept-Language": "id", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + (referer or path)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheaders(), answer.read())
        finally:
            connection.close()
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                self._keep(value)
        return response

    def _keep(self, set_cookie: str) -> None:
        cookie = SimpleCookie()
        cookie.load(set_cookie)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or not morsel.value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict, *, referer: str | None = None) -> Response:
        return self.request("POST", path, data=data, referer=referer)

    def log_in(self, email: str, password: str, *, path: str = "/akun/login/") -> Response:
        """GET the login page, POST its form with its CSRF token (``login``, ``password``), keep
        the cookies. Raises LoginFailed unless the site answered with a session (302)."""
        page = self.get(path)
        if page.status != 200:
            raise LoginFailed(f"GET {path} answered {page.status}")
        token = form_token(page.text)
        answer = self.post(path, {"csrfmiddlewaretoken": token, "login": email, "password": password}, referer=path)
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise LoginFailed(f"POST {path} for {email} answered {answer.status} without a session")
        return answer


MEMBER_LINK = re.compile(r'<a[^>]*href="/anggota/"[^>]*>\s*Akun saya\s*</a>')
LOGIN_LINK = re.compile(r'<a[^>]*href="/akun/login/[^"]*"[^>]*>\s*Masuk\s*</a>')


def shows_member(html: str) -> bool:
    """A logged-in member's page: the header links to their account ("Akun saya"), and no
    login link ("Masuk") is left anywhere, so it is not the anonymous page."""
    return bool(MEMBER_LINK.search(html)) and not LOGIN_LINK.search(html)
