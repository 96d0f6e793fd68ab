"""Load and fault runs against a throwaway PostgreSQL and Redis of their own.

    .venv/bin/python bench/faults.py             # or `make faults`: every scenario
    .venv/bin/python bench/faults.py --quick     # shorter runs (a smoke test)
    .venv/bin/python bench/faults.py --scenario soak     # or `make soak`

It never touches the machine's own PostgreSQL or Redis: it makes a PostgreSQL cluster in
var/faults-pg (initdb, as the `postgres` user when run as root) and starts a redis-server,
both on free ports of 127.0.0.1, migrates, loads the demo content, collects the static files
and starts gunicorn with the production settings (4 sync workers, as on two cores). Then, each
printing a table:

- soak: wrk, 64 connections for 30 s over a mix of pages (home, library, filtered library,
  theme, review, feed, search), page cache on; then the same with the page cache off. Every
  response must be a 2xx, with no socket error.
- postgres: wrk, 16 connections for 30 s, page cache off; PostgreSQL is stopped
  (`pg_ctl stop -m fast`) at 5 s and started at 15 s. Responses must be 200 or 503 (the
  retry page), never a 500 or a socket error, with 503s while it is down and 200s again
  after, from the same gunicorn workers (no restart).
- redis: wrk, 16 connections for 30 s, page cache on; redis-server is stopped at 5 s and
  started again (empty) at 15 s. Every response must be a 2xx: served uncached while Redis
  is down, from the cache again after.

A scheduler killed mid-tick is tests/test_faults.py's (a real process, SIGKILLed while its
tick waits on a locked row). The exit status is 1 when any expectation fails. Every process
started and the cluster's directory are removed at the end, also on Ctrl-C or a failure.
"""

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from argparse import Namespace
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py: gunicorn, wrk's output, the pages measured

ROOT = load.ROOT
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CLUSTER_DIR = ROOT / "var" / "faults-pg"
STATIC_DIR = ROOT / "var" / "faults-static"
MEDIA_DIR = ROOT / "var" / "faults-media"
LUA = Path(__file__).resolve().parent / "faults.lua"
DATABASE = "faults"
SCENARIOS = ["soak", "postgres", "redis"]
# Seconds wrk waits for an answer before counting a timeout error. 64 connections on 8
# gunicorn threads queue 8 deep, and uncached pages on a shared 2-core machine took up to
# 9 s at the 99th percentile: a slow answer is not an error, a lost one is.
WRK_TIMEOUT = 30


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- The throwaway servers -----------------------------------------------------------------


class Postgres:
    """A PostgreSQL cluster of its own in CLUSTER_DIR, on a free port of 127.0.0.1."""

    def __init__(self):
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"
        # initdb and the server refuse to run as root.
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def run(self, *command: str) -> None:
        done = subprocess.run([*self.as_owner, *command], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def create(self) -> None:
        if CLUSTER_DIR.exists():
            raise SystemExit(
                f"{CLUSTER_DIR} exists: another faults run is under way, or one was killed "
                "before it could clean up (then stop its server and remove the directory)"
            )
        CLUSTER_DIR.mkdir(parents=True)
        if self.as_owner:
            shutil.chown(CLUSTER_DIR, "postgres", "postgres")
        self.run(
            str(PG_BIN / "initdb"),
            "--pgdata",
            str(CLUSTER_DIR),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        self.start()
        self.run(
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            DATABASE,
        )

    def start(self) -> None:
        # Durability off: a throwaway cluster, and the disk is shared with the other runs.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {CLUSTER_DIR} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.run(
            str(PG_BIN / "pg_ctl"),
            "--pgdata",
            str(CLUSTER_DIR),
            "--log",
            str(CLUSTER_DIR / "server.log"),
            "--options",
            options,
            "--wait",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self.run(str(PG_BIN / "pg_ctl"), "--pgdata", str(CLUSTER_DIR), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        if (CLUSTER_DIR / "postmaster.pid").exists():
            with contextlib.suppress(SystemExit):
                self.stop("immediate")
        shutil.rmtree(CLUSTER_DIR, ignore_errors=True)


class RedisServer:
    """redis-server on a free port of 127.0.0.1, keeping nothing on disk."""

    def __init__(self, work_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.work_dir = work_dir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.work_dir),
                "--logfile",
                str(self.work_dir / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit(f"redis-server did not start: see {self.work_dir}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- wrk with the tallying script ----------------------------------------------------------


@dataclass
class Run:
    name: str
    connections: int
    seconds: int
    started: float  # time.time() when wrk started
    result: load.Result
    tally: dict[int, Counter] = field(default_factory=dict)  # second from start -> statuses

    @property
    def statuses(self) -> Counter:
        return sum(self.tally.values(), Counter())

    @property
    def not_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)


def start_wrk(base: str, paths: list[str], connections: int, seconds: int) -> subprocess.Popen:
    command = [
        "wrk",
        "--latency",
        "--threads",
        "2",
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        f"{WRK_TIMEOUT}s",
        "--header",
        load.ACCEPT_ENCODING,
        "--script",
        str(LUA),
        base,
        "--",
        *paths,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process: subprocess.Popen, name: str, connections, seconds, started) -> Run:
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"wrk failed (status {process.returncode}):\n{err}")
    run = Run(name, connections, seconds, started, load.parse_wrk(out, name, "", ""))
    for epoch, status, n in re.findall(r"^TALLY (\d+) (\d+) (\d+)$", out, re.MULTILINE):
        second = int(epoch) - int(started)
        run.tally.setdefault(second, Counter())[int(status)] += int(n)
    return run


@dataclass(frozen=True)
class Sample:
    sent: float  # time.time()
    answered: float
    status: int  # 0: no answer at all
    cache: str  # the X-Page-Cache header


class Poller(threading.Thread):
    """One page asked every 0.1 s alongside wrk: the moments its answer changes."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.samples: list[Sample] = []
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            sent = time.time()
            status, cache = self.fetch()
            self.samples.append(Sample(sent, time.time(), status, cache))
            self._done.wait(0.1)

    def fetch(self) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url, timeout=WRK_TIMEOUT) as response:
                response.read()
                return response.status, response.headers.get(load.CACHE_HEADER, "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get(load.CACHE_HEADER, "")
        except OSError:
            return 0, ""

    def stop(self) -> None:
        self._done.set()
        self.join()

    def first(self, after: float, status: int, cache: str | None = None) -> float | None:
        """When the first answer with `status` (and `cache`) to a request sent after `after`
        came back."""
        for sample in self.samples:
            if sample.sent >= after and sample.status == status and cache in (None, sample.cache):
                return sample.answered
        return None


@dataclass
class Outage:
    """When the server was being stopped, was stopped, was being started, was back."""

    stopping: float = 0.0
    stopped: float = 0.0
    starting: float = 0.0
    started: float = 0.0

    def period(self, sample: Sample) -> str:
        """Where a request fell: wholly before, during or after the outage, or across an
        edge (a request can wait in gunicorn's queue for seconds under load)."""
        if sample.answered < self.stopping:
            return "before"
        if sample.sent >= self.stopped and sample.answered < self.starting:
            return "down"
        if sample.sent >= self.started:
            return "after"
        return "across"


def load_with_outage(base, paths, args, stop, start, poll_path) -> tuple[Run, Poller, Outage]:
    """wrk with 16 connections for --fault-seconds; `stop()` at --down-at, `start()` at
    --up-at; one page polled throughout."""
    poller = Poller(base + poll_path)
    outage = Outage()
    began = time.time()
    process = start_wrk(base, paths, 16, args.fault_seconds)
    poller.start()
    try:
        time.sleep(max(0.0, began + args.down_at - time.time()))
        outage.stopping = time.time()
        stop()
        outage.stopped = time.time()
        say(f"  stopped: {outage.stopping - began:.1f} s to {outage.stopped - began:.1f} s")
        time.sleep(max(0.0, began + args.up_at - time.time()))
        outage.starting = time.time()
        start()
        outage.started = time.time()
        say(f"  started: {outage.starting - began:.1f} s to {outage.started - began:.1f} s")
        run = finish_wrk(process, "", 16, args.fault_seconds, began)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        poller.stop()
    return run, poller, outage


def print_outage(run: Run, poller: Poller, outage: Outage, server: str) -> Counter:
    """The moments of the outage, what the polled page answered when, the timeline; the
    polled answers counted by (period, status, X-Page-Cache)."""
    at = lambda moment: f"{moment - run.started:.1f} s"  # noqa: E731
    print(
        f"  {server} stopped from {at(outage.stopping)} to {at(outage.stopped)}, "
        f"started from {at(outage.starting)} to {at(outage.started)}"
    )
    seen = Counter((outage.period(s), s.status, s.cache or "-") for s in poller.samples)
    print(f"  {poller.url} asked every 0.1 s: (period, status, X-Page-Cache): answers")
    order = {"before": 0, "down": 1, "across": 2, "after": 3}
    for key, n in sorted(seen.items(), key=lambda item: (order[item[0][0]], item[0][1:])):
        print(f"    {key}: {n}")
    print_timeline(
        run,
        {
            int(outage.stopping - run.started): f"<- {server} stopped",
            int(outage.starting - run.started): f"<- {server} started",
        },
    )
    return seen


# --- The report ---------------------------------------------------------------------------


def statuses_text(statuses: Counter) -> str:
    return ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())) or "none"


def print_runs(runs: list[Run]) -> None:
    header = (
        f"{'run':<22} {'conns':>5} {'secs':>4} {'requests':>8} {'req/s':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'sock err':>8} {'non-2xx':>7}  statuses"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        r = run.result
        print(
            f"{run.name:<22} {run.connections:>5} {run.seconds:>4} {r.requests:>8} "
            f"{r.rps:>7.0f} {r.p50:>7.1f} {r.p99:>7.1f} {r.socket_errors:>8} "
            f"{run.not_2xx:>7}  {statuses_text(run.statuses)}"
        )


def print_timeline(run: Run, marks: dict[int, str]) -> None:
    statuses = sorted(run.statuses)
    print(f"{'second':>6}  " + "  ".join(f"{s:>6}" for s in statuses))
    for second in range(min(run.tally, default=0), max(run.tally, default=-1) + 1):
        counts = run.tally.get(second, Counter())
        row = "  ".join(f"{counts.get(s, 0):>6}" for s in statuses)
        print(f"{second:>6}  {row}  {marks.get(second, '')}")


# --- Scenarios ----------------------------------------------------------------------------


class Faults:
    def __init__(self, args, env, paths, log_dir: Path, postgres: Postgres, redis: RedisServer):
        self.args = args
        self.env = env
        self.paths = paths
        self.log_dir = log_dir
        self.postgres = postgres
        self.redis = redis
        self.failures: list[str] = []
        self.server: load.Server | None = None

    def expect(self, ok: bool, what: str) -> None:
        print(f"  [{'ok' if ok else 'FAILED'}] {what}")
        if not ok:
            self.failures.append(what)

    def gunicorn(self, name: str, page_cache: bool) -> str:
        # As production runs on two cores (docker/gunicorn.conf.py).
        gunicorn_args = Namespace(workers=4, threads=1, worker_class="sync", keep_alive=0)
        env = {**self.env, "PAGE_CACHE": "on" if page_cache else "off"}
        self.server = load.Server(gunicorn_args, env, self.log_dir, name)
        base = self.server.start()
        for path in self.paths:  # each page once: they must work before they are loaded
            status, _, _ = load.fetch(base + path)
            if status != 200:
                self.server.fail(f"{path} answered {status} before the run")
        return base

    def stop_gunicorn(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def workers(self) -> set[int]:
        return set(load.children_of(self.server.process.pid))

    def soak(self) -> None:
        seconds = self.args.soak_seconds
        runs = []
        for name, cached in (("page cache on", True), ("page cache off", False)):
            base = self.gunicorn(f"soak-{'warm' if cached else 'cold'}", cached)
            try:
                say(f"soak, {name}: 64 connections for {seconds} s")
                started = time.time()
                process = start_wrk(base, self.paths, 64, seconds)
                runs.append(finish_wrk(process, f"soak, {name}", 64, seconds, started))
            finally:
                self.stop_gunicorn()
        print(
            "\n== Soak: 64 connections over home, library, filtered library, theme, review, "
            "feed and search =="
        )
        print_runs(runs)
        for run in runs:
            self.expect(
                run.result.socket_errors == 0 and run.not_2xx == 0,
                f"{run.name}: no socket error and every response a 2xx",
            )

    def postgres_restart(self) -> None:
        args = self.args
        base = self.gunicorn("postgres", page_cache=False)
        try:
            before = self.workers()
            say(f"postgres: 16 connections for {args.fault_seconds} s, page cache off")
            run, poller, outage = load_with_outage(
                base,
                self.paths,
                args,
                lambda: self.postgres.stop("fast"),
                self.postgres.start,
                self.paths[2],  # the filtered library: several queries
            )
            after = self.workers()
        finally:
            self.stop_gunicorn()
        run.name = "postgres restart"
        print(
            f"\n== PostgreSQL stopped (pg_ctl stop -m fast) at {args.down_at} s and started at "
            f"{args.up_at} s, page cache off =="
        )
        print_runs([run])
        seen = print_outage(run, poller, outage, "PostgreSQL")
        recovered = poller.first(outage.started, 200)
        if recovered is not None:
            print(
                f"  Recovered: the polled page answered 200 {recovered - outage.started:.1f} s "
                "after PostgreSQL was ready"
            )
        statuses = run.statuses
        self.expect(run.result.socket_errors == 0, "no socket error (every request answered)")
        self.expect(set(statuses) <= {200, 503}, "every response a 200 or a 503, never a 500")
        down = {status for (period, status, _) in seen if period == "down"}
        self.expect(down == {503}, "the polled page a 503 while PostgreSQL was down")
        self.expect(recovered is not None, "200s again after it started, with no restart")
        last = run.tally.get(max(run.tally), Counter()) if run.tally else Counter()
        self.expect(set(last) == {200}, "only 200s in the last second")
        self.expect(before == after, "the same gunicorn workers throughout")

    def redis_down(self) -> None:
        args = self.args
        base = self.gunicorn("redis", page_cache=True)
        try:
            for path in self.paths:  # cached before the run
                load.fetch(base + path)
            say(f"redis: 16 connections for {args.fault_seconds} s, page cache on")
            run, poller, outage = load_with_outage(
                base, self.paths, args, self.redis.stop, self.redis.start, self.paths[1]
            )
        finally:
            self.stop_gunicorn()
        run.name = "redis down"
        print(
            f"\n== Redis stopped at {args.down_at} s and started again (empty) at {args.up_at} s, "
            "page cache on =="
        )
        print_runs([run])
        seen = print_outage(run, poller, outage, "Redis")
        hit_again = poller.first(outage.started, 200, "hit")
        if hit_again is not None:
            print(
                f"  Served from the cache again {hit_again - outage.started:.1f} s after Redis "
                "was started"
            )
        self.expect(run.result.socket_errors == 0, "no socket error")
        self.expect(run.not_2xx == 0, "every response a 2xx, none a 500")
        down = {(status, cache) for (period, status, cache) in seen if period == "down"}
        self.expect(
            down == {(200, "bypass")}, "the polled page served uncached while Redis was down"
        )
        self.expect(hit_again is not None, "served from the cache again once Redis was back")


# --- Main ---------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=SCENARIOS,
        help="run only this one (repeatable); default: all",
    )
    parser.add_argument("--soak-seconds", type=int, default=30, help="each soak run")
    parser.add_argument("--fault-seconds", type=int, default=30, help="each fault run")
    parser.add_argument("--down-at", type=int, default=5, help="second the server is stopped")
    parser.add_argument("--up-at", type=int, default=15, help="second it is started again")
    parser.add_argument(
        "--quick", action="store_true", help="10 s runs, the server down from 3 s to 7 s"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.soak_seconds, args.fault_seconds, args.down_at, args.up_at = 10, 10, 3, 7
    if not 0 < args.down_at < args.up_at < args.fault_seconds:
        parser.error("need 0 < --down-at < --up-at < --fault-seconds")
    args.scenario = args.scenario or SCENARIOS
    return args


def prepare(env: dict[str, str]) -> list[str]:
    """Migrate, load the demo content, collect the static files; the pages to load."""
    load.django_setup(env)
    from django.core.management import call_command
    from django.db import connections

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    with contextlib.redirect_stdout(open(os.devnull, "w")):
        call_command("load_demo_content")
    call_command("collectstatic", interactive=False, verbosity=0)
    pages = [path for label, path in load.pick_pages("neglect", "") if label != load.STATIC]
    connections.close_all()  # the servers have the database to themselves
    say(f"database ready in {time.monotonic() - started:.0f} s; pages: {', '.join(pages)}")
    return pages


def main(argv=None) -> int:
    args = parse_args(argv)
    for tool in ("wrk", "redis-server", str(PG_BIN / "pg_ctl")):
        if shutil.which(tool) is None:
            raise SystemExit(
                f"{tool} is missing (Debian: apt-get install wrk redis-server postgresql-15)"
            )
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up on SIGTERM too

    postgres = Postgres()
    with tempfile.TemporaryDirectory(prefix="faults-") as work:
        work_dir = Path(work)
        redis = RedisServer(work_dir)
        faults = None
        try:
            say(f"PostgreSQL cluster in {CLUSTER_DIR} on port {postgres.port}")
            postgres.create()
            say(f"redis-server on port {redis.port}")
            redis.start()
            STATIC_DIR.mkdir(parents=True, exist_ok=True)
            MEDIA_DIR.mkdir(parents=True, exist_ok=True)
            env = {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": load.SETTINGS,
                "SECRET_KEY": secrets.token_urlsafe(38)[:50],
                "DATABASE_URL": postgres.url,
                "REDIS_URL": redis.url,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "MEDIA_ROOT": str(MEDIA_DIR),
                "STATIC_ROOT": str(STATIC_DIR),
                "DEBUG": "false",
                "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
                "LOG_LEVEL": "WARNING",
            }
            paths = prepare(env)
            when = datetime.now().astimezone()
            print(
                f"bench/faults.py {' '.join(sys.argv[1:])}; {when:%Y-%m-%d %H:%M %Z}\n"
                f"machine: {load.machine()}\n"
                f"gunicorn: sync, 4 workers x 1 thread, keep-alive 0 s, {load.SETTINGS}; "
                f"wrk: 2 threads, timeout {WRK_TIMEOUT} s, '{load.ACCEPT_ENCODING}'"
            )
            faults = Faults(args, env, paths, work_dir, postgres, redis)
            for scenario in args.scenario:
                {
                    "soak": faults.soak,
                    "postgres": faults.postgres_restart,
                    "redis": faults.redis_down,
                }[scenario]()
        finally:
            if faults is not None:
                faults.stop_gunicorn()
            redis.stop()
            postgres.remove()
    print(f"\nload average at the end: {', '.join(f'{n:.2f}' for n in os.getloadavg())}")
    if faults.failures:
        print(f"FAILED: {len(faults.failures)} expectations: " + "; ".join(faults.failures))
        return 1
    print("Every expectation met.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
