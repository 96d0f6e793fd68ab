"""Every public URL an anonymous reader can reach, found by following the site itself.

The leak checks (tests/test_embargo_story.py) must cover any public surface added later
without anyone remembering to list it, so the URLs are not written down: they are
collected from the sitemap, the home page, the library (its facet, sort and page links,
and each choice of its filter form), the theme index and theme pages, and the Atom feeds
those pages advertise, following same-site links breadth first. The admin and documents
are left out: documents are checked by their own URLs, the admin is not public.
"""

from collections import deque
from urllib.parse import urlencode, urljoin, urlsplit

from bs4 import BeautifulSoup

START = ["/", "/sitemap.xml", "/robots.txt", "/learning-from-reviews/", "/search/"]
NOT_PUBLIC = ("/admin/", "/django-admin/", "/documents/", "/static/", "/media/")


def _same_site_path(base: str, href: str) -> str | None:
    url = urlsplit(urljoin(f"http://testserver{base}", href))
    if url.scheme not in ("http", "https") or url.hostname not in ("testserver", "localhost"):
        return None
    path = url.path + (f"?{url.query}" if url.query else "")
    return None if path.startswith(NOT_PUBLIC) else path


def _links(path: str, response) -> list[str]:
    content_type = response.get("Content-Type", "")
    body = response.content.decode("utf-8", "replace")
    if "xml" in content_type:  # the sitemap's <loc>s, a feed's <link href>s
        soup = BeautifulSoup(body, "xml")
        hrefs = [loc.get_text(strip=True) for loc in soup.find_all("loc")]
        hrefs += [link.get("href", "") for link in soup.find_all("link")]
    elif "html" in content_type:
        soup = BeautifulSoup(body, "html.parser")
        hrefs = [a.get("href", "") for a in soup.find_all(["a", "link"])]
        hrefs += _form_choices(path, soup)
    elif path == "/robots.txt":
        hrefs = [
            line.split(":", 1)[1].strip()
            for line in body.splitlines()
            if line.lower().startswith("sitemap:")
        ]
    else:
        hrefs = []
    return [p for p in (_same_site_path(path, href) for href in hrefs if href) if p]


def _form_choices(path: str, soup) -> list[str]:
    """One address per choice of each GET form: every checkbox, radio button and option.

    The library's filters are a form (it works without JavaScript), so its type, year,
    publisher and sort choices are addresses a reader reaches by submitting it.
    """
    hrefs = []
    for form in soup.find_all("form"):
        if form.get("method", "get").lower() != "get":
            continue
        action = form.get("action") or path.split("?")[0]
        for field in form.find_all("input", {"type": ["checkbox", "radio"]}):
            if field.get("name") and field.get("value"):
                hrefs.append(f"{action}?{urlencode({field['name']: field['value']})}")
        for select in form.find_all("select"):
            for option in select.find_all("option"):
                if select.get("name") and option.get("value"):
                    hrefs.append(f"{action}?{urlencode({select['name']: option['value']})}")
    return hrefs


def crawl(client, extra: list[str] = (), limit: int = 600) -> dict[str, object]:
    """Fetch every public URL reachable from the start pages; {path: response}.

    `limit` bounds the walk: facet links multiply (every combination of filters is a URL),
    so the walk takes them breadth first, which reaches every page type and every facet
    option of the unfiltered library well within it.
    """
    seen: dict[str, object] = {}
    queue = deque([*START, *extra])
    while queue and len(seen) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        response = client.get(path)
        seen[path] = response
        if response.status_code == 200:
            queue.extend(p for p in _links(path, response) if p not in seen)
    return seen


def traces(responses: dict[str, object], needles: list[str]) -> list[tuple[str, str]]:
    """(path, needle) for each response whose body contains one of `needles`."""
    found = []
    for path, response in responses.items():
        body = response.content.decode("utf-8", "replace")
        found += [(path, needle) for needle in needles if needle in body]
    return found
