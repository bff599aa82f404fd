"""What ``socialpost --version`` says: the version, where this copy is installed and run from,
and which network libraries it has.

Read from the installed distributions' metadata only (``importlib.metadata``): no network SDK is
imported, so ``--version`` stays as fast as ``--help``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import socialpost
from socialpost.i18n import N_

DISTRIBUTION = "socialpost-cli"

# (distribution, what socialpost uses it for: a network's name, or words to translate); the last
# two come from an extra
LIBRARIES: tuple[tuple[str, str], ...] = (
    ("httpx", N_("HTTP client of every built-in network")),
    ("tweepy", "X"),
    ("Mastodon.py", "Mastodon"),
    ("atproto", "Bluesky"),
    ("google-api-python-client", "YouTube"),
    ("Pillow", N_("images")),
    ("boto3", N_("media_host kind: s3 (extra [s3])")),
    ("psycopg", N_("PostgreSQL (extra [postgres])")),
)


@dataclass(frozen=True)
class Library:
    name: str
    purpose: str
    version: str | None  # None: not installed


@dataclass(frozen=True)
class About:
    version: str
    package_path: Path  # the folder of the socialpost package this process imported
    python: str  # the interpreter running it
    python_version: str
    distribution: str | None  # the installed distribution's version (None: run from a source tree)
    editable_from: str | None  # an editable install: the folder of the clone it points to
    libraries: tuple[Library, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "package_path": str(self.package_path),
            "python": self.python,
            "python_version": self.python_version,
            "distribution": self.distribution,
            "editable_from": self.editable_from,
            "libraries": {lib.name: lib.version for lib in self.libraries},
        }


def about() -> About:
    return About(
        version=socialpost.__version__,
        package_path=Path(socialpost.__file__).resolve().parent,
        python=sys.executable,
        python_version=".".join(str(n) for n in sys.version_info[:3]),
        distribution=_version(DISTRIBUTION),
        editable_from=_editable_from(),
        libraries=tuple(Library(name, purpose, _version(name)) for name, purpose in LIBRARIES),
    )


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _editable_from() -> str | None:
    """The clone an editable install (``pip install -e``) runs from, per PEP 610's direct_url.json."""
    try:
        text = metadata.distribution(DISTRIBUTION).read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("dir_info", {}).get("editable"):
        return None
    url = str(data.get("url", ""))
    return url.removeprefix("file://") or None
