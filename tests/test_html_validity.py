"""The pages the accessibility checks cover are valid HTML, by the Nu HTML Checker (vnu).

The pages are rendered by Django's test client, with the demo content, and checked in one
run of vnu (a Java program: each start costs seconds). Errors fail the test; warnings are
reported but allowed, as vnu warns about things that are valid (a `type` on a script).
"""

import io
import json
import shutil
import subprocess
import warnings
from pathlib import Path

from django.core.management import call_command

import pytest
from bs4 import BeautifulSoup

from tests.browser.pages import PAGES, describe_demo_site

# From the npm registry's vnu-jar (package.json), installed by `make test` with `npm ci`.
VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules/vnu-jar/build/dist/vnu.jar"


class HtmlCheckerWarning(UserWarning):
    """vnu's warnings: not failures, shown in pytest's warnings summary."""


def run_vnu(files: list[Path]) -> list[dict]:
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.fail(
            "The HTML check needs Java 11+ (`sudo apt-get install default-jre-headless`) and "
            f"the Nu HTML Checker at {VNU_JAR} (`make install-test-tools`, or `npm ci`).",
            pytrace=False,
        )
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stderr)["messages"]


def describe(message: dict, names: dict[str, str]) -> str:
    """One of vnu's messages, naming the page it is about rather than its temporary file."""
    file_name = message.get("url", "?").rsplit("/", 1)[-1]
    page = names.get(file_name, file_name)
    extract = message.get("extract", "").replace("\n", " ").strip()
    return f"- {page}, line {message.get('lastLine', '?')}: {message['message']}\n    {extract}"


def test_every_checked_page_is_valid_html(db, client, tmp_path):
    call_command("load_demo_content", stdout=io.StringIO())
    site = describe_demo_site(base_url="")

    files, names = [], {}
    for number, case in enumerate(PAGES):
        path = case.path(site)
        response = client.get(path)
        assert response.status_code == case.status, f"{path} answered {response.status_code}"
        text = BeautifulSoup(response.content, "html.parser").get_text()
        for expected in case.shows(site):
            assert expected in text, f"{path} does not show {expected!r}: not the state under test"
        file = tmp_path / f"{number:02}.html"
        file.write_bytes(response.content)
        files.append(file)
        names[file.name] = f"{case.name} ({path})"

    messages = run_vnu(files)

    errors = [m for m in messages if m["type"] != "info"]
    warned = [m for m in messages if m["type"] == "info" and m.get("subType") == "warning"]
    if warned:
        warnings.warn(
            HtmlCheckerWarning(
                f"vnu warned {len(warned)} time(s):\n"
                + "\n".join(describe(m, names) for m in warned)
            ),
            stacklevel=1,
        )
    assert not errors, f"vnu found {len(errors)} error(s):\n" + "\n".join(
        describe(m, names) for m in errors
    )
