"""`socialpost` as an OS process whose guarded fetcher reaches the loopback blog of
tests.support.feed_site as ``blog.example`` (port in $FEED_SITE_PORT): only the name lookup and the
dial are replaced, everything else is the real command (the feed tests' daemons)."""

from __future__ import annotations

import os

from socialpost import fetch
from tests.support.feed_site import ADDRESS, HOST
from tests.support.fetching import Dialler, Names


def main() -> None:
    port = int(os.environ["FEED_SITE_PORT"])
    fetch.system_resolver = Names({HOST: [[ADDRESS]]})  # type: ignore[assignment]
    fetch.new_backend = lambda: Dialler({(ADDRESS, 80): port})

    from socialpost.cli import main as socialpost

    socialpost()


if __name__ == "__main__":
    main()
