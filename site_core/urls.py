from django.contrib import admin
from django.urls import include, path, re_path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from site_core.branding import views as branding_views
from site_core.documents import media
from site_core.documents import views as documents
from site_core.navigation.robots import robots_txt
from site_core.navigation.sitemap import VisibleSitemap
from site_core.operations import health
from site_core.search import views as site_views
from site_core.security import passwords

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document address, served by its view behind the embargo and availability
    # checks (site_core/documents/views.py). Before Wagtail's own routes, so it is the one that
    # answers; the same name and pattern, so every document link keeps its address.
    re_path(r"^documents/(\d+)/(.*)$", documents.serve, name="wagtaildocs_serve"),
    # Wagtail's password forms (private pages and documents), at their own addresses and
    # names, with a return address that cannot fail (site_core/security/passwords.py).
    path(
        "documents/authenticate_with_password/<int:restriction_id>/",
        passwords.document_password,
        name="wagtaildocs_authenticate_with_password",
    ),
    path(
        "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/",
        passwords.page_password,
        name="wagtailcore_authenticate_with_password",
    ),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, {"sitemaps": {"wagtail": VisibleSitemap}}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Before Wagtail's catch-all, which would otherwise look for a page called "search".
    path("search/", site_views.search, name="search"),
    path("brand.css", branding_views.brand_stylesheet, name="brand_css"),
    path("health/", health.health, name="health"),
    # Uploaded images on disk, in every environment (site_core/documents/media.py). Images only: a
    # document's file under /media/documents/ would bypass the checks above.
    re_path(
        rf"^media/(?P<folder>{'|'.join(media.FOLDERS)})/(?P<path>.+)$",
        media.serve_image,
        name="media_image",
    ),
]

urlpatterns += [
    # Last: Wagtail's own addresses (its sign-in form for private pages at /_util/login/),
    # then every page, routed and served by Wagtail's view (docs/routing.md).
    path("", include(wagtail_urls)),
]
