"""The report's brand (``brand:`` in the config) and the posts' thumbnails.

Mistakes in ``brand:`` are located config errors (exit 2), in both languages. Thumbnails are read
the way the daemon reads media: only from the campaign's folder (or ``media_roots``), no link
followed; anything else gets no picture, and the post is still listed.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from socialpost.cli import cli
from socialpost.settings.brand import BrandSettings
from socialpost.settings.config import Settings
from socialpost.store.db import Store
from tests.test_report import T0, Seeder

LOGO = Path(__file__).resolve().parent / "data" / "brand" / "acme-coffee.svg"


def socialpost(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("brand", "lang", "expected"),
    [
        ('  colour: "#12345"\n', "en", ":3:11: 'colour': '#12345' is not a colour. Fix: write it as #rrggbb"),
        ("  color: red\n", "en", ":3:10: 'color': 'red' is not a colour."),
        ("  colour: red\n", "fr", ":3:11: « colour » : « red » n'est pas une couleur. Solution : écrivez-la"),
        ("  logo: missing.png\n", "en", ":3:9: brand.logo: the logo "),
        ("  logo: missing.png\n", "fr", ":3:9: brand.logo : le logo "),
        ("  logo: notes.txt\n", "en", ":3:9: 'logo': the logo must be a PNG, JPEG, GIF, WebP or SVG file."),
        ("  colours: '#fff'\n", "en", ":3:3: unknown key 'colours'. Did you mean 'colour'?"),
        ("  name: ''\n", "en", ":3:9: 'name': it is empty."),
    ],
)
def test_brand_mistakes_are_located(tmp_path: Path, brand: str, lang: str, expected: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{tmp_path / 'db.sqlite'}\nbrand:\n{brand}", encoding="utf-8")
    result = socialpost("--lang", lang, "--config", str(config), "report", "--html", str(tmp_path / "r.html"))
    assert result.exit_code == 2, result.output
    assert f"{config}{expected}" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "r.html").exists()


def test_a_brand_from_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "logo.svg").write_bytes(LOGO.read_bytes())
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: sqlite:///{tmp_path / 'db.sqlite'}\nbrand:\n  name: Acme <Coffee>\n  color: '#1D6FA5'\n"
        "  logo: logo.svg\n",
        encoding="utf-8",
    )
    page = tmp_path / "r.html"
    result = socialpost("--config", str(config), "report", "--html", str(page))
    assert result.exit_code == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert '<p class="brand">Acme &lt;Coffee&gt;</p>' in html and "<title>Acme &lt;Coffee&gt; · " in html
    assert "border-top:6px solid #1d6fa5" in html
    assert '<img class="logo" src="data:image/svg+xml;base64,' in html


def test_a_logo_that_is_not_a_picture_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "logo.png").write_text("not a picture", encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(f"database: sqlite:///{tmp_path / 'db.sqlite'}\nbrand:\n  logo: logo.png\n", encoding="utf-8")
    result = socialpost("--config", str(config), "report", "--html", str(tmp_path / "r.html"))
    assert result.exit_code == 2
    assert f"{config}:3:9: brand.logo: the logo " in result.stderr and "cannot be read as a picture" in result.stderr


def _photo(path: Path, size: tuple[int, int] = (1600, 1200)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 120, 40)).save(path, format="JPEG")
    return path


def test_thumbnails_come_only_from_the_campaign_folder(
    store: Store, settings: Settings, run_cli: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "campaign"
    inside = _photo(folder / "img" / "beans.jpg")
    outside = _photo(tmp_path / "elsewhere" / "secret.jpg", (40, 40))
    os.symlink(outside, folder / "img" / "link.jpg")
    seed = Seeder(store)
    for key, file in (("inside", inside), ("outside", outside), ("link", folder / "img" / "link.jpg")):
        seed.post(
            "spring",
            key,
            "mastodon:acme",
            due=T0,
            payload={"text": f"post {key}", "media": [{"file": str(file), "alt": key}], "media_root": str(folder)},
        )
    page = tmp_path / "r.html"
    assert run_cli("report", "--html", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    pictures = re.findall(r'<img src="(data:image/jpeg;base64,[^"]+)" alt="([^"]*)"', html)
    assert [alt for _uri, alt in pictures] == ["inside"]
    assert len(pictures[0][0]) < 20_000  # shrunk, not the 1600 × 1200 photo
    assert "post outside" in html and "post link" in html  # listed all the same


def test_the_brand_colour_and_name_reach_the_page(store: Store, settings: Settings, tmp_path: Path) -> None:
    from socialpost.cli.context import AppContext
    from tests.conftest import FakeClock

    Seeder(store).post("spring", "a1", "mastodon:acme", due=T0, payload={"text": "hello"})
    branded = dataclasses.replace(settings, brand=BrandSettings(name="Acme", colour="#abc"))
    app = AppContext(clock=FakeClock(T0), settings_override=branded)
    page = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["report", "--html", str(page)], obj=app, catch_exceptions=False)
    app.close()
    assert result.exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "h2{font-size:18px;margin:30px 0 10px;border-bottom:2px solid #abc" in html
    assert '<p class="brand">Acme</p><h1>spring</h1>' in html
