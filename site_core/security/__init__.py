"""Security: headers and policies, admin sessions, password forms."""
