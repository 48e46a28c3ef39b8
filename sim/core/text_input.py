"""Text and CSV input files as people have them: byte-order marks, UTF-16, GBK, Excel exports.

Every text input of citysafe is UTF-8. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is
accepted; a UTF-16 file is recognised by its byte-order mark and decoded. Anything else that
is not UTF-8 is refused with the encoding it most likely is and how to convert it — never
decoded by a guess, which could silently change names and numbers:

* bytes that decode as GB18030 (the superset of GBK and GB2312, Chinese national standard
  GB 18030-2005) into mostly Chinese characters are named "Chinese text in GBK/GB18030",
  with the offending line as GB18030 reads it so the user can check the guess (this tool is
  for Chinese cities; ``charset-normalizer`` takes short GBK text for cp949 or Big5, and
  converting by that guess garbles it);
* otherwise ``charset-normalizer``'s guess is named;
* UTF-16 without a byte-order mark (NUL bytes at every other position, as ASCII text in
  UTF-16 has: `utf16_without_bom`) is named as such, not read as UTF-8 text full of NULs.

Tables are read by pandas from the decoded text, so a table's parse errors (an empty file, a
broken quote) come back as :class:`InputFileError` naming the file, like the decoding errors;
JSON documents (`parse_json`, `read_json`) likewise, with the line and column of a syntax
error, and nesting or numbers Python's parser refuses named as such. A row with fewer or more
cells than the header (a row cut short, a file truncated mid-line, a stray comma) is refused
naming its line: pandas would fill the missing cells with NaN, or take the first column for an
index, and the reader would see a blank where a value was lost. A table whose header has no
comma but a ';' or a tab (as Excel writes "CSV" where the decimal separator is a comma: much
of Europe, and on some Chinese-locale settings) is refused as such, with the first number
written with a decimal comma, rather than read as one column whose names are all missing.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import stat
import sys
from pathlib import Path

import pandas as pd

from sim.core.errors import InputDataError

TABLE_MAX_BYTES = 50 * 1024 * 1024
"""Largest CSV table read (bytes; assumption: ten times the largest shipped input)."""
JSON_MAX_BYTES = 50 * 1024 * 1024
"""Largest JSON document read (bytes): parsed, a document takes a few times its text in
memory (a number of 8 characters becomes a 24-byte float and an 8-byte list slot), so 50 MB
stays within a few hundred MB; the largest shipped one (a city's district polygons) is
0.2 MB."""
SAMPLE_BYTES = 65536
"""Bytes of a file's start its encoding is guessed from when it is not UTF-8 (a guess reads
every character in Python: the first 64 KiB keep it well under a second)."""
UTF16_MIN_UNITS = 8
"""Code units of a file's start that must show UTF-16's NUL pattern before it is taken for
UTF-16 without a byte-order mark (fewer could be a short text with one NUL)."""
CJK_SHARE = 0.5
"""Share of a GB18030 decoding's non-ASCII characters that must be common Chinese (GB 2312's
symbol rows and its 3,755 level-1 hanzi, the most frequent characters) for the bytes to be
named as Chinese GBK/GB18030 text: 0.84-1.0 in the shipped Chinese tables, READMEs and YAML
saved as GBK (0.5 in one with few Chinese words); Latin-1, cp1252, cp1251, Shift-JIS or Big5
sample words read as GB18030 give 0-0.33, or do not decode."""


class InputFileError(InputDataError):
    """An input file cannot be read as text or as a table.

    Attributes:
        file: the file.
        what: what is wrong, phrased so the user can fix it.
    """

    def __init__(self, file: str | Path, what: str) -> None:
        self.file = Path(file)
        self.what = what
        super().__init__(f"{self.file}: {what}")


def _guess(data: bytes) -> str | None:
    """The encoding ``charset-normalizer`` finds most likely, or None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[:SAMPLE_BYTES]).best()
    return None if best is None else best.encoding


def utf16_without_bom(head: bytes) -> str | None:
    """ "utf-16-le"/"utf-16-be" when NUL bytes fill one byte position of most code units of
    `head` (at least `UTF16_MIN_UNITS` of them: a text file holds no NUL, so the pattern is
    UTF-16's ASCII), else None."""
    pairs = len(head) // 2
    if pairs < UTF16_MIN_UNITS:
        return None
    odd_nul = head[1 : 2 * pairs : 2].count(0) / pairs
    even_nul = head[0 : 2 * pairs : 2].count(0) / pairs
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _common_chinese(char: str) -> bool:
    """True for a character of GB 2312's symbol rows (lead byte A1-A9) or its level-1 hanzi
    (B0-D7), trail byte A1-FE (as GBK encodes it: GBK maps the em dash where GB 2312 has it)."""
    try:
        code = char.encode("gbk")
    except UnicodeEncodeError:
        return False
    lead, trail = code[0], code[-1]
    return len(code) == 2 and (0xA1 <= lead <= 0xA9 or 0xB0 <= lead <= 0xD7) and trail >= 0xA1


def _as_chinese(data: bytes, start: int) -> str | None:
    """``line N reads "…" in GB18030``: the line holding byte `start`, when the file's first
    `SAMPLE_BYTES` decode as GB18030 into mostly Chinese characters (`CJK_SHARE`); else
    None."""
    try:
        decoder = codecs.getincrementaldecoder("gb18030")()
        text = decoder.decode(data[:SAMPLE_BYTES], final=len(data) <= SAMPLE_BYTES)
    except UnicodeDecodeError:
        return None
    wide = [c for c in text if ord(c) > 127]
    if not wide or sum(_common_chinese(c) for c in wide) < CJK_SHARE * len(wide):
        return None
    first = data.rfind(b"\n", 0, start) + 1
    last = data.find(b"\n", start)
    line = data[first : None if last < 0 else last].decode("gb18030", errors="replace").strip()
    shown = line if len(line) <= 40 else line[:40] + "…"
    lineno = data.count(b"\n", 0, start) + 1
    return f'line {lineno} reads "{shown}" in GB18030'


def _not_utf8(data: bytes, file: str | Path, start: int) -> InputFileError:
    """The error for bytes that are not UTF-8 (module docstring): what they look like and the
    ``iconv`` command that converts them."""
    name = Path(file).name
    excel = ", or save from Excel as 'CSV UTF-8'" if name.lower().endswith(".csv") else ""
    chinese = _as_chinese(data, start)
    if chinese is not None:
        likely, source = f"it looks like Chinese text in GBK/GB18030 ({chinese})", "GB18030"
    else:
        guess = _guess(data)
        known = guess and guess not in ("utf_8", "ascii")
        likely = f"it looks like {guess}" if known else "its encoding is unknown"
        source = guess.upper().replace("_", "-") if known else "GB18030"
    return InputFileError(
        file,
        f"not UTF-8 text (byte {start}); {likely}: save it as UTF-8, e.g. "
        f"iconv -f {source} -t UTF-8 {name} > utf8-{name}{excel}",
    )


def decode_text(data: bytes, file: str | Path) -> str:
    """The text of a file's bytes: UTF-8 (a byte-order mark is dropped) or UTF-16 with its
    byte-order mark.

    Raises:
        InputFileError: the bytes are not UTF-8, or are UTF-16 without a byte-order mark (the
            message names the byte offset, the encoding they most likely are and how to
            convert them: module docstring).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(file, f"broken UTF-16 text (byte {exc.start})") from None
    if not data.startswith(codecs.BOM_UTF8):
        bare = utf16_without_bom(data[:4096])
        if bare is not None:
            name, enc = Path(file).name, bare.upper().replace("-LE", "LE").replace("-BE", "BE")
            raise InputFileError(
                file,
                f"{enc} text without a byte-order mark (NUL bytes between the characters): "
                f"save it as UTF-8, e.g. iconv -f {enc} -t UTF-8 {name} > utf8-{name}",
            )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _not_utf8(data, file, exc.start) from None


def regular_file_size(path: str | Path) -> int:
    """The size in bytes of ``path``, a regular file, checked before it is opened: a device
    (``/dev/zero``, ``/dev/urandom``), a named pipe or a socket reports size 0 and never ends
    (reading one grew memory without bound; opening a pipe waits for a writer).

    Raises:
        FileNotFoundError: no such file (callers word their own message).
        InputFileError: a folder, not a regular file, or unreadable (the OS reason).
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise
    except ValueError:  # a NUL character in the name
        raise InputFileError(path, "not a file name (it holds a NUL character)") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(path, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(
            path, "is not a regular file (a device, a named pipe or a socket): give a file"
        )
    return info.st_size


def read_bounded(path: str | Path, max_bytes: int) -> bytes:
    """The bytes of a regular file (:func:`regular_file_size`) of at most ``max_bytes``
    bytes; at most ``max_bytes + 1`` are read, so a file growing meanwhile cannot pass.

    Raises:
        FileNotFoundError: no such file (callers word their own message).
        InputFileError: a folder, not a regular file, too large, or unreadable (the OS reason).
    """
    n_bytes = regular_file_size(path)
    if n_bytes > max_bytes:
        raise InputFileError(path, f"file is {n_bytes:,} bytes; at most {max_bytes:,} are accepted")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputFileError(path, f"file grew past {max_bytes:,} bytes while it was read")
    return data


def read_text(path: str | Path, max_bytes: int) -> str:
    """The text of a UTF-8 (or UTF-16 with BOM) file of at most ``max_bytes`` bytes
    (:func:`read_bounded`).

    Raises:
        FileNotFoundError: no such file (callers word their own message).
        InputFileError: a folder, not a regular file, unreadable, too large or not UTF-8.
    """
    return decode_text(read_bounded(path, max_bytes), path)


def read_csv_table(path: str | Path, max_bytes: int = TABLE_MAX_BYTES, **kwargs) -> pd.DataFrame:
    """A CSV table read by :func:`pandas.read_csv` (``kwargs``) from its decoded text.

    Raises:
        FileNotFoundError: no such file.
        InputFileError: not text (as :func:`read_text`), empty, cells separated by ';' or
            tabs (:func:`_check_separator`), a row whose number of cells differs from the
            header's (:func:`_check_cells`), or rows pandas cannot parse.
    """
    text = read_text(path, max_bytes)
    _check_separator(text, path)
    _check_cells(text, path)
    try:
        return pd.read_csv(io.StringIO(text), **kwargs)
    except pd.errors.EmptyDataError:
        raise InputFileError(path, "empty file: expected a header row and data rows") from None
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(path, f"not a readable CSV table ({first})") from None


def parse_json(text: str, file: str | Path):
    """The JSON document of `text` (:func:`json.loads`).

    Raises:
        InputFileError: not JSON (the line and column of the error), nesting deeper than
            Python's parser recurses (:func:`sys.getrecursionlimit`, 1,000 by default; a
            GeoJSON or pandapower document needs fewer than 10 levels), or an integer of
            more digits than Python converts (:func:`sys.get_int_max_str_digits`, 4,300 by
            default, a bound against denial of service, CVE-2020-10735), with its line.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            file, f"line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise InputFileError(
            file,
            "JSON nested too deep for Python's parser (its recursion limit is "
            f"{sys.getrecursionlimit():,}); a GeoJSON or pandapower file needs fewer than 10 "
            "levels",
        ) from None
    except ValueError as exc:  # int(): more digits than sys.get_int_max_str_digits()
        limit = sys.get_int_max_str_digits()
        found = re.search(rf"\d{{{limit + 1},}}", text) if limit else None
        if found is None:
            raise InputFileError(file, f"not valid JSON ({exc})") from None
        line = text.count("\n", 0, found.start()) + 1
        col = found.start() - text.rfind("\n", 0, found.start())
        raise InputFileError(
            file,
            f"line {line} column {col}: a number of {len(found.group()):,} digits; Python "
            f"reads integers of at most {limit:,} digits (sys.get_int_max_str_digits)",
        ) from None


def read_json(path: str | Path, max_bytes: int = JSON_MAX_BYTES):
    """The JSON document of a UTF-8 (BOM accepted) or UTF-16 file (:func:`read_text`,
    :func:`parse_json`).

    Raises:
        FileNotFoundError: no such file.
        InputFileError: a folder, unreadable, too large, not UTF-8, or not JSON (as
            :func:`parse_json`).
    """
    return parse_json(read_text(path, max_bytes), path)


def _check_cells(text: str, path: str | Path) -> None:
    """Every row of a CSV text has as many cells as its header (blank and whitespace-only lines
    are skipped, as pandas skips them; quoted cells may span lines, as in pandas).

    Raises:
        InputFileError: the first row that differs, by its (first) line number.
    """
    reader = csv.reader(io.StringIO(text))
    header, start = None, 1
    try:
        for row in reader:
            blank = not row or (len(row) == 1 and not row[0].strip())  # pandas skips these
            if not blank and header is None:
                header = len(row)
            elif not blank and len(row) != header:
                raise InputFileError(
                    path,
                    f"line {start}: {len(row)} cell(s), the header has {header}: every row "
                    "needs one cell per column (an empty cell is nothing between two commas); "
                    "is the row cut short or the file truncated?",
                )
            start = reader.line_num + 1
    except csv.Error:  # a broken quote: pandas says where
        return


SEPARATORS = {";": "';'", "\t": "tabs"}
"""Cell separators of spreadsheet exports that are not CSV's comma, and how messages name them
(Excel's "CSV" takes the list separator of the system's locale: ';' where the decimal
separator is a comma; "Text (Tab delimited)" uses tabs)."""
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
"""A cell that is a number written with a decimal comma ("12,5")."""


def _check_separator(text: str, path: str | Path) -> None:
    """Refuse a table whose header has no comma and a ';' or a tab: its cells are separated
    by that, not by commas, and pandas would read each line as one cell (every column then
    "missing"). A number with a decimal comma in it (``12,5``) is named too, by line and
    column, since saving as comma-separated CSV alone would split it in two.

    Raises:
        InputFileError: ``FILE: cells are separated by ';' — citysafe reads comma-separated
            CSV; save as CSV (comma delimited)``, and the first decimal comma, if any
            (``; numbers need a decimal point: line 2, column area_km2 reads '28,44' ...``).
    """
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or "," in lines[first]:
        return
    sep = next((s for s in SEPARATORS if s in lines[first]), None)
    if sep is None:
        return
    what = (
        f"cells are separated by {SEPARATORS[sep]} — citysafe reads comma-separated CSV; "
        "save as CSV (comma delimited)"
    )
    rows = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = next((row for row in rows if any(c.strip() for c in row)), [])
        for row in rows:
            cell = next((i for i, c in enumerate(row) if _DECIMAL_COMMA.match(c)), None)
            if cell is not None:
                column = header[cell] if cell < len(header) else f"cell {cell + 1}"
                what += (
                    f"; numbers need a decimal point: line {rows.line_num}, column {column} "
                    f"reads {row[cell].strip()!r} (set the decimal separator to '.' before "
                    "saving)"
                )
                break
    except csv.Error:  # a broken quote: the separator is still named
        pass
    raise InputFileError(path, what)
