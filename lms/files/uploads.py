"""What an upload may cost to read: zip archives (course zips, XLSX spreadsheets) and images.

Nothing an upload declares about itself is trusted. A zip's entries are decompressed a chunk at a time and
counted as they come, so an entry that claims a few bytes and expands to gigabytes is stopped at the limit,
having cost one chunk of memory; an archive with too many entries is refused from its end record, before its
directory is read. An image is refused by its pixel count, read from its header, before it is decoded.
"""
from __future__ import annotations

import io
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass

from flask_babel import format_number
from flask_babel import gettext as _
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

MB = 1024 * 1024
#: Bytes decompressed at a time.
CHUNK = 64 * 1024
#: Stored and deflated entries only: bzip2 and LZMA entries are decompressed without a limit on what one
#: chunk of input may give (and no course zip or spreadsheet uses them).
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: Bytes an entry takes in a zip's central directory, at most, for the names our archives hold.
DIRECTORY_ENTRY_BYTES = 400


@dataclass(frozen=True)
class ZipLimits:
    entries: int
    #: Decompressed bytes of one entry, and of all of them.
    entry_bytes: int
    total_bytes: int


#: A course in the courses/ format: Markdown lessons and TOML, a few hundred files at most.
COURSE_ZIP = ZipLimits(entries=2000, entry_bytes=5 * MB, total_bytes=20 * MB)
#: An XLSForm or a KoboToolbox/ODK export: a few dozen parts; a sheet of 10,000 answers is a few MB.
XLSX = ZipLimits(entries=200, entry_bytes=16 * MB, total_bytes=32 * MB)

#: Most pixels an uploaded image may have: a 24-megapixel photo (6,000 × 4,000). A PNG is decoded whole, at up
#: to 4 bytes a pixel; a JPEG is decoded at the scale it will be shown (``draft``).
IMAGE_MAX_PIXELS = 24_000_000
IMAGE_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")


class UploadRefused(ValueError):
    """The upload would cost more to read than allowed, or cannot be read; the message is translated."""


class NotAZip(UploadRefused):
    pass


class UnreadableEntry(UploadRefused):
    """One entry of the archive is broken, encrypted or compressed in a way we do not read."""

    def __init__(self, name: str):
        super().__init__(_("This file of the archive could not be read."))
        self.name = name


def open_zip(data: bytes, limits: ZipLimits) -> zipfile.ZipFile:
    """The archive, refused (UploadRefused) if it is not a zip or has more entries than ``limits`` allow."""
    directory = directory_size(data)
    if directory is None:
        raise NotAZip(_("This file is not a zip archive."))
    if directory > limits.entries * DIRECTORY_ENTRY_BYTES:
        raise UploadRefused(too_many_entries(limits))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, struct.error):
        raise NotAZip(_("This file is not a zip archive.")) from None
    if len(archive.infolist()) > limits.entries:
        archive.close()
        raise UploadRefused(too_many_entries(limits))
    return archive


def directory_size(data: bytes) -> int | None:
    """The size of the central directory as the zip's end record gives it; None without an end record."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 22:
        return None
    return struct.unpack_from("<L", data, end + 12)[0]


def too_many_entries(limits: ZipLimits) -> str:
    return _("The archive is too large: it holds more than %(n)s files.", n=format_number(limits.entries))


class Unpacking:
    """Reads the entries of one archive, counting the bytes they unpack to against ``limits``."""

    def __init__(self, archive: zipfile.ZipFile, limits: ZipLimits):
        self.archive, self.limits, self.total = archive, limits, 0

    def read(self, info: zipfile.ZipInfo, keep: bool = True) -> bytes:
        """The entry's content (b"" unless ``keep``), decompressed a chunk at a time.

        Raises UploadRefused when the entry or the archive would grow beyond the limits, and UnreadableEntry
        for an entry that is broken, encrypted or compressed otherwise than stored or deflated.
        """
        if info.compress_type not in METHODS or info.flag_bits & 0x1:
            raise UnreadableEntry(info.filename)
        size, chunks = 0, []
        try:
            with self.archive.open(info) as entry:
                while chunk := entry.read(CHUNK):
                    size += len(chunk)
                    self.total += len(chunk)
                    if size > self.limits.entry_bytes:
                        raise UploadRefused(_("%(name)s is too large: it unpacks to more than %(n)s MB.",
                                              name=info.filename, n=format_number(self.limits.entry_bytes // MB)))
                    if self.total > self.limits.total_bytes:
                        raise UploadRefused(_("The archive is too large: it unpacks to more than %(n)s MB.",
                                              n=format_number(self.limits.total_bytes // MB)))
                    if keep:
                        chunks.append(chunk)
        except UploadRefused:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError,
                struct.error):
            # A broken entry, or one whose content does not match the size and checksum it declares.
            raise UnreadableEntry(info.filename) from None
        return b"".join(chunks)


def check_zip(data: bytes, limits: ZipLimits) -> None:
    """Decompress every entry once, keeping nothing: after this, a reader of ``data`` costs at most ``limits``."""
    with open_zip(data, limits) as archive:
        unpacking = Unpacking(archive, limits)
        for info in archive.infolist():
            if not info.is_dir():
                unpacking.read(info, keep=False)


def decode_image(data: bytes, fit: int) -> PILImage.Image:
    """The uploaded image decoded, in RGB or RGBA, at most ``fit`` pixels on its longer side.

    Refused (UploadRefused) when it is not a JPEG, PNG, GIF or WebP we can read, or has more than
    ``IMAGE_MAX_PIXELS``: the header is read first and nothing is decoded before the count is checked.
    Pillow's own decompression-bomb warning is a refusal too.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            with PILImage.open(io.BytesIO(data), formats=IMAGE_FORMATS) as source:
                check_pixels(source)
                source.verify()
            with PILImage.open(io.BytesIO(data), formats=IMAGE_FORMATS) as source:
                check_pixels(source)
                if source.format == "JPEG":
                    source.draft("RGB", (fit, fit))  # decoded at 1/2, 1/4 or 1/8 scale when that still fits
                picture = source.convert("RGBA" if source.mode in ("RGBA", "LA", "P", "PA") else "RGB")
        except UploadRefused:
            raise
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
            raise UploadRefused(_("The image has too many pixels: at most %(n)s million are accepted.",
                                  n=format_number(IMAGE_MAX_PIXELS // 1_000_000))) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error, EOFError):
            raise UploadRefused(_("This file is not an image we can use (JPEG, PNG, GIF or WebP).")) from None
    picture.thumbnail((fit, fit))
    return picture


def check_pixels(image: PILImage.Image) -> None:
    if image.width * image.height > IMAGE_MAX_PIXELS:
        raise UploadRefused(_("The image has %(width)s × %(height)s pixels; at most %(n)s million are accepted.",
                              width=format_number(image.width), height=format_number(image.height),
                              n=format_number(IMAGE_MAX_PIXELS // 1_000_000)))
