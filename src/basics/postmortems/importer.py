"""`postmortems import`: existing documents into the post-mortems folder, as Markdown with
front matter (what Basics read from them) above their original text, kept as written."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from basics.core.errors import InputError
from basics.postmortems.models import PostMortem
from basics.postmortems.parse import is_template, parse

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


def import_folder(service: PostmortemService, source: Path, in_place: bool) -> ImportReport:
    """Import every post-mortem under `source` (a folder or one file)."""
    from basics.postmortems.service import _decode, _files

    files = [source] if source.is_file() else _files(source)
    from basics.postmortems.service import PARSE_VERSION

    target = service.config.postmortems_path
    report = ImportReport()
    parsed: list[tuple[str, str, PostMortem]] = []
    if not in_place:
        target.mkdir(parents=True, exist_ok=True)
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as error:
            report.skipped.append((str(path), f"cannot read: {error.strerror}"))
            continue
        text = _decode(data)
        if text is None:
            report.skipped.append((str(path), "not text (binary or an unknown encoding)"))
            continue
        if is_template(text, str(path)):
            report.skipped.append((str(path), "a template, not a post-mortem"))
            continue
        pm = parse(text, str(path), service.config.timezone)
        written = None
        if not in_place:
            out = target / f"{_slug(path.stem if path.stem else path.name)}.md"
            if out.resolve() != path.resolve():
                data = document(pm, text, str(path)).encode("utf-8")
                out.write_bytes(data)
                # The written file says what was read: its parse is this one, kept for it.
                sha = f"{PARSE_VERSION}:{hashlib.sha256(data).hexdigest()}"
                parsed.append((str(out), sha, dataclasses.replace(pm, path=str(out))))
            written = str(out)
        report.imported.append(
            ImportedFile(
                str(path), written, pm.id, list(pm.found), list(pm.missing), list(pm.notes)
            )
        )
    if not report.imported and not report.skipped:
        raise InputError(f"{source}: no Markdown or text files found")
    folder = source if in_place and source.is_dir() else None
    # Cache the parses and record the incidents now, reading back none of the files written.
    service.library(folder, {path: (sha, pm) for path, sha, pm in parsed})
    return report


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
    return f"---\n{head}---\n{body}"


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "postmortem"
