"""The normalised metrics, in their bit order in ``engagement_latest.stored`` (append only: the order
is stored). Plain names, no SQLAlchemy: the report's reader (``store.report_rows``) needs them
without the ORM. ``socialpost.engagement.metrics.METRICS`` is the same tuple."""

METRICS = ("views", "likes", "reposts", "replies", "quotes", "bookmarks", "clicks")
