"""Media confined to the campaign's folder (or the config's media_roots): at validate time with the
file's position, and again when the daemon reads the bytes (socialpost.media).

The campaign below could come from a pull request: it names files outside its folder, through
``..``, an absolute path, and a symbolic link. None of them may pass `validate`, and none may be
read when the post is sent; every refusal has the same words, so the campaign learns nothing about
which files exist on the machine.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from socialpost import media
from socialpost.campaign.expand import expand, fingerprint
from socialpost.campaign.load import load_campaign
from socialpost.errors import ConfigError, MediaRefused
from socialpost.media import MediaRoots, confined, sniff
from socialpost.networks.base import AdapterContext, Media, OutgoingPost
from socialpost.scheduling import validate
from socialpost.settings.config import Settings, load_settings
from tests.conftest import START, FakeClock
from tests.store_helpers import deliver_due
from tests.support.files import refuse_to_open

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64
AT = (START + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")


def campaign(files: list[str]) -> str:
    listed = "".join(f"      - {{file: '{f}', alt: a picture}}\n" for f in files)
    return (
        "campaign: pr\ntimezone: UTC\naccounts: [outbox:shop]\nposts:\n"
        f"  - id: p\n    at: {AT}\n    text: Look at this\n    media:\n{listed}"
    )


@pytest.fixture
def layout(tmp_path: Path) -> dict[str, Path]:
    """campaigns/ (the campaign's folder, with img/ok.png), outside/ (a secret image), a link from
    campaigns/img to the secret, and shared/ (a folder the config may list under media_roots)."""
    folder = tmp_path / "campaigns"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "ok.png").write_bytes(PNG)
    (tmp_path / "outside").mkdir()
    secret = tmp_path / "outside" / "secret.png"
    secret.write_bytes(PNG)
    (folder / "img" / "link.png").symlink_to(secret)
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "logo.png").write_bytes(PNG)
    return {"folder": folder, "secret": secret, "shared": tmp_path / "shared"}


# --- validate -----------------------------------------------------------------------------------


def test_validate_refuses_files_outside_the_campaigns_folder_with_one_message(
    layout: dict[str, Path], settings: Settings
) -> None:
    secret = layout["secret"]
    names = [
        "img/ok.png",  # line 9: fine
        "../outside/secret.png",  # 10: climbs out
        str(secret),  # 11: absolute, elsewhere
        "img/link.png",  # 12: a link to the secret
        "../outside/none.png",  # 13: does not exist, outside
        "/etc/shadow.png",  # 14: does not exist (or is unreadable), outside
        "img/missing.png",  # 15: inside, missing: the author's own folder may say so
    ]
    path = layout["folder"] / "pr.yaml"
    path.write_text(campaign(names), encoding="utf-8")
    result = validate([path], settings, now=START)
    by_line = {p.line: p for p in result.errors if "per post" not in p.message}  # (7 files: over the count too)
    shown = {line: p.message for line, p in by_line.items()}
    assert 9 not in shown
    assert "media file not found" in shown[15]
    outside = {line: shown[line] for line in (10, 11, 12, 13, 14)}
    for line, message in outside.items():
        assert (
            "cannot be used: socialpost posts only readable images and videos kept in the campaign's folder" in message
        )
        assert "Fix: move the file into the campaign's folder, or list its folder under media_roots" in message
        assert by_line[line].column == 16 and by_line[line].file == str(path)
    # the same words whether the file exists, is a link, or is not there at all
    assert len({m.split(" cannot be used", 1)[1] for m in outside.values()}) == 1
    assert not any("not found" in m or "does not contain" in m or "Permission" in m for m in outside.values())


def test_the_config_can_admit_other_folders_and_a_campaign_cannot_widen_them(
    layout: dict[str, Path], settings: Settings
) -> None:
    logo = layout["shared"] / "logo.png"
    path = layout["folder"] / "pr.yaml"
    path.write_text(campaign([str(logo)]), encoding="utf-8")
    assert not validate([path], settings, now=START).ok
    settings.media_roots = (layout["shared"].resolve(),)
    assert validate([path], settings, now=START).ok


def test_a_youtube_video_and_thumbnail_outside_are_refused_at_their_lines(
    layout: dict[str, Path], settings: Settings
) -> None:
    (layout["folder"] / "clip.mp4").write_bytes(MP4)
    path = layout["folder"] / "video.yaml"
    path.write_text(
        "campaign: v\ntimezone: UTC\naccounts: [youtube:chan]\nposts:\n"
        f"  - id: v\n    at: {AT}\n    text: A tour\n"
        "    video:\n      file: ../outside/secret.mp4\n      title: Tour\n      thumbnail: img/link.png\n",
        encoding="utf-8",
    )
    settings.accounts = {"youtube": {"chan": {"client_id": "i", "client_secret": "s", "channel_id": "UC" + "x" * 22}}}
    result = validate([path], settings, now=START)
    located = {(p.line, p.column): p.message for p in result.errors}
    assert "secret.mp4 cannot be used" in located[(9, 13)]
    assert "link.png cannot be used" in located[(11, 18)]
    assert not any("does not exist" in m for m in located.values())


def test_the_payload_records_the_campaigns_folder_without_changing_its_fingerprint(
    layout: dict[str, Path],
) -> None:
    path = layout["folder"] / "pr.yaml"
    path.write_text(campaign(["img/ok.png"]), encoding="utf-8")
    (row,) = expand(load_campaign(path), now=START)
    assert row.payload["media_root"] == str(layout["folder"].resolve())
    queued_before = {k: v for k, v in row.payload.items() if k != "media_root"}  # as earlier versions stored it
    assert row.fingerprint == fingerprint(row.due_at, queued_before)
    text_only = layout["folder"] / "text.yaml"
    text_only.write_text(
        f"campaign: t\ntimezone: UTC\naccounts: [outbox:a]\nposts:\n  - {{id: t, at: {AT}, text: hi}}\n"
    )
    assert "media_root" not in expand(load_campaign(text_only), now=START)[0].payload


# --- when the daemon reads the bytes --------------------------------------------------------------


def roots_for(folder: Path, *extra: Path) -> MediaRoots:
    post = OutgoingPost("k", "c", "p", "outbox:shop", "t", START, media_root=str(folder))
    return MediaRoots.of(post, AdapterContext(Path("."), Path("."), media_roots=extra))


def test_a_file_inside_is_read(layout: dict[str, Path]) -> None:
    assert roots_for(layout["folder"]).read(layout["folder"] / "img" / "ok.png") == PNG
    assert roots_for(layout["folder"]).read("img/ok.png") == PNG  # relative to the campaign's folder
    assert roots_for(layout["folder"], layout["shared"]).read(layout["shared"] / "logo.png") == PNG


def test_every_refusal_at_send_time_has_the_same_words(
    layout: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = layout["folder"]
    (folder / "img" / "notes.png").write_text("a text file named like an image")
    (folder / "img" / "locked.png").write_bytes(PNG)
    os.mkfifo(folder / "img" / "pipe.png")  # opening a pipe must not hang
    (folder / "img" / "dir.png").mkdir()
    refuse_to_open(monkeypatch, folder / "img" / "locked.png")
    roots = roots_for(folder)
    cases = [
        folder / "img" / ".." / ".." / "outside" / "secret.png",
        layout["secret"],
        folder / "img" / "link.png",
        folder / "img" / "missing.png",
        folder / "img" / "notes.png",
        folder / "img" / "locked.png",
        folder / "img" / "pipe.png",
        folder / "img" / "dir.png",
        Path("/etc/passwd"),
    ]
    messages = set()
    for case in cases:
        with pytest.raises(MediaRefused) as caught:
            roots.read(case)
        assert caught.value.message.startswith(f"the media file {case} cannot be used")
        messages.add((caught.value.message.replace(str(case), "FILE"), caught.value.hint))
    assert len(messages) == 1, messages
    assert messages.pop()[1] == (
        "Put a readable image or video in the campaign's folder (or list its folder under media_roots in your "
        "config), then retry the post: socialpost retry."
    )


def test_a_link_swapped_in_for_a_folder_after_the_check_is_not_followed(layout: dict[str, Path]) -> None:
    """The folders are opened one by one from the root without following links, so a folder replaced
    by a link between the path check and the open cannot lead out."""
    folder = layout["folder"]
    (folder / "img").rename(folder / "img.old")
    (folder / "img").symlink_to(layout["secret"].parent)
    with pytest.raises(OSError):
        media._open_beneath(folder.resolve(), Path("img/secret.png"))
    with pytest.raises(OSError):
        media._open_beneath(folder.resolve(), Path("img.old/link.png"))  # nor a link as the file itself
    fd = media._open_beneath(folder.resolve(), Path("img.old/ok.png"))
    os.close(fd)


def test_a_post_queued_before_media_roots_takes_only_plain_paths(layout: dict[str, Path]) -> None:
    legacy = MediaRoots.of(OutgoingPost("k", "c", "p", "outbox:shop", "t", START), AdapterContext(Path("."), Path(".")))
    assert legacy.plain_paths
    assert legacy.read(layout["folder"].resolve() / "img" / "ok.png") == PNG
    for path in (
        f"{layout['folder'].resolve()}/img/../../outside/secret.png",
        str(layout["folder"].resolve() / "img" / "link.png"),
        "img/ok.png",
    ):
        with pytest.raises(MediaRefused):
            legacy.read(path)


def test_the_type_is_told_from_the_bytes() -> None:
    assert sniff(PNG) == "image/png"
    assert sniff(MP4) == "video/mp4"
    assert sniff(b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    assert sniff(b"RIFF\0\0\0\0WAVEfmt ") is None
    assert sniff(b"BMW list: 3, 5, X1") is None
    assert sniff(b"-----BEGIN OPENSSH PRIVATE KEY-----") is None
    assert sniff(b"root:x:0:0:root:/root:/bin/bash") is None


def test_confined_resolves_links_and_dot_dots(layout: dict[str, Path]) -> None:
    folder = layout["folder"]
    assert confined(folder / "img" / "ok.png", [folder]) == folder.resolve()
    assert confined(folder / "img" / "link.png", [folder]) is None
    assert confined(folder / ".." / "outside" / "secret.png", [folder]) is None
    assert confined(folder / "img" / "nothing" / ".." / ".." / "img" / "ok.png", [folder]) == folder.resolve()


# --- end to end: scheduled, then the file swapped for a link ----------------------------------------


def test_an_image_swapped_for_a_link_after_scheduling_is_not_posted(
    run_cli, settings: Settings, clock: FakeClock, layout: dict[str, Path]
) -> None:  # type: ignore[no-untyped-def]
    path = layout["folder"] / "pr.yaml"
    path.write_text(campaign(["img/ok.png"]), encoding="utf-8")
    scheduled = run_cli("schedule", str(path))
    assert scheduled.exit_code == 0, scheduled.stderr
    image = layout["folder"] / "img" / "ok.png"
    image.unlink()
    image.symlink_to(layout["secret"])  # after validation, before sending
    clock.advance(hours=1, minutes=1)
    deliver_due(settings, clock)
    assert not list((settings.data_dir / "outbox" / "shop" / "posts").glob("*.json"))
    (failed,) = json.loads(run_cli("status", "--json").stdout)["problems"]
    assert failed["status"] == "failed"
    assert f"the media file {image} cannot be used" in failed["reason"]
    assert str(layout["secret"]) not in failed["reason"]


def test_an_adapter_reads_media_only_through_the_check(layout: dict[str, Path], tmp_path: Path) -> None:
    """The outbox (a stand-in for a network) refuses a post whose media is outside, and writes nothing."""
    from socialpost.networks.outbox import OutboxNetwork, OutboxSettings

    context = AdapterContext(data_dir=tmp_path / "data", base_dir=tmp_path)
    adapter = OutboxNetwork(account="outbox:shop", settings=OutboxSettings(), context=context)
    post = OutgoingPost(
        "k",
        "pr",
        "p",
        "outbox:shop",
        "t",
        START,
        media=(Media(str(layout["folder"] / "img" / "link.png"), "a"),),
        media_root=str(layout["folder"].resolve()),
    )
    with pytest.raises(MediaRefused, match=r"link\.png cannot be used"):
        adapter.publish(post)
    assert not (tmp_path / "data" / "outbox").exists() or not list((tmp_path / "data" / "outbox").rglob("*.json"))


# --- the config ----------------------------------------------------------------------------------


def test_media_roots_and_fetch_ports_in_the_config(tmp_path: Path, isolated_env: Path) -> None:
    config = tmp_path / "conf" / "config.yaml"
    config.parent.mkdir()
    (tmp_path / "conf" / "pictures").mkdir()
    config.write_text("media_roots: [pictures, ~/brand]\nfetch:\n  ports: [80, 443, 8443]\n", encoding="utf-8")
    loaded = load_settings(str(config), environ={})
    assert loaded.media_roots == ((tmp_path / "conf" / "pictures").resolve(), (isolated_env / "brand").resolve())
    assert loaded.fetch.ports == [80, 443, 8443]
    config.write_text("fetch:\n  ports: [70000]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="70000 is not a port"):
        load_settings(str(config), environ={})
    config.write_text("media_roots: ['']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="a media root is empty"):
        load_settings(str(config), environ={})
