"""Uploaded images from the server's disk, with headers that keep them from running script.

With uploads on disk (no AWS_STORAGE_BUCKET_NAME) this view serves `/media/images/` (Wagtail's
renditions) and `/media/original_images/` in every environment, so production needs no web
server configuration of its own for them. It never serves `/media/documents/`: documents
are only served by site_core/documents/views.py, after its checks. With a bucket, image addresses
point at the bucket (site_core/documents/storage.py) and nothing is found here. See docs/uploads.md.
"""

import errno
import os

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve

# Image files get a new name whenever their content changes (a new upload, a new focal
# point), so a long lifetime costs nothing; it bounds how long a deleted image lingers in
# caches.
IMAGE_CACHE_CONTROL = "public, max-age=604800"
# An SVG opened on its own could hold script: sandboxed, it cannot run, nor load anything.
IMAGE_POLICY = "sandbox; default-src 'none'"
FOLDERS = ("images", "original_images")


def serve_image(request: HttpRequest, folder: str, path: str) -> HttpResponse:
    """One file of an image folder (the URL pattern allows only FOLDERS).

    The folder is the root Django's static view serves from, so `..` in the path cannot
    leave it for the documents.
    """
    try:
        response = serve(request, path, document_root=os.path.join(settings.MEDIA_ROOT, folder))
    except OSError as error:
        # A name longer than the file system allows cannot be a file here; anything else
        # (permissions, a failing disk) is the operator's to see.
        if error.errno != errno.ENAMETOOLONG:
            raise
        raise Http404("No such image") from None
    response["Cache-Control"] = IMAGE_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = IMAGE_POLICY
    return response
