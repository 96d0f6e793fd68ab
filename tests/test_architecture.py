"""The map of docs/architecture.md holds: imports go down the layers, never up.

- `site_core` (site-wide capabilities) never imports `learning` or `home` (the content).
- Inside `site_core`, a capability package imports only from lower rooms: the site's
  signals, then `caching`, then `publishing`, then the rest, which do not import one
  another except as listed.
Read from the source with `ast`, so an import inside a function counts too.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE_CORE = ROOT / "site_core"

# Each room, and the rooms it may import from (besides the foundation and itself).
ALLOWED = {
    "caching": set(),
    "publishing": {"caching"},
    "search": {"caching", "publishing"},
    "documents": {"caching", "publishing"},
    "branding": {"caching", "publishing"},
    "navigation": {"caching", "publishing"},
    "security": {"caching"},
    "operations": {"caching", "publishing"},
}
# The site's signals, which every room may send or receive. (site_core.models only gathers
# the rooms' models for Django: no room imports it.)
FOUNDATION = {"signals"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def source_files(folder: Path):
    return sorted(p for p in folder.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", source_files(SITE_CORE), ids=lambda p: str(p.relative_to(ROOT)))
def test_site_core_never_imports_the_content_apps(path):
    upward = {m for m in imported_modules(path) if m.split(".")[0] in ("learning", "home")}
    assert not upward, f"{path.relative_to(ROOT)} imports {sorted(upward)}"


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_each_room_imports_only_from_rooms_below_it(room):
    allowed = ALLOWED[room] | FOUNDATION | {room}
    wrong = {}
    for path in source_files(SITE_CORE / room):
        for module in imported_modules(path):
            parts = module.split(".")
            inside = parts[0] == "site_core" and len(parts) > 1
            if inside and parts[1] not in allowed and parts[1] != "two_factor":
                wrong.setdefault(str(path.relative_to(ROOT)), set()).add(module)
    assert not wrong, wrong


def test_every_room_is_on_the_map():
    rooms = {p.name for p in SITE_CORE.iterdir() if (p / "__init__.py").exists()}
    assert rooms - {
        "settings",
        "formats",
        "templatetags",
        "management",
        "migrations",
        "two_factor",
    } == set(ALLOWED)
    architecture = (ROOT / "docs" / "architecture.md").read_text()
    assert all(f"`{room}/`" in architecture for room in ALLOWED)
