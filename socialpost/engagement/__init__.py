"""Engagement: when to read each sent post's metrics, reading them in batches, and keeping them.

* :mod:`.settings` — the ``engagement:`` section of the config (snapshot ages, read budgets);
* :mod:`.metrics` — the normalised metric names, "not available" versus zero, the engagement rate;
* :mod:`.schedule` — which sent posts are due for a snapshot (at fixed ages after posting);
* :mod:`.collect` — the collector: batches per account, read budgets, back-off on 429.

Library code only: nothing here prints. See docs/engagement.md.
"""
