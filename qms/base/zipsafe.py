"""Workbooks (zip packages) from outside are untrusted: refuse one that unpacks too large.

A few megabytes of zip can unpack to gigabytes (a zip bomb). zipfile unpacks a member no
further than the size its directory states, so checking the stated sizes before reading bounds
what reading can cost.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

LARGEST_PART = 256 * 1024 * 1024  # bytes unpacked, per part (a 10,000-row export is ~10 MB)
LAST_ROW = 1_048_576  # Excel's last row: a row number past it is no worksheet's


class TooLarge(ValueError):
    """A part of the package would unpack to more than LARGEST_PART bytes."""


def refuse_large_parts(package: zipfile.ZipFile | Path) -> None:
    """Raise TooLarge (a ValueError) when a part of the package unpacks past LARGEST_PART."""
    if isinstance(package, Path):
        with zipfile.ZipFile(package) as archive:
            refuse_large_parts(archive)
        return
    for info in package.infolist():
        if info.file_size > LARGEST_PART:
            raise TooLarge(f"{info.filename} unpacks to {info.file_size:,} bytes, more than a "
                           f"workbook of answers needs ({LARGEST_PART:,})")
