#!/usr/bin/env python3
"""The Python `eventsourcing` library's PostgreSQL module, measured on the
same server as Caseload's PostgreSQL benchmarks (Scripts/bench-postgres runs
both in one go), so that the issue's comparison is made in one spell.

    python3 Benchmarks/PostgresPeer/peer.py --url postgres://USER:PASS@HOST:PORT/DB [--runs 3] [--json FILE]

Needs `pip install "eventsourcing[postgres]==9.5.6"` (psycopg 3). Each run
uses a fresh schema, dropped afterwards. Figures, medians of the runs:

- one transaction per case: an aggregate per case with 10 events, saved
  once (the shape measured for issue 14: 2,825 events/s then);
- single-event saves from 64 threads, each its own aggregate (the library
  takes an EXCLUSIVE lock on its events table per insert, so they commit
  one after another; there is no group commit);
- 1,000-event saves: 100 aggregates of 10 events in one `save`;
- replay: every notification of the run's log read in pages
  (`select_notifications`), then the same read with each notification
  mapped back to its domain event (`mapper.to_domain_event`).

Payloads are about the size of Caseload's benchmark events (≈180 B of JSON).
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse
import uuid

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Case(Aggregate):
    """A case with the kinds of events Caseload's benchmark appends."""

    @event("Opened")
    def __init__(self, client_id: str, therapist_id: str, format: str) -> None:
        self.client_id = client_id
        self.therapist_id = therapist_id
        self.format = format
        self.sessions = 0

    @event("SessionBooked")
    def book(self, session_id: str, scheduled_start: int, amount: int, currency: str) -> None:
        self.sessions += 1

    @event("SessionHeld")
    def hold(self, session_id: str) -> None:
        pass


class Marketplace(Application):
    pass


def new_case(n: int) -> Case:
    case = Case(
        client_id=f"client-0000{n:012x}-4a1b-9c2d-7e3f",
        therapist_id=f"therapist-0000{n % 500:012x}-4a1b-9c2d-7e3f",
        format="couple" if n % 3 == 0 else "individual",
    )
    return case


def grow(case: Case, n: int, events: int) -> None:
    """Adds events until the case has `events` pending ones."""
    k = 0
    while len(case.pending_events) < events:
        if k % 2 == 0:
            case.book(
                session_id=f"session-0000{n * 16 + k:012x}-4a1b-9c2d-7e3f",
                scheduled_start=1_710_000_000 + k,
                amount=150_000 + (k % 7) * 25_000,
                currency="UAH",
            )
        else:
            case.hold(session_id=f"session-0000{n * 16 + k - 1:012x}-4a1b-9c2d-7e3f")
        k += 1


def open_app(url: str, schema: str, pool: int) -> Marketplace:
    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(url.split("?")[0], autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        connection.execute(f"CREATE SCHEMA {schema}")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts.path.lstrip("/"),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": urllib.parse.unquote(parts.username),
        "POSTGRES_PASSWORD": urllib.parse.unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool),
        "POSTGRES_MAX_OVERFLOW": "0",
        "CREATE_TABLE": "y",
    }
    return Marketplace(env=env)


def drop(url: str, schema: str) -> None:
    with psycopg.connect(url.split("?")[0], autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def one_run(url: str, run: int, cases: int, threads: int, per_thread: int, batches: int) -> dict:
    schema = f"peer_{os.getpid()}_{run}"
    app = open_app(url, schema, pool=threads)
    figures = {}
    try:
        # One transaction per case, 10 events each, one thread.
        prepared = []
        for n in range(cases):
            case = new_case(run * 10_000_000 + n)
            grow(case, n, 10)
            prepared.append(case)
        start = time.perf_counter()
        for case in prepared:
            app.save(case)
        figures["per-case"] = cases * 10 / (time.perf_counter() - start)

        # Single-event saves from many threads.
        owned = []
        for t in range(threads):
            case = new_case(run * 10_000_000 + 1_000_000 + t)
            app.save(case)
            owned.append(case)
        barrier = threading.Barrier(threads + 1)
        failures = []

        def appender(case: Case, t: int) -> None:
            barrier.wait()
            try:
                for k in range(per_thread):
                    grow(case, t, 1)
                    app.save(case)
            except Exception as error:  # noqa: BLE001
                failures.append(error)

        workers = [threading.Thread(target=appender, args=(case, t)) for t, case in enumerate(owned)]
        for worker in workers:
            worker.start()
        barrier.wait()
        start = time.perf_counter()
        for worker in workers:
            worker.join()
        if failures:
            raise failures[0]
        figures["threads"] = threads * per_thread / (time.perf_counter() - start)

        # 1,000-event saves.
        groups = []
        for b in range(batches):
            group = []
            for c in range(100):
                n = run * 10_000_000 + 2_000_000 + b * 100 + c
                case = new_case(n)
                grow(case, n, 10)
                group.append(case)
            groups.append(group)
        start = time.perf_counter()
        for group in groups:
            app.save(*group)
        figures["bulk"] = batches * 1000 / (time.perf_counter() - start)

        # Replay: the whole log in pages, then the same with domain events.
        recorder = app.recorder
        total = 0
        start = time.perf_counter()
        position = 1
        while True:
            page = recorder.select_notifications(start=position, limit=10_000)
            if not page:
                break
            total += len(page)
            position = page[-1].id + 1
        figures["read"] = total / (time.perf_counter() - start)
        figures["log events"] = total
        decoded = 0
        start = time.perf_counter()
        position = 1
        while True:
            page = recorder.select_notifications(start=position, limit=10_000)
            if not page:
                break
            for notification in page:
                app.mapper.to_domain_event(notification)
                decoded += 1
            position = page[-1].id + 1
        figures["replay"] = decoded / (time.perf_counter() - start)
    finally:
        app.close()
        drop(url, schema)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=2000, help="cases saved one transaction each (10 events)")
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--per-thread", type=int, default=50, help="single-event saves per thread")
    parser.add_argument("--batches", type=int, default=100, help="1,000-event saves")
    parser.add_argument("--json", help="write the figures here")
    options = parser.parse_args()

    from importlib.metadata import version as installed

    runs = [one_run(options.url, r, options.cases, options.threads, options.per_thread, options.batches) for r in range(options.runs)]
    version = installed("eventsourcing")
    names = {
        "per-case": f"eventsourcing {version}: one transaction per case (10 events), one thread",
        "threads": f"eventsourcing {version}: single-event saves, {options.threads} threads",
        "bulk": f"eventsourcing {version}: 1,000-event saves (100 aggregates × 10 events)",
        "read": f"eventsourcing {version}: read every notification (pages of 10,000)",
        "replay": f"eventsourcing {version}: replay, notifications mapped to domain events",
    }
    figures = []
    for key, name in names.items():
        values = [run[key] for run in runs]
        figure = {"name": name, "unit": "events/s", "median": statistics.median(values), "runs": values}
        figures.append(figure)
        print(f"{name}: median {figure['median']:,.0f} events/s  [runs: {', '.join(f'{v:,.0f}' for v in values)}]")
    print(f"(replay over a log of {runs[0]['log events']:,} events)")
    if options.json:
        os.makedirs(os.path.dirname(options.json) or ".", exist_ok=True)
        with open(options.json, "w") as out:
            json.dump({"library": f"eventsourcing {version}", "psycopg": psycopg.__version__, "figures": figures}, out, indent=1)
        print(f"written: {options.json}")


if __name__ == "__main__":
    sys.exit(main())
