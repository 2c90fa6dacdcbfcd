"""The one module that talks to git (through GitPython)."""

from __future__ import annotations

import subprocess
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import git

from qms.base.errors import QmsError

FALLBACK_NAME = "qms"
FALLBACK_EMAIL = "qms@localhost"


@dataclass(frozen=True, slots=True)
class Revision:
    """One commit that touched a file."""

    hexsha: str
    date: datetime
    author: str
    message: str

    @property
    def short(self) -> str:
        """The abbreviated commit hash."""
        return self.hexsha[:8]


def _git() -> Any:
    # GitPython costs a tenth of a second to import: only commands that use git pay for it.
    import git

    return git


def open_repo(path: Path) -> git.Repo | None:
    """The git repository containing path, or None when it is not in one."""
    try:
        return _git().Repo(path, search_parent_directories=True)
    except (_git().InvalidGitRepositoryError, _git().NoSuchPathError):
        return None


def _identity_args(repo: git.Repo) -> list[str]:
    # A fresh machine may have no user.name; commit anyway under a neutral identity.
    reader = repo.config_reader()
    args = []
    if not reader.has_option("user", "name"):
        args += ["-c", f"user.name={FALLBACK_NAME}"]
    if not reader.has_option("user", "email"):
        args += ["-c", f"user.email={FALLBACK_EMAIL}"]
    return args


def init_repository(path: Path, message: str) -> str:
    """Make path a git repository and commit everything in it; return the commit hash."""
    repo = _git().Repo.init(path, initial_branch="main")
    repo.git.add(A=True)
    return _commit(repo, message, [])


def commit_paths(path: Path, paths: Iterable[Path], message: str) -> str:
    """Commit exactly these files (nothing else that is staged); return the commit hash."""
    repo = open_repo(path)
    if repo is None:
        raise QmsError(f"{path}: --commit needs a git repository")
    root = Path(repo.working_tree_dir or path)
    relative = [p.resolve().relative_to(root.resolve()).as_posix() for p in paths]
    repo.git.add("--", *relative)
    return _commit(repo, message, relative)


def _commit(repo: git.Repo, message: str, only: list[str]) -> str:
    args = [*_identity_args(repo), "commit", "--quiet", "-m", message]
    if only:
        args += ["--only", "--", *only]
    try:
        repo.git.execute(["git", *args])
    except _git().GitCommandError as exc:
        raise QmsError(f"git commit failed: {exc.stderr.strip() or exc}") from None
    return repo.head.commit.hexsha


def file_histories(path: Path) -> dict[str, list[Revision]] | None:
    """Every file's revisions (newest first) from ONE pass over `git log`; None outside git.

    Keys are paths relative to the repository root that holds `path`. Run as `git` itself,
    not through GitPython, whose import alone cost a one-page edit's build a tenth of a second.
    """
    head = head_commit(path)
    if head is None:
        return None
    if not head:
        return {}
    output = _git_output(path, "log", "--name-only", "--no-renames", "-z",
                         "--format=%x1e%H%x1f%at%x1f%an%x1f%s")
    if output is None:
        return None
    histories: dict[str, list[Revision]] = defaultdict(list)
    for record in output.split("\x1e"):
        if not record.strip("\x00\n"):
            continue
        head, _, names = record.partition("\n")
        # With -z, git ends the formatted line with a NUL before the newline.
        hexsha, stamp, author, subject = head.rstrip("\x00").split("\x1f", 3)
        revision = Revision(hexsha, datetime.fromtimestamp(int(stamp), tz=UTC), author, subject)
        for name in names.split("\x00"):
            name = name.strip("\n")
            if name:
                histories[name].append(revision)
    return dict(histories)


def repository_root(path: Path) -> Path | None:
    """The top folder of the git repository containing path, if any."""
    top = _git_output(path, "rev-parse", "--show-toplevel")
    return Path(top.strip("\n")) if top and top.strip("\n") else None


def _git_output(path: Path, *args: str) -> str | None:
    # What git prints (as GitPython decoded it: UTF-8, undecodable bytes kept as surrogates),
    # or None where it fails (no git, not a repository).
    try:
        done = subprocess.run(["git", *args], cwd=path, capture_output=True, check=False)
    except OSError:
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "surrogateescape")


def head_commit(path: Path) -> str | None:
    """The commit HEAD points at ('' before the first commit); None outside git.

    One `git rev-parse` (a few milliseconds) rather than GitPython, whose import alone costs a
    no-change build a tenth of a second.
    """
    try:
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=path,
                              capture_output=True, text=True, check=False)
    except OSError:  # no git on this machine, or path is gone
        return None
    if done.returncode == 0:
        return done.stdout.strip()
    # --verify --quiet exits 1 where HEAD names no commit yet; outside a repository git fails.
    return "" if done.returncode == 1 else None
