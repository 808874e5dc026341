"""SQL queries per page, in-process, for bench/uncached.py: run inside the tree being measured.

    cd <tree> && PYTHONPATH=<tree>:<bench> DJANGO_SETTINGS_MODULE=uncached_settings \
        DATABASE_URL=sqlite:///... python <bench>/count_queries.py /path/ /other/path/

Each path is requested twice with Django's test client (as an anonymous visitor, host
127.0.0.1) under CaptureQueriesContext on the default database, with every cache off: the
first request is a fresh worker's, the second a running worker's (what wrk then measures).
Prints one JSON object: {path: {"status": ..., "first": n, "again": n}}.
"""

import json
import sys


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    result = {}
    for path in sys.argv[1:]:
        counts = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            counts.append(len(queries.captured_queries))
        result[path] = {"status": response.status_code, "first": counts[0], "again": counts[1]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
