"""Render PDF pages to PNG with pypdfium2, and cache the PNGs in memory within a byte bound.

pypdfium2 is imported on the first render, not at start: the mock's cold start stays short and
a server that never shows a document never loads PDFium.
"""
from __future__ import annotations

import struct
import threading
import zlib
from collections import OrderedDict

DEFAULT_SCALE = 1.5  # 108 dpi: an A4 page is 893 px wide, sharp on a phone and on a desktop column
MAX_PIXELS = 12_000_000  # a huge page is scaled down rather than rendered at 12 MP+
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024

_pdfium = None
_pdfium_lock = threading.Lock()
# PDFium is not thread-safe: every call into it goes through this lock.
_render_lock = threading.Lock()


def _lib():
    global _pdfium
    if _pdfium is None:
        with _pdfium_lock:
            if _pdfium is None:
                import pypdfium2  # noqa: PLC0415 (lazy on purpose)
                _pdfium = pypdfium2
    return _pdfium


def png_from_rgb(width: int, height: int, stride: int, data: bytes, level: int = 6) -> bytes:
    """Encode 8-bit RGB rows (each `stride` bytes long) as a PNG, with the standard library only."""
    row_len = width * 3
    raw = bytearray()
    for y in range(height):
        start = y * stride
        raw.append(0)  # filter type None
        raw += data[start:start + row_len]

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw), level)) \
        + chunk(b"IEND", b"")


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Return (width, height) in PDF points of every page, as displayed (rotation applied)."""
    pdfium = _lib()
    with _render_lock:
        doc = pdfium.PdfDocument(pdf)
        try:
            return [tuple(float(v) for v in doc[i].get_size()) for i in range(len(doc))]
        finally:
            doc.close()


def render_png(pdf: bytes, page_number: int, scale: float = DEFAULT_SCALE) -> bytes:
    """Render one 1-based page to PNG on white."""
    pdfium = _lib()
    with _render_lock:
        doc = pdfium.PdfDocument(pdf)
        try:
            if not 1 <= page_number <= len(doc):
                raise IndexError(page_number)
            page = doc[page_number - 1]
            w, h = page.get_size()
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            bitmap = page.render(scale=scale, rev_byteorder=True, fill_color=(255, 255, 255, 255),
                                 may_draw_forms=True)
            width, height, stride = bitmap.width, bitmap.height, bitmap.stride
            channels = bitmap.n_channels
            data = bytes(bitmap.buffer)
        finally:
            doc.close()
    if channels == 4:  # drop alpha (the page was filled white)
        rows = bytearray()
        for y in range(height):
            row = data[y * stride:y * stride + width * 4]
            rgb = bytearray(width * 3)
            rgb[0::3], rgb[1::3], rgb[2::3] = row[0::4], row[1::4], row[2::4]
            rows += rgb
        data, stride = bytes(rows), width * 3
    return png_from_rgb(width, height, stride, data)


class PageRenderer:
    """PNGs and page sizes per (file digest, page), kept in an LRU cache bounded in bytes."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES, scale: float = DEFAULT_SCALE):
        self.max_bytes = max_bytes
        self.scale = scale
        self._pngs: OrderedDict[tuple, bytes] = OrderedDict()
        self._sizes: OrderedDict[str, list] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.renders = 0  # how many pages were actually rendered (tests read it)

    def sizes(self, digest: str, load) -> list[tuple[float, float]]:
        """Page sizes of the file with this digest; load() returns its bytes when not cached."""
        with self._lock:
            if digest in self._sizes:
                self._sizes.move_to_end(digest)
                return self._sizes[digest]
        found = page_sizes(load())
        with self._lock:
            self._sizes[digest] = found
            while len(self._sizes) > 256:
                self._sizes.popitem(last=False)
        return found

    def png(self, digest: str, page_number: int, load) -> bytes:
        key = (digest, page_number, self.scale)
        with self._lock:
            if key in self._pngs:
                self._pngs.move_to_end(key)
                return self._pngs[key]
        body = render_png(load(), page_number, self.scale)
        with self._lock:
            self.renders += 1
            if key not in self._pngs and len(body) <= self.max_bytes:
                self._pngs[key] = body
                self._bytes += len(body)
                while self._bytes > self.max_bytes:
                    _, dropped = self._pngs.popitem(last=False)
                    self._bytes -= len(dropped)
        return body

    def cached_bytes(self) -> int:
        with self._lock:
            return self._bytes
