"""gunicorn's configuration in production: `docker/entrypoint.sh web` starts

    gunicorn -c docker/gunicorn.conf.py site_core.wsgi:application

Each value can be changed from the environment (README, "Deploy"). Both logs go to stdout,
as JSON lines unless LOG_FORMAT=plain (site_core/operations/logging.py): the container's log is the
log, and the log collector reads it from there.
"""

import os
from pathlib import Path

from gunicorn import glogging

# The project's root, wherever gunicorn is started from: the app and the log formatter are
# imported from there.
chdir = str(Path(__file__).resolve().parent.parent)

# All interfaces inside a container (its port is published on the host's loopback only, see
# compose.yaml); anywhere else, give GUNICORN_BIND=127.0.0.1:8000.
bind = [os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")]

# Two single-threaded worker processes per core: while one waits on PostgreSQL or Redis the
# other runs, and no two requests contend for one process's interpreter lock. On two cores,
# four such workers served every page faster than two workers of four threads, cold and from
# the cache, with half the p99 (bench/README.md, "gunicorn's configuration"), for about 300 MB
# more memory. Sync workers read a request and write its response whole, so they need a
# buffering reverse proxy in front (the one that terminates TLS): a slow client then costs
# the proxy a connection, not a worker. GUNICORN_THREADS above 1 switches to threaded workers.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * len(os.sched_getaffinity(0)))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A request still running after `timeout` seconds has its worker restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (a deploy, `docker compose stop`), requests in progress get this long to
# finish; compose.yaml's stop_grace_period gives the container a little more.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Threaded workers only (sync workers close each connection after its response): behind a
# load balancer that keeps connections open, set this above the balancer's idle timeout, or
# it may send a request down a connection gunicorn is closing (a 502).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))

# Each worker is replaced after about this many requests, at staggered times, so that slow
# growth in memory (a leak in a dependency) never builds up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "100"))

# The addresses whose X-Forwarded-Proto (and -For) gunicorn believes: the reverse proxy's.
# gunicorn's own default, loopback only, trusts no proxy outside the container.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Worker heartbeats in memory rather than on the container's copy-on-write disk, where a
# slow write can make a busy worker look dead.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Scaling is compose's (or the orchestrator's) job, not gunicornc's over a control socket.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ValueError(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "site_core.operations.logging.JsonFormatter"},
        # The same lines as Django's own plain log (site_core/settings/base.py).
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "stream": "ext://sys.stdout",
        },
    },
    "root": {"level": "INFO", "handlers": ["stdout"]},
    "loggers": {
        # Not propagated: the root logger's handlers are Django's once the app has loaded.
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
    },
}


class AccessLogger(glogging.Logger):
    """gunicorn's logger, with each access log line's parts as fields of their own.

    gunicorn's access_log_format only substitutes text into a template: it escapes double
    quotes but not backslashes or control characters, so a user agent (which the client
    chooses) could break a JSON line. Here the parts go to the log record as they are, and
    the formatter writes them out.
    """

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        fields = {
            "method": environ.get("REQUEST_METHOD"),
            # As the client sent it, percent-escapes and all.
            "path": environ.get("RAW_URI", "").partition("?")[0],
            "query": environ.get("QUERY_STRING", ""),
            "status": int(status),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
            "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
            "user_agent": environ.get("HTTP_USER_AGENT"),
            "referer": environ.get("HTTP_REFERER"),
        }
        try:
            self.access_log.info(
                "%s %s %s %.1f ms",
                fields["method"],
                fields["path"],
                fields["status"],
                fields["duration_ms"],
                extra=fields,
            )
        except Exception:
            self.exception("Could not write the access log")


logger_class = AccessLogger
