"""Load-test the production settings under gunicorn with wrk, page cache off then on.

    .venv/bin/python bench/load.py        # or `make load-bench`, which fills the database first
    .venv/bin/python bench/load.py --quick --workers 3 --threads 2

On a database of generated reviews (bench/generate.py; `make bench-db` or `make load-bench`
fills it), in one run: collect the static files for the production settings, then for each
phase, cold (PAGE_CACHE=off) and warm (PAGE_CACHE=on), flush the Redis database, start
gunicorn on a free port of 127.0.0.1 with site_core.settings.production, fetch every page
once (each must answer 200), and for each page run a short wrk burst (the warm-up: it fills
the page cache in the warm phase) and then the measured wrk run. The gunicorn processes'
peak resident memory is sampled from /proc throughout. It prints one table (requests/s, p50,
p99, errors, the fraction of the static file's requests/s, the targets met or missed) and
exits non-zero if any request failed (a socket error or a status other than 2xx/3xx).
Missed targets are printed, not failed. wrk, the server and PostgreSQL share the machine, so
the figures are for comparing runs on one machine, not absolute capacity.
"""

import argparse
import contextlib
import functools
import gzip
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETTINGS = "site_core.settings.production"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/learning_bench_10k"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/5"  # not 0: that one belongs to whoever else
MAKE_DATABASE = (
    "make bench-db BENCH_DATABASE_URL={url}\n"
    "(or make load-bench BENCH_DATABASE_URL={url}, which fills it and then runs this)"
)
GENERATED_PREFIX = "bench-"  # the slug prefix of bench/generate.py's reviews
STATIC_DIR = ROOT / "var" / "bench-static"
MEDIA_DIR = ROOT / "var" / "bench-media"
CACHE_HEADER = "X-Page-Cache"  # hit, miss or bypass: site_core/caching/page_cache.py
# What a browser sends; WhiteNoise then serves its pre-compressed copy of the stylesheet.
ACCEPT_ENCODING = "Accept-Encoding: gzip, deflate, br"

# Targets (requests/s, milliseconds). Warm: every page served from the page cache at half
# the static file's rate or better, p99 under 50 ms. Cold: a floor per kind of page.
WARM_FRACTION, WARM_P99_MS = 0.5, 50.0
COLD_FLOORS = {
    "review": 150,
    "library": 100,
    "library filtered": 100,
    "theme": 100,
    "search": 50,
}
STATIC = "static CSS"


# --- The pages ----------------------------------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    """Configure Django in this process as the server will be: production settings."""
    os.environ.update(env)
    import django

    django.setup()


def check_database(url: str) -> int:
    """The number of generated reviews; exits with what to run when there are none."""
    from django.db import DatabaseError, connection

    from learning.models import ReviewPage

    how = MAKE_DATABASE.format(url=url)
    try:
        generated = ReviewPage.objects.filter(slug__startswith=GENERATED_PREFIX).count()
    except DatabaseError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else error
        raise SystemExit(
            f"Cannot read reviews from {url}: {first_line}\nCreate and fill it with:\n{how}"
        ) from None
    finally:
        connection.close()
    if not generated:
        raise SystemExit(f"{url} holds no generated reviews. Fill it with:\n{how}")
    return generated


def collect_static() -> tuple[Path, str]:
    """Collect the static files as production stores them; their root and the CSS address."""
    from django.conf import settings
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    return Path(settings.STATIC_ROOT), staticfiles_storage.url("css/site.css")


def pick_pages(q: str, css_url: str) -> list[tuple[str, str]]:
    """(label, address) of each page measured, chosen from the data so each has results."""
    from django.db import connection
    from django.db.models import Count, Exists, OuterRef

    from learning.models import ReviewTheme, ThemeIndexPage
    from learning.queries import live_public_reviews

    library = ThemeIndexPage.objects.live().order_by("path").first()
    if library is None:
        raise SystemExit("The database has no live library (ThemeIndexPage).")
    base = urlsplit(library.get_url()).path
    live = live_public_reviews().descendant_of(library)
    total = live.count()

    def most_used_theme(reviews, exclude=None):
        links = ReviewTheme.objects.filter(page__in=reviews.values("pk"))
        if exclude is not None:
            links = links.exclude(theme_id=exclude)
        return (
            links.values_list("theme_id", "theme__slug")
            .annotate(n=Count("pk"))
            .order_by("-n", "theme__slug")
            .first()
        )

    # The two themes found together most often (a review must have both), and the type most
    # common among the reviews with both: the filtered library lists many reviews.
    first_id, first, _ = most_used_theme(live)
    with_first = live.filter(review_themes__theme_id=first_id)
    second_id, second, _ = most_used_theme(with_first, exclude=first_id)
    with_both = with_first.filter(
        Exists(ReviewTheme.objects.filter(page_id=OuterRef("pk"), theme_id=second_id))
    )
    review_type, _ = (
        with_both.values_list("review_type__slug")
        .annotate(n=Count("pk"))
        .order_by("-n", "review_type__slug")
        .first()
    )
    # A review from the middle of the library, neither the newest nor the oldest.
    middle = live.order_by("publication_date", "pk")[total // 2 : total // 2 + 1].get()
    filters = urlencode([("theme", first), ("theme", second), ("type", review_type)])
    pages = [
        (STATIC, css_url),
        ("home", "/"),
        ("library", base),
        ("library filtered", f"{base}?{filters}"),
        ("theme", f"{base}themes/{first}/"),
        ("review", urlsplit(middle.get_url()).path),
        ("feed", f"{base}feed/"),
        ("search", f"/search/?{urlencode({'q': q})}"),
    ]
    connection.close()  # the server has the database to itself while it is measured
    return pages


# --- The server ---------------------------------------------------------------------------


@dataclass
class Memory:
    """Peak resident memory (VmHWM, kB) of each gunicorn process, and of all of them at once."""

    master: int = 0
    peaks: dict[int, int] = field(default_factory=dict)
    largest_total: int = 0


def proc_status(pid: int) -> dict[str, int]:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, rest = line.partition(":")
                if name in ("VmHWM", "VmRSS"):
                    values[name] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return values


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """Processor seconds (user and system) a process has used, 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def machine_busy() -> float:
    """Processor seconds the whole machine has spent busy (all but idle and I/O wait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def postgres_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
    return found


@dataclass
class CpuSplit:
    """Where the machine's processor time went during a measured run, per request (ms).

    app: gunicorn's processes; db: PostgreSQL's (its backends stay up for the whole run:
    persistent connections); other: the rest of the machine's busy time, wrk above all (a
    database backend that exited during the run would be counted here).
    """

    app: float = 0.0
    db: float = 0.0
    other: float = 0.0

    @classmethod
    def measure(cls, server_pids, run):
        """Run `run()` (which returns its number of requests); the split of its time."""

        def snapshot():
            return (
                {pid: process_cpu(pid) for pid in server_pids()},
                {pid: process_cpu(pid) for pid in postgres_pids()},
                machine_busy(),
            )

        def used(before: dict, after: dict) -> float:
            # Per process, so that one that exited during the run (a database connection
            # past CONN_MAX_AGE) takes nothing away; its time is left in `other`.
            return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())

        app0, db0, busy0 = snapshot()
        outcome = run()
        app1, db1, busy1 = snapshot()
        requests = max(outcome.requests, 1)
        app, db = used(app0, app1), used(db0, db1)
        other = max(busy1 - busy0 - app - db, 0.0)
        per = lambda seconds: 1000 * seconds / requests  # noqa: E731
        return outcome, cls(per(app), per(db), per(other))


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class Server:
    """gunicorn in its own process group, its error log in a file, its memory sampled."""

    def __init__(self, args, env: dict[str, str], log_dir: Path, phase: str):
        self.log_path = log_dir / f"gunicorn-{phase}.log"
        self.command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "site_core.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            "127.0.0.1:0",  # the kernel picks a free port; the log says which
            "--worker-class",
            args.worker_class,
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--keep-alive",
            str(args.keep_alive),
            "--graceful-timeout",
            "5",
            "--no-control-socket",  # else every gunicorn on the machine shares one path
            "--error-logfile",
            "-",  # with Django's own log (tracebacks of 500s), into log_path
        ]
        self.env = env
        self.memory = Memory()
        self.process: subprocess.Popen | None = None
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def start(self, timeout: float = 90) -> str:
        """Start gunicorn and wait until it answers; its base address."""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends workers and all
            )
        self.memory.master = self.process.pid
        self._sampler.start()
        deadline = time.monotonic() + timeout
        port = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.fail(f"gunicorn exited with status {self.process.returncode}")
            log = self.log_path.read_text() if self.log_path.exists() else ""
            if port is None and (found := re.search(r"Listening at: http://[\d.]+:(\d+)", log)):
                port = int(found.group(1))
            if port is not None:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).close()
                    return f"http://127.0.0.1:{port}"
                except urllib.error.HTTPError:
                    return f"http://127.0.0.1:{port}"  # answering; the page check says more
                except OSError:
                    pass
            time.sleep(0.2)
        self.fail(f"gunicorn did not answer within {timeout:.0f} s")

    def pids(self) -> list[int]:
        """The master's and its workers' process ids."""
        if self.process is None:
            return []
        return [self.process.pid, *children_of(self.process.pid)]

    def fail(self, message: str) -> NoReturn:
        tail = self.log_path.read_text().splitlines()[-40:] if self.log_path.exists() else []
        raise SystemExit("\n".join([message + "; the end of gunicorn's log:", *tail]))

    def _sample_until_stopped(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.25)

    def sample(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        total = 0
        for pid in [self.process.pid, *children_of(self.process.pid)]:
            values = proc_status(pid)
            if values:
                self.memory.peaks[pid] = max(self.memory.peaks.get(pid, 0), values["VmHWM"])
                total += values["VmRSS"]
        self.memory.largest_total = max(self.memory.largest_total, total)

    def stop(self) -> None:
        """SIGTERM to the whole process group (gunicorn's graceful stop), SIGKILL if need be."""
        self._stop.set()
        if self._sampler.is_alive():
            self._sampler.join()
        if self.process is None:
            return
        self.sample()  # the final high-water marks, before the workers go
        group = self.process.pid  # the group leader: start_new_session
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(group, signal.SIGTERM)
            self.process.wait(timeout=15)
        # Whatever is left of the group (a worker the master did not reap) goes now.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait()


# --- wrk ----------------------------------------------------------------------------------


@dataclass
class Result:
    page: str
    phase: str
    url: str
    rps: float
    p50: float
    p99: float
    requests: int
    socket_errors: int
    bad_status: int
    cache: str = ""  # the X-Page-Cache header of a request right after the run
    cpu: "CpuSplit | None" = None

    @property
    def errors(self) -> int:
        return self.socket_errors + self.bad_status


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def wrk_command(args, url: str, seconds: int) -> list[str]:
    return [
        "wrk",
        "--latency",
        "--threads",
        str(args.wrk_threads),
        "--connections",
        str(args.connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        f"{args.timeout}s",
        "--header",
        ACCEPT_ENCODING,
        url,
    ]


def run_wrk(args, url: str, seconds: int) -> str:
    done = subprocess.run(wrk_command(args, url, seconds), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed on {url} (status {done.returncode}):\n{done.stderr}")
    return done.stdout


def parse_wrk(output: str, page: str, phase: str, url: str) -> Result:
    def number(pattern: str) -> re.Match:
        found = re.search(pattern, output, re.MULTILINE)
        if found is None:
            raise SystemExit(f"Cannot read {pattern!r} in wrk's output:\n{output}")
        return found

    def latency(percent: int) -> float:
        found = number(rf"^\s+{percent}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$")
        return float(found.group(1)) * UNITS_MS[found.group(2)]

    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Result(
        page=page,
        phase=phase,
        url=url,
        rps=float(number(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50=latency(50),
        p99=latency(99),
        requests=int(number(r"(\d+) requests in ").group(1)),
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
        bad_status=int(bad.group(1)) if bad else 0,
    )


# --- One phase ----------------------------------------------------------------------------


def flush_redis(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        size = client.dbsize()
        client.flushdb()
    except redis.RedisError as error:
        raise SystemExit(f"Cannot flush Redis at {url}: {error}") from None
    finally:
        client.close()
    return size


def redis_keys(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    try:
        return client.dbsize()
    finally:
        client.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, X-Page-Cache header and body of one request (as wrk sends it, no redirect)."""
    name, _, value = ACCEPT_ENCODING.partition(": ")
    request = urllib.request.Request(url, headers={name: value})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            body = response.read()
            if response.headers.get("Content-Encoding") == "gzip":  # a page from the cache
                body = gzip.decompress(body)
            return response.status, response.headers.get(CACHE_HEADER, ""), body
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get(CACHE_HEADER, ""), b""


def check_pages(base: str, pages: list[tuple[str, str]], css_url: str) -> str:
    """Each page once: every one must answer 200 itself, the home page link the stylesheet.

    What is wrong, if anything.
    """
    for label, path in pages:
        status, _, body = fetch(base + path)
        if status != 200:
            return f"{label}: {path} answered {status}, not 200"
        if label == "home" and css_url.encode() not in body:
            return f"The home page does not link the collected stylesheet {css_url}"
    return ""


def measure_page(args, base: str, path: str, label: str, phase: str) -> Result:
    return parse_wrk(run_wrk(args, base + path, args.duration), label, phase, path)


def run_phase(args, phase: str, env, pages, css_url, log_dir: Path) -> tuple[list, Memory, int]:
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    flushed = flush_redis(args.redis_url)
    env = {**env, "PAGE_CACHE": "off" if phase == "cold" else "on"}
    server = Server(args, env, log_dir, phase)
    results = []
    try:
        base = server.start()
        cache = env["PAGE_CACHE"]
        say(f"{phase}: gunicorn at {base} (PAGE_CACHE={cache}; Redis keys flushed: {flushed})")
        if problem := check_pages(base, pages, css_url):
            server.fail(problem)
        for label, path in pages:
            run_wrk(args, base + path, args.warmup)
            result, cpu = CpuSplit.measure(
                server.pids,
                functools.partial(measure_page, args, base, path, label, phase),
            )
            result.cpu = cpu
            result.cache = fetch(base + path)[1] or "-"
            results.append(result)
            errors = f", {result.errors} errors" if result.errors else ""
            say(f"  {label:<17} {result.rps:>8.0f} req/s  p99 {result.p99:.1f} ms{errors}")
        keys = redis_keys(args.redis_url)
    finally:
        server.stop()
    return results, server.memory, keys


# --- The report ---------------------------------------------------------------------------


def verdict(result: Result, static_rps: float | None) -> tuple[str, str]:
    """(target, "met"/"missed"/"") of one row."""
    if result.page == STATIC:
        return "reference", ""
    if result.phase == "warm":
        target = f">={WARM_FRACTION:.0%} static, p99<{WARM_P99_MS:.0f}ms"
        if static_rps is None:
            return target, "?"
        met = result.rps >= WARM_FRACTION * static_rps and result.p99 < WARM_P99_MS
        return target, "met" if met else "MISSED"
    floor = COLD_FLOORS.get(result.page)
    if floor is None:
        return "-", ""
    return f">={floor}/s", "met" if result.rps >= floor else "MISSED"


def print_table(results: list[Result]) -> list[Result]:
    """Print the table; the rows that missed their target."""
    static = {r.phase: r.rps for r in results if r.page == STATIC}
    order = {label: i for i, label in enumerate(dict.fromkeys(r.page for r in results))}
    rows = sorted(results, key=lambda r: (order[r.page], r.phase))
    header = (
        f"{'page':<17} {'phase':<5} {'cache':<6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'of static':>9} {'cpu ms/req app+db+other':>24}  {'target':<26} result"
    )
    print(header)
    print("-" * len(header))
    missed = []
    for r in rows:
        target, met = verdict(r, static.get(r.phase))
        if met == "MISSED":
            missed.append(r)
        fraction = f"{r.rps / static[r.phase]:.0%}" if static.get(r.phase) else "-"
        cpu = f"{r.cpu.app:.1f}+{r.cpu.db:.1f}+{r.cpu.other:.1f}" if r.cpu else "-"
        print(
            f"{r.page:<17} {r.phase:<5} {r.cache:<6} {r.rps:>8.0f} {r.p50:>7.1f} {r.p99:>7.1f} "
            f"{r.errors:>6} {fraction:>9} {cpu:>24}  {target:<26} {met}"
        )
    return missed


def print_memory(phase: str, memory: Memory) -> None:
    mb = lambda kb: f"{kb / 1024:.0f}"  # noqa: E731
    workers = [kb for pid, kb in sorted(memory.peaks.items()) if pid != memory.master]
    master_kb = memory.peaks.get(memory.master, 0)
    print(
        f"  {phase}: master {mb(master_kb)} MB; {len(workers)} workers "
        f"{', '.join(mb(kb) for kb in workers)} MB (largest {mb(max(workers, default=0))} MB); "
        f"all together {mb(memory.largest_total)} MB at most at one time "
        f"(sum of peaks {mb(master_kb + sum(workers))} MB)"
    )


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0))
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return f"{usable} CPUs usable ({os.cpu_count()} in all) {model}; load average {load}"


# --- Main ---------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--database-url", default=DEFAULT_DATABASE_URL, help="holds the generated reviews"
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="flushed every phase")
    # The defaults are production's on two cores (docker/gunicorn.conf.py).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=0,
        help="gunicorn keep-alive seconds (default 0: a connection per request, as from a "
        "reverse proxy; with keep-alive, wrk's connections stick to whichever worker "
        "accepted them, and a run where most land on one worker measures half the server)",
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--duration", type=int, default=10, help="seconds measured per page")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each")
    parser.add_argument(
        "--timeout",
        type=int,
        default=10,
        help="seconds wrk waits for a response before counting a timeout error (wrk's own "
        "default, 2 s, turns a slow page's tail into errors and leaves it out of the p99)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 3 s per page after 1 s of warm-up"
    )
    parser.add_argument(
        "--phase",
        choices=["both", "cold", "warm"],
        default="both",
        help="cold: PAGE_CACHE=off; warm: PAGE_CACHE=on",
    )
    parser.add_argument("--q", default="neglect", help="the site search's words")
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated pages to measure besides the static file, e.g. 'library,review'",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup = 3, 1
    if args.wrk_threads > args.connections:
        parser.error("wrk needs at least as many connections as threads")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: on Debian or Ubuntu, sudo apt-get install wrk")
    if not (ROOT / ".venv" / "bin" / "gunicorn").exists():
        raise SystemExit("gunicorn is not in .venv: run `make install`")
    # Ctrl-C raises KeyboardInterrupt; a SIGTERM (make stopped, CI cancelled) too, so that
    # the server is stopped either way.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    STATIC_DIR.mkdir(parents=True, exist_ok=True)
    MEDIA_DIR.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "SECRET_KEY": secrets.token_urlsafe(38)[:50],
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(MEDIA_DIR),
        "STATIC_ROOT": str(STATIC_DIR),
        "DEBUG": "false",  # whatever a developer's .env says
        # Plain HTTP on loopback: production otherwise redirects every request to HTTPS.
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    django_setup(env)
    generated = check_database(args.database_url)
    started = time.monotonic()
    static_root, css_url = collect_static()
    print(f"Static files collected into {static_root} ({time.monotonic() - started:.0f} s)")
    pages = pick_pages(args.q, css_url)
    if args.only:
        wanted = {STATIC, *(name.strip() for name in args.only.split(","))}
        unknown = wanted - {label for label, _ in pages}
        if unknown:
            raise SystemExit(f"--only: no such page {', '.join(sorted(unknown))}")
        pages = [(label, path) for label, path in pages if label in wanted]
    for label, path in pages:
        print(f"  {label:<17} {path}")

    phases = ["cold", "warm"] if args.phase == "both" else [args.phase]
    results, memory = [], {}
    # Read before the runs: the load average the runs start from, not the one they made.
    when, machine_at_start = datetime.now().astimezone(), machine()
    with tempfile.TemporaryDirectory(prefix="load-bench-") as log_dir:
        for phase in phases:
            phase_results, memory[phase], keys = run_phase(
                args, phase, env, pages, css_url, Path(log_dir)
            )
            results += phase_results
            print(f"{phase}: Redis keys at the end of the phase: {keys}", file=sys.stderr)

    print(
        f"\n{generated:,} generated reviews in {urlsplit(args.database_url).path.lstrip('/')}; "
        f"{when:%Y-%m-%d %H:%M %Z}\n"
        f"machine: {machine_at_start}\n"
        f"gunicorn: {args.worker_class}, {args.workers} workers x {args.threads} threads, "
        f"keep-alive {args.keep_alive} s, "
        f"{SETTINGS}\n"
        f"wrk: {args.connections} connections, {args.wrk_threads} threads, {args.duration} s "
        f"per page after {args.warmup} s of warm-up, timeout {args.timeout} s, "
        f"'{ACCEPT_ENCODING}'\n"
    )
    missed = print_table(results)
    print("\nPeak resident memory (VmHWM) of the gunicorn processes:")
    for phase in phases:
        print_memory(phase, memory[phase])
    named = lambda rows: ", ".join(f"{r.page} ({r.phase})" for r in rows)  # noqa: E731
    print(f"\nTargets missed: {named(missed)}" if missed else "\nEvery target met.")
    failed = [r for r in results if r.errors]
    if failed:
        print(f"FAILED: some requests failed (socket errors or statuses) on {named(failed)}")
        return 1
    print("No request failed.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
