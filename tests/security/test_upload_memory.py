"""Hostile uploads cost the server little memory: each is refused with a clear message before it is decoded.

Each file is made here: a 5 MB course zip whose entries claim 1,000 bytes and unpack to 1 GB each, a 20 KB
PNG of 13,000 × 13,000 pixels, and an XLSX whose sheet unpacks to 1 GB. A separate Python process runs the
real upload code on each and reports how far its peak resident memory (VmHWM) rose above what it was just
before the call; the bound is 100 MB. The process's address space is capped 2 GB above its size, so that the
code this replaced (which reached 2.2 GB on such files) fails the test instead of exhausting the machine.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess  # the child is this interpreter running our own code
import sys
import zlib
from pathlib import Path

import pytest

#: Every test here needs the hostile files, made once per module in about 6 s.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
GIGABYTE = 1024 ** 3
LIMIT_MB = 100

#: Runs one upload in a fresh process: ``python -c CHILD kind path``; prints a JSON report.
CHILD = r'''
import io, json, resource, sys, types
kind, path = sys.argv[1], sys.argv[2]

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(l.split()[1]) for l in lines if l.startswith(field + ":")) // 1024

from lms import create_app
from lms.config import TestConfig
from lms.author import services as authoring
from lms.content.archive import read_zip
from lms.surveys import response_import, xlsform

app = create_app(TestConfig)
data = open(path, "rb").read()
with app.test_request_context():
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak resident size starts again from the present one
    before = status("VmRSS")
    size = status("VmSize") * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + 2 * 1024 ** 3, resource.RLIM_INFINITY))
    outcomes = []
    calls = {
        "zip": [lambda: read_zip(data)],
        "honest.zip": [lambda: read_zip(data)],
        "png": [lambda: authoring.store_image(types.SimpleNamespace(id=1), data, types.SimpleNamespace(id=1))],
        "xlsx": [lambda: xlsform.import_xlsform(io.BytesIO(data), "bomb.xlsx", creator=None),
                 lambda: response_import.read_rows(data, "bomb.xlsx", 5000)],
    }[kind]
    for call in calls:
        try:
            call()
            outcomes.append(["accepted", ""])
        except BaseException as error:  # MemoryError included: the old code's way of failing here
            problems = getattr(error, "problems", None)
            text = "; ".join(getattr(p, "message", str(p)) for p in problems) if problems else str(error)
            outcomes.append([type(error).__name__, text])
    print(json.dumps({"growth_mb": status("VmHWM") - before, "outcomes": outcomes}))
'''


def deflated(parts: list[tuple[bytes, int]]) -> tuple[bytes, int]:
    """Raw deflate of each (piece repeated n times), one after the other, without holding the whole; and the
    CRC-32 of what it unpacks to."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc = [], 0
    for piece, times in parts:
        for _ in range(times):
            out.append(compressor.compress(piece))
            crc = zlib.crc32(piece, crc)
    out.append(compressor.flush())
    return b"".join(out), crc


def zip_by_hand(entries: list[tuple[str, tuple[bytes, int], int]]) -> bytes:
    """A zip of deflated entries (name, (raw deflate data, CRC), size it declares), declared sizes as given."""
    body, directory = bytearray(), bytearray()
    for name, (data, crc), declared in entries:
        encoded = name.encode()
        offset = len(body)
        body += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), declared, len(encoded),
                            0)
        body += encoded + data
        directory += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data), declared,
                                 len(encoded), 0, 0, 0, 0, 0, offset) + encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    return bytes(body + directory + end)


COURSE_FILES = ["c/course.toml", "c/en/index.md", "c/en/01-a.md", "c/en/02-b.md", "c/en/03-c.md"]


def gigabyte_of_zeros() -> tuple[bytes, int]:
    return deflated([(b"\0" * (1 << 20), GIGABYTE >> 20)])


def lying_zip(gigabyte: tuple[bytes, int]) -> bytes:
    """Five entries of a course, each declaring 1,000 bytes and unpacking to 1 GB of zeros: about 5 MB."""
    return zip_by_hand([(name, gigabyte, 1000) for name in COURSE_FILES])


def honest_zip(gigabyte: tuple[bytes, int]) -> bytes:
    """The same entries declaring what they unpack to: 1 GB each."""
    return zip_by_hand([(name, gigabyte, GIGABYTE) for name in COURSE_FILES])


def png_of_13000_squared() -> bytes:
    """A black-and-white PNG of 13,000 × 13,000 pixels (169 million), about 20 KB."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    side = 13_000
    row = b"\0" + b"\0" * ((side + 7) // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def xlsx_with_a_gigabyte_sheet() -> bytes:
    """A well-formed XLSForm workbook whose "survey" sheet holds one cell of 1 GB of text."""
    def plain(text: str) -> tuple[bytes, int]:
        return deflated([(text.encode(), 1)])

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
            'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{relationships}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" xmlns:r="{relationships}"><sheets>'
            '<sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{package}"><Relationship Id="rId1" '
            f'Type="{relationships}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
    }
    entries = [(name, plain(text), len(text)) for name, text in parts.items()]
    start = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><sheetData><row r="1">' \
            '<c r="A1" t="inlineStr"><is><t>'
    end = "</t></is></c></row></sheetData></worksheet>"
    sheet = deflated([(start.encode(), 1), (b"a" * (1 << 20), GIGABYTE >> 20), (end.encode(), 1)])
    entries.append(("xl/worksheets/sheet1.xml", sheet, (len(start) + GIGABYTE + len(end)) % (1 << 32)))
    return zip_by_hand(entries)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    gigabyte = gigabyte_of_zeros()
    files = {"zip": lying_zip(gigabyte), "honest.zip": honest_zip(gigabyte), "png": png_of_13000_squared(),
             "xlsx": xlsx_with_a_gigabyte_sheet()}
    paths = {}
    for kind, data in files.items():
        paths[kind] = folder / f"hostile-{kind}"
        paths[kind].write_bytes(data)
    return paths


def upload_in_a_child(kind: str, path: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_hostile_files_are_what_they_claim(hostile):
    import zipfile

    assert 4_000_000 < hostile["zip"].stat().st_size < 7_000_000
    with zipfile.ZipFile(hostile["zip"]) as archive:
        assert sum(info.file_size for info in archive.infolist()) == 5000  # what the zip says: 5 KB
    with zipfile.ZipFile(hostile["honest.zip"]) as archive:
        assert sum(info.file_size for info in archive.infolist()) == 5 * GIGABYTE  # what they unpack to
    assert hostile["png"].stat().st_size < 30_000
    header = hostile["png"].read_bytes()[16:24]
    assert struct.unpack(">II", header) == (13_000, 13_000)
    assert hostile["xlsx"].stat().st_size < 3_000_000


@pytest.mark.parametrize(("kind", "refusal"), [
    # Read a chunk at a time, an entry gives no more than it declares: then its checksum is wrong.
    ("zip", "c/course.toml: This file of the archive could not be read."),
    ("honest.zip", "c/course.toml is too large: it unpacks to more than 5 MB."),
    ("png", "at most 24 million are accepted."),
    ("xlsx", "is too large: it unpacks to more than 16 MB"),
])
def test_a_hostile_upload_is_refused_within_100_mb(hostile, kind, refusal):
    report = upload_in_a_child(kind, hostile[kind])
    assert report["growth_mb"] < LIMIT_MB, report
    for outcome, message in report["outcomes"]:
        assert refusal in message, (outcome, message[:500])
        assert outcome in ("CourseProblems", "NotAnImage", "XLSFormError", "ResponseImportError"), outcome
