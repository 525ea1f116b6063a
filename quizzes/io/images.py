"""Images that travel inside question files (Moodle XML <file>, data: URIs).

An import file is untrusted: a "picture" may be a script, an SVG with
JavaScript or a PDF. Pillow must recognise the bytes as a raster image before
they are kept. Kept images are content-addressed (`quizzes/images/<sha256>.<ext>`),
so importing a file twice stores each image once and the stem's src is the same
both times, which is what lets a re-import find nothing changed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import warnings
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from quizzes.io.types import ImageData

IMAGE_DIR = "quizzes/images"
EXTENSIONS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}
MIME_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "bmp": "image/bmp",
}
DATA_URI = re.compile(
    r"""data:image/[\w.+-]+;base64,([A-Za-z0-9+/=\s]+)""", re.IGNORECASE
)
IMG_SRC = re.compile(r"""(<img\b[^>]*?\bsrc\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE)


class ImageRefused(ValueError):
    """The bytes are not an image we keep; the message says why, in Chinese."""


def image_check(*, data: bytes, label: str) -> ImageData:
    """`data` as an ImageData, or ImageRefused when Pillow does not see an image."""
    from PIL import Image, UnidentifiedImageError

    refused = ImageRefused(
        _("附件“%(name)s”不是可识别的图片（只接受 PNG、JPEG、GIF、WebP、BMP）。")
        % {"name": label}
    )
    if not data:
        raise refused
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                image.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise refused from exc
    extension = EXTENSIONS.get(kind or "")
    if extension is None:
        raise refused
    digest = hashlib.sha256(data).hexdigest()
    return ImageData(name=f"{IMAGE_DIR}/{digest}.{extension}", data=data)


def base64_decode(text: str) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageRefused(_("附件的 base64 编码已损坏。")) from exc


def image_url(name: str) -> str:
    return default_storage.url(name)


def image_name_from_url(url: str) -> str | None:
    """The storage name of one of our kept images, from its URL in a stem."""
    prefix = default_storage.url(f"{IMAGE_DIR}/")
    if url.startswith(prefix):
        rest = url[len(prefix) :]
        if rest and "/" not in rest:
            return f"{IMAGE_DIR}/{rest}"
    return None


def data_uris_extract(html: str) -> tuple[str, list[ImageData], list[str]]:
    """Inline data: images in `html` become kept images with a storage URL.

    The display sanitiser only allows http(s) URLs, so a data: image left in a
    stem would silently vanish in front of the learner.
    """
    images: list[ImageData] = []
    errors: list[str] = []

    def replace(match: re.Match) -> str:
        prefix, quote, src = match.groups()
        data_match = DATA_URI.fullmatch(src.strip())
        if not data_match:
            return match.group(0)
        try:
            image = image_check(
                data=base64_decode(data_match.group(1)), label=_("内嵌图片")
            )
        except ImageRefused as exc:
            errors.append(str(exc.args[0]))
            return match.group(0)
        images.append(image)
        return f"{prefix}{quote}{image_url(image.name)}{quote}"

    if "data:" not in html:
        return html, images, errors
    return IMG_SRC.sub(replace, html), images, errors


def image_srcs(html: str) -> list[str]:
    return [match.group(3) for match in IMG_SRC.finditer(html or "")]


def images_save(images: Iterable[ImageData]) -> list[str]:
    """Store the images not stored yet; returns the names written now."""
    written: list[str] = []
    for image in {image.name: image for image in images}.values():
        if default_storage.exists(image.name):
            continue
        saved = default_storage.save(image.name, ContentFile(image.data))
        written.append(saved)
    return written


def images_delete(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)
