"""Where uploaded files are kept: the server's disk, or an S3-compatible object store.

Web processes keep nothing of their own, so in production uploads go to a bucket shared by
all of them whenever AWS_STORAGE_BUCKET_NAME is set (settings/base.py). The bucket is
private: a document is only ever reached through a link signed for a few minutes, issued by
site_core/documents/views.py after its checks. Images are not signed, because pages (and the
partnership's logo) are cached for longer than any short signature would last: the bucket
lets anyone read `images/` and `original_images/`, and an original's name starts with a
random part, so that an image no live page shows cannot be found by guessing. See
docs/uploads.md.
"""

import mimetypes
import posixpath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.crypto import get_random_string
from django.utils.encoding import filepath_to_uri
from django.utils.http import content_disposition_header

from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# Wagtail's folders for documents, an image's uploaded original and its renditions (resized
# copies).
DOCUMENTS = "documents/"
ORIGINAL_IMAGES = "original_images/"
RENDITIONS = "images/"
PUBLIC_FOLDERS = (ORIGINAL_IMAGES, RENDITIONS)
# 62 ** 12 names per file name: not found by trying.
RANDOM_PART_LENGTH = 12


def download_headers(name: str) -> tuple[str, str]:
    """The Content-Type and Content-Disposition a document is downloaded with.

    Opened in the browser (`inline`) only for WAGTAILDOCS_INLINE_CONTENT_TYPES (PDF), saved
    (`attachment`) otherwise; always with the document's file name.
    """
    file_name = posixpath.basename(name)
    content_type = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    inline = content_type in settings.WAGTAILDOCS_INLINE_CONTENT_TYPES
    return content_type, content_disposition_header(not inline, file_name)


def is_public_file_name(name: str) -> bool:
    """Whether a stored file is an image, which anyone may read once they have its address."""
    return clean_name(name).startswith(PUBLIC_FOLDERS)


class UnguessableImageNamesMixin:
    """Starts each original image's name with a random part: `original_images/<random>-logo.png`.

    Wagtail names an image's renditions after its original (`images/<random>-logo.height-128.png`)
    and shortens long names from the end, so the random part at the start is kept by them too.
    """

    def get_available_name(self, name, max_length=None):
        name = clean_name(name)
        if name.startswith(ORIGINAL_IMAGES):
            folder, file_name = posixpath.split(name)
            name = posixpath.join(folder, f"{get_random_string(RANDOM_PART_LENGTH)}-{file_name}")
        return super().get_available_name(name, max_length)


class LocalMediaStorage(UnguessableImageNamesMixin, FileSystemStorage):
    """Uploads on the server's disk (MEDIA_ROOT): one server, or a shared volume.

    Images are served by site_core/documents/media.py, documents only by
    site_core/documents/views.py.
    """


class MediaStorage(UnguessableImageNamesMixin, S3Storage):
    """Uploads in a private S3-compatible bucket (django-storages' AWS_* settings).

    `url()` signs an address valid for AWS_QUERYSTRING_EXPIRE seconds (MEDIA_SIGNED_URL_SECONDS)
    for documents, which site_core/documents/views.py redirects to after its checks, and gives
    images their plain, lasting address.
    """

    def url(self, name, parameters=None, expire=None, http_method=None):
        if clean_name(name).startswith(DOCUMENTS):
            # The bucket answers the signed address with these headers instead of its own.
            content_type, disposition = download_headers(name)
            parameters = {
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                **(parameters or {}),
            }
        key = self._normalize_name(clean_name(name))
        if not is_public_file_name(name):
            # Signed by the bucket itself, even with AWS_S3_CUSTOM_DOMAIN (a CDN for the
            # images): django-storages would give an unsigned CDN address, which the
            # private bucket refuses.
            return self.bucket.meta.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket_name, "Key": key, **(parameters or {})},
                ExpiresIn=self.querystring_expire if expire is None else expire,
                HttpMethod=http_method,
            )
        if self.custom_domain:
            return f"{self.url_protocol}//{self.custom_domain}/{filepath_to_uri(key)}"
        return self.unsigned_connection.meta.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket_name, "Key": key}
        )
