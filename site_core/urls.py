import os

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from site_core import documents
from site_core import views as site_views
from site_core.robots import robots_txt

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    # Wagtail's document address, served by its view behind the embargo and availability
    # checks (site_core/documents.py). Before Wagtail's own routes, so it is the one that
    # answers; the same name and pattern, so every document link keeps its address.
    re_path(r"^documents/(\d+)/(.*)$", documents.serve, name="wagtaildocs_serve"),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    # Before Wagtail's catch-all, which would otherwise look for a page called "search".
    path("search/", site_views.search, name="search"),
    path("brand.css", site_views.brand_stylesheet, name="brand_css"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    # Images only: a document's file under /media/documents/ would bypass the checks above.
    for folder in ("images/", "original_images/"):
        urlpatterns += static(
            settings.MEDIA_URL + folder, document_root=os.path.join(settings.MEDIA_ROOT, folder)
        )

urlpatterns += [path("", include(wagtail_urls))]
