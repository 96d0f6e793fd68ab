"""The container's health check: exit 0 when this container's /health/ answers 200.

Run by Docker inside the web container (the Dockerfile's HEALTHCHECK, compose.yaml), with
the Python of the image: the image has no curl, and needs none. It asks gunicorn on the
port it listens on, naming the site's first host in ALLOWED_HOSTS, since Django answers
any other Host with a 400.
"""

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 5


def site_host() -> str:
    first = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip()
    # ".example.org" allows example.org and its subdomains; "*" allows any host.
    return first.lstrip(".") if first not in ("", "*") else "localhost"


def health_url() -> str:
    port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rpartition(":")[2]
    return f"http://127.0.0.1:{port}/health/"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer other than 200: unhealthy


def main() -> int:
    request = urllib.request.Request(health_url(), headers={"Host": site_host()})
    opener = urllib.request.build_opener(NoRedirects)
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"health check: no answer from {request.full_url}: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"health check: {request.full_url} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
