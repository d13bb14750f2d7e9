"""Bytes as HR systems export them, into text and cells: encodings, CSV delimiters, and
Excel workbooks (.xlsx, first sheet)."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from companion.errors import BadInputError
from companion.importing.headers import recognised_field

DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
#: Characters other than ASCII that Western European text in Windows-1252 holds: accented
#: letters and typographic punctuation. Anything else decoded from it means the bytes were
#: probably written in another code page. Currency signs are left out: Windows-1250's 'Ł'
#: reads as '£' in Windows-1252.
_WESTERN_PUNCTUATION = frozenset("’‘“”„–—€•…«»°§´·¨\u00a0ªº¿¡©®™†‡‰‹›")


class FileReadError(BadInputError):
    """The file as a whole cannot be read; `row` says where, when known."""

    def __init__(self, message: str, *, row: int = 0, field: str = "file") -> None:
        super().__init__(message, field=field)
        self.row = row


def delimiter_name(delimiter: str) -> str:
    """'comma', 'semicolon' or 'tab'."""
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def decode_text(data: bytes, *, name: str) -> tuple[str, str]:
    """The text of `data` and the encoding it was read in: UTF-8 (with or without BOM),
    UTF-16 (with BOM, or plainly so), or Windows-1252. Bytes that fit none of these — or
    that Windows-1252 would turn into characters no Western text holds — are an error that
    says so, rather than a file of garbled names."""
    for bom, encoding, label in ((codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
                                 (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
                                 (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), label
            except UnicodeDecodeError as exc:
                raise FileReadError(f"'{name}' starts with a {label} byte order mark but is "
                                    f"not valid {label} (at byte {exc.start}); save it again "
                                    "as 'CSV UTF-8'") from None
    unmarked = _utf16_without_bom(data)
    if unmarked is not None:
        try:
            return data.decode(unmarked), "UTF-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise FileReadError(f"'{name}' contains binary data, not text")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        utf8_problem = f"byte 0x{data[exc.start]:02x} at offset {exc.start}"
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise FileReadError(
            f"'{name}' is neither UTF-8 ({utf8_problem} is not valid UTF-8) nor Windows-1252 "
            f"(byte 0x{data[exc.start]:02x} at offset {exc.start}){_guess(data)}; save it "
            "as 'CSV UTF-8' and import that") from None
    odd = sorted({c for c in text if ord(c) > 127 and not _western(c)})
    if odd:
        shown = " ".join(odd[:5])
        raise FileReadError(
            f"cannot tell the encoding of '{name}': it is not UTF-8 ({utf8_problem}), and "
            f"read as Windows-1252 it holds characters such as {shown} that suggest another "
            f"code page{_guess(data)}; save it as 'CSV UTF-8' and import that")
    return text, "Windows-1252"


def _western(char: str) -> bool:
    return char in _WESTERN_PUNCTUATION or (
        unicodedata.category(char).startswith("L") and ord(char) < 0x0250)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte order mark shows as a zero byte in every other position."""
    sample = data[:2000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _guess(data: bytes) -> str:
    """'; it looks like cp1250' when charset detection has a candidate."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:20000]).best()
    return f"; it looks like {best.encoding}" if best is not None else ""


def sniff_delimiter(text: str, *, default: str) -> str:
    """`,`, `;` or tab. The header decides first — the delimiter that splits it into the
    most recognised column names — then csv.Sniffer on a sample (among the delimiters that
    split the header at all), then the one that splits the header into most columns, then
    `default`."""
    lines = text.lstrip("\ufeff").splitlines()
    first_line = lines[0] if lines else ""
    recognised: dict[str, int] = {}
    cells: dict[str, int] = {}
    for delimiter in DELIMITERS:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
        recognised[delimiter] = sum(1 for cell in header if recognised_field(cell))
        cells[delimiter] = len(header)
    ranked = sorted(DELIMITERS, key=lambda d: (recognised[d], d == default), reverse=True)
    if recognised[ranked[0]] > recognised[ranked[1]]:
        return ranked[0]
    splitting = [d for d in DELIMITERS if cells[d] > 1]
    if not splitting:
        return default
    try:
        found = csv.Sniffer().sniff(text[:20000], delimiters="".join(splitting)).delimiter
    except csv.Error:
        found = ""
    if found in splitting:
        return found
    return max(splitting, key=lambda d: (cells[d], d == default))


def sheet_rows(data: bytes, *, name: str) -> tuple[int, list[str], Iterator[tuple[int, list[str]]]]:
    """The first sheet of an .xlsx workbook: the header row's number and cells (the first
    row with any value), then each later row's number and cells, all as text."""
    from openpyxl import load_workbook

    if not data.startswith(b"PK\x03\x04"):
        old = data.startswith(b"\xd0\xcf\x11\xe0")
        raise FileReadError(f"'{name}' is " + ("an old Excel .xls workbook; save it as .xlsx "
                                               "(Excel Workbook) or CSV UTF-8"
                                               if old else "not an Excel .xlsx workbook"))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged archives
        raise FileReadError(f"'{name}' cannot be read as an Excel workbook: {exc}") from None
    if not workbook.worksheets:
        raise FileReadError(f"'{name}' has no sheets")
    rows = workbook.worksheets[0].iter_rows(min_row=1, values_only=True)
    for number, cells in enumerate(rows, 1):
        texts = [cell_text(c) for c in cells]
        if any(t.strip() for t in texts):
            return number, texts, _numbered(rows, number, workbook)
    workbook.close()
    raise FileReadError(f"the first sheet of '{name}' is empty: expected a header row and "
                        "participant rows")


def _numbered(rows: Iterator[tuple[Any, ...]], after: int, workbook: Any
              ) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, cells in enumerate(rows, after + 1):
            yield number, [cell_text(c) for c in cells]
    finally:
        workbook.close()


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: whole numbers without '.0', dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
