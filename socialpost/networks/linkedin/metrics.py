"""Post statistics: organisations through ``organizationalEntityShareStatistics``, members through
``memberCreatorPostAnalytics`` (scope ``r_member_postAnalytics``); both need the Community
Management API product, so a 403 means "not available" (None, with a log line), never zeros."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from socialpost.networks.common.numbers import as_int
from socialpost.networks.linkedin.client import LinkedInClient, enc, json_of

log = logging.getLogger("socialpost.networks.linkedin")

STATS_CHUNK = 20
Metrics = dict[str, dict[str, int | None]]


class PostMetrics(LinkedInClient):
    def fetch_metrics(self, remote_ids: Sequence[str]) -> Metrics:
        ids = list(dict.fromkeys(remote_ids))
        empty = {i: dict.fromkeys(("views", "likes", "replies", "reposts", "clicks")) for i in ids}
        if not ids:
            return {}
        if self.settings.is_organization:
            return self._organization_metrics(ids, empty)
        return self._member_metrics(ids, empty)

    def _organization_metrics(self, ids: list[str], result: Metrics) -> Metrics:
        for start in range(0, len(ids), STATS_CHUNK):
            chunk = ids[start : start + STATS_CHUNK]
            shares = [i for i in chunk if i.startswith("urn:li:share:")]
            ugc = [i for i in chunk if i.startswith("urn:li:ugcPost:")]
            query = f"q=organizationalEntity&organizationalEntity={enc(self.settings.author)}"
            if shares:
                query += f"&shares=List({','.join(enc(i) for i in shares)})"
            if ugc:
                query += f"&ugcPosts=List({','.join(enc(i) for i in ugc)})"
            if not shares and not ugc:
                continue
            response = self._send(
                "GET", f"/rest/organizationalEntityShareStatistics?{query}", headers=self._rest_headers()
            )
            if response.status_code == 403:
                log.info("%s: post statistics are not available for this account (403)", self._where)
                return result
            if not response.is_success:
                raise self._error(response)
            data = json_of(response)
            for element in data.get("elements", []) if isinstance(data, dict) else []:
                if not isinstance(element, dict):
                    continue
                urn = element.get("share") or element.get("ugcPost")
                stats = element.get("totalShareStatistics")
                if urn in result and isinstance(stats, dict):
                    result[str(urn)] = {
                        "views": as_int(stats.get("impressionCount")),
                        "likes": as_int(stats.get("likeCount")),
                        "replies": as_int(stats.get("commentCount")),
                        "reposts": as_int(stats.get("shareCount")),
                        "clicks": as_int(stats.get("clickCount")),
                    }
        return result

    def _member_metrics(self, ids: list[str], result: Metrics) -> Metrics:
        kinds = {"IMPRESSION": "views", "REACTION": "likes", "COMMENT": "replies", "RESHARE": "reposts"}
        for urn in ids:
            kind = "share" if urn.startswith("urn:li:share:") else "ugc"
            for query_type, metric in kinds.items():
                query = f"q=entity&entity=({kind}:{enc(urn)})&queryType={query_type}&aggregation=TOTAL"
                response = self._send("GET", f"/rest/memberCreatorPostAnalytics?{query}", headers=self._rest_headers())
                if response.status_code == 403:
                    log.warning(
                        "%s: LinkedIn refused the post statistics (403): the token lacks r_member_postAnalytics "
                        "(Community Management API); views, likes, replies and reposts are not available. "
                        "Add the product to the app, then run '%s' and answer yes to statistics",
                        self._where,
                        self._reconnect,
                    )
                    return result
                if not response.is_success:
                    raise self._error(response)
                data = json_of(response)
                elements = data.get("elements") if isinstance(data, dict) else None
                if isinstance(elements, list):
                    counts = [as_int(e.get("count")) for e in elements if isinstance(e, dict)]
                    known = [c for c in counts if c is not None]
                    result[urn][metric] = sum(known) if known else None
        return result
