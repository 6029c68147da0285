"""Course images at the width a screen needs: narrower copies of an uploaded image, and the ``srcset`` that
offers them in lessons."""
from __future__ import annotations

import io
import re
from collections import OrderedDict
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image as PILImage

from lms.files.uploads import UploadRefused, decode_image

#: Longest side of a course image after resizing, and the most an uploaded one may weigh.
IMAGE_MAX_SIDE = 1280
IMAGE_MAX_UPLOAD_BYTES = 5 * 1024 * 1024

#: The narrower copies offered besides the uploaded image (at most 1,280 pixels wide).
WIDTHS = (480, 960)
#: A lesson's text column is at most about 40rem wide; on a phone an image fills the screen's width.
SIZES = "(max-width: 42rem) 100vw, 40rem"
MEDIA_IMAGE = re.compile(r'<img([^>]*?) src="(/media/[\w-]+\.webp)"')


@dataclass
class CourseImage:
    data: bytes
    width: int
    height: int


def course_image(data: bytes) -> CourseImage:
    """An uploaded (or imported) image checked, shrunk to ``IMAGE_MAX_SIDE`` and re-encoded as WebP.

    Raises UploadRefused (its message translated); the pixel count is checked from the header before anything
    is decoded (``lms.files.uploads.decode_image``).
    """
    if len(data) > IMAGE_MAX_UPLOAD_BYTES:
        raise UploadRefused(_("This file is not an image we can use (JPEG, PNG, GIF or WebP, up to 5 MB)."))
    picture = decode_image(data, IMAGE_MAX_SIDE)
    out = io.BytesIO()
    picture.save(out, format="WEBP", quality=75, method=4)
    return CourseImage(out.getvalue(), picture.width, picture.height)


#: The last narrower copies made, by (image name, width): an image never changes, so they stay right.
_made: OrderedDict[tuple[str, int], bytes] = OrderedDict()
_KEEP = 64


def narrower(name: str, data: bytes, width: int) -> bytes:
    """The image scaled down to ``width`` pixels, as WebP."""
    key = (name, width)
    if key in _made:
        _made.move_to_end(key)
        return _made[key]
    with PILImage.open(io.BytesIO(data)) as picture:
        picture.thumbnail((width, width * picture.height // max(picture.width, 1) + 1))
        out = io.BytesIO()
        picture.save(out, format="WEBP", quality=75, method=4)
    _made[key] = out.getvalue()
    while len(_made) > _KEEP:
        _made.popitem(last=False)
    return _made[key]


def with_srcset(html: str) -> str:
    """Each uploaded image in sanitised HTML offered at 480 and 960 pixels as well as its own width."""
    def offer(match: re.Match) -> str:
        attributes, url = match.groups()
        srcset = ", ".join([f"{url}?w={w} {w}w" for w in WIDTHS] + [f"{url} 1280w"])
        return f'<img{attributes} src="{url}" srcset="{srcset}" sizes="{SIZES}"'

    return MEDIA_IMAGE.sub(offer, html)
