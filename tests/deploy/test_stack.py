"""The production recipe, run: nginx with deploy/'s site over HTTPS (a self-signed certificate
made here) in front of two gunicorn nodes started with the web unit's own command, sharing
PostgreSQL and Redis (database 11, flushed before and after).

What a visitor, a member and an editor meet through it: a page, compressed; static files with
long cache headers; an uploaded image under /media/; documents' headers; a body over the limit
refused; HTTP sent to HTTPS; a session and a rate limit that hold on both nodes; an enrollment
storm over both nodes that stays exact; a publish on one node that the other node's visitors
see at once (the page cache lives in the shared Redis).

The stack starts once for the module. Nodes are told apart by their access logs (the unit logs
every request to its output): nginx hands requests to the two nodes in turn.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import io
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from ..people import PEOPLE
from ..processes import BIN, ROOT, database_url, free_port, project_env, wait_for
from ..services import require_redis
from .recipe import env_template, render_nginx_site, unit_command

# bench/ is a folder of scripts, not a package: its harness is how members log in over HTTP.
sys.path.insert(0, str(ROOT / "bench"))

import harness
import storm

# The module's stack commits its rows itself (the nodes read them) and flushes them at the end;
# each test only reads, inside pytest-django's transaction (which also makes pytest-django set up
# the test database for this module).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

REDIS_URL = "redis://127.0.0.1:6379/11"
SECRET_KEY = "deploy-test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
MEMBERS = 40
SEATS = 10
NEW_TITLE = "Rapat Koordinasi: Target Program Kerja UMKM (diperbarui)"


def require_nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found:
        return found
    message = "nginx is not installed (apt-get install nginx; .ci/run installs it)"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} and REQUIRE_SERVICES=1")
    pytest.skip(message)


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


@dataclass
class Node:
    name: str
    socket: Path
    log: Path
    process: subprocess.Popen

    def served(self, method: str, path: str) -> int:
        """How many ``method path`` requests (any query string) this node has logged."""
        return len(re.findall(rf'"{method} {re.escape(path)}(?:\?\S*)? HTTP', self.log.read_text()))


@dataclass
class Stack:
    base_url: str
    http_url: str
    tls: ssl.SSLContext
    nodes: list[Node]
    media: Path
    facts: dict = field(default_factory=dict)

    def browser(self) -> harness.Browser:
        return harness.Browser(self.base_url, tls_context=self.tls)

    def fetch(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        """One HTTPS request with these headers; the headers of the answer with lower-case names."""
        port = int(self.base_url.rsplit(":", 1)[1])
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=60, context=self.tls)
        try:
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            return answer.status, {name.lower(): value for name, value in answer.getheaders()}, answer.read()
        finally:
            conn.close()

    def served(self, method: str, path: str) -> dict[str, int]:
        return {node.name: node.served(method, path) for node in self.nodes}


def unix_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(5)
            sock.connect(str(path))
            sock.sendall(b"GET /robots.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


def tcp_answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop processes this module started, and their own process groups (gunicorn's workers), all
    at once: SIGINT is nginx's and gunicorn's quick shutdown; SIGKILL what is left after 15 s."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(key), "-out", str(certificate), "-days", "2", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


NGINX_MAIN = """\
daemon off;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/nginx-error.log warn;
{user}
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log {run}/nginx-access.log;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/portal.conf;
}}
"""


def make_content(media: Path) -> dict:
    """What the checks need, committed: members with a password, a training, an editor, uploads."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.images import ImageFile
    from django.test import override_settings
    from PIL import Image
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from news.models import NewsArticlePage

    # The demo content's pictures, which the pages' renditions are made from (the test process
    # keeps its uploads in its own MEDIA_ROOT).
    for picture in get_image_model().objects.all():
        target = media / picture.file.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(settings.MEDIA_ROOT) / picture.file.name, target)
    training = storm.make_training(seats=SEATS, slug="pelatihan-dua-node")
    members = storm.make_members(count=MEMBERS, prefix="duanode")
    editor = get_user_model().objects.create_superuser(email="redaksi@example.org", password=storm.STORM_PASSWORD)
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), "seagreen").save(photo, "JPEG")
    with override_settings(MEDIA_ROOT=media):
        image = get_image_model().objects.create(
            title="Panen rumput laut di Talawi", file=ImageFile(photo, name="panen-rumput-laut.jpg")
        )
        documents = {
            extension: get_document_model().objects.create(
                title=f"Laporan Rapat ({extension})", file=ContentFile(content, name=f"laporan-rakor.{extension}")
            )
            for extension, content in (("pdf", b"%PDF-1.4\n% laporan\n"), ("docx", b"PK\x03\x04 daftar hadir"))
        }
        image_path, documents = image.file.name, {key: (doc.url, doc.file.name) for key, doc in documents.items()}
    # A page that somehow landed among the uploads is never shown as a page.
    (media / "original_images" / "catatan.html").write_text("<script>alert('x')</script>")
    article = NewsArticlePage.objects.live().order_by("pk").first()
    article.title = NEW_TITLE
    article.save_revision()  # a draft: the editor publishes it through a node (test below)
    return {
        "training": training,
        "training_path": training.url,
        "members": [user.email for user in members],
        "image_path": image_path,
        "documents": documents,
        "article": article.pk,
        "article_path": article.url,
    }


@contextlib.contextmanager
def database_copy():
    """This process and the nodes on a copy of the test database (PostgreSQL's CREATE DATABASE
    ... TEMPLATE: a second or two), dropped at the end: what the module commits never reaches
    the tests after it, and nothing needs seeding again."""
    import psycopg

    settings_dict = connection.settings_dict
    source = settings_dict["NAME"]
    copy = f"{source}_stack"
    server = database_url().rpartition("/")[0]

    def drop(conn):
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')

    connection.close()  # a template must have no other session
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        drop(conn)
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    settings_dict["NAME"] = copy
    try:
        yield
    finally:
        connection.close()
        settings_dict["NAME"] = source
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            drop(conn)


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip(
            "two web nodes share one database server: this runs in the PostgreSQL pass "
            "(a SQLite file cannot be shared by two machines)"
        )
    require_redis()
    nginx = require_nginx()
    flush_redis()
    folder = tmp_path_factory.mktemp("stack")
    media, static = folder / "media", folder / "static"
    media.mkdir()
    https_port, http_port = free_port(), free_port()
    base_url = f"https://127.0.0.1:{https_port}"
    # The environment file a server has (deploy/portal.env.example), with this machine's values.
    env = project_env(
        **env_template()
        | {
            "DJANGO_SETTINGS_MODULE": "tests.deploy.server_settings",
            "SECRET_KEY": SECRET_KEY,
            "REDIS_URL": REDIS_URL,
            "EMAIL_URL": "smtp://127.0.0.1:1",  # the outbox only records here: no worker runs
            "SITE_URL": base_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": base_url,
            "MEDIA_ROOT": str(media),
            "STATIC_ROOT": str(static),
            "PRIVATE_ROOT": str(folder / "private"),
            "BACKUP_ROOT": str(folder / "backups"),
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "WARNING",
        }
    )
    # As a deployment does before it serves (README "Deployment"); meanwhile the content is made.
    # (The nodes' storage skips Brotli's copies, which nginx does not send: tests/deploy/storage.py.)
    collectstatic = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    certificate, key = make_certificate(folder)
    processes: list[subprocess.Popen] = []
    with django_db_blocker.unblock(), database_copy():
        try:
            facts = make_content(media)
            env["DATABASE_URL"] = database_url()  # the copy
            # Before the nodes boot: WhiteNoise reads STATIC_ROOT and the manifest when a worker starts.
            assert collectstatic.wait(timeout=300) == 0, collectstatic.stdout.read()
            nodes = []
            for name in ("a", "b"):
                run = folder / f"run-{name}"
                run.mkdir()
                log = folder / f"node-{name}.log"
                with log.open("w") as output:
                    process = subprocess.Popen(
                        unit_command("portal-web.service", bin_dir=BIN, run_dir=run),
                        cwd=ROOT,
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                processes.append(process)
                nodes.append(Node(name=name, socket=run / "web.sock", log=log, process=process))
            site = render_nginx_site(
                SITE_URL=base_url,
                STATIC_ROOT=str(static),
                MEDIA_ROOT=str(media),
                SERVER_NAME="127.0.0.1",
                HTTP_PORT=str(http_port),
                HTTPS_PORT=str(https_port),
                TLS_CERTIFICATE=str(certificate),
                TLS_CERTIFICATE_KEY=str(key),
                ACME_ROOT=str(folder / "acme"),
                UPSTREAM_SERVERS=" ".join(f"server unix:{node.socket} fail_timeout=0;" for node in nodes),
            )
            (folder / "portal.conf").write_text(site)
            user = "user root;" if os.geteuid() == 0 else ""
            (folder / "nginx.conf").write_text(NGINX_MAIN.format(run=folder, user=user))
            processes.append(
                subprocess.Popen(
                    [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(folder / "nginx-error.log")],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
            for node in nodes:
                if not wait_until(lambda node=node: unix_answers(node.socket) or node.process.poll() is not None):
                    raise RuntimeError(f"node {node.name} did not start:\n{node.log.read_text()}")
                if node.process.poll() is not None:
                    raise RuntimeError(f"node {node.name} stopped:\n{node.log.read_text()}")
            if not wait_until(lambda: tcp_answers(https_port) and tcp_answers(http_port)):
                raise RuntimeError(f"nginx did not start:\n{(folder / 'nginx-error.log').read_text()}")
            tls = ssl.create_default_context(cafile=str(certificate))
            yield Stack(
                base_url=base_url, http_url=f"http://127.0.0.1:{http_port}", tls=tls, nodes=nodes, media=media,
                facts=facts,
            )  # fmt: skip
        finally:
            if collectstatic.poll() is None:
                collectstatic.kill()
                collectstatic.wait()
            stop(processes)
            flush_redis()


def wait_until(condition, timeout: float = 120) -> bool:
    try:
        wait_for(condition, timeout=timeout, what="the stack")
    except AssertionError:
        return False
    return True


def growth(stack: Stack, method: str, path: str, before: dict[str, int]) -> dict[str, int]:
    now = stack.served(method, path)
    return {name: now[name] - before.get(name, 0) for name in now}


def served_since(stack: Stack, method: str, path: str, before: dict[str, int], *, total: int) -> dict[str, int]:
    """Requests per node since ``before``, once the nodes have logged all ``total`` of them."""

    def logged():
        counts = growth(stack, method, path, before)
        return counts if sum(counts.values()) >= total else None

    return wait_for(logged, timeout=30, what=f"{total} {method} {path} in the nodes' logs")


# -- a visitor ----------------------------------------------------------------------------------


def test_pages_come_over_https_compressed_with_static_files_kept_a_year(stack):
    status, headers, body = stack.fetch("/", **{"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["content-encoding"] == "gzip"
    html = gzip.decompress(body).decode()
    assert "GP Ansor" in html
    assert "max-age=" in headers["strict-transport-security"]
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', html).group(1)

    status, headers, body = stack.fetch(stylesheet, **{"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-encoding"] == "gzip"  # WhiteNoise's .gz, sent as it is
    assert headers["x-content-type-options"] == "nosniff"


def test_plain_http_is_sent_to_https(stack):
    port = int(stack.http_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/berita/?kategori=kegiatan")
    answer = conn.getresponse()
    conn.close()

    assert answer.status == 301
    assert answer.getheader("Location") == f"{stack.base_url}/berita/?kategori=kegiatan"


def test_uploaded_images_are_served_by_nginx_and_nothing_there_runs_as_a_page(stack):
    image_path = stack.facts["image_path"]
    status, headers, body = stack.fetch(f"/media/{image_path}")

    assert status == 200
    assert headers["content-type"] == "image/jpeg"
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-disposition" not in headers
    assert body == (stack.media / image_path).read_bytes()
    assert stack.served("GET", f"/media/{image_path}") == {"a": 0, "b": 0}  # nginx, not gunicorn

    status, headers, _ = stack.fetch("/media/original_images/catatan.html")

    assert status == 200
    assert headers["content-disposition"] == "attachment"
    assert headers["content-security-policy"] == "default-src 'none'"
    assert headers["x-content-type-options"] == "nosniff"


def test_documents_download_except_pdf_and_their_files_are_not_public(stack):
    docx_url, docx_file = stack.facts["documents"]["docx"]
    pdf_url, pdf_file = stack.facts["documents"]["pdf"]

    status, headers, _ = stack.fetch(docx_url)
    assert status == 200
    assert headers["content-disposition"].startswith("attachment")
    assert headers["x-content-type-options"] == "nosniff"

    status, headers, body = stack.fetch(pdf_url)
    assert status == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("inline")
    assert body.startswith(b"%PDF-")

    # The files behind them only through Wagtail's view, which checks a collection's privacy.
    assert stack.fetch(f"/media/{pdf_file}")[0] == 404
    assert stack.fetch(f"/media/{docx_file}")[0] == 404


def post_status(stack: Stack, path: str, *, length: int, send_body: bool) -> int:
    """The status of a POST of ``length`` bytes; without ``send_body`` only the headers go."""
    port = int(stack.base_url.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=60) as raw,
        stack.tls.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
    ):
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n".encode()
        )
        if send_body:
            sock.sendall(b"x" * length)
        return int(sock.recv(64).split(b" ", 2)[1])


def test_bodies_over_the_apps_limits_are_refused_before_they_reach_a_node(stack):
    assert post_status(stack, "/akun/login/", length=300 * 1024, send_body=False) == 413
    assert post_status(stack, "/admin/images/multiple/add/", length=12 * 1024 * 1024, send_body=False) == 413
    # A document of 12 MB is within its limit (21 MB): it reaches the app, which asks for a log-in.
    assert post_status(stack, "/admin/documents/multiple/add/", length=12 * 1024 * 1024, send_body=True) != 413


# -- two nodes ------------------------------------------------------------------------------------


def test_a_session_holds_on_both_nodes(stack):
    member = stack.browser()
    member.log_in(stack.facts["members"][0], storm.STORM_PASSWORD)
    before = stack.served("GET", "/anggota/")

    pages = [member.get("/anggota/") for _ in range(4)]

    assert [page.status for page in pages] == [200] * 4
    assert all(harness.shows_member(page.text) for page in pages)
    served = served_since(stack, "GET", "/anggota/", before, total=4)
    assert served == {"a": 2, "b": 2}

    # Every member's page is compressed too (Django sends them uncompressed; nginx compresses).
    status, headers, _ = stack.fetch("/anggota/", **{"Accept-Encoding": "gzip", "Cookie": member.cookie_header()})
    assert status == 200
    assert headers["content-encoding"] == "gzip"


def test_failed_log_ins_are_counted_across_both_nodes(stack):
    visitor = stack.browser()
    token = harness.form_token(visitor.get("/akun/login/").text)
    before = stack.served("POST", "/akun/login/")

    statuses = [
        visitor.post(
            "/akun/login/",
            {"csrfmiddlewaretoken": token, "login": PEOPLE[0].email, "password": "salah-lagi"},
            referer="/akun/login/",
        ).status
        for _ in range(6)
    ]

    # Production's limit: five wrong passwords per address in five minutes, wherever they landed.
    assert statuses == [200] * 5 + [429]
    served = served_since(stack, "POST", "/akun/login/", before, total=6)
    assert served == {"a": 3, "b": 3}


def test_an_enrollment_storm_over_both_nodes_stays_exact(stack):
    from members.enrollment import follow_up_pending
    from members.models import Enrollment
    from tasks.models import Notification

    training = stack.facts["training"]
    enroll_path = f"/anggota/pelatihan/{training.pk}/daftar/"
    emails = stack.facts["members"]

    def open_session(email: str) -> harness.Browser:
        member = stack.browser()
        member.log_in(email, storm.STORM_PASSWORD)
        return member

    with ThreadPoolExecutor(8) as pool:
        members = list(pool.map(open_session, emails))
    barrier = threading.Barrier(len(members))

    def enroll(member: harness.Browser) -> int:
        barrier.wait()
        answer = member.post(
            enroll_path, {"csrfmiddlewaretoken": member.cookies["csrftoken"]}, referer=stack.facts["training_path"]
        )
        return answer.status

    with ThreadPoolExecutor(len(members)) as pool:
        statuses = list(pool.map(enroll, members))

    assert statuses == [302] * MEMBERS
    enrollments = Enrollment.objects.filter(training=training)
    assert enrollments.filter(status=Enrollment.Status.CONFIRMED).count() == SEATS
    assert enrollments.filter(status=Enrollment.Status.WAITLISTED).count() == MEMBERS - SEATS
    assert enrollments.values("member").distinct().count() == MEMBERS
    # One email owed by each enrollment, whichever node took the request (no worker runs here);
    # the worker's follow-up then records one email in the outbox for each of them.
    assert enrollments.filter(follow_up__isnull=False).count() == MEMBERS
    assert Notification.objects.filter(recipient__in=emails).count() == 0
    assert follow_up_pending() == MEMBERS
    assert Notification.objects.filter(recipient__in=emails).count() == MEMBERS
    served = served_since(stack, "POST", enroll_path, {}, total=MEMBERS)
    assert served["a"] > 0
    assert served["b"] > 0


def test_a_publish_on_one_node_is_seen_at_once_through_the_other(stack):
    path = stack.facts["article_path"]

    def visit() -> harness.Response:
        return stack.browser().get(path)  # a new visitor each time: no cookies

    before = stack.served("GET", path)
    first, second = visit(), visit()

    assert (first.status, second.status) == (200, 200)
    assert (first.header("X-Page-Cache"), second.header("X-Page-Cache")) == ("miss", "hit")
    assert served_since(stack, "GET", path, before, total=2) == {
        "a": 1,
        "b": 1,
    }  # the second node served the first node's page from the shared cache
    assert NEW_TITLE not in second.text

    editor = stack.browser()
    editor.log_in("redaksi@example.org", storm.STORM_PASSWORD)
    publish = f"/admin/bulk/wagtailcore/page/publish/?id={stack.facts['article']}&next=/admin/"
    token = harness.form_token(editor.get(publish).text)
    published_on = stack.served("POST", "/admin/bulk/wagtailcore/page/publish/")
    assert editor.post(publish, {"csrfmiddlewaretoken": token}, referer=publish).status == 302
    bulk = "/admin/bulk/wagtailcore/page/publish/"
    publisher = next(name for name, count in served_since(stack, "POST", bulk, published_on, total=1).items() if count)

    before = stack.served("GET", path)
    after = [visit(), visit()]

    assert all(page.status == 200 and NEW_TITLE in page.text for page in after)
    served = served_since(stack, "GET", path, before, total=2)
    other = "b" if publisher == "a" else "a"
    assert served[other] == 1  # the node that did not publish answers with the new title too
