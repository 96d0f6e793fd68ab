"""Create the demonstration logins (development and test settings only)."""

from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class DemoLogin(NamedTuple):
    username: str
    password: str
    is_superuser: bool
    groups: tuple[str, ...] = ()
    role: str = ""

    @property
    def email(self) -> str:
        # example.org is reserved for documentation: sign-off's emails to these logins (which
        # the dev settings print in the terminal) can never reach anyone.
        return f"{self.username}@example.org"


# Published in the README and printed on every run: never use these outside a demo.
# The groups come from setup_sign_off (see docs/sign-off.md).
DEMO_LOGINS = [
    DemoLogin("admin", "learning-demo-admin", True, role="can do everything"),
    DemoLogin(
        "editor",
        "learning-demo-editor",
        False,
        ("Editors",),
        role="creates reviews and submits them for sign-off; cannot publish",
    ),
    DemoLogin(
        "approver",
        "learning-demo-approver",
        False,
        ("Approvers",),
        role="approves reviews, which publishes or schedules them",
    ),
]

ADMIN_URL = "http://127.0.0.1:8000/admin/"


class Command(BaseCommand):
    help = (
        "Create the demonstration logins if they are missing and print them. Existing users "
        "are left alone (their passwords are not reset; one without an email address gets "
        "its example.org address). Refused unless the settings allow "
        "demo logins (DEMO_LOGINS_ALLOWED, set only by the dev and test settings)."
    )

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_LOGINS_ALLOWED", False):
            raise CommandError(
                "Demo logins are not allowed with these settings. They have published "
                "passwords, so only the development and test settings (DEMO_LOGINS_ALLOWED = "
                "True) allow them."
            )
        with transaction.atomic():
            for login in DEMO_LOGINS:
                self.ensure_login(login)
        for login in DEMO_LOGINS:
            self.stdout.write(
                f"Demo {login.username} login: {ADMIN_URL}  user: {login.username}  "
                f"password: {login.password}  email: {login.email}  ({login.role})"
            )

    def ensure_login(self, login: DemoLogin) -> None:
        user_model = get_user_model()
        existing = user_model._default_manager.filter(**{user_model.USERNAME_FIELD: login.username})
        if existing.exists():
            # Logins made before they had addresses get one, for sign-off's emails.
            existing.filter(email="").update(email=login.email)
            return
        if login.is_superuser:
            user = user_model._default_manager.create_superuser(
                login.username, email=login.email, password=login.password
            )
        else:
            # Wagtail admin access comes from the groups (Editors, Approvers), not is_staff.
            user = user_model._default_manager.create_user(
                login.username, email=login.email, password=login.password
            )
        for group_name in login.groups:
            group = Group.objects.filter(name=group_name).first()
            if group is None:
                raise CommandError(
                    f"The group “{group_name}” does not exist; run migrate and "
                    "setup_sign_off first."
                )
            user.groups.add(group)
        self.stdout.write(f"Created the demo login “{login.username}”.")
