# ruff: noqa  -- a profiling script run by hand: Django set up before its imports, terse on purpose
"""The storm's requests in-process: CPU, queries and Redis commands per POST, the ceiling beside them.

.venv/bin/python bench/profile/storm.py [--members 200] [--seats 30] [--setup] [--profile FILE] [--interleaved] [--parts]

Production-like (``bench.settings``: production, PostgreSQL, Redis) in this one process, through
Django's test client with CSRF checks on, each member with a logged-in session. Per POST it
measures this process's CPU (``time.process_time``), the PostgreSQL backend's CPU (read from
/proc for the connection's backend), wall time, SQL queries and Redis commands; for ``enroll()``
it also times the seat lock (from taking it to the commit). Run ``--setup`` once: it makes a
database of its own (``BENCH_PROFILE_DB``, default ``portal_perf_storm_profile``) with the demo
content, a training with ``--seats`` seats and the members. Redis: ``BENCH_REDIS_URL`` (required;
flushed at every run).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import harness
import storm as storm_bench

parser = argparse.ArgumentParser()
parser.add_argument("--members", type=int, default=200)
parser.add_argument("--seats", type=int, default=30)
parser.add_argument("--setup", action="store_true")
parser.add_argument("--profile", help="write cProfile stats of the enroll POSTs here")
parser.add_argument("--top", type=int, default=0, help="print the top N functions by cumulative time")
parser.add_argument(
    "--tree",
    type=int,
    default=0,
    help="print the N functions with the most calls beneath them (themselves included) per enroll and ceiling POST",
)
parser.add_argument(
    "--parts",
    action="store_true",
    help="the CPU of each part of the enroll POST (the view's steps, the service's, each Redis write), per POST",
)
parser.add_argument(
    "--interleaved",
    action="store_true",
    help="alternate a ceiling POST and an enroll POST by each member (the machine's load falls on both alike)",
)
args = parser.parse_args()

if "BENCH_REDIS_URL" not in os.environ:  # it flushes that database: never the benchmarks' db 9 by default
    sys.exit("Set BENCH_REDIS_URL to a Redis database of your own (this script flushes it).")
DB = os.environ.get("BENCH_PROFILE_DB", "portal_perf_storm_profile")
scratch = Path("/tmp") / f"{DB}-scratch"
scratch.mkdir(exist_ok=True)
if args.setup:
    database_url = harness.recreate_database(DB)
else:
    database_url = f"{harness.POSTGRES_URL}/{DB}"
env = harness.production_env(database_url=database_url, scratch=scratch, port=8000)
env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
env["LOG_LEVEL"] = "ERROR"
if args.setup:
    harness.prepare_site(env)
    harness.manage("seed_demo", "-v0", env=env)
harness.setup_django(env)

import redis.connection
from django.db import connection, transaction
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import enrollment as service
from members.models import Enrollment
from programs.models import TrainingPage
from tasks.models import Notification

if args.setup:
    storm_bench.make_training(seats=args.seats)
    storm_bench.make_members(count=args.members, prefix="storm")
    storm_bench.make_members(count=20, prefix="warmup")
    print("set up", flush=True)

training = TrainingPage.objects.get(slug="storm-pelatihan")
warm = TrainingPage.objects.get(slug="pelatihan-digital-marketing")
# Start every run from an empty training (and no outbox), so runs compare.
with transaction.atomic():
    Notification.objects.all().delete()
    from members.models import WaitlistOffer

    WaitlistOffer.objects.all().delete()
    from wagtail.models import ModelLogEntry

    ModelLogEntry.objects.all().delete()
    from members.models import Attendance

    Enrollment.objects.all().delete()
    from members.models import TrainingSeats

    TrainingSeats.objects.all().delete()
redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()

from django.contrib.auth import get_user_model

User = get_user_model()
users = list(User.objects.filter(email__startswith="storm").order_by("pk"))[: args.members]
warm_users = list(User.objects.filter(email__startswith="warmup").order_by("pk"))

redis_commands = 0
_send = redis.connection.Connection.send_packed_command


last_commands = []


def counting_send(self, command, check_health=True):
    global redis_commands
    redis_commands += 1
    if redis_commands == 1:
        last_commands.clear()
    packed = b"".join(command) if isinstance(command, list) else command
    last_commands.append(b" ".join(packed.split(b"\r\n")[2:7:2])[:60])
    return _send(self, command, check_health)


redis.connection.Connection.send_packed_command = counting_send

lock_times = []


def timed(function):
    """The seat lock's time: from the call that takes it (the lock, or the counter's UPDATE) to the commit."""

    def call(**kwargs):
        started = time.perf_counter()
        result = function(**kwargs)
        transaction.on_commit(lambda: lock_times.append(time.perf_counter() - started))
        return result

    return call


for name in ("lock_seats", "take_place", "_enroll_at_once"):  # the counter's UPDATE, alone or with the INSERT
    if hasattr(service, name):
        setattr(service, name, timed(getattr(service, name)))


def client_for(user):
    client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1:8000")
    client.force_login(user)
    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    return client, token


def backend_cpu() -> float:
    """Seconds of CPU of this connection's PostgreSQL backend (utime + stime)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(label, posts, profiler=None):
    global redis_commands
    cpu, wall, queries, commands = [], [], [], []
    pg_before = backend_cpu()
    for client, token, path in posts:
        redis_commands = 0
        with CaptureQueriesContext(connection) as captured:
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.post(path, {"csrfmiddlewaretoken": token})
            if profiler:
                profiler.disable()
            cpu.append(time.process_time() - start_cpu)
            wall.append(time.perf_counter() - start_wall)
        assert response.status_code == 302, (label, response.status_code, response.content[:300])
        queries.append(len(captured.captured_queries))
        commands.append(redis_commands)
    pg = backend_cpu() - pg_before
    n = len(posts)
    print(
        f"{label:28} n={n:4}  cpu {statistics.mean(cpu) * 1000:6.2f} ms (median {statistics.median(cpu) * 1000:6.2f})"
        f"  wall {statistics.median(wall) * 1000:6.2f} ms  PG cpu {pg / n * 1000:5.2f} ms"
        f"  queries {min(queries)}-{max(queries)}  redis {min(commands)}-{max(commands)}",
        flush=True,
    )
    return captured


ceiling_path = "/bench/ceiling/"
enroll_path = reverse("members:enroll", args=[training.pk])
warm_path = reverse("members:enroll", args=[warm.pk])

clients = [client_for(user) for user in users]
warm_clients = [client_for(user) for user in warm_users]
# Warm up: imports, templates, caches, the warm-up training's enrollments.
measure("warm-up enroll (other)", [(c, t, warm_path) for c, t in warm_clients[:10]])
measure("warm-up ceiling", [(c, t, ceiling_path) for c, t in warm_clients[10:]])
measure("ceiling", [(c, t, ceiling_path) for c, t in clients])


class CallTree:
    """Python and C function calls counted per function with every call beneath it (sys.setprofile):
    which subtree of a POST makes its calls, which cProfile's own-time view does not say."""

    def __init__(self):
        self.total = 0
        self.beneath = {}
        self.stack = []

    def __call__(self, frame, event, arg):
        if event == "call" or event == "c_call":
            self.total += 1
            code = frame.f_code if event == "call" else arg
            if event == "call":
                key = f"{code.co_filename.rsplit('site-packages/', 1)[-1]}:{code.co_firstlineno} {code.co_qualname}"
            else:
                key = f"<C> {getattr(code, '__qualname__', code)}"
            self.stack.append((key, self.total))
        elif (event == "return" or event == "c_return" or event == "c_exception") and self.stack:
            key, started = self.stack.pop()
            if not any(key == outer for outer, _ in self.stack):  # recursion: counted once, at the outermost
                self.beneath[key] = self.beneath.get(key, 0) + self.total - started + 1

    def run(self, posts):
        for client, token, path in posts:
            sys.setprofile(self)
            response = client.post(path, {"csrfmiddlewaretoken": token})
            sys.setprofile(None)
            self.stack.clear()
            assert response.status_code == 302, (path, response.status_code)
        return self

    def show(self, label, n, top):
        print(f"--- {label}: {self.total / n:.0f} calls per POST; the {top} subtrees with the most")
        for key, count in sorted(self.beneath.items(), key=lambda item: -item[1])[:top]:
            print(f"  {count / n:8.0f}  {key}")


if args.tree:
    half = len(clients) // 2
    CallTree().run([(c, t, ceiling_path) for c, t in clients[:half]]).show("ceiling", half, args.tree)
    CallTree().run([(c, t, enroll_path) for c, t in clients[: args.seats]]).show(
        "enroll, confirmed", args.seats, args.tree
    )
    waiting = clients[args.seats :]
    CallTree().run([(c, t, enroll_path) for c, t in waiting]).show("enroll, waiting list", len(waiting), args.tree)
    sys.exit(0)
if args.parts:
    # Each part wrapped where the enroll view calls it; nested parts (a bump inside the statement's
    # step) are counted in both. What is left is the middleware, the session, the user and Django.
    import django.contrib.messages.api
    import members.accounts
    import members.views
    from core import pagecache
    from wagtail.models import Page

    spent = {}

    def part(owner, name, label):
        function = getattr(owner, name)

        def call(*args, **kwargs):
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - started

        setattr(owner, name, call)

    for owner, name, label in (
        (members.views, "_training", "view: the training read"),
        (members.views, "_too_many_changes", "view: the throttle (Redis)"),
        (members.views.accounts, "member_of", "view: the member read (ceiling too)"),
        (members.views.messages, "success", "view: the message"),
        (members.views, "redirect", "view: the redirect"),
        (Page, "get_url", "view: the training's URL (site root paths)"),
        (service, "enroll_refusal", "service: the rules"),
        (service, "_enroll_at_once", "service: the statement (PostgreSQL)"),
        (service, "_enroll_in_transaction", "service: the transaction"),
        (service, "_follow_up_soon", "service: waking the worker (Redis)"),
        (pagecache, "_bump", "service: the seats generation (Redis)"),
    ):
        part(owner, name, label)
    total = 0.0
    for client, token in clients:
        started = time.process_time()
        response = client.post(enroll_path, {"csrfmiddlewaretoken": token})
        total += time.process_time() - started
        assert response.status_code == 302, response.status_code
    n = len(clients)
    print(f"enroll POST, CPU per POST: {total / n * 1000:.3f} ms, of which")
    for label, seconds in spent.items():
        print(f"  {seconds / n * 1000:6.3f} ms  {label}")
    sys.exit(0)
if args.interleaved:
    # One ceiling POST, then one enroll POST, by the same member, for every member: on a shared
    # machine the two sequential passes below meet different loads; these medians do not.
    def one(client, token, path):
        started = time.process_time()
        response = client.post(path, {"csrfmiddlewaretoken": token})
        spent = time.process_time() - started
        assert response.status_code == 302, (path, response.status_code)
        return spent

    ceiling_cpu, confirmed_cpu, waiting_cpu = [], [], []
    for number, (client, token) in enumerate(clients):
        ceiling_cpu.append(one(client, token, ceiling_path))
        (confirmed_cpu if number < args.seats else waiting_cpu).append(one(client, token, enroll_path))
    median = statistics.median
    print(
        f"interleaved, CPU medians: ceiling {median(ceiling_cpu) * 1000:.2f} ms, enroll confirmed"
        f" {median(confirmed_cpu) * 1000:.2f} ms, waiting list {median(waiting_cpu) * 1000:.2f} ms;"
        f" waiting list / ceiling {median(waiting_cpu) / median(ceiling_cpu):.2f}"
    )
    sys.exit(0)
profiler = cProfile.Profile() if args.profile or args.top else None
confirmed = measure("enroll: confirmed", [(c, t, enroll_path) for c, t in clients[: args.seats]], profiler)
lock_confirmed = lock_times[:]
del lock_times[:]
waitlisted = measure("enroll: waiting list", [(c, t, enroll_path) for c, t in clients[args.seats :]], profiler)
print("--- Redis commands of the last waiting-list POST:", last_commands)
print(
    f"seat lock held (median): confirmed {statistics.median(lock_confirmed) * 1000:.2f} ms,"
    f" waiting list {statistics.median(lock_times) * 1000:.2f} ms"
)
ceiling_profiler = cProfile.Profile() if profiler else None
measure("ceiling again", [(c, t, ceiling_path) for c, t in clients], ceiling_profiler)
if ceiling_profiler:
    print(
        f"Python function calls per ceiling POST (cProfile): {pstats.Stats(ceiling_profiler).total_calls / len(clients):.0f}"
    )
counts = dict(
    Enrollment.objects.filter(training=training)
    .values_list("status")
    .annotate(n=__import__("django").db.models.Count("pk"))
)
print("enrollments:", counts, "outbox rows:", Notification.objects.count())
print("--- Redis commands of the last POST (a ceiling's):", last_commands)
print("--- queries of the last waiting-list POST")
for query in waitlisted.captured_queries:
    print("   ", query["sql"][: int(os.environ.get("BENCH_SQL_CHARS", 220))])
print("--- queries of the last confirmed POST")
for query in confirmed.captured_queries:
    print("   ", query["sql"][: int(os.environ.get("BENCH_SQL_CHARS", 220))])
if profiler:
    print(f"Python function calls per enroll POST (cProfile): {pstats.Stats(profiler).total_calls / args.members:.0f}")
    if args.profile:
        profiler.dump_stats(args.profile)
    if args.top:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)
