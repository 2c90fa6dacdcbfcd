"""Validated files kept between builds, so a rebuild after one edit reads one file, not all.

Each YAML file's model is cached with the size and a BLAKE2 digest of the file's bytes; a file
whose bytes still match is not parsed again. Keyed on content, not on modification times, the
cache stays valid across `git checkout`, a fresh clone (a CI job may keep the folder between
runs) and tools that touch files without changing them; hashing every file costs a few
milliseconds per megabyte. The cache is split in shards by path, so saving
after one edit rewrites one small shard. Cross-file validation still runs on every build over
the whole project; when it finds an error, the repository is loaded again without the cache,
so messages name their lines exactly as `qms check` does (cached files carry no line marks).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from qms import __version__
from qms.base.issues import Issue, Severity
from qms.format.check import load_valid
from qms.format.load import _load_tables, _register, document_files, load_config, read_many
from qms.format.project import Project, Source
from qms.format.schema import validate_document
from qms.format.validate import validate_project

SHARDS = 32
Entry = tuple[str, int, bytes, Any]  # kind, size, digest of the bytes, model
Signature = tuple[int, bytes]  # size, digest


def cache_folder(build: Path) -> Path:
    """Where the cache of a build folder lives (`qms build`, `qms findings`, `qms due` share it)."""
    return build / ".qms" / "cache"


def signature(path: Path) -> Signature:
    """What a cached model is checked against: the file's size and a digest of its bytes."""
    try:
        data = path.read_bytes()
    except OSError:
        return -1, b""  # unreadable: never matches, so the reader reports it
    return len(data), hashlib.blake2b(data, digest_size=16).digest()


def _code_version() -> str:
    here = Path(__file__).resolve().parent
    data = b"".join((here / name).read_bytes() for name in ("models.py", "schema.py"))
    return f"{__version__}-content-{zlib.crc32(data)}"


def _shard(path: str) -> int:
    return zlib.crc32(path.encode("utf-8")) % SHARDS


class LoadCache:
    """The cached models of one repository, read from and saved to one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.version = _code_version()
        self.entries: dict[str, Entry] = {}
        self.dirty: set[int] = set()
        for shard in range(SHARDS):
            try:
                with open(folder / f"load-{shard:02d}.pickle", "rb") as stream:
                    version, entries = pickle.load(stream)
            except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError,
                    AttributeError, ImportError):
                continue
            if version == self.version:
                self.entries.update(entries)

    def get(self, shown: str, kind: str, signature: Signature) -> Any:
        """The cached model of a file, if the file's bytes are the ones it was made from."""
        entry = self.entries.get(shown)
        if entry and entry[:3] == (kind, *signature):
            return entry[3]
        return None

    def put(self, shown: str, kind: str, signature: Signature, model: Any) -> None:
        """Remember a valid file's model."""
        self.entries[shown] = (kind, *signature, model)
        self.dirty.add(_shard(shown))

    def keep_only(self, shown: set[str]) -> None:
        """Forget files that are gone."""
        for gone in set(self.entries) - shown:
            del self.entries[gone]
            self.dirty.add(_shard(gone))

    def save(self) -> None:
        """Write the shards that changed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        shards: dict[int, dict[str, Entry]] = {shard: {} for shard in self.dirty}
        for shown, entry in self.entries.items():
            if (shard := _shard(shown)) in shards:
                shards[shard][shown] = entry
        for shard, entries in shards.items():
            target = self.folder / f"load-{shard:02d}.pickle"
            # One temporary name per process: two commands may save at once.
            temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            with open(temporary, "wb") as stream:
                pickle.dump((self.version, entries), stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, target)
        self.dirty.clear()


def read_models(jobs: list[tuple[str, Path]], shown: list[str], cache: LoadCache | None
                ) -> list[tuple[Any, Any, list[Issue]]]:
    """(model, data, problems) per (kind, path): an unchanged file's model comes from the cache
    (without data, so without line marks); the others are read, validated and cached now."""
    signatures = [signature(path) if cache else (-1, b"") for _, path in jobs]
    results: list[tuple[Any, Any, list[Issue]]] = [
        (cache.get(name, kind, sig) if cache else None, None, [])
        for (kind, _), name, sig in zip(jobs, shown, signatures, strict=True)]
    missing = [i for i, (model, _, _) in enumerate(results) if model is None]
    parsed = read_many([jobs[i][1] for i in missing], [shown[i] for i in missing])
    for i, (data, problems) in zip(missing, parsed, strict=True):
        kind = jobs[i][0]
        model, invalid = (None, []) if problems else validate_document(kind, data, shown[i])
        results[i] = (model, data, problems or invalid)
        if model is not None and cache is not None:
            cache.put(shown[i], kind, signatures[i], model)
    return results


def load_valid_cached(root: Path, today: date, folder: Path) -> Project:
    """check.load_valid, reusing the models of files unchanged since the last build."""
    config, config_source, issues = load_config(root)
    if issues:
        return load_valid(root, today)
    cache = LoadCache(folder)
    project = Project(root=root, config=config, today=today, config_source=config_source)
    misnamed: list[Path] = []
    documents = document_files(root, project, misnamed)
    prefix = len(str(root)) + 1
    shown = [str(path)[prefix:].replace(os.sep, "/") for _, _, path in documents]
    read = read_models([(kind, path) for kind, _, path in documents], shown, cache)
    if misnamed or any(problems for _, _, problems in read):
        return load_valid(root, today)  # the full load reports these with their lines
    cache.keep_only(set(shown))
    first_seen: dict[str, str] = {}
    found_issues: list[Issue] = []
    for (_, target, _), name, (model, data, _) in zip(documents, shown, read, strict=True):
        _register(project, target, model, Source(name, data), first_seen, found_issues)
    _load_tables(project, found_issues)
    found_issues.extend(validate_project(project))
    if any(issue.severity is Severity.ERROR for issue in found_issues):
        return load_valid(root, today)
    cache.save()
    return project
