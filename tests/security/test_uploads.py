"""Oversized and malformed uploads: a clear message, a 4xx (or the page with its error), nothing written."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from lms import clock
from lms.extensions import db
from lms.models import Course, Survey
from tests.helpers import BUNDLED_COURSE, row_counts

AUTHOR = f"/author/courses/{BUNDLED_COURSE}"


def zip_of(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def lying_zip() -> bytes:
    """A zip whose directory claims a tiny file that unpacks to 30 MB of zeros (a small zip bomb)."""
    data = bytearray(zip_of({"course/course.toml": b"\0" * 30_000_000}))
    real_size = (30_000_000).to_bytes(4, "little")
    fake_size = (100).to_bytes(4, "little")
    # Both the local header and the central directory carry the uncompressed size: shrink both.
    return bytes(data).replace(real_size, fake_size)


def corrupt_zip() -> bytes:
    data = bytearray(zip_of({"course/course.toml": b"slug = 'x'\n" * 500}))
    data[40:80] = b"\xff" * 40  # inside the compressed data: a bad CRC or a broken stream
    return bytes(data)


def truncated_zip() -> bytes:
    return zip_of({"course/course.toml": b"x" * 5000})[:-30]


def broken_sheet_xlsx() -> bytes:
    """A real workbook whose sheet is cut in the middle: openpyxl opens it, and fails only while reading rows."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["safe", "comment"])
    book.active.append([4, "ok"])
    data = io.BytesIO()
    book.save(data)
    parts = {}
    with zipfile.ZipFile(data) as archive:
        for name in archive.namelist():
            parts[name] = archive.read(name)
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:300]
    return zip_of(parts)


TOO_LARGE = b"0" * (6 * 1024 * 1024 + 10)

HOSTILE_FILES = {
    "too-large.zip": TOO_LARGE,
    "text.zip": b"this is not a zip file at all",
    "empty.zip": b"",
    "bomb.zip": zip_of({"course/course.toml": b"\0" * 25_000_000}),
    "lying.zip": lying_zip(),
    "corrupt.zip": corrupt_zip(),
    "truncated.zip": truncated_zip(),
    "traversal.zip": zip_of({"../../etc/evil.toml": b"x", "/abs.toml": b"y"}),
    "clash.zip": zip_of({"course/course.toml": b"x", "course/course.toml/en/index.md": b"y"}),
    "bzip2.zip": zip_of({"course/course.toml": b"slug = 'x'\n" * 100}, zipfile.ZIP_BZIP2),
    "stored-bomb.zip": zip_of({f"c/{n}.md": b"" for n in range(2500)}, zipfile.ZIP_STORED),
    "png-named.zip": b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
}


def refused(response) -> str:
    assert 400 <= response.status_code < 500 or response.status_code in (200, 302), response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def trainer(browser_as, library):
    return browser_as("admin")


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_course_archive_import_refuses_bad_files_and_writes_nothing(app_ctx, browser_as, name):
    trainer = browser_as("trainer")
    before = row_counts()
    response = trainer.post("/author/import", {"archive": (io.BytesIO(HOSTILE_FILES[name]), name)},
                            content_type="multipart/form-data")
    assert 400 <= response.status_code < 500, response.status_code
    page = response.get_data(as_text=True)
    assert any(text in page for text in ("not a zip archive", "too large", "not allowed", "could not be read",
                                         "Please choose", "problem")), page[-2000:]
    assert row_counts() == before


IMAGES = {
    "text.png": b"<?php echo 'not an image'; ?>",
    "svg.png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
    "html.gif": b"GIF89a<script>alert(1)</script>",
    "truncated.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x10\x00",
    "big.png": b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024 + 100),
    "too-large.png": TOO_LARGE,
    "zip.webp": zip_of({"a": b"b"}),
}


def png_bomb() -> bytes:
    """A valid PNG header claiming 60000 x 60000 pixels (3.6 gigapixels) with almost no data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + \
        chunk(b"IEND", b"")


@pytest.mark.parametrize("name", [*IMAGES, "bomb.png"])
def test_image_upload_refuses_non_images_and_writes_nothing(app_ctx, trainer, name):
    data = png_bomb() if name == "bomb.png" else IMAGES[name]
    before = row_counts()
    response = trainer.post(f"{AUTHOR}/images", {"image": (io.BytesIO(data), name), "back": AUTHOR},
                            content_type="multipart/form-data", follow_redirects=True)
    page = refused(response)
    if response.status_code == 200:
        assert "not an image we can use" in page or "too many pixels" in page, page[-2000:]
    assert row_counts() == before


SPREADSHEETS = {
    "text.xlsx": b"survey,choices\nthis is text, not a spreadsheet\n",
    "empty.xlsx": b"",
    "corrupt.xlsx": corrupt_zip(),
    "zip.xlsx": zip_of({"hello.txt": b"not a workbook"}),
    "bomb.xlsx": zip_of({"xl/worksheets/sheet1.xml": b" " * 25_000_000, "[Content_Types].xml": b"<x/>"}),
    "broken-sheet.xlsx": broken_sheet_xlsx(),
    "too-large.xlsx": TOO_LARGE,
}

CSV_FILES = {
    "latin1.csv": "safe,comment\n4,Très bien, café\n".encode("latin-1"),
    "utf16.csv": "safe,comment\n4,ok\n".encode("utf-16"),
    "nul.csv": b"safe,comment\n4,a\x00b\n",
    "binary.csv": bytes(range(256)) * 20,
    "one-column.csv": b"x\n",
    "ragged.csv": b"safe,comment\n4,a,b,c,d\n\"unterminated\n",
    "formula.csv": b"safe,comment\n=cmd|' /C calc'!A0,=1+1\n",
}


@pytest.mark.parametrize("name", SPREADSHEETS)
def test_xlsform_import_refuses_bad_files_and_writes_nothing(app_ctx, browser_as, name):
    staff = browser_as("trainer")
    before = row_counts()
    response = staff.post("/surveys/manage/import", {"file": (io.BytesIO(SPREADSHEETS[name]), name)},
                          content_type="multipart/form-data", follow_redirects=True)
    page = refused(response)
    if response.status_code == 200:
        assert any(text in page for text in ("is not an XLSForm spreadsheet", "pyxform refuses", "Please choose",
                                             "too large")), \
            page[-2000:]
    assert row_counts() == before


@pytest.mark.parametrize("name", [*SPREADSHEETS, *CSV_FILES])
def test_responses_import_refuses_bad_files_and_writes_nothing(app_ctx, browser_as, make_survey, library, name):
    course = db.session.scalar(select(Course).where(Course.slug == BUNDLED_COURSE))
    survey = make_survey(code="workers-voice", creator=None, course=course, waves=["baseline"])
    wave_id = survey.waves[0].id
    staff = browser_as("admin")
    db.session.remove()
    before = row_counts()
    data = {**SPREADSHEETS, **CSV_FILES}[name]
    response = staff.post("/surveys/manage/workers-voice/responses",
                          {"wave": str(wave_id), "file": (io.BytesIO(data), name)},
                          content_type="multipart/form-data", follow_redirects=True)
    page = refused(response)
    assert row_counts() == before
    assert db.session.scalar(select(Survey.code)) == "workers-voice"
    if response.status_code == 400:
        assert name in page or "The file is too large" in page, page[-2000:]


def test_bulk_members_in_a_wrong_encoding_write_nothing_wrong(app_ctx, browser_as, library):
    from datetime import timedelta

    trainer = browser_as("trainer")
    today = clock.today()
    response = trainer.post("/groups/new", {
        "name": "Hotels", "course": BUNDLED_COURSE, "country": "PE", "mode": "online", "place": "",
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=9)).isoformat()})
    group_url = response.headers["Location"]
    for raw in (b"Ana\x00Maria", b"\xff\xfe\x00A", "José, jo\x00se".encode("latin-1")):
        before = row_counts()
        body = b"csrf_token=" + trainer.token.encode() + b"&members=" + raw
        response = trainer.client.post(f"{group_url}/members/bulk", data=body,
                                       content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, response.status_code
        assert row_counts() == before
    # Latin-1 bytes are not UTF-8: the browser never sends them, and they arrive as U+FFFD, never as a 500.
    body = b"csrf_token=" + trainer.token.encode() + b"&members=" + "José Pérez".encode("latin-1")
    response = trainer.client.post(f"{group_url}/members/bulk", data=body,
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 400)
