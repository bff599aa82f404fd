"""Instagram professional accounts through Meta's Instagram API (docs/networks/instagram.md).

Modules, one job each: :mod:`.settings` (account settings, API hosts and versions), :mod:`.client`
(the Graph calls: version prefix, token header, errors), :mod:`.checks` (what ``validate`` asks:
hashtags, mentions, media kinds), :mod:`.publish` (media → containers → published media, the
containers kept per post so none is published twice), :mod:`.upload` (videos by Meta's resumable
upload, Facebook Login only), :mod:`.first_comment` (the comment added under a published post),
:mod:`.reading` (metrics, comments, replies) and :mod:`.adapter` (the :class:`InstagramNetwork`
the registry loads).
"""

from socialpost.networks.instagram.adapter import InstagramNetwork

__all__ = ["InstagramNetwork"]
