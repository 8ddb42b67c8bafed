"""Which columns of a table hold numbers, found while the validator reads it.

The DataStore loader (xloader's COPY) makes every column text, so a range
filter on 緯度 or 収容人数 compares strings. The validator sees every cell
once anyway; it proposes the columns whose every value is a plain number,
and ``datastore_types`` turns them into numbers once the table is loaded.

A value counts only when PostgreSQL's ``numeric`` gives back exactly the text
written (``-12``, ``35.6938``): no leading zero (codes such as 「0123」 would
lose it), no sign ``+``, no exponent, no full-width digits or thousands
separators (kept as text: the report already names them). Columns that are
codes or readings by name, or strings in the standard's Table Schema, stay text.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["PLAIN_NUMBER", "XLOADER_NAME_LENGTH", "NumberColumns", "is_code_name", "loader_name"]

# What numeric::text writes back unchanged. Also used, as a PostgreSQL regex, by datastore_types.
PLAIN_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$"
_PLAIN = re.compile(PLAIN_NUMBER)

# Identifiers and readings, whatever their values look like (cf. the map's popup order).
_CODE_NAME = re.compile(r"コード|番号|code|^no\.?$|^id$|_id$|カナ|かな|電話|郵便|fax", re.IGNORECASE)

# xloader 2.5.2 strips a header and cuts it to PostgreSQL's identifier length.
XLOADER_NAME_LENGTH = 63


def is_code_name(name: str) -> bool:
    return bool(_CODE_NAME.search(unicodedata.normalize("NFKC", name).strip()))


def loader_name(header: str) -> str:
    """The column's name as the DataStore loader will create it."""
    return header.replace("\ufeff", "").strip()[:XLOADER_NAME_LENGTH].strip()


class NumberColumns:
    """Fed the rows one by one; ``found()`` names the columns that held only numbers.

    ``excluded`` are column positions that must stay text (the standard says string).
    """

    def __init__(self, header: Sequence[str], excluded: Iterable[int] = ()) -> None:
        self._names = [loader_name(h) for h in header]
        skip = set(excluded)
        times = Counter(self._names)    # a repeated name is not one column of the table
        self._open = {i for i, name in enumerate(self._names)
                      if name and i not in skip and times[name] == 1 and not is_code_name(name)}
        self._seen: set[int] = set()

    def see(self, row: Sequence[str]) -> None:
        if not self._open:
            return
        for i in list(self._open):
            cell = row[i].strip() if i < len(row) else ""
            if not cell:
                continue
            if _PLAIN.match(cell):
                self._seen.add(i)
            else:
                self._open.discard(i)

    def found(self) -> list[str]:
        """Names (as the loader writes them) of the columns with at least one number and nothing else."""
        return [self._names[i] for i in sorted(self._open & self._seen)]
