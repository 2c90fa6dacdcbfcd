"""Symbolic links: a repository is untrusted, so nothing qms reads may lead out of it.

A link that stays inside the repository is read like any file; one whose target (after every
link on the way) lies outside is refused before a byte of it is read.
"""

from __future__ import annotations

import os
from pathlib import Path

LINK_OUTSIDE = "link-outside"


def is_inside(path: Path | str, root: Path | str) -> bool:
    """Whether path, with every symbolic link on the way followed, lies within root."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == real_root or real.startswith(os.path.join(real_root, ""))


def link_outside_message(path: Path | str, writing: bool = False) -> str:
    """What is wrong with a link that leads out of the repository, and how to fix it
    (`writing`: qms was about to write there rather than read)."""
    try:
        target = os.readlink(path)
    except OSError:  # a folder on the way is the link
        target = os.path.realpath(path)
    if writing:
        return (f"is a symbolic link to a place outside the repository ({target}); qms "
                "writes only inside the repository, so nothing was written: remove the link")
    return (f"is a symbolic link to a place outside the repository ({target}); qms "
            "reads only files inside the repository, so it is not read: put the file itself "
            "in the repository instead of the link, or remove the link")
