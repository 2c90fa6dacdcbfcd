"""Validated files kept between builds, so a rebuild after one edit reads one file, not all.

Each YAML file's model is cached with the size and a BLAKE2 digest of the file's bytes; a file
whose bytes still match is not parsed again. Keyed on content, not on modification times, the
cache stays valid across `git checkout`, a fresh clone (a CI job may keep the folder between
runs) and tools that touch files without changing them; hashing every file costs a few
milliseconds per megabyte. The cache is split in shards by path, so saving
after one edit rewrites one small shard. Cross-file validation still runs on every build over
the whole project; when it finds an error, the repository is loaded again without the cache,
so messages name their lines exactly as `qms check` does (cached files carry no line marks).

The folder may come from anyone (a committed build folder, a shared CI cache), so it holds data,
never code: each shard is JSON of the models, validated again by pydantic-core when read, and
carries an HMAC made with qms's cache key (qms.base.cachekey). A shard that is damaged, written
with another key, by other qms code or other versions of the libraries that shape the models,
or in the old pickle format, is ignored, and the files it held are read again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import zlib
from collections.abc import Callable, Collection
from datetime import date
from pathlib import Path
from typing import Any

import pydantic
import pydantic_core
import yaml
from pydantic import TypeAdapter, ValidationError

from qms import __version__
from qms.base.cachekey import authentic, cache_key, mac
from qms.base.files import temporary_name
from qms.base.issues import Issue, Severity
from qms.base.yamlread import YamlProblem, load_file_bytes, read_bytes
from qms.format.check import load_valid
from qms.format.kinds import KINDS
from qms.format.load import (
    document_files,
    load_config,
    load_tables,
    read_many,
    register,
    walk_files,
)
from qms.format.project import Project, Source
from qms.format.schema import validate_document
from qms.format.validate import validate_project

SHARDS = 32
FORMAT = "qms-load-cache 2"  # the first line of a shard; version 1 was a pickle
PURPOSE = "load-cache"
PACKAGE = Path(__file__).resolve().parent.parent  # all of qms
Entry = tuple[str, int, str, Any]  # kind, size, digest of the bytes, model
Signature = tuple[int, str]  # size, digest (hex)
Models = dict[str, tuple[int, str, Any]]  # the entries of one kind in a shard, by path


def cache_folder(build: Path) -> Path:
    """Where the cache of a build folder lives (`qms build`, `qms findings`, `qms due` share it)."""
    return build / ".qms" / "cache"


def signature(path: Path) -> Signature:
    """What a cached model is checked against: the file's size and a digest of its bytes."""
    try:
        data = read_bytes(path)
    except YamlProblem:  # unreadable or too large: the reader reports it
        return UNREADABLE
    return bytes_signature(data)


def bytes_signature(data: bytes | None) -> Signature:
    """The signature of a file's bytes (None: the file could not be read)."""
    if data is None:
        return UNREADABLE
    return len(data), hashlib.blake2b(data, digest_size=16).hexdigest()


UNREADABLE: Signature = (-1, "")  # never matches, so the reader reports the file


def code_version() -> str:
    """What the cached models depend on: every file of the qms package (its code and templates)
    and the versions of Python and of the libraries that turn YAML into models."""
    digest = hashlib.blake2b(digest_size=16)
    top = len(str(PACKAGE))
    for path in sorted(entry.path for entry in walk_files(PACKAGE, (), ("__pycache__",))):
        with open(path, "rb") as stream:
            digest.update(f"{path[top:]}\0".encode("utf-8", "surrogateescape"))
            digest.update(hashlib.blake2b(stream.read(), digest_size=16).digest())
    libraries = (f"python {sys.version_info[:3]} pydantic {pydantic.VERSION} "
                 f"pydantic-core {pydantic_core.__version__} pyyaml {yaml.__version__} "
                 f"libyaml {yaml.__with_libyaml__}")
    return f"{__version__} {libraries} code {digest.hexdigest()}"


@functools.cache
def _adapter(kind: str) -> TypeAdapter[Models]:
    return TypeAdapter(dict[str, tuple[int, str, KINDS[kind]]])  # type: ignore[valid-type]


def _shard(path: str) -> int:
    return zlib.crc32(path.encode("utf-8")) % SHARDS


def _shard_file(folder: Path, shard: int) -> Path:
    return folder / f"load-{shard:02d}.json"


class LoadCache:
    """The cached models of one repository, read from and saved to one folder."""

    def __init__(self, folder: Path, kinds: Collection[str] | None = None) -> None:
        self.folder = folder
        self.version = code_version()
        self.key = cache_key()
        self.kinds = kinds  # the kinds of file read now (None: all)
        self.entries: dict[str, Entry] = {}
        # Per shard, the JSON of the kinds not read now (`qms kpi` needs no audit's model):
        # validated only if the shard is saved again, so that saving keeps them.
        self.unread: dict[int, list[tuple[str, bytes]]] = {}
        self.dirty: set[int] = set()
        for shard in range(SHARDS):
            try:
                data = _shard_file(folder, shard).read_bytes()
            except OSError:
                continue
            self.entries.update(self._entries(data, shard))

    def _entries(self, data: bytes, shard: int) -> dict[str, Entry]:
        # The layout: FORMAT, the code version, the MAC of the rest, then a "kind JSON" line
        # per kind. Anything else (damage, another key or version, an old pickle) is no cache.
        header, version, tag, body = (data.split(b"\n", 3) + [b"", b"", b""])[:4]
        if header != FORMAT.encode() or version != self.version.encode("utf-8"):
            return {}
        if not authentic(self.key, PURPOSE, version + b"\n" + body, tag.decode("ascii", "replace")):
            return {}
        entries: dict[str, Entry] = {}
        unread: list[tuple[str, bytes]] = []
        for line in body.splitlines():
            kind, _, models = line.partition(b" ")
            name = kind.decode("ascii", "replace")
            if self.kinds is not None and name not in self.kinds:
                unread.append((name, models))
                continue
            try:
                valid = _adapter(name).validate_json(models)
            except (KeyError, UnicodeDecodeError, ValidationError):
                return {}
            entries.update((path, (name, *entry)) for path, entry in valid.items())
        if unread:
            self.unread[shard] = unread
        return entries

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
        for shard in self.dirty:
            for kind, models in self.unread.pop(shard, []):
                try:
                    valid = _adapter(kind).validate_json(models)
                except (KeyError, ValidationError):
                    continue  # damaged: those files are read again when next asked for
                for path, entry in valid.items():
                    self.entries.setdefault(path, (kind, *entry))
        shards: dict[int, dict[str, Models]] = {shard: {} for shard in self.dirty}
        for shown, (kind, size, digest, model) in self.entries.items():
            if (shard := _shard(shown)) in shards:
                shards[shard].setdefault(kind, {})[shown] = (size, digest, model)
        version = self.version.encode("utf-8")
        for shard, kinds in shards.items():
            body = b"".join(kind.encode() + b" " + _adapter(kind).dump_json(models) + b"\n"
                            for kind, models in sorted(kinds.items()))
            tag = mac(self.key, PURPOSE, version + b"\n" + body)
            target = _shard_file(self.folder, shard)
            temporary = temporary_name(target)  # one per process: two commands may save at once
            temporary.write_bytes(b"\n".join((FORMAT.encode(), version, tag.encode(), body)))
            os.replace(temporary, target)
        self.dirty.clear()
        for old in self.folder.glob("load-*.pickle"):  # the old format is never read again
            with contextlib.suppress(OSError):
                old.unlink()


def read_models(jobs: list[tuple[str, Path]], shown: list[str], cache: LoadCache | None,
                keep_data: bool = True, meanwhile: Callable[[], None] | None = None
                ) -> list[tuple[Any, Any, list[Issue]]]:
    """(model, data, problems) per (kind, path): an unchanged file's model comes from the cache
    (without data, so without line marks); the others are read, validated and cached now
    (without data too unless keep_data: the problems found name their lines all the same).
    `meanwhile` is other work of this process, done while workers read (see load.read_many)."""
    # With nothing cached (a fresh clone) there is nothing to compare a signature with: where
    # the workers validate, they sign the bytes they parse instead, in parallel (5,000
    # standards: 0.06 s here); where they only parse, the files are signed here for the cache.
    signed_here = cache is not None and (keep_data or bool(cache.entries))
    signatures = [signature(path) if signed_here else UNREADABLE for _, path in jobs]
    results: list[tuple[Any, Any, list[Issue]]] = [
        (cache.get(name, kind, sig) if cache else None, None, [])
        for (kind, _), name, sig in zip(jobs, shown, signatures, strict=True)]
    missing = [i for i, (model, _, _) in enumerate(results) if model is None]
    if not keep_data:
        # Validated where they are read: a worker process sends back models, which pickle in
        # half the time of the line-marked data (5,000 standards on a fresh clone).
        validated = read_many([jobs[i] for i in missing], [shown[i] for i in missing],
                              _read_valid, meanwhile)
        for i, (model, problems, signed) in zip(missing, validated, strict=True):
            results[i] = (model, None, problems)
            if model is not None and cache is not None:
                cache.put(shown[i], jobs[i][0], signed, model)
        return results
    parsed = read_many([jobs[i][1] for i in missing], [shown[i] for i in missing],
                       meanwhile=meanwhile)
    for i, (data, problems) in zip(missing, parsed, strict=True):
        kind = jobs[i][0]
        model, invalid = (None, []) if problems else validate_document(kind, data, shown[i])
        results[i] = (model, data, problems or invalid)
        if model is not None and cache is not None:
            cache.put(shown[i], kind, signatures[i], model)
    return results


def _read_valid(jobs: list[tuple[str, Path]], shown: list[str]
                ) -> list[tuple[Any, list[Issue], Signature]]:
    """(model or None, problems, signature of the bytes read) of each (kind, path): read,
    parsed and validated."""
    results: list[tuple[Any, list[Issue], Signature]] = []
    for (kind, path), name in zip(jobs, shown, strict=True):
        raw, data, problems = load_file_bytes(path, name)
        model, invalid = (None, problems) if problems else validate_document(kind, data, name)
        results.append((model, invalid, bytes_signature(raw)))
    return results


def load_valid_cached(root: Path, today: date, folder: Path) -> Project:
    """check.load_valid, reusing the models of files unchanged since the last build."""
    config, config_source, issues = load_config(root)
    if issues:
        return load_valid(root, today)
    cache = LoadCache(folder)
    project = Project(root=root, config=config, today=today, config_source=config_source)
    misnamed: list[Path] = []
    outside: list[Issue] = []  # links out of the repository: the full load reports them
    documents = document_files(root, project, misnamed, outside)
    prefix = len(str(root)) + 1
    shown = [str(path)[prefix:].replace(os.sep, "/") for _, _, path in documents]
    read = read_models([(kind, path) for kind, _, path in documents], shown, cache)
    if misnamed or outside or any(problems for _, _, problems in read):
        return load_valid(root, today)  # the full load reports these with their lines
    cache.keep_only(set(shown))
    first_seen: dict[str, str] = {}
    found_issues: list[Issue] = []
    for (_, target, _), name, (model, data, _) in zip(documents, shown, read, strict=True):
        register(project, target, model, Source(name, data), first_seen, found_issues)
    load_tables(project, found_issues)
    found_issues.extend(validate_project(project))
    if any(issue.severity is Severity.ERROR for issue in found_issues):
        return load_valid(root, today)
    cache.save()
    return project
