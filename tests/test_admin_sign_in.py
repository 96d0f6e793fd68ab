"""Signing in to the admin: repeated failures lock a username out from one address for a
while, passwords must be long, a session left idle (or simply old) ends, and a code from an
authenticator app is asked for after the password by those who set one up (or everyone).
"""

import base64
import datetime

from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import RequestFactory

from wagtail.models import PageViewRestriction

import pytest
import time_machine
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from site_core.caching import page_cache
from site_core.security import middleware as security
from tests.markup import partnership

pytestmark = pytest.mark.django_db

PASSWORD = "a long test password"
LOCKED_OUT = (
    "Too many failed sign-in attempts. Try again in 15 minutes, "
    "or ask an administrator to unlock your account."
)
TOO_SHORT = "This password is too short. It must contain at least 12 characters."
OFFICE = "203.0.113.10"
ELSEWHERE = "198.51.100.20"


def make_editor(django_user_model, username="editor"):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return user


@pytest.fixture
def editor(django_user_model):
    return make_editor(django_user_model)


def sign_in(client, username, password, address=OFFICE):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail_five_times(client, username, address=OFFICE):
    for _ in range(4):
        response = sign_in(client, username, "not the password", address)
        assert response.status_code == 200  # the form again, with its error
    # The fifth failure already answers with the lock-out.
    response = sign_in(client, username, "not the password", address)
    assert response.status_code == 429


# --- Lock-out -----------------------------------------------------------------------------


def test_five_failures_lock_the_username_out_even_with_the_right_password(client, editor):
    fail_five_times(client, "editor")

    response = sign_in(client, "editor", PASSWORD)

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not(client, editor):
    for _ in range(4):
        sign_in(client, "editor", "not the password")

    assert signed_in(sign_in(client, "editor", PASSWORD))


def test_the_lock_out_holds_only_that_username_from_that_address(client, editor, django_user_model):
    make_editor(django_user_model, "colleague")
    fail_five_times(client, "editor", address=ELSEWHERE)

    # Someone guessing the editor's password from elsewhere does not lock the editor out of
    # their own office, nor a colleague out of theirs.
    assert signed_in(sign_in(client, "colleague", PASSWORD, address=ELSEWHERE))
    client.logout()
    assert signed_in(sign_in(client, "editor", PASSWORD, address=OFFICE))
    client.logout()
    assert sign_in(client, "editor", PASSWORD, address=ELSEWHERE).status_code == 429


def test_the_lock_out_ends_15_minutes_after_the_last_attempt(client, editor):
    with time_machine.travel(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)) as clock:
        fail_five_times(client, "editor")
        clock.shift(datetime.timedelta(minutes=14))
        assert sign_in(client, "editor", PASSWORD).status_code == 429
        # That attempt started the 15 minutes again.
        clock.shift(datetime.timedelta(minutes=14))
        assert sign_in(client, "editor", PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=16))

        assert signed_in(sign_in(client, "editor", PASSWORD))


def test_an_administrator_unlocks_with_axes_reset(client, editor):
    fail_five_times(client, "editor")

    call_command("axes_reset", verbosity=0)

    assert signed_in(sign_in(client, "editor", PASSWORD))


def test_a_successful_sign_in_clears_earlier_failures(client, editor):
    for _ in range(4):
        sign_in(client, "editor", "not the password")
    assert signed_in(sign_in(client, "editor", PASSWORD))
    client.logout()

    for _ in range(4):
        sign_in(client, "editor", "not the password")

    assert signed_in(sign_in(client, "editor", PASSWORD))


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(settings):
    settings.REVERSE_PROXY_COUNT = 1
    # The first entry came from the client itself and could be anything.
    request = RequestFactory().post(
        "/admin/login/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {OFFICE}",
    )

    assert security.client_ip(request) == OFFICE


def test_without_a_proxy_forwarded_addresses_are_ignored(settings):
    settings.REVERSE_PROXY_COUNT = 0
    request = RequestFactory().post(
        "/admin/login/", REMOTE_ADDR=OFFICE, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )

    assert security.client_ip(request) == OFFICE


# --- Passwords ----------------------------------------------------------------------------


def test_adding_a_user_with_an_eight_character_password_is_refused(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        "/admin/users/new/",
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "first_name": "New",
            "last_name": "Comer",
            "password1": "k7#pQ2vz",
            "password2": "k7#pQ2vz",
        },
    )

    assert response.status_code == 200
    assert TOO_SHORT in response.content.decode()
    assert not admin_user.__class__.objects.filter(username="newcomer").exists()


def test_changing_ones_password_to_eight_characters_is_refused(client, editor):
    client.force_login(editor)

    response = client.post(
        "/admin/account/",
        {
            "password-old_password": PASSWORD,
            "password-new_password1": "k7#pQ2vz",
            "password-new_password2": "k7#pQ2vz",
        },
    )

    assert response.status_code == 200
    assert TOO_SHORT in response.content.decode()
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)


# --- Idle sessions ------------------------------------------------------------------------

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def admin_home(client):
    return client.get("/admin/")


def sent_to_sign_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_an_editor_idle_for_longer_than_the_time_out_is_sent_to_sign_in(client, editor):
    with time_machine.travel(START) as clock:
        client.force_login(editor)
        assert admin_home(client).status_code == 200
        clock.shift(datetime.timedelta(minutes=31))

        assert sent_to_sign_in(admin_home(client))
        # Signed out for good: the session is gone, not just this request refused.
        assert sent_to_sign_in(admin_home(client))


def test_an_editor_active_within_the_time_out_stays_signed_in(client, editor):
    with time_machine.travel(START) as clock:
        client.force_login(editor)
        for _ in range(4):  # an hour and a half, never 30 minutes idle
            assert admin_home(client).status_code == 200
            clock.shift(datetime.timedelta(minutes=29))

        assert admin_home(client).status_code == 200


def test_even_an_active_session_ends_at_its_maximum_age_after_signing_in(client, editor, settings):
    settings.SESSION_COOKIE_AGE = 60 * 60
    with time_machine.travel(START) as clock:
        assert signed_in(sign_in(client, "editor", PASSWORD))
        clock.shift(datetime.timedelta(minutes=25))
        for _ in range(2):
            assert admin_home(client).status_code == 200
            clock.shift(datetime.timedelta(minutes=25))

        assert sent_to_sign_in(admin_home(client))


def test_an_anonymous_reader_gets_no_session_cookie_and_a_cached_page(client, library):
    partnership()  # made on the first request otherwise, which then is not cached
    first = client.get(library.url)
    second = client.get(library.url)

    assert first.status_code == 200
    assert not first.cookies
    assert second[page_cache.STATUS_HEADER] == "hit"


# --- Two-step verification ----------------------------------------------------------------

ENROL = "/admin/two-factor/"
VERIFY = "/admin/two-factor/verify/"


def code_for(device) -> str:
    return f"{totp(device.bin_key):06d}"


def wrong_code_for(device) -> str:
    return f"{(totp(device.bin_key) + 1) % 1_000_000:06d}"


def enrolled_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def test_an_editor_sets_up_an_authenticator_app(client, editor):
    with time_machine.travel(START, tick=False):
        client.force_login(editor)
        page = client.get(ENROL)
        device = TOTPDevice.objects.get(user=editor, confirmed=False)

        response = client.post(ENROL, {"code": code_for(device), "next": "/admin/pages/"})
        home = admin_home(client)

    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code, drawn in the page
    key = base64.b32encode(device.bin_key).decode()
    assert f"{key[:4]} {key[4:8]}" in page.content.decode()  # to type in instead
    assert response.status_code == 302
    assert response["Location"] == "/admin/pages/"
    device.refresh_from_db()
    assert device.confirmed
    assert home.status_code == 200


def test_a_wrong_code_does_not_turn_it_on(client, editor):
    with time_machine.travel(START, tick=False):
        client.force_login(editor)
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=editor)

        response = client.post(ENROL, {"code": wrong_code_for(device)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_with_an_app_set_up_the_admin_asks_for_its_code_after_the_password(client, editor):
    device = enrolled_device(editor)
    with time_machine.travel(START, tick=False):
        assert signed_in(sign_in(client, "editor", PASSWORD))

        asked = client.get("/admin/pages/")
        entered = client.post(VERIFY, {"code": code_for(device), "next": "/admin/pages/"})

        assert asked.status_code == 302
        assert asked["Location"] == f"{VERIFY}?next=%2Fadmin%2Fpages%2F"
        assert entered.status_code == 302
        assert entered["Location"] == "/admin/pages/"
        assert admin_home(client).status_code == 200


def test_a_wrong_code_keeps_the_admin_closed_and_slows_the_next_try(client, editor):
    device = enrolled_device(editor)
    with time_machine.travel(START, tick=False) as clock:
        client.force_login(editor)

        wrong = client.post(VERIFY, {"code": wrong_code_for(device)})
        too_soon = client.post(VERIFY, {"code": code_for(device)})

        assert "That code is not right" in wrong.content.decode()
        assert "Too many wrong codes" in too_soon.content.decode()
        assert admin_home(client)["Location"].startswith(VERIFY)
        clock.shift(datetime.timedelta(seconds=30))
        assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
        assert admin_home(client).status_code == 200


def test_before_the_code_an_editor_is_only_a_reader_on_the_public_site(client, editor, library):
    library.get_view_restrictions().delete()
    PageViewRestriction.objects.create(page=library, restriction_type=PageViewRestriction.LOGIN)
    device = enrolled_device(editor)
    with time_machine.travel(START, tick=False):
        client.force_login(editor)
        before = client.get(library.url)
        client.post(VERIFY, {"code": code_for(device)})
        after = client.get(library.url)

    # Wagtail sends readers of a page for signed-in users only to sign in.
    assert before.status_code == 302
    assert after.status_code == 200


def test_when_required_everyone_sets_up_an_app_before_using_the_admin(client, editor, settings):
    settings.ADMIN_REQUIRE_TWO_FACTOR = True
    with time_machine.travel(START, tick=False):
        client.force_login(editor)

        wagtail = client.get("/admin/")
        django_admin = client.get("/django-admin/")
        client.get(ENROL)
        device = TOTPDevice.objects.get(user=editor)
        client.post(ENROL, {"code": code_for(device)})

        assert wagtail["Location"] == f"{ENROL}?next=%2Fadmin%2F"
        assert django_admin["Location"] == f"{ENROL}?next=%2Fdjango-admin%2F"
        assert admin_home(client).status_code == 200


def test_an_editor_may_turn_it_off_unless_it_is_required(client, editor, settings):
    device = enrolled_device(editor)
    with time_machine.travel(START, tick=False):
        client.force_login(editor)
        client.post(VERIFY, {"code": code_for(device)})

        settings.ADMIN_REQUIRE_TWO_FACTOR = True
        kept = client.post(ENROL)
        assert TOTPDevice.objects.filter(pk=device.pk).exists()
        settings.ADMIN_REQUIRE_TWO_FACTOR = False
        removed = client.post(ENROL)

    assert "To move to a new phone, ask an administrator" in kept.content.decode()
    assert removed["Location"] == "/admin/account/"
    assert not TOTPDevice.objects.filter(user=editor).exists()


def test_the_account_page_offers_two_step_verification(client, editor):
    client.force_login(editor)

    assert f'href="{ENROL}"' in client.get("/admin/account/").content.decode()
