"""YouTube: scheduled video publishing, statistics and comments, through Google's own client
(google-api-python-client with its bundled discovery document: nothing is fetched at run time).

* Scheduling: the daemon hands the post over ``upload_ahead`` (default 2 h) before its time; the
  video is uploaded then as *private* with ``status.publishAt`` = the post's time (UTC, RFC 3339
  with ``Z``), and YouTube itself makes it public at that time, whether or not a daemon runs.
  A post whose time has already passed is uploaded with ``privacy_after_publish`` at once.
* Upload: resumable and chunked (``chunk_size``, a multiple of 256 KiB). The session URI and the
  bytes YouTube confirmed are saved in ``<data_dir>/youtube/<name>/uploads/<post key>.json``
  (mode 0600) before the first byte goes out and after every chunk, so an upload interrupted by a
  crash or a network error resumes where it stopped: a status query (``PUT`` with
  ``Content-Range: bytes */SIZE``) answers ``308`` with the ``Range`` YouTube has, or the video
  when it is complete. Publishing the same post again therefore never uploads a second video
  (``idempotent``). Then the thumbnail and the playlist, each once.
* Quota: every call's cost is recorded per quota day (midnight to midnight Pacific time) in
  ``<data_dir>/youtube/<name>/quota.json``; an upload that would go over the daily budget is
  refused with :class:`RateLimited` until the next Pacific midnight. ``check()`` shows what is
  left.
* Statistics: ``videos.list(part=statistics)``, 50 ids per call: views, likes, replies (comments).
* Comments: ``commentThreads.list`` and ``comments.insert`` (replies), for the inbox.
* Set-up: the installed-app OAuth flow with a loopback redirect on 127.0.0.1; the refresh token
  and the client secret go to secrets.yaml.
* The audit: YouTube keeps every video uploaded through ``videos.insert`` from an API project
  created after 28 July 2020 private ("locked as private") until the project passes YouTube's API
  audit; ``publishAt`` then never makes it public, and the API has no field that says a video is
  locked. So the set-up explains the audit and records what the user knows (``audited``), and
  :meth:`YouTubeNetwork.confirm` names the unaudited project as the likely cause when a video is
  still private after its time; ``doctor`` shows it for accounts with posts (:meth:`caveats`).

The package's parts: ``settings`` (the account's settings), ``client`` (Google's client, quota
spending, error mapping), ``state`` (upload state files, the quota book), ``media`` (the video and
its checks), ``publish`` (the upload, reconcile), ``confirm`` (did it go public), ``metrics``,
``inbox`` (comments), ``health`` and ``setup``. This module puts them together.
"""

from __future__ import annotations

from socialpost.networks.capabilities import (
    GuidedSetup,
    HealthCheck,
    InboxReader,
    MetricsReader,
    PublishAhead,
    Reconciler,
    Replier,
)
from socialpost.networks.profile import VIDEO, NetworkProfile, PreviewLook
from socialpost.networks.youtube.confirm import Confirmation
from socialpost.networks.youtube.health import Health
from socialpost.networks.youtube.inbox import Comment, Comments
from socialpost.networks.youtube.media import MAX_TITLE, VIDEO_CHECKS, VideoSpec, check_video, video_spec
from socialpost.networks.youtube.metrics import Statistics
from socialpost.networks.youtube.publish import Uploads, rfc3339, watch_url
from socialpost.networks.youtube.settings import YouTubeSettings
from socialpost.networks.youtube.setup import Setup
from socialpost.text.rules import LengthRule

__all__ = [
    "Comment",
    "VideoSpec",
    "YouTubeNetwork",
    "YouTubeSettings",
    "check_video",
    "rfc3339",
    "video_spec",
    "watch_url",
]


class YouTubeNetwork(
    Uploads,
    Confirmation,
    Statistics,
    Comments,
    Health,
    Setup,
    Reconciler,
    PublishAhead,
    MetricsReader,
    InboxReader,
    Replier,
    GuidedSetup,
    HealthCheck,
):
    profile = NetworkProfile(
        name="youtube",
        title="YouTube",
        settings_model=YouTubeSettings,
        length=LengthRule("youtube"),  # the description is limited in bytes (5,000): the video checks say so
        post_keys=frozenset({"video"}),
        required_keys=frozenset({"video"}),
        post_checks=VIDEO_CHECKS,
        # A second publish of the same post resumes (or finds) its upload from the state file.
        idempotent=True,
        colour="#ff0000",
        look=PreviewLook(card=VIDEO, name="YouTube", fold_at=160, title_limit=MAX_TITLE),
    )
