"""Installing socialpost: what `--version` says, the Makefile's install targets and the built
distribution (the full install from a fresh clone is scripts/install-check.sh, run by CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import socialpost
from tests.conftest import REPO


def test_version_says_where_it_runs_from_and_its_network_libraries(run_cli) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    out = result.stdout
    assert out.splitlines()[0] == f"socialpost {socialpost.__version__}"
    assert f"package: {Path(socialpost.__file__).resolve().parent}" in out
    assert f"python:  {sys.executable}" in out
    for name in ("tweepy", "Mastodon.py", "atproto", "httpx", "boto3"):
        line = next(line for line in out.splitlines() if line.split()[:1] == [name])
        assert metadata.version(name) in line, line


def test_version_says_a_library_that_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    from socialpost import about

    real = about._version
    monkeypatch.setattr(about, "_version", lambda name: None if name == "boto3" else real(name))
    info = about.about()
    assert {lib.name: lib.version for lib in info.libraries}["boto3"] is None
    code = (
        "import sys; from importlib import metadata\n"
        "real = metadata.version\n"
        "def fake(name):\n"
        "    if name == 'boto3': raise metadata.PackageNotFoundError(name)\n"
        "    return real(name)\n"
        "metadata.version = fake\n"
        "from socialpost.cli import main\n"
        "main(['--version'])\n"
    )
    env = {**os.environ, "SOCIALPOST_LANG": "fr"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env).stdout
    line = next(line for line in out.splitlines() if line.split()[:1] == ["boto3"])
    assert "non installé" in line
    assert "bibliothèques réseau" in out


def test_version_is_fast_and_loads_no_network_sdk() -> None:
    code = (
        "import sys\n"
        "from socialpost.cli import main\n"
        "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(out.strip().splitlines()[-1].split())
    assert not loaded & {"tweepy", "mastodon", "atproto", "httpx", "boto3", "sqlalchemy", "pydantic", "googleapiclient"}


def _make(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO), *args], capture_output=True, text=True, env=env
    )


def test_make_install_without_pipx_or_uv_says_how_to_get_one(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "make", "dirname", "cat"):  # what the target needs, and no pipx or uv
        found = subprocess.run(["which", tool], capture_output=True, text=True, check=True).stdout.strip()
        (bin_dir / tool).symlink_to(found)
    result = _make("install", env={"PATH": str(bin_dir), "HOME": str(tmp_path)})
    assert result.returncode != 0
    assert "neither pipx nor uv is installed" in result.stderr
    assert "pipx install" not in result.stdout  # nothing was attempted
    assert "python3 -m pip install --user pipx" in result.stderr


def test_make_install_uses_pipx_then_uv_with_the_extras(tmp_path: Path) -> None:
    """The target's commands, recorded by stand-ins for pipx and uv that log their arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for tool in ("pipx", "uv"):
        stub = bin_dir / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n')
        stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    env.pop("SOCIALPOST_INSTALLER", None)
    assert _make("install", "EXTRAS=postgres,s3", env=env).returncode == 0
    assert _make("uninstall", env=env).returncode == 0
    assert _make("install", env={**env, "SOCIALPOST_INSTALLER": "uv"}).returncode == 0
    assert log.read_text().splitlines() == [
        f"pipx install --force {REPO}[postgres,s3]",
        "pipx uninstall socialpost-cli",
        f"uv tool install --force --reinstall {REPO}",
        "uv tool dir --bin",
    ]


@pytest.mark.slow
def test_the_wheel_holds_the_package_its_catalogue_and_the_command(tmp_path: Path) -> None:
    """What `make dist` builds (python -m build): the wheel carries the compiled French catalogue and
    the migrations, names the distribution socialpost-cli and installs the `socialpost` command."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("socialpost_cli-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "socialpost/i18n/locale/fr/LC_MESSAGES/socialpost.mo" in names
    assert any(n.startswith("socialpost/store/migrations/versions/") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "socialpost = socialpost.cli:main" in text
    metadata_file = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "Name: socialpost-cli" in zipfile.ZipFile(wheel).read(metadata_file).decode()


@pytest.mark.slow
def test_the_sdist_holds_the_sources_and_no_tool_cache(tmp_path: Path) -> None:
    import tarfile

    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--outdir", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
    )
    (sdist,) = tmp_path.glob("socialpost_cli-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {n.partition("/")[2] for n in archive.getnames()}
    assert {"pyproject.toml", "README.md", "Makefile", "socialpost/cli/__init__.py", "scripts/install.sh"} <= names
    assert not any(n.startswith((".import_linter_cache", ".venv", ".mypy_cache")) for n in names)
