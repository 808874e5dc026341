"""The enrollment storm: 1,000 members enroll at the same moment for a training with 30 seats.

    make bench-storm             # or: .venv/bin/python bench/storm.py [--members 1000] [--seats 30]

What it does, on one machine:
1. A PostgreSQL database of its own (``portal_bench_storm``, dropped and created again),
   migrated, with the demo content, and a new training of the demo program with ``--seats``
   seats per round (below), open for enrollment to everyone.
2. ``--members`` verified members with complete profiles (eligible) and a password.
3. gunicorn with ``bench.settings`` (the production settings, a fast password hasher first,
   the ceiling's URL; bench/settings.py) as bench/pages.py serves (BENCH_WORKERS, default
   2 x cores + 1, of BENCH_WORKER_CLASS, default ``sync``).
4. Every member logs in over HTTP like a browser (GET /akun/login/, POST the form with its
   CSRF token, keep the cookies); the first BENCH_STORM_PAGE_CHECKS also open the training
   page, checked to be theirs with the enrollment form. A few other members enroll in another
   training to warm the workers.
5. The ceiling: every member POSTs ``/bench/ceiling/`` at once (bench/urls.py: CSRF check,
   session, user and member loaded, a 302 back), before the first storm and after each.
6. The storm, BENCH_ROUNDS (3) times, each on a training of its own: one connection per
   member is opened first; then every member's ``POST /anggota/pelatihan/<id>/daftar/`` is
   written at once (asyncio, raw HTTP/1.1 from the standard library) and each response is read
   to the end. A storm's ratio is its rate against the mean of the ceilings just before and
   after it; the figure is the median of the rounds'.
7. What it reports: enrollments/s against the ceiling's rate, wall time (release to last
   response), requests/s, p50/p99 latency, HTTP errors, what each member was told (the view
   redirects to the training page and leaves a success or error message in the ``messages``
   cookie, which is decoded), and exactness read
   from the database: confirmed == seats, waiting list == members - seats, nobody twice,
   waiting-list positions 1..n without gaps or ties, first come first served, and one outbox
   email per enrollment (confirmed / waiting list, the latter telling the right position),
   recorded after the rounds by the worker's follow-up, run here and timed (a request records
   only the enrollment, which owes its email and audit entry: members.enrollment.follow_up).
   Exit status 1 when anything is not exact, the ceiling answered anything but its 302, or the
   storm stays below half the ceiling (issue 16's target).

Longer than 400 lines on purpose: setup, client, the exactness checks and the report of one
measurement read best together; the checks are the point of the storm and stay beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import re
import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import harness

DATABASE_NAME = "portal_bench_storm"
WARMUP_MEMBERS = 10


@dataclass
class Client:
    email: str
    cookies: str
    csrf_token: str


@dataclass
class Outcome:
    email: str
    status: int = 0
    location: str = ""
    message_level: str = ""
    message: str = ""
    latency: float = 0.0
    error: str = ""
    set_cookies: dict[str, str] = field(default_factory=dict)


# -- setup ------------------------------------------------------------------------------------


def make_training(*, seats: int, slug: str = "storm-pelatihan"):
    from django.utils import timezone

    from programs.models import ProgramPage, TrainingPage

    program = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
    starts_at = (timezone.now() + datetime.timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    training = TrainingPage(
        title="Pelatihan Kewirausahaan Kader (uji beban)",
        slug=slug,
        summary="Pelatihan dengan kursi terbatas, untuk mengukur pendaftaran serentak.",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=7),
        venue_name="Aula Kantor PC NU Batubara",
        capacity=seats,
    )
    program.add_child(instance=training)
    training.save_revision().publish()
    training.refresh_from_db()
    return training


STORM_PASSWORD = "Kader-Ansor-Storm-2026!"  # noqa: S105 - throw-away bench accounts
LOGIN_THREADS = 8
PAGE_CHECKS = harness.env_int("BENCH_STORM_PAGE_CHECKS", 20)  # members who open the training page first


def make_members(*, count: int, prefix: str) -> list:
    """Verified members with complete profiles and a password, bulk-created.

    The password is hashed by the first of bench.settings' hashers (MD5): 1,000 logins over
    HTTP then cost seconds, not the minutes PBKDF2 takes on 2 cores (bench/README.md).
    """
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from core.models import District
    from members.models import Member

    User = get_user_model()
    User.objects.bulk_create(
        (User(email=f"{prefix}{n:05d}@example.org", password=make_password(STORM_PASSWORD)) for n in range(count)),
        batch_size=1000,
    )
    users = list(User.objects.filter(email__startswith=prefix).order_by("pk"))
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users), batch_size=1000
    )
    districts = list(District.objects.order_by("pk"))
    now = timezone.now()
    Member.objects.bulk_create(
        (
            Member(
                user=user,
                full_name=f"Kader Uji {n + 1}",
                phone=f"+62812{n:08d}",
                gender=Member.Gender.MALE if n % 3 else Member.Gender.FEMALE,
                birth_date=datetime.date(1990 + n % 15, 1 + n % 12, 1 + n % 28),
                district=districts[n % len(districts)],
                village="Labuhan Ruku",
                occupation="Wiraswasta",
                cadre_level=Member.CadreLevel.PKD,
                privacy_agreed_at=now,
                status=Member.Status.ACTIVE,
                verified_at=now,
            )
            for n, user in enumerate(users)
        ),
        batch_size=1000,
    )
    return users


def open_session(base_url: str, email: str, *, training_path: str, enroll_path: str, open_page: bool) -> Client:
    """What a member's browser does before the storm: log in over HTTP (GET the form, POST it
    with its CSRF token, keep the cookies). With ``open_page``, then open the training page,
    check it is the member's with the enrollment form, and take that form's token; without,
    the token is the secret of the CSRF cookie the login set, which Django's CSRF check
    accepts in the form field as it accepts the masked token of a page (same check, same cost),
    and which saves 1,000 page renders before the clock starts."""
    browser = harness.Browser(base_url)
    browser.log_in(email, STORM_PASSWORD)
    token = browser.cookies["csrftoken"]
    if open_page:
        page = browser.get(training_path)
        if page.status != 200 or not harness.shows_member(page.text) or enroll_path not in page.text:
            raise harness.LoginFailed(f"{email}: the training page ({page.status}) is not the member's, with the form")
        token = harness.form_token(page.text)
    return Client(email=email, cookies=browser.cookie_header(), csrf_token=token)


def open_sessions(base_url: str, users: list, *, training_path: str, enroll_path: str) -> tuple[list[Client], float]:
    """Every member's session, LOGIN_THREADS at a time; the first PAGE_CHECKS members also open
    the training page. Returns the sessions and the seconds it took."""
    started = time.perf_counter()
    with ThreadPoolExecutor(LOGIN_THREADS) as pool:
        clients = list(
            pool.map(
                lambda numbered: open_session(
                    base_url,
                    numbered[1].email,
                    training_path=training_path,
                    enroll_path=enroll_path,
                    open_page=numbered[0] < PAGE_CHECKS,
                ),
                enumerate(users),
            )
        )
    return clients, time.perf_counter() - started


# -- the HTTP client --------------------------------------------------------------------------


def request_bytes(client: Client, *, path: str, port: int, referer: str) -> bytes:
    body = urlencode({"csrfmiddlewaretoken": client.csrf_token}).encode()
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        f"Origin: http://127.0.0.1:{port}\r\n"
        f"Referer: http://127.0.0.1:{port}{referer}\r\n"
        f"Cookie: {client.cookies}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def parse_response(raw: bytes, outcome: Outcome) -> None:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    outcome.status = int(lines[0].split()[1])
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "location":
            outcome.location = value
        elif name == "set-cookie":
            cookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                outcome.set_cookies[key] = morsel.value


async def post(client: Client, data: bytes, *, port: int, go: asyncio.Event, opened: list, timeout: float) -> Outcome:
    outcome = Outcome(email=client.email)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        outcome.error = f"connect: {error}"
        opened.append(False)
        await go.wait()
        return outcome
    opened.append(True)
    await go.wait()
    started = time.perf_counter()
    try:
        writer.write(data)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)  # the server closes: Connection: close
        outcome.latency = time.perf_counter() - started
        parse_response(raw, outcome)
    except (OSError, TimeoutError, ValueError, IndexError) as error:
        outcome.latency = time.perf_counter() - started
        outcome.error = f"{type(error).__name__}: {error}"
    finally:
        writer.close()
    return outcome


async def storm(clients: list[Client], *, port: int, path: str, referer: str, timeout: float):
    """Open every connection, then release every POST at once; returns outcomes and wall time."""
    go = asyncio.Event()
    opened: list[bool] = []
    requests = [request_bytes(client, path=path, port=port, referer=referer) for client in clients]
    tasks = [
        asyncio.create_task(post(client, data, port=port, go=go, opened=opened, timeout=timeout))
        for client, data in zip(clients, requests, strict=True)
    ]
    deadline = time.monotonic() + 60
    while len(opened) < len(clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    started = time.perf_counter()
    go.set()
    outcomes = await asyncio.gather(*tasks)
    return outcomes, time.perf_counter() - started


def read_messages(outcomes: list[Outcome]) -> None:
    """Decode the ``messages`` cookie each response set: what the member would read on the page."""
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    storage = CookieStorage(HttpRequest())
    for outcome in outcomes:
        value = outcome.set_cookies.get(CookieStorage.cookie_name)
        if not value:
            continue
        messages = storage._decode(value) or []  # Django's own decoder for its own cookie
        if messages:
            outcome.message_level = constants.DEFAULT_TAGS.get(messages[-1].level, str(messages[-1].level))
            outcome.message = str(messages[-1].message)


# -- exactness --------------------------------------------------------------------------------


def check_exactness(*, training, emails: set[str], seats: int, outcomes: list[Outcome]) -> list[tuple[str, bool, str]]:
    from django.db.models import Count

    from members.enrollment import waitlist_position
    from members.models import Enrollment
    from tasks import outbox
    from tasks.models import Notification

    members = len(emails)
    enrollments = list(
        Enrollment.objects.filter(training=training).select_related("member__user").order_by("requested_at", "pk")
    )
    statuses = Counter(e.status for e in enrollments)
    confirmed = [e for e in enrollments if e.status == Enrollment.Status.CONFIRMED]
    waitlisted = [e for e in enrollments if e.status == Enrollment.Status.WAITLISTED]
    expected_waitlist = max(members - seats, 0)
    checks = []

    def check(label: str, ok: bool, detail: str) -> None:
        checks.append((label, bool(ok), detail))

    check("confirmed == seats", len(confirmed) == min(seats, members), f"{len(confirmed)} confirmed, {seats} seats")
    check(
        "waiting list == members - seats",
        len(waitlisted) == expected_waitlist,
        f"{len(waitlisted)} on the waiting list, {expected_waitlist} expected",
    )
    check("no other status", set(statuses) <= {"confirmed", "waitlisted"}, dict(statuses).__repr__())
    twice = (
        Enrollment.objects.filter(training=training).values("member").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    enrolled = {e.member.user.email for e in enrollments}
    check("nobody twice", twice == 0, f"{twice} members with more than one enrollment")
    check("every member enrolled", enrolled == emails, f"{len(enrolled & emails)} of {members} members enrolled")
    positions = [waitlist_position(enrollment=e) for e in waitlisted]
    check(
        "waiting-list positions 1..n, no gap or tie",
        positions == list(range(1, len(waitlisted) + 1)),
        f"positions {positions[:3]}…{positions[-3:]}" if positions else "empty",
    )
    first_waitlisted = min((e.requested_at for e in waitlisted), default=None)
    last_confirmed = max((e.requested_at for e in confirmed), default=None)
    check(
        "first come, first served (every seat requested before every waiting place)",
        first_waitlisted is None or last_confirmed is None or last_confirmed <= first_waitlisted,
        f"last seat {last_confirmed:%H:%M:%S.%f}, first waiting place {first_waitlisted:%H:%M:%S.%f}"
        if first_waitlisted and last_confirmed
        else "",
    )
    # This training's emails (a member enrolls in one training per round): keyed by the enrollment.
    prefixes = tuple(f"enrollment-{e.pk}-" for e in enrollments)
    notifications = [
        n for n in Notification.objects.filter(recipient__in=emails) if n.idempotency_key.startswith(prefixes)
    ]
    kinds = Counter(n.kind for n in notifications)
    by_recipient = Counter(n.recipient for n in notifications)
    check(
        "one email per enrollment",
        len(notifications) == members and set(by_recipient.values()) == {1},
        f"{len(notifications)} outbox rows for {members} members: {dict(kinds)}",
    )
    confirmed_emails = {e.member.user.email for e in confirmed}
    told_confirmed = {n.recipient for n in notifications if n.kind == "enrollment_confirmed"}
    check(
        "the confirmed got the confirmation (with the calendar file)",
        told_confirmed == confirmed_emails
        and all(n.attachments for n in notifications if n.kind == "enrollment_confirmed"),
        f"{len(told_confirmed)} confirmation emails",
    )
    position_of = {e.member.user.email: p for e, p in zip(waitlisted, positions, strict=True)}
    told_position = {}
    for n in notifications:
        if n.kind == "enrollment_waitlisted":
            found = re.search(r"(?:urutan ke-|position )(\d+)", outbox.rendered(n).body_text)
            told_position[n.recipient] = int(found.group(1)) if found else None
    check(
        "each waiting-list email tells the member's own position",
        told_position == position_of,
        f"{sum(1 for k, v in told_position.items() if position_of.get(k) == v)} of {len(position_of)} right",
    )
    told = Counter((o.message_level, o.status) for o in outcomes)
    back = urlsplit(training.get_url()).path + "#pendaftaran"  # the training's enrollment panel
    elsewhere = sum(1 for o in outcomes if o.status == 302 and not o.location.endswith(back))
    check(
        "every member was told success on the page (302 back to the training, success message)",
        told.get(("success", 302), 0) == members and not elsewhere,
        ", ".join(f"{count} x {status} {level or 'no message'}" for (level, status), count in told.most_common())
        + (f"; {elsewhere} sent elsewhere than {back}" if elsewhere else ""),
    )
    return checks


# -- the run ----------------------------------------------------------------------------------


def raise_open_files_limit(needed: int) -> None:
    """One socket per member in this process: lift the soft limit on open files if it is lower."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        if wanted < needed:
            print(f"warning: only {wanted} open files allowed, {needed} wanted (ulimit -n)")


def warn_about_backlog(members: int) -> None:
    """Connections wait in the listen queue; the kernel caps gunicorn's --backlog at somaxconn."""
    try:
        somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    except (OSError, ValueError):
        return
    if somaxconn < members:
        print(f"warning: net.core.somaxconn is {somaxconn}, below {members}: connections will queue in SYN retries")


CEILING_PATH = "/bench/ceiling/"  # bench/urls.py
TARGET_RATIO = 0.5  # issue 16: the storm's enrollment rate >= 1/2 of the ceiling's


@dataclass
class Burst:
    """Every member POSTs at once: what each was answered, and the wall time of it all."""

    wall: float
    outcomes: list[Outcome]

    @property
    def answered(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.error]

    @property
    def rate(self) -> float:
        return len(self.answered) / self.wall


@dataclass
class Ceiling(Burst):
    """One run of the no-op member action."""

    @property
    def wrong(self) -> list[Outcome]:
        """Anything but the 302 back to the dashboard (a 403 is a CSRF refusal, a 302 to the login a lost session)."""
        return [o for o in self.outcomes if o.error or o.status != 302 or not o.location.endswith("/anggota/")]


def run_ceiling(clients: list[Client], *, port: int, referer: str, timeout: float) -> Ceiling:
    outcomes, wall = asyncio.run(storm(clients, port=port, path=CEILING_PATH, referer=referer, timeout=timeout))
    ceiling = Ceiling(wall, outcomes)
    print(f"  ceiling: {len(ceiling.answered)} answers in {wall:.2f} s = {ceiling.rate:,.0f}/s", flush=True)
    return ceiling


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=harness.env_int("BENCH_STORM_MEMBERS", 1000))
    parser.add_argument("--seats", type=int, default=harness.env_int("BENCH_STORM_SEATS", 30))
    parser.add_argument("--timeout", type=float, default=300, help="seconds a member waits for an answer")
    args = parser.parse_args()
    harness.require_services()
    raise_open_files_limit(args.members + 256)
    warn_about_backlog(args.members)

    port = harness.free_port()
    with harness.scratch_dir("storm") as scratch:
        database_url = harness.recreate_database(DATABASE_NAME)
        env = harness.production_env(database_url=database_url, scratch=scratch, port=port)
        env["DJANGO_SETTINGS_MODULE"] = "bench.settings"  # production + fast hasher + the ceiling's URL
        harness.flush_redis()
        harness.prepare_site(env)
        harness.manage("seed_demo", "-v0", env=env)
        harness.setup_django(env)
        from django.db import connections
        from django.urls import reverse

        from programs.models import TrainingPage

        rounds = harness.env_int("BENCH_ROUNDS", 3)
        print(
            f"setting up {args.members} members and {rounds} trainings with {args.seats} seats (one per round)",
            flush=True,
        )
        trainings = [make_training(seats=args.seats, slug=f"storm-pelatihan-{n}") for n in range(1, rounds + 1)]
        training = trainings[0]
        warmup_training = TrainingPage.objects.get(slug="pelatihan-digital-marketing")
        users = make_members(count=args.members, prefix="storm")
        warmup_users = make_members(count=WARMUP_MEMBERS, prefix="warmup")
        path = reverse("members:enroll", args=[training.pk])  # the page checks' form (any round's would do)
        warm_path = reverse("members:enroll", args=[warmup_training.pk])
        training_path = urlsplit(training.get_url()).path
        warm_training_path = urlsplit(warmup_training.get_url()).path
        facts = harness.machine_facts(database_url=database_url)
        facts.append(("bench.settings", "production, MD5 hasher first, bench.urls (the ceiling), login limit raised"))
        connections.close_all()

        with harness.gunicorn(env, port=port, name="storm") as base_url:
            print(f"logging {args.members} members in over HTTP ({LOGIN_THREADS} at a time)", flush=True)
            clients, login_seconds = open_sessions(base_url, users, training_path=training_path, enroll_path=path)
            warmup_clients, _ = open_sessions(
                base_url, warmup_users, training_path=warm_training_path, enroll_path=warm_path
            )
            print(f"  {len(clients)} sessions in {login_seconds:.1f} s", flush=True)
            # Warm every worker's enrollment path (imports, templates, connections) elsewhere.
            asyncio.run(storm(warmup_clients, port=port, path=warm_path, referer=warm_training_path, timeout=60))
            # Rounds: the ceiling, a storm on the round's own training, the ceiling again, ...: each
            # storm is set against the ceilings just before and after it (this VM drifts by a third).
            ceilings = [run_ceiling(clients, port=port, referer=training_path, timeout=args.timeout)]
            storms = []
            for round_training in trainings:
                round_path = reverse("members:enroll", args=[round_training.pk])
                round_referer = urlsplit(round_training.get_url()).path
                print(f"storm: {args.members} POSTs to {base_url}{round_path}", flush=True)
                outcomes, wall = asyncio.run(
                    storm(clients, port=port, path=round_path, referer=round_referer, timeout=args.timeout)
                )
                storms.append(StormRound(wall, outcomes, training=round_training, path=round_path))
                ceilings.append(run_ceiling(clients, port=port, referer=training_path, timeout=args.timeout))
        follow_up = run_follow_up()
        emails = {c.email for c in clients}
        for round_ in storms:
            read_messages(round_.outcomes)
            round_.checks = check_exactness(
                training=round_.training, emails=emails, seats=args.seats, outcomes=round_.outcomes
            )
        text, result = report(
            facts,
            storms,
            ceilings,
            members=args.members,
            seats=args.seats,
            login_seconds=login_seconds,
            follow_up=follow_up,
        )
        harness.write_result("storm", result)
        harness.write_report("storm", text)
        connections.close_all()
    harness.flush_redis()
    return 0 if result["exact"] and not result["ceiling_wrong"] and result["ratio"] >= TARGET_RATIO else 1


@dataclass
class FollowUp:
    """The worker's part of the rounds' enrollments, run after them: their emails and audit entries."""

    recorded: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.recorded / self.seconds if self.seconds else 0.0


def run_follow_up() -> FollowUp:
    """What the worker does after the storms' commits (members.tasks.follow_up_enrollments), in
    this one process: every enrollment's email and audit entry recorded, timed. The exactness
    checks read the emails it records."""
    from members.enrollment import follow_up_pending

    started, recorded = time.perf_counter(), 0
    while done := follow_up_pending(limit=500):
        recorded += done
    follow_up = FollowUp(recorded, time.perf_counter() - started)
    print(f"  follow-up: {recorded} emails and audit entries in {follow_up.seconds:.1f} s", flush=True)
    return follow_up


@dataclass
class StormRound(Burst):
    """One storm: every member POSTs enrollment in this round's training at once."""

    training: object = None
    path: str = ""
    checks: list = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return all(ok for _, ok, _ in self.checks)


def report(
    facts, storms: list[StormRound], ceilings: list[Ceiling], *, members, seats, login_seconds, follow_up: FollowUp
) -> tuple[str, dict]:
    # Storm n is set against the ceilings measured just before and just after it.
    beside = [(ceilings[n].rate + ceilings[n + 1].rate) / 2 for n in range(len(storms))]
    ratios = [round_.rate / ceiling for round_, ceiling in zip(storms, beside, strict=True)]
    ratio = statistics.median(ratios)
    # The round of the median ratio is the one whose figures are shown in full.
    shown = sorted(range(len(storms)), key=lambda n: ratios[n])[len(storms) // 2]
    median_round, ceiling_rate = storms[shown], beside[shown]
    wall, path = median_round.wall, median_round.path
    answered = median_round.answered
    latencies = [o.latency * 1000 for o in answered]
    every_answer = [o for round_ in storms for o in round_.answered]
    http_errors = [o for o in every_answer if not 200 <= o.status < 400]
    failed = [o for round_ in storms for o in round_.outcomes if o.error]
    statuses = Counter(o.status for o in answered)
    messages = Counter(o.message for o in answered if o.message)
    p50 = harness.percentile(latencies, 0.50) if latencies else None
    p99 = harness.percentile(latencies, 0.99) if latencies else None
    exact = all(round_.exact for round_ in storms)
    rate = median_round.rate
    ceiling_wrong = sum(len(c.wrong) for c in ceilings)
    mark = "" if ratio >= TARGET_RATIO else " ✗"
    lines = [
        "# The enrollment storm against its ceiling (bench/storm.py)",
        "",
        harness.facts_markdown(facts),
        f"- load: {members} members, each logged in over HTTP first (GET /akun/login/, POST the form, keep the "
        f"cookies; the first {PAGE_CHECKS} also opened the training page, checked to be theirs, and took its form's "
        f"token; {login_seconds:.0f} s for all, {LOGIN_THREADS} at a time); "
        "one connection each, every enrollment POST written at once (asyncio, raw HTTP/1.1, `Connection: close`)",
        f"- ceiling: the same members POSTing `{CEILING_PATH}` at once (bench/urls.py: CSRF check, session, user and "
        "member loaded, a 302 back), on the same server",
        f"- rounds: {len(storms)} storms, each on a training of its own with {seats} seats, each between two runs of "
        "the ceiling; a storm's ratio is its rate against the mean of those two, and the figure is the median "
        "of the rounds' ratios",
        "",
        "| run | members | wall time | requests/s | ratio to the ceiling beside it | target | p50 | p99 | max "
        "| HTTP errors | no answer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, ceiling in enumerate(ceilings):
        lat = [o.latency * 1000 for o in ceiling.answered]
        lines.append(
            f"| ceiling {n + 1} | {len(ceiling.outcomes):,} | {ceiling.wall:.2f} s | {ceiling.rate:,.0f} | — | — "
            f"| {harness.format_ms(harness.percentile(lat, 0.5) if lat else None)} "
            f"| {harness.format_ms(harness.percentile(lat, 0.99) if lat else None)} "
            f"| {harness.format_ms(max(lat, default=None))} | {len(ceiling.wrong)} | "
            f"{sum(1 for o in ceiling.outcomes if o.error)} |"
        )
        if n < len(storms):
            round_ = storms[n]
            lat = [o.latency * 1000 for o in round_.answered]
            lines.append(
                f"| **storm {n + 1}** ({seats} seats) | {members:,} | {round_.wall:.2f} s | {round_.rate:,.0f} "
                f"| {ratios[n]:.2f} | ≥ {TARGET_RATIO} "
                f"| {harness.format_ms(harness.percentile(lat, 0.5) if lat else None)} "
                f"| {harness.format_ms(harness.percentile(lat, 0.99) if lat else None)} "
                f"| {harness.format_ms(max(lat, default=None))} "
                f"| {sum(1 for o in round_.answered if not 200 <= o.status < 400)} "
                f"| {sum(1 for o in round_.outcomes if o.error)} |"
            )
    lines += [
        "",
        f"Enrollments/s against the ceiling, median of the rounds: **{ratio:.2f}**{mark} (target ≥ {TARGET_RATIO}; "
        f"rounds {', '.join(f'{value:.2f}' for value in ratios)}).",
        "",
        f"After the rounds, the worker's follow-up (members.enrollment.follow_up_pending, one process, no other "
        f"load) recorded the {follow_up.recorded:,} enrollments' emails and audit entries in {follow_up.seconds:.1f} s "
        f"({follow_up.rate:,.0f}/s): the part of an enrollment its request no longer does (an email is owed by the "
        "enrollment's row until then).",
        "",
        f"The median round (storm {shown + 1}), in full. Responses: "
        + ", ".join(f"{count} x HTTP {status}" for status, count in statuses.most_common()),
        "",
        "What members were told:",
        *[f"- {count} x “{message}”" for message, count in messages.most_common()],
        "",
        "Exactness (read from the database afterwards; every round is checked, the median round's table shown):",
        "",
        "| check | | detail |",
        "|---|---|---|",
        *[f"| {label} | {'✓' if ok else '✗'} | {detail} |" for label, ok, detail in median_round.checks],
        "",
        *[
            f"- storm {n + 1}: NOT EXACT: " + "; ".join(label for label, ok, _ in round_.checks if not ok)
            for n, round_ in enumerate(storms)
            if not round_.exact
        ],
        "Result: "
        + ("exact in every round." if exact else "NOT EXACT")
        + ("" if not ceiling_wrong else f" The ceiling had {ceiling_wrong} answers other than a 302 back."),
        *[f"- no answer for {o.email}: {o.error}" for o in failed[:10]],
        "",
    ]
    result = {
        "facts": dict(facts),
        "members": members,
        "seats": seats,
        "rounds": [
            {"rate": round_.rate, "wall": round_.wall, "ratio": value, "ceiling": ceiling, "exact": round_.exact}
            for round_, value, ceiling in zip(storms, ratios, beside, strict=True)
        ],
        "wall": wall,
        "rate": rate,
        "p50_ms": p50,
        "p99_ms": p99,
        "http_errors": len(http_errors),
        "no_answer": len(failed),
        "exact": exact,
        "checks": [{"check": label, "ok": ok, "detail": detail} for label, ok, detail in median_round.checks],
        "ceiling_rates": [c.rate for c in ceilings],
        "ceiling": ceiling_rate,
        "ceiling_wrong": ceiling_wrong,
        "ratio": ratio,
        "path": path,
        "login_seconds": login_seconds,
        "follow_up": {"recorded": follow_up.recorded, "seconds": follow_up.seconds, "rate": follow_up.rate},
    }
    return "\n".join(lines), result


if __name__ == "__main__":
    harness.run(main)
