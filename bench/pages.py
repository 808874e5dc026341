"""Requests per second of each anonymous page, next to a static file from the same server.

    make bench-pages             # or: .venv/bin/python bench/pages.py [--reuse-database]

What it does, on one machine:
1. A PostgreSQL database of its own (``portal_bench_pages``, dropped and created again),
   migrated, with the demo content (``seed_demo``) plus a realistic volume: 200 articles over
   four years with categories, tags and a dozen images, three more programs with their
   trainings (past and upcoming), and past trainings in the demo program.
2. ``collectstatic`` into a temporary STATIC_ROOT (hashed, compressed names, as deployed).
3. gunicorn with the production settings (``config.settings.production``; TLS redirect off,
   since this is loopback) on a free port: BENCH_WORKERS (default 2 x cores + 1) workers of
   class BENCH_WORKER_CLASS (default ``sync``), Redis db 9 as the cache.
4. For each URL: a first GET (must answer 200), a warm-up (BENCH_WARMUP_SECONDS of wrk), one
   more GET to read the ``X-Page-Cache`` header, then ``wrk -t2 -c<BENCH_CONNECTIONS>
   -d<BENCH_SECONDS> --latency`` as anonymous visitors (no cookies). The static file (the
   site's stylesheet, by its hashed name) is measured first and last; the ceiling is the mean.
5. A markdown table (also saved under var/bench/): requests/s, p50, p99, errors, and each
   page's ratio to the static rate. Exit status 1 when a page has errors or stays below a
   third of the static rate (the target of issue 9).
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import harness

DATABASE_NAME = "portal_bench_pages"
TARGET_RATIO = 1 / 3
ARTICLE_COUNT = 200


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
    percentiles = {int(p): harness.milliseconds(float(v), unit) for p, v, unit in WRK_LATENCY.findall(output)}
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return WrkResult(
        requests=int(totals.group(1)),
        seconds=harness.milliseconds(float(totals.group(2)), totals.group(3)) / 1000,
        rate=float(rate.group(1)),
        p50=percentiles.get(50),
        p99=percentiles.get(99),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def wrk(url: str, *, seconds: int, connections: int, threads: int = 2) -> tuple[WrkResult, str]:
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
        url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)  # noqa: S603
    return parse_wrk(completed.stdout), completed.stdout


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# -- content ----------------------------------------------------------------------------------

PARAGRAPHS = [
    "Pengurus cabang bersama PAC se-Kabupaten Batu Bara membahas jadwal kaderisasi, pendataan anggota "
    "dan kegiatan sosial di desa-desa. Setiap PAC diminta melaporkan perkembangan kadernya setiap bulan.",
    "Kegiatan ini dihadiri pengurus harian, perwakilan Banser, serta mitra dari dinas terkait. Peserta "
    "berdiskusi tentang cara menjangkau pemuda di kecamatan pesisir yang selama ini jarang tersentuh.",
    "Ketua panitia menyampaikan terima kasih kepada seluruh kader yang hadir dan mengajak mereka untuk "
    "terus aktif mengikuti pelatihan yang diumumkan melalui portal ini.",
    "Hasil kegiatan akan dibahas lagi dalam rapat pleno berikutnya, termasuk rencana anggaran, "
    "pembagian tugas per bidang, dan jadwal kunjungan ke PAC.",
]
TOPICS = [
    "Konsolidasi PAC {n}: Pengurus Turun ke Desa",
    "Kader Ansor Batu Bara Gelar Bakti Sosial di Kecamatan {n}",
    "Diklat Terpadu Dasar Angkatan {n} Resmi Dibuka",
    "Pelaku UMKM Kader Pamerkan Produk di Bazar Ke-{n}",
    "Silaturahmi Cabang dengan Tokoh Masyarakat, Pertemuan Ke-{n}",
]
TAGS = ["kaderisasi", "UMKM", "PAC", "bakti sosial", "pelatihan", "rapat", "Banser", "pemuda", "desa", "ekonomi"]

PROGRAMS = [
    ("kaderisasi-berjenjang", "Kaderisasi Berjenjang", "PKD, PKL dan PKN bagi kader di setiap PAC."),
    ("konsolidasi-organisasi", "Konsolidasi Organisasi", "Penguatan PAC dan ranting di dua belas kecamatan."),
    ("ansor-peduli-pendidikan", "Ansor Peduli Pendidikan", "Beasiswa dan bimbingan belajar bagi anak kader."),
]


def add_content(*, articles: int) -> None:
    """Bring the demo to the size of a branch after a few years: listings as they would be."""
    from django.utils import timezone
    from wagtail.models import Page

    from news.demo import demo_image
    from news.models import NewsArticlePage, NewsCategory, NewsIndexPage
    from programs.models import Partner, ProgramIndexPage, ProgramPage, TrainingPage

    index = NewsIndexPage.objects.get()
    categories = list(NewsCategory.objects.all())
    images = [
        demo_image(f"Kegiatan kader {n + 1}", (20 + 17 * n % 200, 90 + 11 * n % 120, 40 + 23 * n % 180))
        for n in range(12)
    ]
    today = timezone.localdate()
    for n in range(articles):
        article = NewsArticlePage(
            title=TOPICS[n % len(TOPICS)].format(n=n + 1),
            slug=f"berita-kegiatan-{n + 1}",
            date=today - datetime.timedelta(days=7 * n + 1),
            dateline="Batu Bara",
            author="Tim Media PC",
            intro=PARAGRAPHS[n % len(PARAGRAPHS)],
            search_description=PARAGRAPHS[n % len(PARAGRAPHS)][:150],
            feature_image=images[n % len(images)],
            body=[
                ("paragraph", f"<p>{PARAGRAPHS[(n + 1) % 4]}</p><p>{PARAGRAPHS[(n + 2) % 4]}</p>"),
                ("heading", "Langkah berikutnya"),
                ("paragraph", f"<p>{PARAGRAPHS[(n + 3) % 4]}</p>"),
            ],
        )
        article.categories = [categories[n % len(categories)], categories[(n + 1) % len(categories)]]
        article.tags.add(TAGS[n % len(TAGS)], TAGS[(n + 3) % len(TAGS)])
        index.add_child(instance=article)
        article.save_revision().publish()

    program_index = ProgramIndexPage.objects.get()
    partners = list(Partner.objects.all())
    umkm = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
    parents = [(umkm, "umkm", 4, 0)]  # the demo program gets a history of past trainings
    for order, (slug, title, summary) in enumerate(PROGRAMS):
        program = ProgramPage(
            title=title,
            slug=slug,
            summary=summary,
            goals="<ul><li>Kader terlatih di setiap PAC.</li><li>Organisasi yang tertib dan hidup.</li></ul>",
            body=[("paragraph", "".join(f"<p>{text}</p>" for text in PARAGRAPHS[:3]))],
            period_start=today.replace(month=1, day=1) - datetime.timedelta(days=365 * order),
            period_end=today.replace(month=12, day=31),
            featured_image=images[order],
        )
        program.partners = partners[order : order + 2]
        program_index.add_child(instance=program)
        program.save_revision().publish()
        parents.append((program, slug, 3, 3))
    for program, prefix, past, upcoming in parents:
        for n in range(past + upcoming):
            days = -30 * (n + 1) if n < past else 10 + 9 * (n - past)
            starts_at = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0) + datetime.timedelta(
                days=days
            )
            training = TrainingPage(
                title=f"{program.title}: Angkatan {n + 1}",
                slug=f"{prefix}-angkatan-{n + 1}",
                summary="Pelatihan sehari bagi kader, dengan praktik dan pendampingan sesudahnya.",
                description="".join(f"<p>{text}</p>" for text in PARAGRAPHS[:2]),
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=7),
                venue_name="Aula Kantor PC NU Batubara",
                venue_address="Kecamatan Lima Puluh, Kabupaten Batu Bara, Sumatera Utara",
                organiser="PC GP Ansor Kabupaten Batu Bara",
                trainers="Tim Instruktur PC GP Ansor Batu Bara",
                capacity=30,
            )
            training.partners = partners[:2]
            program.add_child(instance=training)
            training.save_revision().publish()
    print(f"content: {Page.objects.live().count()} live pages, {NewsArticlePage.objects.live().count()} articles")


def page_urls() -> list[tuple[str, str]]:
    from news.models import NewsArticlePage
    from programs.models import ProgramPage, TrainingPage

    def path(page) -> str:
        return urlsplit(page.get_url()).path

    article = NewsArticlePage.objects.get(slug="rapat-koordinasi-umkm-agenda-prioritas")
    program = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
    training = TrainingPage.objects.get(slug="pelatihan-digital-marketing")
    return [
        ("home", "/"),
        ("news index", "/berita/"),
        ("article (demo)", path(article)),
        ("program index", "/program/"),
        ("program (UMKM)", path(program)),
        ("training (digital marketing)", path(training)),
    ]


def static_url(static_root: Path) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    path: str
    status: int
    page_cache: str
    result: WrkResult


def measure(base_url: str, label: str, path: str, *, seconds: int, warmup: int, connections: int) -> Row:
    status, _, _ = fetch(base_url + path)
    if warmup:
        wrk(base_url + path, seconds=warmup, connections=connections)
    status, headers, _ = fetch(base_url + path)
    page_cache = next((value for key, value in headers.items() if key.lower() == "x-page-cache"), "—")
    result, _ = wrk(base_url + path, seconds=seconds, connections=connections)
    print(
        f"  {label:32} {result.rate:9.1f} req/s  p50 {harness.format_ms(result.p50):>9}  "
        f"p99 {harness.format_ms(result.p99):>9}  errors {result.errors}  (GET {status}, X-Page-Cache {page_cache})",
        flush=True,
    )
    return Row(label, path, status, page_cache, result)


def report(facts, rows: list[Row], statics: list[Row], *, seconds: int, connections: int) -> tuple[str, list[str]]:
    ceiling = sum(row.result.rate for row in statics) / len(statics)
    failures = []
    lines = [
        "# Anonymous pages against a static file (bench/pages.py)",
        "",
        harness.facts_markdown(facts),
        f"- load: `wrk -t2 -c{connections} -d{seconds}s --latency` per URL, anonymous (no cookies), "
        "`Accept-Encoding: gzip, deflate, br`, after a warm-up",
        "",
        "| page | URL | req/s | p50 | p99 | errors | ratio to static | X-Page-Cache |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in statics:
        r = row.result
        lines.append(
            f"| {row.label} | `{row.path}` | {r.rate:,.0f} | {harness.format_ms(r.p50)} | {harness.format_ms(r.p99)} "
            f"| {r.errors} | {r.rate / ceiling:.2f} | — |"
        )
    for row in rows:
        r = row.result
        ratio = r.rate / ceiling
        mark = "" if ratio >= TARGET_RATIO else " ✗"
        lines.append(
            f"| {row.label} | `{row.path}` | {r.rate:,.0f} | {harness.format_ms(r.p50)} | {harness.format_ms(r.p99)} "
            f"| {r.errors} | {ratio:.2f}{mark} | {row.page_cache} |"
        )
        if row.status != 200:
            failures.append(f"{row.label}: GET answered {row.status}, not 200")
        if r.errors:
            failures.append(f"{row.label}: {r.non_2xx_3xx} non-2xx/3xx responses, {r.socket_errors} socket errors")
        if ratio < TARGET_RATIO:
            failures.append(f"{row.label}: {r.rate:.0f} req/s is {ratio:.2f} of the static rate, below 1/3")
    for row in statics:
        if row.result.errors or row.status != 200:
            failures.append(f"{row.label}: GET {row.status}, {row.result.errors} errors")
    lines += [
        "",
        f"Static ceiling: mean of the two static runs, {ceiling:,.0f} req/s; target: every page at or above "
        f"{ceiling * TARGET_RATIO:,.0f} req/s (a third).",
        "",
        "Result: " + ("every page at or above a third of the static rate, no errors." if not failures else "FAILED"),
        *[f"- {failure}" for failure in failures],
        "",
    ]
    return "\n".join(lines), failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reuse-database", action="store_true", help="keep the database of an earlier run (skips seeding)"
    )
    args = parser.parse_args()
    harness.require_services()
    seconds = harness.env_int("BENCH_SECONDS", 10)
    warmup = harness.env_int("BENCH_WARMUP_SECONDS", 2)
    workers = harness.server_options()["workers"]
    connections = harness.env_int("BENCH_CONNECTIONS", 2 * workers)

    port = harness.free_port()
    with harness.scratch_dir("pages") as scratch:
        database_url = f"{harness.POSTGRES_URL}/{DATABASE_NAME}"
        env = harness.production_env(database_url=database_url, scratch=scratch, port=port)
        if not args.reuse_database:
            harness.recreate_database(DATABASE_NAME)
        harness.flush_redis()
        harness.prepare_site(env)
        harness.setup_django(env)
        from news.models import NewsArticlePage

        if not NewsArticlePage.objects.filter(slug="berita-kegiatan-1").exists():
            harness.manage("seed_demo", "-v0", env=env)
            add_content(articles=ARTICLE_COUNT)
        urls = page_urls()
        static = static_url(Path(env["STATIC_ROOT"]))
        facts = harness.machine_facts(database_url=database_url)
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
        facts.append(
            ("load generator", (version.stdout or version.stderr).split(" Copyright")[0] + ", on the same machine")
        )
        from django.db import connections as db_connections

        db_connections.close_all()

        print(f"serving on 127.0.0.1:{port}; {seconds} s per URL, {connections} connections", flush=True)
        with harness.gunicorn(env, port=port, name="pages") as base_url:
            run = {"seconds": seconds, "warmup": warmup, "connections": connections}
            statics = [measure(base_url, "static file (before)", static, **run)]
            rows = [measure(base_url, label, path, **run) for label, path in urls]
            statics.append(measure(base_url, "static file (after)", static, **run))
        text, failures = report(facts, rows, statics, seconds=seconds, connections=connections)
        harness.write_report("pages", text)
    harness.flush_redis()
    return 1 if failures else 0


if __name__ == "__main__":
    harness.run(main)
