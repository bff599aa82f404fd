"""The README's pictures of ``socialpost report --html`` (``make screenshots-report``).

Three weeks of a sample campaign (tests/support/report_sample.py) in a throw-away store, with the
brand of tests/data/brand/, written by the real command in English and French and photographed by
headless Chromium (tests/support/browser.py):

    python scripts/screenshots_report.py docs/images

writes report.png (1280 px wide), report-phone.png (400 px) and report-fr.png (1280 px, French).
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.support: the sample and the browser

from click.testing import CliRunner  # noqa: E402

from socialpost.cli import cli  # noqa: E402
from socialpost.cli.context import AppContext  # noqa: E402
from socialpost.settings.brand import BrandSettings  # noqa: E402
from socialpost.settings.config import Settings  # noqa: E402
from socialpost.store.db import open_store  # noqa: E402
from tests.support import browser  # noqa: E402
from tests.support.report_sample import NOW, seed_sample  # noqa: E402

SHOTS = (("report.png", "en", 1280, 1900), ("report-phone.png", "en", 400, 1500), ("report-fr.png", "fr", 1280, 1900))


def main(argv: list[str]) -> int:
    out = Path(argv[1] if len(argv) > 1 else "docs/images")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="socialpost-shots-") as scratch:
        folder = Path(scratch)
        settings = Settings(
            database_url=f"sqlite:///{folder / 'socialpost.db'}",
            data_dir=folder / "data",
            timezone="America/Montreal",
            brand=BrandSettings(
                name="Acme Coffee", colour="#8a4b24", logo=str(REPO / "tests" / "data" / "brand" / "acme-coffee.svg")
            ),
        )
        store = open_store(settings.database_url)
        seed_sample(store)
        store.close()
        pages: dict[str, Path] = {}
        for lang in ("en", "fr"):
            page = pages[lang] = folder / f"report-{lang}.html"
            app = AppContext(clock=lambda: NOW, settings_override=dataclasses.replace(settings))
            result = CliRunner().invoke(cli, ["--lang", lang, "report", "--html", str(page)], obj=app)
            app.close()
            if result.exit_code != 0:
                print(result.output, file=sys.stderr)
                return 1
        for name, lang, width, height in SHOTS:
            shot = browser.screenshot(pages[lang], out / name, width, height)
            _shrink(shot)
            print(f"wrote {shot} ({width} × {height})")
    return 0


def _shrink(png: Path) -> None:
    """The same picture in a palette of 256 colours: a third of the size, for the repository."""
    from PIL import Image

    with Image.open(png) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(png, optimize=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
