# ruff: noqa  -- a profiling script run by hand: Django set up before its imports, terse on purpose
"""Uncached in-process renders of every public page: queries, ms per render, optional pyinstrument.

python render.py TREE DB [--n N] [--profile DIR] [--only LABEL] [--uncached] [--cprofile FILE]

--uncached: what bench/uncached.py measures: production settings with every cache alias a
DummyCache (bench/uncached_settings.py), static files collected once into TREE/var/prof-static
(WhiteNoise's manifest, as deployed), the media where seed.py put them, host 127.0.0.1.
Without it: config.settings.test (a local-memory cache that Wagtail and the project use).
"""

import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("tree")
parser.add_argument("db")
parser.add_argument("--n", type=int, default=30)
parser.add_argument("--profile")
parser.add_argument("--only")
parser.add_argument("--sql", action="store_true")
parser.add_argument("--dump")
parser.add_argument("--uncached", action="store_true")
parser.add_argument("--cprofile")
args = parser.parse_args()
sys.path.insert(0, args.tree)
os.chdir(args.tree)
os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
os.environ.pop("REDIS_URL", None)
if args.uncached:
    sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # bench/: uncached_settings
    media = [m for m in ("test-media-sqlite", "test-media") if os.path.isdir(os.path.join(args.tree, "var", m))]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "uncached_settings",
            "SECRET_KEY": "bench-only-secret-key-not-for-any-real-site-0123456789abcdef",
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "PAGE_CACHE_SECONDS": "0",
            "STATIC_ROOT": os.path.join(args.tree, "var", "prof-static"),
            "MEDIA_ROOT": os.path.join(args.tree, "var", media[0] if media else "test-media"),
            "LOG_LEVEL": "WARNING",
        }
    )
else:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
import django

django.setup()
from django.conf import settings

if args.uncached and not os.path.exists(os.path.join(settings.STATIC_ROOT, "staticfiles.json")):
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)

assert settings.PAGE_CACHE_SECONDS == 0
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

import faulthandler

faulthandler.dump_traceback_later(int(os.environ.get("FH", "100000")), exit=True)
from news.models import NewsArticlePage, NewsCategory
from programs.models import ProgramPage, TrainingPage

article = NewsArticlePage.objects.get(slug="rapat-koordinasi-umkm-agenda-prioritas")
program = ProgramPage.objects.get(slug="pemberdayaan-umkm-kader")
training = TrainingPage.objects.get(slug="pelatihan-digital-marketing")
category = NewsCategory.objects.order_by("pk").first()
URLS = [
    ("home", "/"),
    ("news index", "/berita/"),
    ("news ?kategori=", f"/berita/?kategori={category.slug}"),
    ("news ?tag=", "/berita/?tag=umkm"),
    ("news ?page=2", "/berita/?page=2"),
    ("article", article.url),
    ("RSS feed", "/berita/feed/"),
    ("program index", "/program/"),
    ("program", program.url),
    ("training", training.url),
    ("kalender.ics", training.url + "kalender.ics"),
    ("search", "/cari/?q=kader"),
    ("sitemap.xml", "/sitemap.xml"),
]
client = Client(HTTP_HOST="127.0.0.1") if args.uncached else Client()
results = {}
for label, url in URLS:
    if args.only and args.only != label:
        continue
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (label, url, response.status_code)
    if args.dump:
        with open(os.path.join(args.dump, label.replace(" ", "_").replace("?", "").replace("=", "")), "wb") as f:
            f.write(response.content)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries.captured_queries)
    if args.sql:
        print(f"--- {label}")
        for q in queries.captured_queries:
            print("   ", q["sql"][: int(os.environ.get("SQLW", "300"))])
    start, cpu_start = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        client.get(url)
    wall = (time.perf_counter() - start) * 1000 / args.n
    ms = (time.process_time() - cpu_start) * 1000 / args.n  # CPU: the machine is shared
    results[label] = {
        "url": url,
        "queries": count,
        "ms": round(ms, 2),
        "wall_ms": round(wall, 2),
        "bytes": len(response.content),
    }
    print(f"{label:18} {count:3} queries {ms:7.2f} ms  {url}", flush=True)
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.n):
            client.get(url)
        profiler.disable()
        profiler.dump_stats(f"{args.cprofile}.{label.replace(' ', '_')}")
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        for _ in range(int(os.environ.get("PROFN", "10"))):
            client.get(url)
        profiler.stop()
        name = label.replace(" ", "_").replace("?", "").replace("=", "").replace(".", "_")
        profiler.last_session.save(os.path.join(args.profile, f"{name}.pyisession"))
        with open(os.path.join(args.profile, f"{name}.txt"), "w") as f:
            f.write(profiler.output_text(unicode=True, color=False, show_all=False))
print(json.dumps(results))
