"""Campaign files as they are at a git revision (`plan --against REV`), read with the ``git``
command of the machine: ``git rev-parse`` to name a revision, ``git cat-file`` to read a file at it.

Paths are the user's (relative to the current folder, or absolute); each is read at its place in
the repository the current folder belongs to. Nothing here writes to the repository.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialpost.errors import UsageError
from socialpost.i18n import _

GIT_TIMEOUT = 60  # seconds: a local repository answers in milliseconds


@dataclass(frozen=True)
class Comparison:
    """Two versions of the campaign files: ``before`` (a commit, or None before the repository's
    first commit) and ``after`` (a commit, or None for the working tree), with how the user wrote
    them."""

    before: str | None
    after: str | None
    written: str

    @property
    def before_label(self) -> str:
        return self.before[:12] if self.before else _("no commit yet")

    @property
    def after_label(self) -> str:
        return self.after[:12] if self.after else _("the working tree")


class Repository:
    """The git repository the current folder belongs to."""

    def __init__(self, folder: Path | None = None) -> None:
        start = folder or Path.cwd()
        found = self._git(["rev-parse", "--show-toplevel"], cwd=start)
        if found.returncode != 0:
            raise UsageError(
                _("--against needs a git repository, and {folder} is not in one ({reason}).").format(
                    folder=start, reason=_last_line(found.stderr)
                ),
                hint=_("Fix: run socialpost plan --against inside the clone that holds the campaign files."),
            )
        self.root = Path(str(found.stdout).strip()).resolve()

    def comparison(self, against: str) -> Comparison:
        """``REV`` (REV → the working tree), ``A..B`` (A → B) or ``A...B`` (the point where B left A
        → B, what a pull request changes), each revision checked and named by its commit."""
        if "..." in against:
            left, _sep, right = against.partition("...")
            after = self.commit(right or "HEAD")
            base = self._git(["merge-base", self.commit(left or "HEAD"), after])
            if base.returncode != 0:
                raise UsageError(
                    _("{left} and {right} have no commit in common: --against {value} compares nothing.").format(
                        left=left or "HEAD", right=right or "HEAD", value=against
                    )
                )
            return Comparison(str(base.stdout).strip(), after, against)
        if ".." in against:
            left, _sep, right = against.partition("..")
            return Comparison(self.commit(left or "HEAD"), self.commit(right or "HEAD"), against)
        if against == "HEAD" and not self._has_commits():
            return Comparison(None, None, against)  # the first commit: every file is new
        return Comparison(self.commit(against), None, against)

    def _has_commits(self) -> bool:
        return self._git(["rev-parse", "--verify", "--quiet", "HEAD"]).returncode == 0

    def commit(self, revision: str) -> str:
        """The commit ``revision`` names (a branch, a tag, HEAD~2, an id)."""
        if revision.startswith("-"):  # never an option of git's
            raise UsageError(_("'{revision}' is not a git revision.").format(revision=revision))
        found = self._git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"])
        if found.returncode != 0:
            raise UsageError(
                _("'{revision}' is not a commit of the git repository {root}.").format(
                    revision=revision, root=self.root
                ),
                hint=_(
                    "Fix: give a branch, a tag or a commit id (git log --oneline lists them); in a CI job, "
                    "fetch it first."
                ),
            )
        return str(found.stdout).strip()

    def read(self, commit: str | None, path: Path) -> str | None:
        """The text of ``path`` at ``commit``; None when the file is not there at that commit (or
        ``commit`` is None: before the first one)."""
        name = self.inside(path)
        if commit is None:
            return None
        kind = self._git(["cat-file", "-t", f"{commit}:{name}"])
        if kind.returncode != 0:
            return None
        if str(kind.stdout).strip() != "blob":
            raise UsageError(
                _("{path} is a folder at {commit}. Fix: name the campaign files, such as {path}/*.yaml.").format(
                    path=path, commit=commit[:12]
                )
            )
        found = self._git(["cat-file", "blob", f"{commit}:{name}"], text=False)
        if found.returncode != 0:
            raise UsageError(_last_line(found.stderr))
        data = found.stdout
        assert isinstance(data, bytes)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UsageError(
                _("{path} at {commit} is not UTF-8 text. Fix: save campaign files as UTF-8.").format(
                    path=path, commit=commit[:12]
                )
            ) from None

    def inside(self, path: Path) -> str:
        """``path`` relative to the repository's root, as git names it."""
        full = path if path.is_absolute() else Path.cwd() / path
        try:
            return full.resolve().relative_to(self.root).as_posix()
        except ValueError:
            raise UsageError(
                _("{path} is not inside the git repository {root}.").format(path=path, root=self.root)
            ) from None

    def _git(self, args: list[str], *, cwd: Path | None = None, text: bool = True) -> subprocess.CompletedProcess[Any]:
        try:
            return subprocess.run(
                ["git", *args],
                cwd=cwd or self.root,
                capture_output=True,
                text=text,
                timeout=GIT_TIMEOUT,
                check=False,
            )
        except FileNotFoundError:
            raise UsageError(
                _("--against reads the files from git, and no git command is installed here."),
                hint=_("Fix: install git, or compare two files with socialpost plan alone."),
            ) from None


def _last_line(text: str | bytes) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
