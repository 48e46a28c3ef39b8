"""Text and CSV input files as people have them: byte-order marks, UTF-16, GBK, Excel exports.

Every text input of citysafe is UTF-8. A UTF-8 byte-order mark (Excel's "CSV UTF-8") is
accepted; a UTF-16 file is recognised by its byte-order mark and decoded. Anything else that
is not UTF-8 is refused with the encoding it most likely is (guessed by ``charset-normalizer``)
and how to convert it — never decoded by a guess, which could silently change names and
numbers.

Tables are read by pandas from the decoded text, so a table's parse errors (a ragged row, an
empty file) come back as :class:`InputFileError` naming the file, like the decoding errors.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pandas as pd

from sim.core.errors import Picklable

TABLE_MAX_BYTES = 50 * 1024 * 1024
"""Largest CSV table read (bytes; assumption: ten times the largest shipped input)."""


class InputFileError(Picklable, ValueError):
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

    best = from_bytes(data[:65536]).best()
    return None if best is None else best.encoding


def decode_text(data: bytes, file: str | Path) -> str:
    """The text of a file's bytes: UTF-8 (a byte-order mark is dropped) or UTF-16 with its
    byte-order mark.

    Raises:
        InputFileError: the bytes are not UTF-8 (the message names the byte offset, the
            encoding they most likely are and how to convert them).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputFileError(file, f"broken UTF-16 text (byte {exc.start})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        guess = _guess(data)
        likely = f"; it looks like {guess}" if guess and guess not in ("utf_8", "ascii") else ""
        source = guess.upper().replace("_", "-") if likely else "GBK"
        name = Path(file).name
        excel = ", or save from Excel as 'CSV UTF-8'" if name.lower().endswith(".csv") else ""
        raise InputFileError(
            file,
            f"not UTF-8 text (byte {exc.start}){likely}: save it as UTF-8, e.g. "
            f"iconv -f {source} -t UTF-8 {name} > utf8-{name}{excel}",
        ) from None


def read_text(path: str | Path, max_bytes: int) -> str:
    """The text of a UTF-8 (or UTF-16 with BOM) file of at most ``max_bytes`` bytes.

    Raises:
        FileNotFoundError: no such file (callers word their own message).
        InputFileError: a folder, unreadable, too large or not UTF-8.
    """
    path = Path(path)
    try:
        n_bytes = path.stat().st_size
        if path.is_dir():
            raise InputFileError(path, "is a folder, not a file")
        if n_bytes > max_bytes:
            raise InputFileError(
                path, f"file is {n_bytes:,} bytes; at most {max_bytes:,} are accepted"
            )
        data = path.read_bytes()
    except (FileNotFoundError, InputFileError):
        raise
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    return decode_text(data, path)


def read_csv_table(path: str | Path, max_bytes: int = TABLE_MAX_BYTES, **kwargs) -> pd.DataFrame:
    """A CSV table read by :func:`pandas.read_csv` (``kwargs``) from its decoded text.

    Raises:
        FileNotFoundError: no such file.
        InputFileError: not text (as :func:`read_text`), empty, or rows pandas cannot parse.
    """
    text = read_text(path, max_bytes)
    try:
        return pd.read_csv(io.StringIO(text), **kwargs)
    except pd.errors.EmptyDataError:
        raise InputFileError(path, "empty file: expected a header row and data rows") from None
    except (pd.errors.ParserError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(path, f"not a readable CSV table ({first})") from None
