"""Benchmark of the pages and the API at a hospital's size, over HTTP, on SQLite and PostgreSQL.

    python -m bench.pages_bench [--cases 30000] [--largest 20000] [--events 2000]
        [--revisions 3000] [--requests 10] [--databases sqlite,postgres] [--seconds 20]
        [--history 1000000] [--only pages|audit]

For each database: a new, empty database; `migrate`; `seed_load` (the sizes above: the largest
introduction holds `--largest` cases); then gunicorn with one sync worker, and each endpoint
asked `--requests` times in turn, one request at a time, as a governance lead of the largest
introduction's organisation (pages with a session, the API with a token). It prints, for
`/healthz` and every list, detail, monitoring, history and audit endpoint and page, the median
and p95 latency and the ratio of the median to `/healthz`'s in the same run, against the
budget of 5 times; then requests a second for a mixed read workload against gunicorn with two
workers and four clients for `--seconds`. Then the audit history's page, API and CSV exports
with about 1,000 history rows and with `--history` rows around the same 200 cases, side by
side: what a million rows of history cost a page of it. PostgreSQL is asked at DATABASE_URL's
server (by default postgres://postgres@127.0.0.1:5432), in a database of its own that it drops
at the end.
It reports, and always exits 0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BUDGET = 5.0
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_NAME = "newprocedures_bench"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(database_url: str) -> dict[str, str]:
    """Production settings (DEBUG off, static files collected), without Redis: Celery eager."""
    return {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-" + "".join(chr(65 + i % 26) for i in range(60)),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "PYTHONPATH": str(ROOT),
    }


def _manage(env: dict[str, str], *args: str) -> str:
    run = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if run.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{run.stderr[-3000:]}")
    return run.stdout


SETUP = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from governance.cases.models import Case
from governance.events.models import AdverseEvent
from governance.introductions.models import Introduction

from django.db import connection

# The planner's statistics after a bulk load, as PostgreSQL's autovacuum (or a nightly job on
# SQLite) would gather them in service.
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
introduction = Introduction.objects.get(pk=int(sys.argv[1]))
lead = get_user_model().objects.get(username=f"{introduction.organisation.ods_code.lower()}-lead")
client = Client()
client.force_login(lead)
case = Case.objects.filter(introduction=introduction).order_by("-performed_on", "-id").first()
event = AdverseEvent.objects.filter(introduction=introduction).first()
print(json.dumps({
    "session": client.cookies["sessionid"].value,
    "token": Token.objects.get_or_create(user=lead)[0].key,
    "case": case.pk,
    "event": event.pk if event else None,
}))
"""


def endpoints(ids: dict[str, int]) -> list[tuple[str, str]]:
    """(kind, path): every list, detail, monitoring, history and audit page and endpoint."""
    i, c, e = ids["introduction"], ids["case"], ids["event"]
    pages = [
        "/",
        "/introductions/",
        f"/introductions/{i}/",
        f"/introductions/{i}/cases/",
        f"/cases/{c}/",
        f"/introductions/{i}/monitoring/",
        "/adverse-events/",
        f"/adverse-events/{e}/",
        "/adverse-events/yellow-cards/",
        "/follow-ups/",
        "/reconciliations/",
        "/audit/",
        f"/audit/?introduction={i}",
    ]
    api = [
        "/api/v1/introductions/",
        f"/api/v1/introductions/{i}/",
        f"/api/v1/introductions/{i}/cases/",
        f"/api/v1/cases/{c}/",
        f"/api/v1/introductions/{i}/monitoring/",
        f"/api/v1/introductions/{i}/transitions/",
        "/api/v1/adverse-events/",
        f"/api/v1/adverse-events/{e}/",
        "/api/v1/reconciliations/",
        f"/api/v1/introductions/{i}/history/",
        "/api/v1/history/",
    ]
    return [("page", p) for p in pages] + [("api", p) for p in api]


class Http:
    """One HTTP client of the server, signed in as the lead."""

    def __init__(self, port: int, session: str, token: str) -> None:
        self.port, self.session, self.token = port, session, token

    def get(self, kind: str, path: str) -> tuple[int, float]:
        headers = {"Host": "127.0.0.1"}
        if kind == "api":
            headers["Authorization"] = f"Token {self.token}"
        elif kind == "page":
            headers["Cookie"] = f"sessionid={self.session}"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status, time.perf_counter() - started


@contextmanager
def gunicorn(env: dict[str, str], workers: int):
    port = _free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(workers)),
            *("--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "300"),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def latencies(client: Http, targets, requests: int) -> list[tuple[str, int, float, float]]:
    """(path, status, median ms, p95 ms) of each target, /healthz first."""
    rows = []
    for kind, path in [("plain", "/healthz"), *targets]:
        for _ in range(3):  # warm the worker's caches and connections
            client.get(kind, path)
        timings, statuses = [], set()
        for _ in range(requests):
            status, took = client.get(kind, path)
            statuses.add(status)
            timings.append(took * 1000)
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        rows.append((path, max(statuses), statistics.median(timings), p95))
    return rows


def throughput(port: int, client: Http, targets, seconds: float, clients: int = 4) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def work(n: int) -> None:
        me = Http(port, client.session, client.token)
        k = n
        while time.monotonic() < stop:
            kind, path = targets[k % len(targets)]
            me.get(kind, path)
            done[n] += 1
            k += 1

    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


@contextmanager
def fresh_database(database: str):
    """Settings (env) of a new, migrated database with the static files collected; dropped
    (PostgreSQL) or deleted (SQLite) at the end."""
    with tempfile.TemporaryDirectory(prefix="pages-bench-") as tmp:
        if database == "sqlite":
            url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        else:
            server = os.environ.get("DATABASE_URL", PG_SERVER)
            if not server.startswith("postgres"):
                server = PG_SERVER
            parts = urlsplit(server)
            url = f"{parts.scheme}://{parts.netloc}/{PG_NAME}"
            admin = f"{parts.scheme}://{parts.netloc}/postgres"
            _psql(admin, f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            _psql(admin, f"CREATE DATABASE {PG_NAME}")
        env = _env(url)
        try:
            _manage(env, "migrate", "--noinput", "-v0")
            _manage(env, "collectstatic", "--noinput", "-v0")
            yield env
        finally:
            if database == "postgres":
                _psql(admin, f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


def seed(env: dict[str, str], **sizes: int) -> tuple[dict, float]:
    """seed_load at these sizes, then a lead's session and token and the ids to ask for."""
    started = time.perf_counter()
    options = [f"--{name}={value}" for name, value in sizes.items()]
    seeded = json.loads(_manage(env, "seed_load", *options).splitlines()[-1])
    seeding = time.perf_counter() - started
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, str(seeded["introduction"])],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    return {**seeded, **json.loads(setup.stdout.splitlines()[-1])}, seeding


def report(rows) -> None:
    healthz = rows[0][2]
    print(f"{'endpoint':58} {'status':>6} {'median ms':>10} {'p95 ms':>8} {'x healthz':>10}")
    over = 0
    for path, status, median, p95 in rows:
        ratio = median / healthz
        flag = "" if ratio <= BUDGET or path == "/healthz" else "  over 5x"
        over += bool(flag)
        print(f"{path:58} {status:>6} {median:>10.1f} {p95:>8.1f} {ratio:>10.1f}{flag}")
    print(f"{over} of {len(rows) - 1} endpoints over {BUDGET:g} times /healthz", flush=True)


def run(database: str, args: argparse.Namespace) -> None:
    with fresh_database(database) as env:
        sizes = {"cases": args.cases, "largest": args.largest, "events": args.events}
        ids, seeding = seed(env, **sizes, revisions=args.revisions)
        targets = endpoints(ids)
        print(
            f"\n{database}: {ids['cases']:,} cases ({ids['introduction_cases']:,} in "
            f"the largest introduction), {ids['outcomes']:,} outcomes, "
            f"{ids['events']:,} events, {ids['revisions']:,} revisions, "
            f"{ids['history_rows']:,} history rows; seeded in {seeding:.0f} s",
            flush=True,
        )
        with gunicorn(env, workers=1) as port:
            report(latencies(Http(port, ids["session"], ids["token"]), targets, args.requests))
        with gunicorn(env, workers=2) as port:
            rate = throughput(port, Http(port, ids["session"], ids["token"]), targets, args.seconds)
        print(
            f"gunicorn, 2 sync workers, 4 clients, mixed reads of the {len(targets)} "
            f"endpoints above for {args.seconds:g} s: {rate:.1f} requests/s",
            flush=True,
        )


def audit_targets(ids: dict) -> list[tuple[str, str]]:
    """The audit history's page, API and exports. The exports are of the adverse events'
    history, which is the same in the small and the large history (the large one's extra rows
    are the cases' changes), so that they compare the same answer found among 1,000 or
    1,000,000 rows."""
    i = ids["introduction"]
    return [
        ("page", "/audit/"),
        ("page", f"/audit/?introduction={i}"),
        ("page", "/audit/export.csv?model=adverseevent"),
        ("api", "/api/v1/history/"),
        ("api", f"/api/v1/introductions/{i}/history/"),
        ("api", "/api/v1/history/export/?model=adverseevent"),
    ]


def run_audit(database: str, args: argparse.Namespace) -> None:
    """The audit history at a small and a national size: the same cases, and the history
    grown to --history rows (the cases' changes repeated, dated today)."""
    sizes = {"cases": 200, "largest": 100, "events": 20, "revisions": 100}
    results = []
    for history in (0, args.history):
        with fresh_database(database) as env:
            ids, seeding = seed(env, **sizes, history=history)
            ids["seeding"] = seeding
            with gunicorn(env, workers=1) as port:
                client = Http(port, ids["session"], ids["token"])
                results.append((ids, latencies(client, audit_targets(ids), args.requests)))
    (small, small_rows), (large, large_rows) = results
    print(
        f"\n{database}: the audit history with {small['history_rows']:,} and "
        f"{large['history_rows']:,} history rows (the same {small['cases']} cases; the large "
        f"one seeded in {large['seeding']:.0f} s)"
    )
    print(f"{'endpoint':58} {'ms, small':>10} {'ms, large':>10} {'large/small':>12}")
    for (path, _, fast, _), (_, status, slow, _) in zip(small_rows, large_rows, strict=True):
        print(f"{path:58} {fast:>10.1f} {slow:>10.1f} {slow / fast:>12.2f}  ({status})")


def _psql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=30_000)
    parser.add_argument("--largest", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--revisions", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--history", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--only", choices=("pages", "audit"), help="one half of the benchmark")
    args = parser.parse_args(argv)
    for database in args.databases.split(","):
        if args.only != "audit":
            run(database.strip(), args)
        if args.only != "pages":
            run_audit(database.strip(), args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
