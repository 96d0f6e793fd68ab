from django.urls import path, reverse

from wagtail import hooks

from site_core.two_factor import views


@hooks.register("register_admin_urls")
def two_factor_urls():
    return [
        path("two-factor/verify/", views.verify, name="two_factor_verify"),
        path("two-factor/", views.enrol, name="two_factor_enrol"),
    ]


@hooks.register("register_account_menu_item")
def two_factor_account_item(request):
    return {
        "url": reverse("two_factor_enrol"),
        "label": "Two-step verification",
        "help_text": "Sign in with a code from an authenticator app on your phone as well as "
        "your password.",
    }
