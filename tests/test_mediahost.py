"""Media hosts (socialpost.mediahost): a file put where a network fetches it by URL, tested
against a real S3-compatible server on loopback (moto's server behind a SigV4 gate,
tests/servers/s3.py) and a real web server publishing a folder, fetched the way Meta's fetcher
does: a plain GET, no credentials."""

from __future__ import annotations

import functools
import http.server
import re
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from socialpost.errors import AuthError, ConfigError, MediaRefused, PermanentError
from socialpost.mediahost import HostedMedia, hosted_name
from socialpost.mediahost.configured import build
from socialpost.mediahost.folder import FolderHost
from socialpost.mediahost.s3 import S3Host
from socialpost.redaction import redact
from socialpost.settings.config import Settings, load_settings
from socialpost.settings.media_host import FolderHostSettings, S3HostSettings
from tests.servers.s3 import ACCESS_KEY, REGION, SECRET_KEY, S3Server

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
JPEG = b"\xff\xd8\xff\xe0" + bytes(300)
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
META_AGENT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
ENV = {"SP_S3_KEY": ACCESS_KEY, "SP_S3_SECRET": SECRET_KEY}


def meta_fetch(url: str) -> httpx.Response:
    """What Meta's fetcher does with an image URL: a plain GET, redirects followed, no credentials."""
    return httpx.get(url, headers={"User-Agent": META_AGENT}, follow_redirects=True, timeout=10)


@pytest.fixture
def bucket(s3: S3Server, request: pytest.FixtureRequest) -> str:
    name = "sp-" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    s3.create_bucket(name)
    return name


def s3_host(s3: S3Server, bucket: str, **changes: object) -> S3Host:
    values: dict[str, object] = {
        "kind": "s3",
        "bucket": bucket,
        "endpoint_url": s3.endpoint,
        "region": REGION,
        "prefix": "socialpost/",
        "access_key_id": "${SP_S3_KEY}",
        "secret_access_key": "${SP_S3_SECRET}",
        **changes,
    }
    return S3Host(S3HostSettings.model_validate(values), clock=lambda: NOW, environ=ENV)


def image(tmp_path: Path, name: str = "photo.png", data: bytes = PNG) -> Path:
    folder = tmp_path / "private" / "clients" / "acme"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


def test_s3_host_gives_a_presigned_url_meta_can_fetch_and_remove_takes_it_away(
    s3: S3Server, bucket: str, tmp_path: Path
) -> None:
    host = s3_host(s3, bucket)
    hosted = host.publish(image(tmp_path), key_hint="spring launch/1", lifetime=timedelta(minutes=10))
    # the object's key: under the prefix, unguessable, never the user's folders or file name
    assert re.fullmatch(r"socialpost/[A-Za-z0-9]{22}-spring-launch-1\.png", hosted.key), hosted.key
    assert "private" not in hosted.url and "acme" not in hosted.url and "photo" not in hosted.url
    assert "X-Amz-Signature=" in hosted.url and "X-Amz-Expires=3600" in hosted.url  # the config's floor: 1h
    assert hosted.expires_at == NOW + timedelta(hours=1)
    assert ("PUT", f"/{bucket}/{hosted.key}", "header") in s3.gate.requests  # the upload was SigV4-signed

    fetched = meta_fetch(hosted.url)
    assert fetched.status_code == 200
    assert fetched.content == PNG
    assert fetched.headers["content-type"] == "image/png"  # from the bytes, whatever the name says

    host.remove(hosted)
    gone = meta_fetch(hosted.url)
    assert gone.status_code in {403, 404}  # S3: 404 NoSuchKey with ListBucket rights, else 403
    assert b"NoSuchKey" in gone.content or b"AccessDenied" in gone.content
    host.remove(hosted)  # already gone: no error


def test_a_presigned_url_is_refused_once_it_has_expired(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    host = s3_host(s3, bucket, url_lifetime="2m")
    hosted = host.publish(image(tmp_path, "a.jpg", JPEG), key_hint="p", lifetime=timedelta(seconds=30))
    assert "X-Amz-Expires=120" in hosted.url  # the longer of the network's need and url_lifetime
    assert meta_fetch(hosted.url).headers["content-type"] == "image/jpeg"
    # the fake's clock is set from the URL's own X-Amz-Date, not from wall time: no race on a slow machine
    stamp = re.search(r"X-Amz-Date=(\d{8}T\d{6}Z)", hosted.url)
    assert stamp is not None
    signed_at = datetime.strptime(stamp[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    try:
        s3.frozen_at = signed_at + timedelta(seconds=120)  # the URL's last second: still served
        assert meta_fetch(hosted.url).status_code == 200
        s3.frozen_at = signed_at + timedelta(seconds=121)  # one second later: refused
        late = meta_fetch(hosted.url)
    finally:
        s3.frozen_at = None
    assert late.status_code == 403
    assert b"<Code>AccessDenied</Code>" in late.content and b"Request has expired" in late.content


def test_a_network_asking_for_longer_gets_longer(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    host = s3_host(s3, bucket)
    hosted = host.publish(image(tmp_path), key_hint="reel", lifetime=timedelta(hours=3))
    assert "X-Amz-Expires=10800" in hosted.url and hosted.expires_at == NOW + timedelta(hours=3)
    week = host.publish(image(tmp_path), key_hint="reel", lifetime=timedelta(days=30))
    assert "X-Amz-Expires=604800" in week.url  # SigV4's longest


def test_the_test_server_refuses_what_s3_refuses(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    hosted = s3_host(s3, bucket).publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    plain = hosted.url.split("?", 1)[0]
    unsigned = meta_fetch(plain)
    assert unsigned.status_code == 403 and b"<Code>AccessDenied</Code>" in unsigned.content
    tampered = meta_fetch(re.sub(r"X-Amz-Signature=[0-9a-f]{4}", "X-Amz-Signature=0000", hosted.url))
    assert tampered.status_code == 403 and b"SignatureDoesNotMatch" in tampered.content
    other_key = hosted.url.replace(hosted.key.rsplit("/", 1)[1], "guess.png")
    assert meta_fetch(other_key).status_code == 403  # the signature covers the key


def test_wrong_credentials_are_an_auth_error_without_the_secret(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    host = S3Host(
        S3HostSettings.model_validate(
            {
                "kind": "s3",
                "bucket": bucket,
                "endpoint_url": s3.endpoint,
                "access_key_id": "${SP_S3_KEY}",
                "secret_access_key": "${SP_S3_SECRET}",
            }
        ),
        clock=lambda: NOW,
        environ={"SP_S3_KEY": ACCESS_KEY, "SP_S3_SECRET": "not-the-secret-at-all-0123"},
    )
    with pytest.raises(AuthError) as caught:
        host.publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    assert "SignatureDoesNotMatch" in str(caught.value) and caught.value.status == 403
    assert "not-the-secret" not in redact(str(caught.value) + (caught.value.hint or ""))


def test_a_missing_bucket_is_a_permanent_error_with_the_fix(s3: S3Server, tmp_path: Path) -> None:
    with pytest.raises(PermanentError) as caught:
        s3_host(s3, "no-such-bucket-here").publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    assert "NoSuchBucket" in str(caught.value) and "create the bucket" in (caught.value.hint or "")


def test_a_file_that_is_no_image_is_refused_before_any_upload(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    before = len(s3.gate.requests)
    with pytest.raises(MediaRefused):
        s3_host(s3, bucket).publish(image(tmp_path, "notes.png", b"hello"), key_hint="x", lifetime=timedelta(1))
    assert len(s3.gate.requests) == before


def test_boto3_missing_is_a_config_error_with_the_install_command(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(ConfigError) as caught:
        s3_host(s3, bucket).publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    assert "needs boto3" in str(caught.value)
    assert "make install EXTRAS=s3" in (caught.value.hint or "")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def web_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A real web server publishing a folder (what nginx or Caddy does for the user)."""
    folder = tmp_path / "www" / "media"
    folder.mkdir(parents=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}/media"
    server.shutdown()
    server.server_close()
    thread.join()


def test_folder_host_copies_under_an_unguessable_name_and_removes_it(
    web_folder: tuple[Path, str], tmp_path: Path
) -> None:
    folder, base_url = web_folder
    host = FolderHost(folder, base_url, clock=lambda: NOW)
    source = image(tmp_path, "IMG 0001.jpeg", JPEG)
    hosted = host.publish(source, key_hint="launch", lifetime=timedelta(hours=1))
    assert re.fullmatch(r"[A-Za-z0-9]{22}-launch\.jpg", hosted.key) and hosted.expires_at is None
    assert hosted.url == f"{base_url}/{hosted.key}"
    assert (folder / hosted.key).stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in folder.iterdir()) == [hosted.key]  # no temporary file left behind
    fetched = meta_fetch(hosted.url)
    assert fetched.status_code == 200 and fetched.content == JPEG
    assert fetched.headers["content-type"] == "image/jpeg"
    assert source.exists()  # a copy: the user's file stays
    host.remove(hosted)
    assert meta_fetch(hosted.url).status_code == 404
    host.remove(hosted)  # already gone: no error
    with pytest.raises(PermanentError):
        host.remove(HostedMedia(url="", key="../escape.jpg", expires_at=None))


def test_folder_host_says_when_its_folder_is_missing(tmp_path: Path) -> None:
    host = FolderHost(tmp_path / "nowhere", "https://media.example.com", clock=lambda: NOW)
    with pytest.raises(PermanentError) as caught:
        host.publish(image(tmp_path), key_hint="x", lifetime=timedelta(hours=1))
    assert "does not exist" in str(caught.value) and "create it" in (caught.value.hint or "")


def test_names_are_unguessable_and_safe() -> None:
    names = {hosted_name("../../home/me/secret plan", "image/png") for _ in range(200)}
    assert len(names) == 200
    for name in names:
        assert "/" not in name and ".." not in name and name.endswith("-home-me-secret-plan.png")
    assert re.fullmatch(r"[A-Za-z0-9]{22}\.mp4", hosted_name("///", "video/mp4"))


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, **env: str) -> Settings:
    return load_settings(str(write_config(tmp_path, text)), environ=env)


def test_config_media_host_s3_and_folder(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        "media_host:\n  kind: s3\n  bucket: shop-media\n  endpoint_url: https://acc.r2.cloudflarestorage.com\n"
        "  region: auto\n  url_lifetime: 30m\n",
    )
    assert isinstance(settings.media_host, S3HostSettings)
    assert settings.media_host.url_lifetime == timedelta(minutes=30) and settings.media_host.addressing == "path"
    assert isinstance(build(settings), S3Host)  # boto3 is not imported, nothing is contacted
    settings = load(tmp_path, "media_host:\n  kind: folder\n  folder: www/media\n  base_url: https://shop.example/m/\n")
    assert isinstance(settings.media_host, FolderHostSettings)
    host = build(settings)
    assert isinstance(host, FolderHost) and host.folder == (tmp_path / "www" / "media").resolve()
    assert build(load(tmp_path, "language: en\n")) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("media_host:\n  kind: s3\n  region: eu-west-1\n", ":2:3: missing required key 'bucket'"),
        ("media_host:\n  kind: ftp\n  bucket: b\n", ":2:3: 'media_host': unknown media host kind 'ftp'"),
        ("media_host:\n  bucket: b\n", ":2:3: 'media_host': missing required key 'kind'"),
        ("media_host:\n  kind: s3\n  bucket: b\n  bukcet: c\n", ":4:3: unknown key 'bukcet'. Did you mean 'bucket'?"),
        (
            "media_host:\n  kind: s3\n  bucket: b\n  access_key_id: AKIA\n  secret_access_key: hunter2hunter2\n",
            ":5:22: 'secret_access_key': a secret key is never written in the config file. Fix: write "
            "secret_access_key: ${YOUR_VARIABLE} and set",
        ),
        ("media_host:\n  kind: s3\n  bucket: b\n  access_key_id: AKIA\n", "give both access_key_id and secret"),
        ("media_host:\n  kind: s3\n  bucket: b\n  url_lifetime: 8d\n", ":4:17: 'url_lifetime': a presigned URL"),
        ("media_host:\n  kind: folder\n  folder: www\n", ":2:3: missing required key 'base_url'"),
        ("media_host:\n  kind: folder\n  folder: w\n  base_url: ftp://x\n", ":4:13: 'base_url': 'ftp://x' is not a"),
    ],
)
def test_config_errors_are_located(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert f"{tmp_path / 'config.yaml'}" in str(caught.value)
    assert expected in str(caught.value), str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_an_env_variable_that_is_not_set_is_said_with_its_place(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        f"media_host:\n  kind: s3\n  bucket: {bucket}\n  endpoint_url: {s3.endpoint}\n"
        "  access_key_id: ${SP_KEY}\n  secret_access_key: ${SP_SECRET}\n",
        SP_KEY=ACCESS_KEY,
    )
    host = build(settings, environ={"SP_KEY": ACCESS_KEY})
    assert host is not None
    with pytest.raises(ConfigError) as caught:
        host.publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    assert "config.yaml:6:22: media_host.secret_access_key: the environment variable SP_SECRET is not set" in str(
        caught.value
    )


def test_the_secret_from_the_environment_is_never_printed(tmp_path: Path) -> None:
    load(
        tmp_path,
        "media_host:\n  kind: s3\n  bucket: b\n  access_key_id: ${K}\n  secret_access_key: ${S}\n",
        K="AKIAEXAMPLE",
        S="very-secret-value-42",
    )
    assert "very-secret-value-42" not in redact("the key is very-secret-value-42")


GRAM = """
from socialpost.networks.base import AccountSettings, Network, Published
from socialpost.networks.profile import NetworkProfile
from socialpost.text.rules import characters


class Gram(Network):
    profile = NetworkProfile(
        name="gram", title="Gram", settings_model=AccountSettings, length=characters("gram", 2200),
        needs_config=False, public_media=True,
    )

    def publish(self, post):
        assert self.context.media_host is not None
        return Published("g1")
"""


@pytest.fixture
def gram(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plugin network that fetches media by URL (as Instagram and Threads do)."""
    from importlib.metadata import EntryPoint

    from socialpost.networks import registry

    (tmp_path / "sp_gram.py").write_text(GRAM, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = dict(registry.available())
    found["gram"] = EntryPoint(name="gram", value="sp_gram:Gram", group=registry.GROUP)
    monkeypatch.setattr(registry, "available", lambda: found)


CAMPAIGN = """\
campaign: bakery
timezone: America/Toronto
accounts: [gram:shop, outbox:main]
posts:
  - id: bread
    at: 2030-01-07 10:00
    accounts: [gram:shop, outbox:main]
    text: "Fresh bread today"
    media:
      - {file: bread.png, alt: "A loaf"}
      - {file: bread.png, alt: "The same loaf"}
  - id: words
    at: 2030-01-08 10:00
    accounts: [gram:shop]
    text: "No picture today"
"""


def test_validate_says_which_posts_need_a_media_host(gram: None, run_cli, write, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    import json

    campaign = write("bakery.yaml", CAMPAIGN)
    (campaign.parent / "bread.png").write_bytes(PNG)
    result = run_cli("validate", str(campaign))
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"{campaign}:10:9: Gram fetches a post's media from a public web address" in result.stderr
    assert "add a media_host: section to your config file" in result.stderr and "docs/media-host.md" in result.stderr
    report = json.loads(run_cli("validate", "--json", str(campaign)).stdout)
    errors = [e for e in report["errors"] if "media host" in e["message"]]
    assert len(errors) == 1 and errors[0]["line"] == 10  # once, at the post's first media item

    settings.media_host = FolderHostSettings(kind="folder", folder="www", base_url="https://shop.example/m/")
    result = run_cli("validate", str(campaign))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "media host" not in result.stderr


def test_adapters_get_the_configured_media_host(gram: None, settings: Settings, tmp_path: Path) -> None:
    from socialpost.wiring import Adapters

    with_none = Adapters(settings)
    assert with_none.get("gram:shop").context.media_host is None
    with_none.close()
    settings.media_host = FolderHostSettings(kind="folder", folder=str(tmp_path), base_url="https://shop.example/m/")
    adapters = Adapters(settings)
    host = adapters.get("gram:shop").context.media_host
    assert isinstance(host, FolderHost) and host is adapters.get("outbox:main").context.media_host
    adapters.close()


def test_the_documented_examples_load(tmp_path: Path) -> None:
    """Every media_host example in docs/media-host.md and config.example.yaml is a valid section."""
    root = Path(__file__).resolve().parent.parent
    blocks = re.findall(r"```yaml\n(.*?)```", (root / "docs" / "media-host.md").read_text(encoding="utf-8"), re.S)
    example = (root / "config.example.yaml").read_text(encoding="utf-8")
    commented = re.findall(r"(# media_host:\n(?:#   .*\n)+)", example)
    blocks += ["\n".join(line[2:] for line in block.splitlines()) + "\n" for block in commented]
    assert len(blocks) == 7
    env = {name: "x" for block in blocks for name in re.findall(r"\$\{(\w+)\}", block)}
    for block in blocks:
        settings = load(tmp_path, block, **env)
        assert isinstance(settings.media_host, S3HostSettings | FolderHostSettings), block


def test_an_unknown_aws_profile_is_a_config_error(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    settings = load(tmp_path, f"media_host:\n  kind: s3\n  bucket: {bucket}\n  profile: nowhere\n")
    host = build(settings, environ={})
    assert host is not None
    with pytest.raises(ConfigError) as caught:
        host.publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    assert "config.yaml:4:12: media_host.profile: there is no profile 'nowhere'" in str(caught.value)


def test_no_credentials_anywhere_is_a_config_error_with_the_ways_to_give_them(
    s3: S3Server, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to ask on this machine
    settings = load(tmp_path, f"media_host:\n  kind: s3\n  bucket: {bucket}\n  endpoint_url: {s3.endpoint}\n")
    host = build(settings)
    assert host is not None
    before = len(s3.gate.requests)
    with pytest.raises(ConfigError) as caught:
        host.publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    assert f"no credentials for the bucket {bucket}" in str(caught.value)
    assert "AWS_ACCESS_KEY_ID" in (caught.value.hint or "") and "${ENV}" in (caught.value.hint or "")
    assert len(s3.gate.requests) == before  # nothing was sent unsigned


def test_a_clock_far_off_is_said_as_such_not_as_bad_credentials(s3: S3Server, bucket: str, tmp_path: Path) -> None:
    s3.offset = timedelta(minutes=20)  # S3 refuses a request signed more than 15 minutes from its clock
    try:
        with pytest.raises(PermanentError) as caught:
            s3_host(s3, bucket).publish(image(tmp_path), key_hint="x", lifetime=timedelta(minutes=5))
    finally:
        s3.offset = timedelta(0)
    assert not isinstance(caught.value, AuthError) and caught.value.status == 403
    assert "RequestTimeTooSkewed" in str(caught.value) and "clock" in (caught.value.hint or "")
