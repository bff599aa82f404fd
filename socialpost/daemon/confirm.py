"""Confirm that posts published on the network's side really went out (YouTube's publishAt).

A YouTube video is uploaded ahead as private with its publish time; YouTube makes it public then,
even if no daemon runs. After the time, this job asks the network and records the answer in the
event log: ``confirmed`` once the video is public, or ``not-public`` (once, with the reason, also
logged as a warning) when it is still private an hour later or YouTube rejected it. The reason is
the adapter's when it can tell what most likely keeps the post private (:class:`NotPublic`: an
unaudited YouTube project, a processing that never ended, …), else a general one.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, select

from socialpost.errors import NetworkError, TransientError
from socialpost.networks.base import NotPublic
from socialpost.networks.capabilities import PublishAhead
from socialpost.networks.registry import Adapters, load
from socialpost.store import transitions
from socialpost.store.db import Store
from socialpost.store.models import CampaignRow, EventRow, PostRow, Status
from socialpost.timeutil import Clock, format_duration, utcnow

log = logging.getLogger("socialpost.daemon")
GRACE = timedelta(hours=1)  # how long after its time a post may still be private before we say so
BATCH = 50


class ConfirmJob:
    """Call :meth:`run` every few minutes; it never raises."""

    def __init__(self, store: Store, adapters: Adapters, *, daemon_id: str, clock: Clock = utcnow) -> None:
        self.store = store
        self.adapters = adapters
        self.daemon_id = daemon_id
        self.clock = clock

    def run(self) -> int:
        """Check the posts that are due for it; return how many were settled."""
        try:
            return self._run()
        except Exception:
            log.exception("confirming published posts failed; will try again")
            return 0

    def _networks(self) -> list[str]:
        from socialpost.networks.registry import network_names

        found = []
        for name in network_names():
            try:
                if issubclass(load(name), PublishAhead):
                    found.append(name)
            except NetworkError:
                continue
            except Exception:  # noqa: BLE001 - a broken plugin is reported where it is used
                continue
        return found

    def _run(self) -> int:
        networks = self._networks()
        if not networks:
            return 0
        now = self.clock()
        settled = exists().where(EventRow.post_id == PostRow.id, EventRow.kind.in_(["confirmed", "not-public"]))
        with self.store.session() as session:
            rows = session.execute(
                select(
                    PostRow.id,
                    PostRow.account,
                    PostRow.remote_id,
                    PostRow.due_at,
                    PostRow.remote_url,
                    CampaignRow.name,
                    PostRow.post_key,
                )
                .join(CampaignRow, CampaignRow.id == PostRow.campaign_id)
                .where(
                    PostRow.status == Status.SENT.value,
                    PostRow.network.in_(networks),
                    PostRow.due_at <= now,
                    PostRow.remote_id.is_not(None),
                    ~settled,
                )
                .order_by(PostRow.due_at)
                .limit(BATCH)
            ).all()
        done = 0
        for post_id, account, remote_id, due_at, url, campaign, key in rows:
            assert remote_id is not None  # selected so
            try:
                adapter = self.adapters.get(account)
                if not isinstance(adapter, PublishAhead):
                    continue  # the network was chosen because its adapter publishes ahead
                public = adapter.confirm(remote_id)
            except TransientError:
                continue  # ask again at the next run
            except NetworkError as exc:
                self._record(post_id, "not-public", str(exc))
                log.warning("%s/%s on %s did not go public: %s", campaign, key, account, exc)
                done += 1
                continue
            if public is True:
                self._record(post_id, "confirmed", f"public at {url or remote_id}")
                log.info("%s/%s is public on %s: %s", campaign, key, account, url or remote_id)
                done += 1
            elif (public is False or isinstance(public, NotPublic)) and now - due_at > GRACE:
                late = format_duration(GRACE)
                reason = (
                    f"still not public {late} after its time. Fix: check the video in the network's "
                    "studio (processing, copyright or a changed visibility)."
                )
                if isinstance(public, NotPublic):
                    reason = f"still not public {late} after its time: {public.reason}"
                self._record(post_id, "not-public", reason)
                log.warning("%s/%s on %s: %s", campaign, key, account, reason)
                done += 1
        return done

    def _record(self, post_id: int, kind: str, detail: str) -> None:
        with self.store.write() as session:
            transitions.log(
                session,
                post_id=post_id,
                at=self.clock(),
                kind=kind,
                from_status=Status.SENT.value,
                to_status=Status.SENT.value,
                daemon=self.daemon_id,
                detail=detail,
            )
