"""Deleting a document that pages use needs the right to publish them."""

from wagtail.documents import get_document_model, get_document_model_string
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy

from learning.document_sign_off.uses import can_replace_directly, pages_a_new_file_would_change


class ReportDocumentPermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's document permissions, except that deleting a document a live, scheduled or
    in-sign-off page uses (`pages_a_new_file_would_change()`) needs the same right as
    replacing its file: publishing every one of those pages.

    Wagtail lets a user delete the documents they uploaded; deleting a report takes it off
    a live review at once (the link and its row go with it), without sign-off. Registered
    for the document model (learning/apps.py) through Wagtail's policy registry, which its
    delete view, bulk delete and listings ask.
    """

    def user_has_any_permission_for_instance(self, user, actions, instance):
        # The policy's one question about an instance (its single-action check asks it).
        others = [action for action in actions if action != "delete"]
        if others and super().user_has_any_permission_for_instance(user, others, instance):
            return True
        return (
            "delete" in actions
            and super().user_has_any_permission_for_instance(user, ["delete"], instance)
            and can_replace_directly(user, pages_a_new_file_would_change(instance))
        )


def register_document_permission_policy() -> None:
    register_permission_policy(
        get_document_model(),
        ReportDocumentPermissionPolicy(
            get_document_model_string(),
            auth_model="wagtaildocs.Document",
            owner_field_name="uploaded_by_user",
        ),
        exact_class=True,
    )
