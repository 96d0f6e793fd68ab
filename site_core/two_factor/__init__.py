"""Optional two-step verification for the admin: a code from an authenticator app (TOTP,
django-otp) after the password. See docs/security.md."""
