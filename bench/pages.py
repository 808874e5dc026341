"""Requests per second of each page, anonymous and logged in, next to a static file; and uncached.

    make bench-pages             # or: .venv/bin/python bench/pages.py [--reuse-database] [--skip-uncached]

What it does, on one machine:
1. A PostgreSQL database of its own (``portal_bench_pages``, dropped and created again),
   migrated, with the demo content (``seed_demo``) plus a realistic volume (bench/content.py):
   200 articles, three more programs with their trainings; and one member, verified and
   complete, with a password, enrolled in two upcoming trainings (the dashboard has something).
2. ``collectstatic`` into a temporary STATIC_ROOT (hashed, compressed names, as deployed).
3. gunicorn with the production settings (``config.settings.production``; TLS redirect off,
   since this is loopback) on a free port: BENCH_WORKERS (default 2 x cores + 1) workers of
   class BENCH_WORKER_CLASS (default ``sync``), Redis db 9 as the cache.
4. The member logs in like a browser: GET /akun/login/, POST the form with its CSRF token,
   keep the cookies; each member page must then show the member's header ("Akun saya", no
   "Masuk" link) before it is measured.
5. For each URL: a first GET (must answer 200), a warm-up (BENCH_WARMUP_SECONDS of wrk), one
   more GET to read the ``X-Page-Cache`` header, then BENCH_ROUNDS (3) rounds of ``wrk -t2
   -c<BENCH_CONNECTIONS> -d<BENCH_SECONDS> --latency`` on the static file (the site's
   stylesheet, by its hashed name) and then on the page: anonymous (no cookies), then the
   member's pages (wrk sends the member's session and CSRF cookies). A page's ratio is the
   median over its rounds of its rate to the static file's just before it: this VM's speed
   drifts by a third within minutes, and a ratio to a static rate measured minutes apart
   measured the drift.
6. Every cache off, on SQLite, this tree against BENCH_BASELINE_REF side by side
   (bench/uncached.py), unless --skip-uncached.
7. A markdown report (also saved under var/bench/) and the figures as JSON for
   bench/summary.py. Exit status 1 when a page has errors, a member page is not the
   member's, or a target of issue 16 is missed (anonymous >= 0.6, members' home, article and
   training >= 1/3 of the static rate).
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import content
import harness
from harness import WrkResult, parse_wrk, wrk  # noqa: F401 - parse_wrk: tests/test_bench.py

DATABASE_NAME = "portal_bench_pages"
ANONYMOUS_TARGET = 0.6  # issue 16: every anonymous page still >= 0.6 of the static rate
MEMBER_TARGET = 1 / 3  # issue 16: members' home, article, training >= 1/3 of the static rate
MEMBER_TARGET_PAGES = {"home", "article (demo)", "training (digital marketing)"}
MEMBER_EMAIL = "bench.member@example.org"
MEMBER_PASSWORD = "Kader-Ansor-Bench-2026!"  # noqa: S105 - a throw-away bench account
MEMBER_NAME = "Nur'aini Bench Siregar"
MEMBER_TRAININGS = ("kaderisasi-berjenjang-angkatan-4", "konsolidasi-organisasi-angkatan-4")


def fetch(url: str, *, cookies: str = "") -> tuple[int, dict[str, str], bytes]:
    headers = {"Accept-Encoding": "identity", **({"Cookie": cookies} if cookies else {})}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


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


def make_member() -> None:
    """The member whose pages are measured: verified, complete, two upcoming trainings."""
    import datetime

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from core.models import District
    from members import enrollment
    from members.models import Member
    from programs.models import TrainingPage

    user, created = get_user_model().objects.get_or_create(email=MEMBER_EMAIL)
    if not created:
        return
    user.set_password(MEMBER_PASSWORD)  # the production hasher: one login, as a member's
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    now = timezone.now()
    member = Member.objects.create(
        user=user,
        full_name=MEMBER_NAME,
        phone="+6281261234599",
        gender=Member.Gender.FEMALE,
        birth_date=datetime.date(1996, 8, 17),
        district=District.objects.get(slug="talawi"),
        village="Labuhan Ruku",
        occupation="Pedagang",
        cadre_level=Member.CadreLevel.PKD,
        privacy_agreed_at=now,
        status=Member.Status.ACTIVE,
        verified_at=now,
    )
    for slug in MEMBER_TRAININGS:
        enrollment.enroll(member=member, training=TrainingPage.objects.get(slug=slug))


def member_urls(urls: list[tuple[str, str]]) -> list[tuple[str, str]]:
    wanted = ["home", "article (demo)", "training (digital marketing)", "program (UMKM)", "news index"]
    by_label = dict(urls)
    return [(label, by_label[label]) for label in wanted] + [("dashboard", "/anggota/")]


def member_page_problem(label: str, path: str, page: str, *, training_id: int) -> str:
    """Why this is not the member's page, or "" when it is."""
    if not harness.shows_member(page):
        return f"{label} ({path}): the header is not the member's (no 'Akun saya', or a 'Masuk' link)"
    if label.startswith("training") and f"/anggota/pelatihan/{training_id}/daftar/" not in page:
        return f"{label} ({path}): no enrollment form of the member's panel"
    if label == "dashboard" and html.escape(MEMBER_NAME) not in page:
        return f"{label} ({path}): the dashboard does not name the member"
    return ""


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Row:
    """One page's measurement: ``rounds`` pairs of wrk runs, the static file's just before the page's."""

    label: str
    path: str
    status: int
    page_cache: str
    rounds: list[tuple[WrkResult, WrkResult]]  # (the static file, then this page)
    who: str = "anonymous"

    @property
    def ratio(self) -> float:
        """The median, over the rounds, of the page's rate to the static file's just before it."""
        return statistics.median(page.rate / static.rate for static, page in self.rounds)

    @property
    def result(self) -> WrkResult:
        """The page's run of the median round (its rate and latencies are what the tables show)."""
        ordered = sorted(self.rounds, key=lambda pair: pair[1].rate / pair[0].rate)
        return ordered[len(ordered) // 2][1]

    @property
    def static_rate(self) -> float:
        return statistics.median(static.rate for static, _ in self.rounds)

    @property
    def failed_requests(self) -> tuple[int, int]:
        """(non-2xx/3xx responses, socket errors) over every run of the page and of the static file."""
        runs = [run for pair in self.rounds for run in pair]
        return sum(run.non_2xx_3xx for run in runs), sum(run.socket_errors for run in runs)

    def as_dict(self) -> dict:
        r = self.result
        return {
            "label": self.label,
            "path": self.path,
            "who": self.who,
            "rate": r.rate,
            "ratio": self.ratio,
            "static_rate": self.static_rate,
            "rounds": [{"static": static.rate, "page": page.rate} for static, page in self.rounds],
            "p50_ms": r.p50,
            "p99_ms": r.p99,
            "errors": sum(self.failed_requests),
            "status": self.status,
            "page_cache": self.page_cache,
        }


def measure(
    base_url: str,
    label: str,
    path: str,
    *,
    static: str,
    rounds: int,
    seconds: int,
    warmup: int,
    connections: int,
    cookies: str = "",
    who="",
) -> Row:
    """A warm-up, then ``rounds`` times: the static file, then the page, each for ``seconds``.

    On a VM whose speed drifts by a third within minutes, a page's rate means something only
    beside the static file's measured just before it; the median of a few such ratios is
    what the targets are checked against.
    """
    status, _, _ = fetch(base_url + path, cookies=cookies)
    if warmup:
        wrk(base_url + path, seconds=warmup, connections=connections, cookies=cookies)
    status, headers, _ = fetch(base_url + path, cookies=cookies)
    page_cache = next((value for key, value in headers.items() if key.lower() == "x-page-cache"), "—")
    pairs = []
    for _ in range(rounds):
        before, _ = wrk(base_url + static, seconds=seconds, connections=connections)
        result, _ = wrk(base_url + path, seconds=seconds, connections=connections, cookies=cookies)
        pairs.append((before, result))
    row = Row(label, path, status, page_cache, pairs, who=who or "anonymous")
    r = row.result
    print(
        f"  {row.who:9} {label:30} {r.rate:9.1f} req/s  ratio {row.ratio:.2f} (rounds "
        + ", ".join(f"{page.rate / before.rate:.2f}" for before, page in pairs)
        + f")  p50 {harness.format_ms(r.p50)}  p99 {harness.format_ms(r.p99)}  errors {sum(row.failed_requests)}"
        f"  (GET {status}, X-Page-Cache {page_cache})",
        flush=True,
    )
    return row


def table(rows: list[Row], target) -> list[str]:
    lines = [
        "| page | URL | req/s | static just before | ratio (median) | ratio per round | p50 | p99 | errors "
        "| target | X-Page-Cache |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        r = row.result
        wanted = target(row)
        mark = "" if wanted is None or row.ratio >= wanted else " ✗"
        per_round = ", ".join(f"{page.rate / static.rate:.2f}" for static, page in row.rounds)
        lines.append(
            f"| {row.label} | `{row.path}` | {r.rate:,.0f} | {row.static_rate:,.0f} | {row.ratio:.2f}{mark} "
            f"| {per_round} | {harness.format_ms(r.p50)} | {harness.format_ms(r.p99)} | {sum(row.failed_requests)} "
            f"| {'—' if wanted is None else f'≥ {wanted:.2f}'} | {row.page_cache} |"
        )
    return lines


def member_target(row: Row) -> float | None:
    return MEMBER_TARGET if row.label in MEMBER_TARGET_PAGES else None


def report(facts, anonymous, members, *, rounds, seconds, connections, problems) -> tuple[str, list[str], list[str]]:
    statics = [static.rate for row in anonymous + members for static, _ in row.rounds]
    failures = list(problems)
    missed = []
    for row in anonymous + members:
        if row.status != 200:
            failures.append(f"{row.who} {row.label}: GET answered {row.status}, not 200")
        non_2xx_3xx, socket_errors = row.failed_requests
        if non_2xx_3xx or socket_errors:
            failures.append(
                f"{row.who} {row.label}: {non_2xx_3xx} non-2xx/3xx responses, {socket_errors} socket errors "
                "(the page's runs and the static file's beside them)"
            )
    for row in anonymous:
        if row.ratio < ANONYMOUS_TARGET:
            missed.append(f"anonymous {row.label}: {row.ratio:.2f} of the static rate, below 0.6")
    for row in members:
        wanted = member_target(row)
        if wanted and row.ratio < wanted:
            missed.append(f"member {row.label}: {row.ratio:.2f} of the static rate, below 1/3")
    load = f"`wrk -t2 -c{connections} -d{seconds}s --latency`, `Accept-Encoding: gzip, deflate, br`, after a warm-up"
    lines = [
        "# Pages against a static file (bench/pages.py)",
        "",
        harness.facts_markdown(facts),
        f"- load: {load}",
        f"- method: for each page, {rounds} rounds of the static file (the site's stylesheet) then the page, "
        f"{seconds} s each; a page's ratio is the median of its rounds' ratios",
        "",
        f"The static file over all {len(statics)} runs: median {statistics.median(statics):,.0f} req/s "
        f"(from {min(statics):,.0f} to {max(statics):,.0f}: how much this machine drifts).",
        "",
        "## Anonymous visitors (no cookies)",
        "",
        *table(anonymous, lambda row: ANONYMOUS_TARGET),
        "",
        "## A logged-in member",
        "",
        "The member logged in over HTTP (GET /akun/login/, POST the form with its CSRF token); wrk sends the "
        "member's `sessionid` and `csrftoken` cookies. Each page was checked first to be the member's (header "
        '"Akun saya", no "Masuk" link; the training\'s enrollment form; the dashboard names the member).',
        "",
        *table(members, member_target),
        "",
        "Result: "
        + ("no errors" if not failures else "FAILED")
        + ("; every target met." if not missed else "; targets missed:"),
        *[f"- {failure}" for failure in failures],
        *[f"- {miss}" for miss in missed],
        "",
    ]
    return "\n".join(lines), failures, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reuse-database", action="store_true", help="keep the database of an earlier run (skips seeding)"
    )
    parser.add_argument("--skip-uncached", action="store_true", help="skip the uncached SQLite comparison")
    args = parser.parse_args()
    harness.require_services()
    seconds = harness.env_int("BENCH_SECONDS", 5)
    rounds = harness.env_int("BENCH_ROUNDS", 3)
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
        from programs.models import TrainingPage

        if not NewsArticlePage.objects.filter(slug="berita-kegiatan-1").exists():
            harness.manage("seed_demo", "-v0", env=env)
            content.add_content(articles=content.ARTICLE_COUNT)
        make_member()
        urls = page_urls()
        training_id = TrainingPage.objects.get(slug="pelatihan-digital-marketing").pk
        static = static_url(Path(env["STATIC_ROOT"]))
        facts = harness.machine_facts(database_url=database_url)
        version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
        facts.append(
            ("load generator", (version.stdout or version.stderr).split(" Copyright")[0] + ", on the same machine")
        )
        from django.db import connections as db_connections

        db_connections.close_all()

        print(f"serving on 127.0.0.1:{port}; {seconds} s per URL, {connections} connections", flush=True)
        problems: list[str] = []
        with harness.gunicorn(env, port=port, name="pages") as base_url:
            run = {"static": static, "rounds": rounds, "seconds": seconds, "warmup": warmup, "connections": connections}
            anonymous = [measure(base_url, label, path, **run) for label, path in urls]
            browser = harness.Browser(base_url)
            browser.log_in(MEMBER_EMAIL, MEMBER_PASSWORD)
            cookies = browser.cookie_header()
            members = []
            for label, path in member_urls(urls):
                page = browser.get(path)
                problem = member_page_problem(label, path, page.text, training_id=training_id)
                if page.status != 200 or problem:
                    problems.append(problem or f"member {label} ({path}): GET answered {page.status}")
                    continue
                members.append(measure(base_url, label, path, **run, cookies=cookies, who="member"))
            # Still the member's after the load (the session survived, nothing logged them out).
            if not harness.shows_member(browser.get("/").text):
                problems.append("after the member's runs, the home page no longer shows the member")
        text, failures, missed = report(
            facts, anonymous, members, rounds=rounds, seconds=seconds, connections=connections, problems=problems
        )
        result = {
            "facts": dict(facts),
            "static": statistics.median(static.rate for row in anonymous + members for static, _ in row.rounds),
            "rows": [row.as_dict() for row in anonymous + members],
            "failures": failures,
            "missed": missed,
        }
        # Saved before the uncached part, which a crash there must not take with it.
        harness.write_result("pages", result)
        harness.write_report("pages", text)
        uncached_failures: list[str] = []
        uncached_missed: list[str] = []
        if not args.skip_uncached:
            import uncached

            uncached_text, uncached_result, uncached_failures = uncached.run(urls, scratch=scratch)
            harness.write_result("uncached", uncached_result)
            harness.write_report("uncached", uncached_text)
            uncached_missed = uncached_result["missed"]
    harness.flush_redis()
    return 1 if failures or missed or uncached_failures or uncached_missed else 0


def static_url(static_root: Path) -> str:
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


if __name__ == "__main__":
    harness.run(main)
