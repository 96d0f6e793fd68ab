"""Sign-off for a new file of a document that live or scheduled pages use.

Wagtail lets a user edit the documents they uploaded, including replacing the file, and a
replaced file is what every page using the document offers at once: an Editor could change
the report of a live review without sign-off. So a new file for a document that a live,
scheduled or in-sign-off page uses (`pages_a_new_file_would_change()`) is taken only from a
user who can publish every one of those pages (`can_replace_directly()`: Approvers,
superusers); anyone else's is kept aside as a `DocumentReplacement` waiting for an Approver,
while the rest of their edit (title, tags, collection) is saved as usual. An Approver accepts
it, which replaces the file exactly as an edit would, or declines it, which deletes it.

Where it hooks in (docs/document-replacement.md):

- `DocumentEditAction`, Wagtail's edit action for documents (registered with the
  `register_actions` hook): every edit through Wagtail's action, from the admin's edit view
  or its API, holds a new file back when it must;
- learning/document_sign_off/views.py: the edit view (Wagtail's, with the pages and the
  waiting file on the page and the message after a save), and the accept, decline and
  download views.
"""

from learning.document_sign_off.policy import register_document_permission_policy
from learning.document_sign_off.replacements import (
    HELD_REPLACEMENT,
    DocumentEditAction,
    ReplacementRefused,
    accept,
    decline,
    held_replacement,
)
from learning.document_sign_off.uses import (
    PageUse,
    approver_names,
    approvers_for,
    can_replace_directly,
    consequence,
    display_name,
    may_decide,
    pages_a_new_file_would_change,
    waiting_message,
    what_it_replaces,
)

__all__ = [
    "HELD_REPLACEMENT",
    "DocumentEditAction",
    "PageUse",
    "ReplacementRefused",
    "accept",
    "approver_names",
    "approvers_for",
    "can_replace_directly",
    "consequence",
    "decline",
    "display_name",
    "held_replacement",
    "may_decide",
    "pages_a_new_file_would_change",
    "register_document_permission_policy",
    "waiting_message",
    "what_it_replaces",
]
