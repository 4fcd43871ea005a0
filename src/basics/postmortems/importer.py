"""`postmortems import`: existing documents into the post-mortems folder, as Markdown with
front matter (what Basics read from them) above their original text, kept as written.

Importing again writes each file again, unless it was edited since: the front matter holds
the hash of what the import wrote (`imported_sha256`), and a file that is no longer so is
the user's, kept and said.

Each document gets a file of its own: two of one name in different folders
(`wiki/2025/search-outage.md`, `wiki/2026/search-outage.md`) are named with their folders
(`2025-search-outage.md`, `2026-search-outage.md`), the same names at every import; a file
imported from another document is never written over."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from basics.core.errors import InputError
from basics.postmortems.halves import in_halves
from basics.postmortems.models import PostMortem
from basics.postmortems.parse import HTML_HINT, file_stem, is_html, is_template, parse

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:
    from basics.postmortems.service import PostmortemService


@dataclass
class ImportedFile:
    """One document: where it came from, where it went, what was read from it."""

    source: str
    written: str | None
    id: str
    found: list[str]
    missing: list[str]
    notes: list[str]


@dataclass
class ImportReport:
    """What an import did."""

    imported: list[ImportedFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def import_folder(
    service: PostmortemService, source: Path, in_place: bool, overwrite: bool = False
) -> ImportReport:
    """Import every post-mortem under `source` (a folder or one file). A file written by an
    earlier import and edited since is kept, and said, unless `overwrite`."""
    from basics.postmortems.service import _files

    exports: list[Path] = []
    if source.is_file():
        files = [] if _export_hint(source) else [source]
        exports += [] if files else [source]
    else:
        files = _files(source, exports)
    target = service.config.postmortems_path
    if not in_place:
        target.mkdir(parents=True, exist_ok=True)
    read = functools.partial(
        read_files,
        target=None if in_place else target,
        timezone=service.config.timezone,
        overwrite=overwrite,
        names=output_names(files, source if source.is_dir() else source.parent),
    )
    report = ImportReport()
    report.skipped += [(str(path), _export_hint(path)) for path in exports]
    parsed: list[tuple[str, str, PostMortem]] = []
    for outcome in in_halves(read, files):
        if outcome.pm is None:
            report.skipped.append((outcome.source, outcome.skipped))
            continue
        pm = outcome.pm
        if outcome.written is not None and outcome.sha is not None:
            # The written file says what was read: its parse is this one, kept for it.
            parsed.append((outcome.written, outcome.sha, pm))
        found, missing, notes = list(pm.found), list(pm.missing), list(pm.notes)
        report.imported.append(
            ImportedFile(outcome.source, outcome.written, pm.id, found, missing, notes)
        )
    if not report.imported and not report.skipped:
        raise InputError(f"{source}: no Markdown or text files found")
    folder = source if in_place and source.is_dir() else None
    # Cache the parses and record the incidents now, reading back none of the files written
    # (reading 5,000 back took a tenth of a second or more).
    service.library(folder, {path: (sha, pm) for path, sha, pm in parsed})
    return report


@dataclass(frozen=True)
class FileRead:
    """What one file gave: its parse (None when skipped, and why), where it was written and
    the hash the written file is cached by."""

    source: str
    pm: PostMortem | None
    skipped: str = ""
    written: str | None = None
    sha: str | None = None


def read_files(
    paths: Sequence[Path],
    target: Path | None,
    timezone: str,
    overwrite: bool = False,
    names: Mapping[str, str] | None = None,
) -> list[FileRead]:
    """Read and parse each file, and write it into `target` as Markdown with front matter
    (None: leave it where it is), under its name in `names` (`output_names` of `paths`
    without). Work for one process: `import_folder` gives each of two processes half of
    the files, and the names of all."""
    names = output_names(paths) if names is None else names
    taken = frozenset(names.values())
    return [_read_file(path, target, timezone, overwrite, names, taken) for path in paths]


def output_names(paths: Sequence[Path], root: Path | None = None) -> dict[str, str]:
    """The file name each document is written under: its name as a slug
    (`search-outage.md`); documents of one name are each named with their folders under
    `root` too (`2025-search-outage.md`, `2026-search-outage.md`), and with a hash of
    their path when that is not enough. The same files give the same names every time."""
    base = {str(path): _slug(path.stem if path.stem else path.name) for path in paths}
    counts: dict[str, int] = {}
    for name in base.values():
        counts[name] = counts.get(name, 0) + 1
    names = {}
    for path in paths:
        name = base[str(path)]
        if counts[name] > 1:
            name = _slug(f"{_folders(path, root)}-{name}")
        names[str(path)] = name
    again: dict[str, int] = {}
    for name in names.values():
        again[name] = again.get(name, 0) + 1
    return {
        source: f"{name}-{_path_hash(source)}.md" if again[name] > 1 else f"{name}.md"
        for source, name in names.items()
    }


def _folders(path: Path, root: Path | None) -> str:
    """The folders of `path` under `root` (its own folder's name without a root)."""
    try:
        parts = path.parent.relative_to(root).parts if root is not None else ()
    except ValueError:
        parts = ()
    return "-".join(parts) or path.parent.name


def _path_hash(source: str) -> str:
    return hashlib.sha256(str(Path(source).absolute()).encode()).hexdigest()[:8]


def _export_hint(path: Path) -> str:
    """Why a file of a format Basics does not read is skipped, and what to do ("" when it
    is not one)."""
    from basics.postmortems.service import EXPORTS

    found = EXPORTS.get(path.suffix.lower())
    if found is None:
        return ""
    return f"{found[0]}: export as Markdown, e.g. pandoc -f {found[1]} -t gfm"


def _read_file(
    path: Path,
    target: Path | None,
    timezone: str,
    overwrite: bool,
    names: Mapping[str, str],
    taken: frozenset[str],
) -> FileRead:
    """One file read and parsed, and written into `target` (unless edited there since the
    import that wrote it: the user's file is kept; nor over a file imported from another
    document: another name is taken)."""
    from basics.postmortems.service import _decode, parse_key

    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return FileRead(source, None, f"cannot read: {error.strerror}")
    text = _decode(data)
    if text is None:
        return FileRead(source, None, "not text (binary or an unknown encoding)")
    if is_html(text):
        return FileRead(source, None, HTML_HINT)
    if is_template(text, source):
        return FileRead(source, None, "a template, not a post-mortem")
    pm = parse(text, source, timezone)
    if target is None:
        return FileRead(source, pm)
    name = names.get(source) or output_names([path])[source]
    out, before = _free(target, path, name, taken)
    if out is None:
        why = f"kept: {target / name} and the names tried after it are another document's"
        return FileRead(source, None, why)
    if _same_file(out, path):
        return FileRead(source, pm, written=str(out))
    plain = f"{_slug(path.stem if path.stem else path.name)}.md"
    if out.name != plain and pm.id == file_stem(source):
        pm = dataclasses.replace(pm, id=out.stem)  # named by its file: the file's new name
    written = document(pm, text, source).encode("utf-8")
    if before != written:  # the same bytes again: nothing to write
        if before is not None and not overwrite and _edited(before):
            return FileRead(
                source, None, f"kept: edited since import ({out}; --overwrite replaces it)"
            )
        out.write_bytes(written)  # an error here fails the import, as it always did
    sha = parse_key(written, timezone)
    return FileRead(source, dataclasses.replace(pm, path=str(out)), "", str(out), sha)


def document(pm: PostMortem, original: str, source: str) -> str:
    """The imported file: front matter from the parse, then the original text."""
    body = original.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if body.startswith("---\n") and "\n---" in body[4:]:
        return body  # front matter already: Basics' own format, kept as it is
    meta: dict[str, Any] = {"id": pm.id, "title": pm.title}
    for name in ("severity", "detected_by", "trigger"):
        if getattr(pm, name):
            meta[name] = getattr(pm, name)
    if pm.services:
        meta["services"] = list(pm.services)
    for name in ("started", "detected", "mitigated", "resolved"):
        moment = getattr(pm, name)
        if moment is not None:
            meta[name] = moment.isoformat() + "Z"
    meta["detection"] = pm.detection
    if pm.contributing_factors:
        meta["contributing_factors"] = list(pm.contributing_factors)
    if pm.tags:
        meta["tags"] = list(pm.tags)
    if pm.action_items:
        meta["action_items"] = [
            {k: (v.isoformat() if isinstance(v, dt.date) else v)
             for k, v in item.__dict__.items() if v is not None}
            for item in pm.action_items
        ]  # fmt: skip
    meta["imported_from"] = source
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    head = yaml.dump(meta, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    written = f"---\n{head}---\n{body}"
    # The hash of the file without this line: a later import tells an edit by it.
    digest = hashlib.sha256(written.encode("utf-8")).hexdigest()
    return f"---\n{head}{_IMPORTED_SHA}: {digest}\n---\n{body}"


_IMPORTED_SHA = "imported_sha256"
_RECORDED = re.compile(rb"^" + _IMPORTED_SHA.encode() + rb": ([0-9a-f]{64})\n", re.MULTILINE)


def _free(
    target: Path, path: Path, name: str, taken: frozenset[str]
) -> tuple[Path | None, bytes | None]:
    """The file `path` is written to, and what it holds now: `name`, else (when a file
    imported from another document holds it) the name with its folder, else with a hash
    of its path; None when each is another document's. A file an earlier import wrote
    for this document under its plain name keeps that name."""
    plain = f"{_slug(path.stem if path.stem else path.name)}.md"
    if plain != name:
        # A file an earlier import wrote for this document keeps its name.
        before = _contents(target / plain)
        holder = _imported_from(before) if before is not None else None
        if holder is not None and before is not None and _same_source(holder, path):
            return target / plain, before
    stem = name.removesuffix(".md")
    folder = _slug(f"{path.parent.name}-{stem}")
    tries = [name] + [f"{folder}.md"] * (f"{folder}.md" not in taken)
    for candidate in [*tries, f"{stem}-{_path_hash(str(path))}.md"]:
        out = target / candidate
        before = _contents(out)
        holder = _imported_from(before) if before is not None else None
        if holder is None or _same_source(holder, path):
            return out, before
    return None, None


_FROM = re.compile(rb"^imported_from: (.+)$", re.MULTILINE)


def _imported_from(data: bytes) -> str | None:
    """The document a file in the post-mortems folder was imported from (its front matter's
    `imported_from`), or None."""
    end = data.find(b"\n---", 4) if data.startswith(b"---\n") else -1
    found = _FROM.search(data, 0, end + 1) if end > 0 else None
    if found is None:
        return None
    try:
        value = yaml.load(found.group(1).decode("utf-8"), Loader=_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    return str(value) if value is not None else None


def _same_source(holder: str, path: Path) -> bool:
    """Whether `imported_from` names `path` (as written then, or the same file)."""
    if holder == str(path):
        return True
    try:
        return Path(holder).resolve() == path.resolve()
    except OSError:
        return False


def _contents(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _edited(data: bytes) -> bool:
    """Whether a file in the post-mortems folder is not as an import wrote it: its front
    matter's `imported_sha256` is not the hash of the rest, or it has none (a file that
    differs from what this import writes, and no record of what the last one wrote)."""
    end = data.find(b"\n---", 4) if data.startswith(b"---\n") else -1
    recorded = _RECORDED.search(data, 0, end + 1) if end > 0 else None
    if recorded is None:
        return True
    rest = data[: recorded.start()] + data[recorded.end() :]
    return hashlib.sha256(rest).hexdigest() != recorded.group(1).decode()


def _same_file(out: Path, source: Path) -> bool:
    """Whether writing `out` would overwrite `source` (two `stat`s, not two `realpath`s)."""
    try:
        return out.samefile(source)
    except OSError:  # `out` does not exist yet
        return False


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "postmortem"
