"""Render the default icon and logo SVGs (the signing page's masters) to the PNGs GetFile serves.

Run after changing mock_server/signing/static/default-*.svg:
    .venv/bin/python scripts/render_default_artwork.py
Needs Debian's Chromium (make browser-deps) and the test extras (Playwright's Python package).
"""
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "mock_server" / "signing" / "static"
ASSETS = ROOT / "mock_server" / "assets"
# name: (CSS width, height); rendered at 4x for sharp PNGs (256x256 icon, 848x224 logo).
SIZES = {"default-icon": (64, 64), "default-logo": (212, 56)}
SCALE = 4


def main() -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        for name, (w, h) in SIZES.items():
            page = browser.new_page(viewport={"width": w, "height": h}, device_scale_factor=SCALE)
            svg = (STATIC / f"{name}.svg").read_text()
            page.set_content(f"<html><body style='margin:0;background:transparent'>{svg}</body></html>")
            page.locator("svg").screenshot(path=str(ASSETS / f"{name}.png"), omit_background=True)
            page.close()
            print("wrote", ASSETS / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
