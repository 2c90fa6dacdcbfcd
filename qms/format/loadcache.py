"""Validated files kept between builds, so a rebuild after one edit reads one file, not all.

Each YAML file's model is cached with the size and a BLAKE2 digest of the file's bytes; a file
whose bytes still match is not parsed again. Keyed on content, not on modification times, the
cache stays valid across `git checkout`, a fresh clone (a CI job may keep the folder between
runs) and tools that touch files without changing them. As git's index does, each entry also
records the file's status (modification and change times, inode, device) when it was signed:
a file whose status is still the recorded one is not read and hashed again (5,000 standards:
0.07 s of every build). A status is recorded only when the file's times are older than the
moment of signing by more than the coarsest timestamps a filesystem keeps, so an edit made in
the same tick as the signing ("racily clean", in git's words) is never taken for the signed
bytes; an edit that keeps the size and puts the modification time back still changes the
change time, which no tool can set. The cache is split in shards by path, so saving after
one edit rewrites one small shard. Cross-file validation still runs on every build over
the whole project; when it finds an error, the repository is loaded again without the cache,
so messages name their lines exactly as `qms check` does (cached files carry no line marks).

The folder may come from anyone (a committed build folder, a shared CI cache), so it holds data,
never code: each shard is JSON of the models, validated again by pydantic-core when read, and
carries an HMAC made with qms's cache key (qms.base.cachekey). A shard that is damaged, written
with another key, by other qms code or other versions of the libraries that shape the models,
or in the old pickle format, is ignored, and the files it held are read again. The statuses are
inside the HMAC with the models: a planted status would make qms take an edited file for the
bytes its model was made from. The JSON is validated without the Python validators of the YAML
path (texts.JsonAs): pydantic-core alone, to the same rules.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
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
from qms.base.yamlread import YamlProblem, load_file_bytes, read_with_status
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
from qms.format.loadmemo import CheckMemo, TableMemo
from qms.format.project import Project, Source
from qms.format.schema import validate_document

SHARDS = 32
FORMAT = "qms-load-cache 3"  # the first line of a shard; 1 was a pickle, 2 had no statuses
PURPOSE = "load-cache"
PACKAGE = Path(__file__).resolve().parent.parent  # all of qms
Status = tuple[int, int, int, int]  # a file's st_mtime_ns, st_ctime_ns, st_ino, st_dev
Entry = tuple[str, int, str, Status | None, Any]  # kind, size, digest of the bytes, status, model
Signature = tuple[int, str]  # size, digest (hex)
Models = dict[str, tuple[int, str, Status | None, Any]]  # one kind's entries in a shard, by path
# How much older than the moment of signing a file's times must be for its status to be
# recorded: FAT keeps times to 2 s; a file changed within that is hashed again next time.
SETTLED_NS = 2_000_000_000
# Only where st_ctime is the time of the last change (POSIX): on Windows it is the creation
# time, so an edit that keeps the size and puts the modification time back would not show.
RECORD_STATUSES = os.name == "posix"


def cache_folder(build: Path) -> Path:
    """Where the cache of a build folder lives (`qms build`, `qms findings`, `qms due` share it)."""
    return build / ".qms" / "cache"


def signature(path: str | Path) -> Signature:
    """What a cached model is checked against: the file's size and a digest of its bytes."""
    return signature_and_status(path)[0]


def signature_and_status(path: str | Path) -> tuple[Signature, os.stat_result | None]:
    """A file's signature, and its status taken (by the one open) before its bytes were read."""
    try:
        data, status = read_with_status(path)
    except YamlProblem:  # unreadable or too large: the reader reports it
        return UNREADABLE, None
    return bytes_signature(data), status


def bytes_signature(data: bytes | None) -> Signature:
    """The signature of a file's bytes (None: the file could not be read)."""
    if data is None:
        return UNREADABLE
    return len(data), hashlib.blake2b(data, digest_size=16).hexdigest()


UNREADABLE: Signature = (-1, "")  # never matches, so the reader reports the file


def status_of(path: str | Path) -> os.stat_result | None:
    """The file's status (following links, as reading it does), None if it has none."""
    try:
        return os.stat(path)
    except (OSError, ValueError):  # (ValueError: a NUL in the name)
        return None


def settled(status: os.stat_result | None, signed: Signature, since: int) -> Status | None:
    """The status to record with a signature made after it was taken: None when the file's
    times are too recent to tell a later edit from the signed bytes (or it changed size)."""
    if not RECORD_STATUSES or status is None or signed[0] != status.st_size:
        return None
    if max(status.st_mtime_ns, status.st_ctime_ns) >= since - SETTLED_NS:
        return None
    return status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev


def filesystem_now(folder: Path) -> int:
    """The time (ns) the filesystem of folder gives a file made now; 0 when none can be made
    (then no status is recorded)."""
    # The filesystem's clock, not time.time_ns(): its timestamps may be coarser than the
    # system clock, lag behind it (Linux stamps with a clock a tick behind) or come from a
    # file server's clock.
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = temporary_name(folder / "now")
        descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            return os.fstat(descriptor).st_mtime_ns
        finally:
            os.close(descriptor)
            os.unlink(probe)
    except OSError:
        return 0


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
    return TypeAdapter(dict[str, tuple[int, str, Status | None,
                                       KINDS[kind]]])  # type: ignore[valid-type]


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
        self.statuses: dict[str, Status | None] = {}  # of the files signed now, to record
        self._since = -1  # the filesystem's time before the first file was signed now
        self.tables, self.checks = TableMemo(), CheckMemo()  # (loadmemo: kept in memory)
        self.seen: Mapping[str, os.stat_result] = {}  # statuses taken this build (by path)
        # The documents the last load_valid_cached read afresh (their bytes are not the ones
        # cached), by path as shown; None where that load read the repository in full.
        self.reread: set[str] | None = None
        for shard in range(SHARDS):
            try:
                data = _shard_file(folder, shard).read_bytes()
            except OSError:
                continue
            self.entries.update(self._entries(data, shard))

    def _entries(self, data: bytes, shard: int) -> dict[str, Entry]:
        # The layout: FORMAT, the code version, the MAC of the rest, then a "kind JSON" line
        # per kind. Anything else (damage, another key or version, an old pickle) is no cache.
        # (Found by offsets, not split: each copy of 15 MB of shards cost 5 ms and page faults.)
        version = self.version.encode("utf-8")
        if not data.startswith(b"%s\n%s\n" % (FORMAT.encode(), version)):
            return {}
        view = memoryview(data)
        start = len(FORMAT) + 1
        tag_start = start + len(version) + 1
        body = data.find(b"\n", tag_start) + 1
        if not body or not authentic(self.key, PURPOSE, (view[start:tag_start], view[body:]),
                                     data[tag_start:body - 1].decode("ascii", "replace")):
            return {}
        entries: dict[str, Entry] = {}
        unread: list[tuple[str, bytes]] = []
        while body < len(data):
            end = data.find(b"\n", body)
            end = len(data) if end < 0 else end
            space = data.find(b" ", body, end)
            if space < 0:
                return {}
            name, models = data[body:space].decode("ascii", "replace"), data[space + 1:end]
            body = end + 1
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

    def again(self) -> None:
        """Forget what one load took from the filesystem (statuses and its clock), to load again
        with the models kept (`qms serve`, qms.manual.buildmemory)."""
        self.statuses.clear()
        self._since = -1

    def since(self) -> int:
        """The filesystem's time when this run began to sign files (what statuses are
        recorded against)."""
        if self._since < 0:
            self._since = filesystem_now(self.folder)
        return self._since

    def sign(self, shown: str, path: str | Path) -> Signature:
        """A file's signature: the recorded one when the file's status is the one recorded
        with it (the file is not read), else made from its bytes."""
        since = self.since()  # before any status is taken
        entry = self.entries.get(shown)
        if entry is not None and entry[3] is not None:
            status = self.seen.get(str(path)) or status_of(path)
            if status is not None and entry[1] == status.st_size and entry[3] == (
                    status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev):
                self.statuses[shown] = entry[3]
                return entry[1], entry[2]
        # (no status recorded, as on a fresh clone: the one the reading takes)
        signed, status = signature_and_status(path)
        self.statuses[shown] = settled(status, signed, since)
        return signed

    def get(self, shown: str, kind: str, signature: Signature) -> Any:
        """The cached model of a file, if the file's bytes are the ones it was made from."""
        entry = self.entries.get(shown)
        if not entry or entry[:3] != (kind, *signature):
            return None
        status = self.statuses.get(shown, entry[3])
        if status != entry[3]:  # the same bytes with another status (after a checkout)
            self.entries[shown] = (kind, *signature, status, entry[4])
            self.dirty.add(_shard(shown))
        return entry[4]

    def put(self, shown: str, kind: str, signature: Signature, model: Any,
            status: Status | None = None) -> None:
        """Remember a valid file's model (and the status it was signed with, if settled)."""
        self.entries[shown] = (kind, *signature, self.statuses.get(shown, status), model)
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
        for shown, (kind, size, digest, status, model) in self.entries.items():
            if (shard := _shard(shown)) in shards:
                shards[shard].setdefault(kind, {})[shown] = (size, digest, status, model)
        version = self.version.encode("utf-8")
        for shard, kinds in shards.items():
            # Only the fields the file set: read back, a model is the one read from the file,
            # its fields_set too (as a set of five or more takes 500 bytes more: 5,000
            # standards and 1,000 audits load in 113 MB instead of 140, with fewer page faults).
            body = b"".join(kind.encode() + b" "
                            + _adapter(kind).dump_json(models, exclude_unset=True) + b"\n"
                            for kind, models in sorted(kinds.items()))
            tag = mac(self.key, PURPOSE, (version, b"\n", body))
            target = _shard_file(self.folder, shard)
            temporary = temporary_name(target)  # one per process: two commands may save at once
            temporary.write_bytes(b"\n".join((FORMAT.encode(), version, tag.encode(), body)))
            os.replace(temporary, target)
        self.dirty.clear()
        for old in self.folder.glob("load-*.pickle"):  # the old format is never read again
            with contextlib.suppress(OSError):
                old.unlink()


def read_models(jobs: Sequence[tuple[str, str | Path]], shown: list[str], cache: LoadCache | None,
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
    signatures = [cache.sign(name, path) if cache is not None and signed_here else UNREADABLE
                  for (_, path), name in zip(jobs, shown, strict=True)]
    results: list[tuple[Any, Any, list[Issue]]] = [
        (cache.get(name, kind, sig) if cache else None, None, [])
        for (kind, _), name, sig in zip(jobs, shown, signatures, strict=True)]
    missing = [i for i, (model, _, _) in enumerate(results) if model is None]
    if cache is not None:
        cache.reread = {shown[i] for i in missing}
    if not keep_data:
        # Validated where they are read: a worker process sends back models, which pickle in
        # half the time of the line-marked data (5,000 standards on a fresh clone).
        since = cache.since() if cache is not None else 0  # before the workers take statuses
        validated = read_many([jobs[i] for i in missing], [shown[i] for i in missing],
                              functools.partial(_read_valid, since=since), meanwhile)
        for i, (model, problems, signed, status) in zip(missing, validated, strict=True):
            results[i] = (model, None, problems)
            if model is not None and cache is not None:
                cache.put(shown[i], jobs[i][0], signed, model, status)
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


def _read_valid(jobs: Sequence[tuple[str, str | Path]], shown: list[str], since: int = 0
                ) -> list[tuple[Any, list[Issue], Signature, Status | None]]:
    """(model or None, problems, signature of the bytes read, status to record with it) of each
    (kind, path): read, parsed and validated."""
    results: list[tuple[Any, list[Issue], Signature, Status | None]] = []
    for (kind, path), name in zip(jobs, shown, strict=True):
        raw, status, data, problems = load_file_bytes(path, name)
        model, invalid = (None, problems) if problems else validate_document(kind, data, name)
        signed = bytes_signature(raw)
        results.append((model, invalid, signed, settled(status, signed, since)))
    return results


def load_valid_cached(root: Path, today: date, folder: Path, cache: LoadCache | None = None,
                      seen: Mapping[str, os.stat_result] | None = None, save: bool = True
                      ) -> Project:
    """check.load_valid, reusing the models of files unchanged since the last build (from
    `cache`: the cache of folder an earlier load of this process read; `seen`: statuses this
    build took, by path; without `save`, the caller saves the cache when it has time)."""
    config, config_source, issues = load_config(root)
    if issues:
        return load_valid(root, today)
    cache = LoadCache(folder) if cache is None else cache
    cache.seen = seen or {}
    cache.reread = None  # (set by read_models; none where the repository is read in full)
    project = Project(root=root, config=config, today=today, config_source=config_source)
    misnamed: list[Path] = []
    outside: list[Issue] = []  # links out of the repository: the full load reports them
    documents = document_files(root, project, misnamed, outside)
    prefix = len(str(root)) + 1
    shown = [path[prefix:].replace(os.sep, "/") for _, _, path in documents]
    read = read_models([(kind, path) for kind, _, path in documents], shown, cache)
    if misnamed or outside or any(problems for _, _, problems in read):
        cache.reread = None
        return load_valid(root, today)  # the full load reports these with their lines
    cache.keep_only(set(shown))
    first_seen: dict[str, str] = {}
    found_issues: list[Issue] = []
    for (_, target, _), name, (model, data, _) in zip(documents, shown, read, strict=True):
        register(project, target, model, Source(name, data), first_seen, found_issues)
    load_tables(project, found_issues, memo=cache.tables)
    # (the issues are not shown: an error loads the repository again, for its lines)
    found_issues.extend(cache.checks.errors(project))
    if any(issue.severity is Severity.ERROR for issue in found_issues):
        cache.reread = None
        return load_valid(root, today)
    if save:
        cache.save()
    return project
