"""The site's one rule of what the public may see, against Wagtail's own answer.

`site_core.publishing.visibility` states the rule once, for querysets and for SQL written by
hand; every public surface asks it. Here random page trees (drafts, scheduled and expired
pages, live pages under unpublished parents, aliases made before and after a restriction,
password, login and group restrictions at any level, aliases of aliases, moved and copied
pages) and random collection trees (restricted at any level) are built, and both forms of
the rule must give, for every page and document, what Wagtail itself decides:
`page.live` and no `page.get_view_restrictions()`, and for a document a visible page using
it and no `collection.get_view_restrictions()`.
"""

import datetime

from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction, Page, PageViewRestriction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from home.models import HomePage
from learning.models import PolicyDocument, PolicyPage
from site_core.publishing.visibility import (
    document_status,
    in_open_collections,
    visible_pages,
    visible_sql,
)

PAGE_STATES = ("live", "draft", "scheduled", "expired")
RESTRICTIONS = (
    PageViewRestriction.PASSWORD,
    PageViewRestriction.LOGIN,
    PageViewRestriction.GROUPS,
)
OPERATIONS = ("add", "add", "add", "alias", "restrict", "unrestrict", "move", "copy", "unpublish")

operation = st.tuples(
    st.sampled_from(OPERATIONS),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(PAGE_STATES),
    st.sampled_from(RESTRICTIONS),
)


def wagtail_says_visible(page: Page) -> bool:
    """Wagtail's own answer: what its page view serves an anonymous reader."""
    return page.live and not Page.get_view_restrictions(page).exists()


def _page(state: str, n: int) -> Page:
    now = timezone.now()
    # The site's page types answer `get_view_restrictions()` themselves (VisibilityMixin).
    page = PolicyPage(title=f"Page {n}", slug=f"page-{n}", live=state == "live")
    if state == "scheduled":
        page.go_live_at = now + datetime.timedelta(days=7)
    elif state == "expired":
        page.expire_at, page.expired = now - datetime.timedelta(days=1), True
    return page


def _restrict(page: Page, kind: str, group: Group) -> None:
    restriction = PageViewRestriction.objects.create(page=page, restriction_type=kind, password="x")
    if kind == PageViewRestriction.GROUPS:
        restriction.groups.add(group)


def build_tree(home: Page, operations) -> None:
    group = Group.objects.get_or_create(name="Readers")[0]
    ids = [home.pk]

    def pick(i: int) -> Page:
        return Page.objects.get(pk=ids[i % len(ids)])

    for n, (op, a, b, state, kind) in enumerate(operations):
        if op == "add":
            ids.append(pick(a).add_child(instance=_page(state, n)).pk)
        elif op == "alias" and len(ids) > 1:
            source, parent = pick(a), pick(b)
            if source.pk != home.pk and not parent.is_descendant_of(source):
                ids.append(source.create_alias(parent=parent, update_slug=f"alias-{n}").pk)
        elif op == "restrict":
            _restrict(pick(a), kind, group)
        elif op == "unrestrict":
            PageViewRestriction.objects.filter(page_id=ids[a % len(ids)]).delete()
        elif op == "move" and len(ids) > 2:
            page, target = pick(a), pick(b)
            if page.pk != home.pk and not target.is_descendant_of(page) and target != page:
                page.move(target, pos="last-child")
        elif op == "copy" and len(ids) > 1:
            page, target = pick(a), pick(b)
            if page.pk != home.pk and not target.is_descendant_of(page) and target != page:
                copy = page.copy(
                    to=target,
                    update_attrs={"slug": f"copy-{n}", "title": f"Copy {n}"},
                    recursive=state != "draft",
                    keep_live=state == "live",
                )
                ids.append(copy.pk)
        elif op == "unpublish":
            page = pick(a)
            if page.pk != home.pk and page.live:
                page.unpublish()


class VisibilityAgreesWithWagtail(TestCase):
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(operation, min_size=1, max_size=14))
    def test_every_page(self, operations):
        home = HomePage.objects.get()
        build_tree(home, operations)
        pages = list(Page.objects.descendant_of(home, inclusive=True))
        expected = {page.pk for page in pages if wagtail_says_visible(page)}

        by_queryset = set(
            visible_pages(Page.objects.descendant_of(home, inclusive=True)).values_list(
                "pk", flat=True
            )
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT page.id FROM wagtailcore_page page"
                f" WHERE page.path LIKE %s AND {visible_sql('page')}",
                [f"{home.path}%"],
            )
            by_sql = {row[0] for row in cursor.fetchall()}

        assert by_queryset == expected
        assert by_sql == expected
        # The shortcut the site's page types take for Wagtail's view-restriction check.
        for page in pages:
            ours = set(page.specific.get_view_restrictions().values_list("pk", flat=True))
            assert ours == set(Page.get_view_restrictions(page).values_list("pk", flat=True))


collection_step = st.tuples(
    st.integers(min_value=0, max_value=99),  # the parent collection
    st.booleans(),  # restricted
)
document_step = st.tuples(
    st.integers(min_value=0, max_value=99),  # the collection
    st.integers(min_value=0, max_value=99),  # the page using it (or none)
)
page_step = st.tuples(st.sampled_from(("live", "draft", "private", "alias-of-private")))


class DocumentVisibilityAgreesWithWagtail(TestCase):
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        st.lists(collection_step, min_size=1, max_size=5),
        st.lists(page_step, min_size=1, max_size=4),
        st.lists(document_step, min_size=1, max_size=6),
    )
    def test_every_document(self, collection_steps, page_steps, document_steps):
        home = HomePage.objects.get()
        collections = [Collection.get_first_root_node()]
        for n, (parent, restricted) in enumerate(collection_steps):
            child = collections[parent % len(collections)].add_child(name=f"Collection {n}")
            if restricted:
                CollectionViewRestriction.objects.create(
                    collection=child, restriction_type="password", password="x"
                )
            collections.append(child)

        pages = []
        for n, (state,) in enumerate(page_steps):
            page = home.add_child(
                instance=PolicyPage(title=f"Policy {n}", slug=f"policy-{n}", live=state != "draft")
            )
            if state in ("private", "alias-of-private"):
                PageViewRestriction.objects.create(
                    page=page, restriction_type=PageViewRestriction.LOGIN
                )
            if state == "alias-of-private":
                page = page.create_alias(parent=home, update_slug=f"policy-alias-{n}").specific
            pages.append(page)

        documents = []
        for n, (collection, page) in enumerate(document_steps):
            document = get_document_model().objects.create(
                title=f"Document {n}",
                file=f"documents/document-{n}.pdf",
                collection=collections[collection % len(collections)],
                extracted_text=f"word{n}",
            )
            documents.append(document)
            if page % (len(pages) + 1) < len(pages):
                PolicyDocument.objects.create(
                    page=pages[page % (len(pages) + 1)], document=document, sort_order=n
                )

        open_ids = in_open_collections(d.pk for d in documents)
        for document in documents:
            collection_open = not document.collection.get_view_restrictions().exists()
            used_by_visible_page = any(
                wagtail_says_visible(link.page)
                for link in PolicyDocument.objects.filter(document=document).select_related("page")
            )
            status = document_status(document.pk)
            assert status.public == (collection_open and used_by_visible_page), document
            assert (document.pk in open_ids) == collection_open
        for page in pages:
            text = page.specific.document_text()
            for link in page.specific.documents.all():
                document = link.document
                collection_open = not document.collection.get_view_restrictions().exists()
                assert (document.extracted_text in text) == collection_open
