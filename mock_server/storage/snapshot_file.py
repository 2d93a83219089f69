"""The snapshot file's layout: plain TinyDB JSON, written one record per line so it can be read one record at a time.

    {"_meta":{"1":{"journal_generation":3}}
    ,"workflows":{
    "1":{"workflow_id":"...", ...}
    ,"2":{"workflow_id":"...", ...}
    }
    ,"files":{
    }
    }

The whole file is one JSON document, the one TinyDB's JSONStorage reads and writes ({table: {doc_id: doc}}); the
line breaks are only whitespace between its tokens. Reading it line by line lets each record be parsed on its own:
parsing 37 MB at once (50,000 workflows) and then sharing the records' repeated strings left the freed copies as
holes between live records in Python's small-object heap, ~30 MB that could not be handed back.

A file in any other layout (written by TinyDB itself, by an older sign8-mock, or by hand) is not refused here:
read_records raises NotLineLayout and the store parses the whole document instead, which also reports where a
damaged file is damaged.
"""
from __future__ import annotations

import json
import re
from typing import BinaryIO, Iterable, Iterator

import orjson

META_TABLE = "_meta"

_HEADER = re.compile(re.escape(f'{{"{META_TABLE}":{{"1":{{"journal_generation":'.encode()) + rb'(\d+)\}\}\n')
_TABLE = re.compile(rb',"([A-Za-z_][A-Za-z0-9_]*)":\{\n')
_RECORD = re.compile(rb',?"\d+":')


class NotLineLayout(Exception):
    """The file is not (or not entirely) in the one-record-per-line layout."""


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def snapshot_lines(tables: dict[str, Iterable[dict]], generation: int) -> Iterator[str]:
    """Yield the snapshot's lines (each ending in a newline) for these tables' records."""
    yield f'{{"{META_TABLE}":{{"1":{{"journal_generation":{int(generation)}}}}}\n'
    for name, docs in tables.items():
        yield f",{_dumps(name)}:{{\n"
        for i, doc in enumerate(docs, start=1):
            yield f'{"," if i > 1 else ""}"{i}":{_dumps(doc)}\n'
        yield "}\n"
    yield "}\n"


def read_records(fh: BinaryIO) -> tuple[int, Iterable[tuple[str, dict]]]:
    """Return the journal generation and an iterator of (table, record); NotLineLayout if the layout differs.

    The iterator raises NotLineLayout too, at the first line that does not fit: the caller then discards what it
    took and parses the whole document.
    """
    header = _HEADER.fullmatch(fh.readline())
    if header is None:
        raise NotLineLayout("first line")
    return int(header.group(1)), _records(fh)


def _records(fh: BinaryIO) -> Iterator[tuple[str, dict]]:
    table = None
    first = True
    for line in fh:
        if table is None:
            if line == b"}\n":
                if fh.read().strip():
                    raise NotLineLayout("text after the end")
                return
            match = _TABLE.fullmatch(line)
            if match is None:
                raise NotLineLayout("table line")
            table, first = match.group(1).decode("ascii"), True
            continue
        if line == b"}\n":
            table = None
            continue
        match = _RECORD.match(line)
        # The first record of a table has no leading comma, every later one has: what makes the whole file one
        # JSON document (the one TinyDB reads), which a hand-edited file might no longer be.
        if match is None or (line[:1] == b",") == first:
            raise NotLineLayout("record line")
        try:
            doc = orjson.loads(line[match.end():])
        except orjson.JSONDecodeError as exc:
            raise NotLineLayout("record") from exc
        first = False
        yield table, doc
    raise NotLineLayout("no end")
