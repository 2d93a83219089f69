"""Server-side rendering of PDF pages to PNG for the signing page (pypdfium2, imported on first use)."""
from .pages import PageRenderer, page_sizes, png_from_rgb

__all__ = ["PageRenderer", "page_sizes", "png_from_rgb"]
