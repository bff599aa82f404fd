"""`socialpost calendar`: the queue laid out by day and hour.

* :mod:`.entries` reads the posts (the report's filters) and picks the zone the calendar is read in;
* :mod:`.grid` lays them out as weeks and months;
* :mod:`.ics` writes them as an iCalendar file (one event per post and account, stable UIDs);
* :mod:`.html` writes a self-contained calendar page.

Nothing here prints: the CLI renders the terminal views (``socialpost/cli/calendar.py``).
"""
