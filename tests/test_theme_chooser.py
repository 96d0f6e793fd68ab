"""An editor chooses a review's key themes from every theme at once, grouped as readers see them.

The "Key themes" panel opens the Theme snippet's chooser (learning/admin_themes.py): every
theme on one screen under the library finder's group headings, each with its description,
checkboxes when choosing several, no paging and no server-side search. The filter box and
the "Already chosen" marks are the browser's work: tests/browser/test_theme_chooser.py.
"""

import json
import re

from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from learning.management.commands.setup_sign_off import EDITORS
from learning.models import Theme
from tests.factories import ReviewPageFactory, ThemeFactory
from tests.test_sign_off import member_of, set_up_sign_off

pytestmark = pytest.mark.django_db

# The finder's headings, in its order (learning/finder.py, Facets.theme_groups).
HEADINGS = ["Type of harm", "Practice theme", "Child and family context", "Multi-agency system"]
GROUPS = [Theme.Group.HARM, Theme.Group.PRACTICE, Theme.Group.CONTEXT, Theme.Group.SYSTEM]
# Names whose order ignores case, as the finder's does: created out of order.
AWKWARD_NAMES = ["neglect", "Adolescent risk", "Voice of the child", "adoption", "Ülkü", "Alcohol"]


@pytest.fixture
def editor(library):
    set_up_sign_off()
    return member_of(EDITORS, "ed")


@pytest.fixture
def review(library):
    return ReviewPageFactory(parent=library, title="Child Q", themes=[ThemeFactory()])


def make_themes(count: int) -> list[Theme]:
    """`count` themes across the four groups, six of them with awkward names."""
    themes = []
    for n in range(count):
        name = AWKWARD_NAMES[n] if n < len(AWKWARD_NAMES) else f"Topic {count - n:02}"
        themes.append(
            ThemeFactory(
                name=name,
                slug=f"chooser-{n}",
                group=GROUPS[n % len(GROUPS)],
                description=f"What “{name}” covers.",
            )
        )
    return themes


def chooser_url(client, review, multiple=True) -> str:
    """The chooser's address as the review's "Key themes" panel has it."""
    edit = client.get(reverse("wagtailadmin_pages:edit", args=(review.pk,)))
    soup = BeautifulSoup(edit.content, "html.parser")
    definition = soup.find("script", id="id_review_themes-CHOOSER_WIDGET").string
    url = re.search(r'data-chooser-url=\\?"([^"\\]+)', definition).group(1)
    return url + ("?multiple=1" if multiple else "")


def open_chooser(client, url):
    response = client.get(url)
    assert response.status_code == 200
    data = response.json()
    assert data["step"] == "choose"
    return BeautifulSoup(data["html"], "html.parser")


def listed(soup) -> list[tuple[str, list[str]]]:
    """(heading, [theme names]) for each group the chooser shows, in order."""
    return [
        (
            group.find("h2").get_text(strip=True),
            [name.get_text(strip=True) for name in group.select("[data-theme-chooser-name]")],
        )
        for group in soup.select("[data-theme-chooser-group]")
    ]


def expected_groups(themes) -> list[tuple[str, list[str]]]:
    return [
        (heading, sorted((t.name for t in themes if t.group == group), key=str.lower))
        for heading, group in zip(HEADINGS, GROUPS, strict=True)
    ]


def test_the_editor_sees_every_theme_on_one_screen_under_the_finders_group_headings(
    client, editor, review
):
    themes = make_themes(48)
    client.force_login(editor)

    soup = open_chooser(client, chooser_url(client, review))

    expected = expected_groups([*themes, review.review_themes.get().theme])
    assert listed(soup) == expected
    assert sum(len(names) for _, names in expected) == 49
    # No paging, and no search that would fetch a new list (and lose the ticks).
    assert not soup.select(".pagination")
    assert not soup.select("form[data-chooser-modal-search]")
    assert not soup.find("input", attrs={"name": "q"})
    # Each theme with its description.
    neglect = soup.find("span", string="neglect").find_parent("li")
    assert neglect.find(class_="theme-chooser__description").get_text() == "What “neglect” covers."


def test_a_search_or_page_in_the_address_changes_nothing(client, editor, review):
    make_themes(30)
    client.force_login(editor)
    url = chooser_url(client, review)

    everything = listed(open_chooser(client, url))
    assert listed(open_chooser(client, f"{url}&q=neglect&p=3")) == everything
    results = client.get(f"{url.replace('?', 'results/?')}&q=neglect&p=3")
    assert listed(BeautifulSoup(results.content, "html.parser")) == everything


def test_the_chooser_orders_themes_as_the_public_finder_does(client, editor, library):
    themes = make_themes(12)
    # A live review with every theme, so that the finder offers each of them.
    review = ReviewPageFactory(parent=library, themes=themes)
    finder = BeautifulSoup(client.get(library.url).content, "html.parser")
    on_the_finder = [
        (
            fieldset.find("legend").get_text(strip=True),
            [
                finder.find("label", attrs={"for": box["id"]}).contents[0].strip()
                for box in fieldset.find_all("input", attrs={"name": "theme"})
            ],
        )
        for fieldset in finder.select("fieldset.facet__group")
    ]

    client.force_login(editor)
    in_the_chooser = listed(open_chooser(client, chooser_url(client, review)))

    assert in_the_chooser == on_the_finder == expected_groups(themes)


@pytest.mark.parametrize("count", [12, 48])
def test_opening_the_chooser_costs_the_same_queries_however_many_themes(
    client, editor, review, django_assert_num_queries, count
):
    make_themes(count)
    client.force_login(editor)
    url = chooser_url(client, review)

    # The session, the editor, their two-factor devices, their permissions (their own and
    # their groups': may they add a theme?), their admin profile, and the themes: one query.
    with django_assert_num_queries(7):
        soup = open_chooser(client, url)
    assert len(soup.select("[data-theme-chooser-theme]")) == count + 1


def test_choosing_several_gives_each_theme_a_labelled_described_checkbox(client, editor, review):
    make_themes(8)
    client.force_login(editor)

    soup = open_chooser(client, chooser_url(client, review))

    form = soup.find("form", attrs={"data-multiple-choice-form": True})
    boxes = form.find_all("input", type="checkbox")
    assert len(boxes) == 9
    for box in boxes:
        assert box["name"] == "id" and box.has_attr("data-multiple-choice-select")
        label = soup.find("label", attrs={"for": box["id"]})
        name = Theme.objects.get(pk=box["value"]).name
        assert label.find(attrs={"data-theme-chooser-name": True}).get_text() == name
        description = soup.find(id=box["aria-describedby"])
        assert description.get_text() == Theme.objects.get(pk=box["value"]).description
    # Each group is a fieldset named by its heading.
    for fieldset in form.find_all("fieldset"):
        assert fieldset.find("legend").find("h2")
    assert form.find("input", type="submit")["value"] == "Confirm selection"

    # The filter box (shown by the chooser's script) is labelled, described, outside the
    # form it filters, and says in a live region how many themes are shown.
    search_box = soup.find("input", type="search")
    assert search_box.find_parent("form") is None
    assert soup.find("label", attrs={"for": search_box["id"]}).get_text(strip=True) == (
        "Filter themes"
    )
    assert soup.find(id=search_box["aria-describedby"]).get_text(strip=True)
    assert soup.find(attrs={"role": "status"}).get_text() == "9 of 9 themes shown"


def test_choosing_one_links_each_theme_to_its_choice(client, editor, review):
    make_themes(4)
    client.force_login(editor)

    soup = open_chooser(client, chooser_url(client, review, multiple=False))

    assert not soup.find("input", type="checkbox")
    links = soup.select("a[data-chooser-modal-choice]")
    assert len(links) == 5
    chosen = client.get(links[0]["href"]).json()
    assert chosen["step"] == "chosen"
    assert chosen["result"]["string"] == links[0].get_text(strip=True)


def test_confirming_themes_from_two_groups_adds_both(client, editor, review):
    make_themes(20)
    advocacy = ThemeFactory(name="Advocacy", group=Theme.Group.PRACTICE)
    bruising = ThemeFactory(name="Bruising", group=Theme.Group.HARM)
    client.force_login(editor)
    soup = open_chooser(client, chooser_url(client, review))
    form = soup.find("form", attrs={"data-multiple-choice-form": True})

    response = client.get(form["action"], {"id": [advocacy.pk, bruising.pk]})

    data = json.loads(response.content)
    assert data["step"] == "chosen"
    assert sorted(item["string"] for item in data["result"]) == ["Advocacy", "Bruising"]


def test_the_edit_form_brings_the_choosers_script_and_styles_as_files(client, editor, review):
    client.force_login(editor)

    edit = client.get(reverse("wagtailadmin_pages:edit", args=(review.pk,)))

    soup = BeautifulSoup(edit.content, "html.parser")
    assert soup.find("script", src=re.compile(r"/static/js/admin/theme-chooser\.js"))
    assert soup.find("link", href=re.compile(r"/static/css/admin/theme-chooser\.css"))
