"""Keeping Wagtail's search index in step where its own signals come too early.

Connected in SiteCoreConfig.ready().
"""

from wagtail.search import index
from wagtail.signals import page_published


def reindex_with_child_relations(instance, **kwargs):
    # Wagtail indexes a page from its post_save signal, which fires before modelcluster
    # saves the page's child rows (a review's themes and authors). Index it again once
    # publishing has finished, so searches see the relations as published.
    index.insert_or_update_object(instance)


def connect() -> None:
    page_published.connect(reindex_with_child_relations, dispatch_uid="search_reindex_published")
