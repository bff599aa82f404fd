"""Campaign feeds: a blog's new entries become posts (docs/feeds.md). entries.py reads a feed,
compose.py makes an entry's text for a network, poll.py decides what is new and queues it once."""

from socialpost.feeds.poll import Poller, PollResult, Reader

__all__ = ["PollResult", "Poller", "Reader"]
