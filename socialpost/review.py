"""`plan --against REV`: what a change to campaign files does to the queue, from the files alone.

The two versions come from git (socialpost.gitfiles). The version before is queued into a
throwaway SQLite queue in a temporary folder, exactly as `schedule` would queue it
(socialpost.store.sync); the version after is then judged and planned against that queue as
`plan` does (socialpost.scheduling). So the review's create / update / cancel / unchanged are the
very actions `schedule` will take once the change is merged — one diff, the sync planner's — and
neither this machine's queue nor any credential is needed.

What the files cannot tell is left out: every post of the version before counts as still waiting
(none sent, none cancelled by hand), and a campaign the version after no longer has (its file
deleted, or renamed with ``campaign:``) has its waiting posts cancelled.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from socialpost.campaign.account_queues import config_queues
from socialpost.campaign.expand import expand_all
from socialpost.campaign.load import read_campaigns
from socialpost.errors import Problem
from socialpost.gitfiles import Comparison, Repository
from socialpost.i18n import ngettext
from socialpost.scheduling import Validation, draft, judge
from socialpost.settings.config import Settings
from socialpost.store.db import open_store
from socialpost.store.sync import schedule
from socialpost.store.sync_plan import plan_campaign


@dataclass
class Review:
    """The plan of a change, and the two versions compared."""

    comparison: Comparison
    validation: Validation


def plan_against(
    paths: list[Path],
    settings: Settings,
    against: str,
    *,
    now: datetime,
    allow_past: bool = False,
    credentials: bool = True,
    repository: Repository | None = None,
) -> Review:
    """The plan of the change ``against`` names (see Repository.comparison) for the files ``paths``.

    The version after is judged as `plan` judges it, its errors in ``Review.validation.errors``
    (`validate --against`: a post the change did not touch is not new, even if its time has
    passed); a file missing from a version is a campaign that is not there (all created, or all
    cancelled)."""
    repo = repository or Repository()
    comparison = repo.comparison(against)
    before = {path: repo.read(comparison.before, path) for path in paths}
    if comparison.after is None:
        after_texts = None
        after_paths = [path for path in paths if path.exists()]
    else:
        read = {path: repo.read(comparison.after, path) for path in paths}
        after_texts = {path: text for path, text in read.items() if text is not None}
        after_paths = list(after_texts)
    drafted = draft(after_paths, settings, now=now, credentials=credentials, texts=after_texts)
    earlier, problems = read_campaigns(  # the version before as far as it is valid: it may have had errors
        [path for path, text in before.items() if text is not None],
        texts={path: text for path, text in before.items() if text is not None},
    )
    queues, _queue_problems = config_queues(settings)  # reported by draft
    with tempfile.TemporaryDirectory(prefix="socialpost-review-") as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'before.db'}")
        try:
            schedule(
                store,
                [(campaign, expand_all(campaign, now=now, account_queues=queues)[0]) for campaign in earlier],
                now=now,
                allow_past=True,  # the version before is what the queue holds, whatever its times
                unconnected=drafted.unconnected,
                review=lambda _plans: [],
            )
            validation = judge(drafted, store, now=now, allow_past=allow_past, replace=True)
            names = {item.name for item in drafted.prepared}
            with store.session() as session:
                for campaign in earlier:
                    if campaign.model.campaign not in names:  # gone from the version after
                        validation.plans.append(plan_campaign(session, campaign, [], now=now))
        finally:
            store.close()
    validation.warnings.extend(_before_not_whole(problems, comparison))
    return Review(comparison, validation)


def _before_not_whole(problems: list[Problem], comparison: Comparison) -> list[Problem]:
    """A warning for each file whose version before had errors: the plan compares what was usable
    of it (a post it could not read counts as new)."""
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.file] = counts.get(problem.file, 0) + 1
    return [
        Problem(
            file,
            0,
            0,
            ngettext(
                "its version at {commit} had {count} error, so the comparison uses what was usable of it: a post "
                "it could not read counts as new.",
                "its version at {commit} had {count} errors, so the comparison uses what was usable of it: a post "
                "it could not read counts as new.",
                count,
            ).format(commit=comparison.before_label, count=count),
            rule="before-had-errors",
        )
        for file, count in counts.items()
    ]
