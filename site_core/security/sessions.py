"""Sessions in the database, for session keys Django could have made and no others.

Django's database backend looks up whatever the session cookie holds, once it has at least
eight characters. A cookie value in double quotes may carry octal escapes, which Django's
cookie parser decodes: `sessionid="abcdefgh\\000"` becomes a key ending in a NUL character,
PostgreSQL refuses the query, and every page answered such a cookie with a 500 (found by
tests/test_http_fuzz.py). Django makes keys of lower-case letters and digits only; any
other key now names no session, exactly as an expired or made-up one does, and the reader
gets a new, empty session.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and set(key) <= set(VALID_KEY_CHARS)
