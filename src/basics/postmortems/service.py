"""Post-mortems in their folder (the truth) and in the store (their parse, cached by content
hash, and each one's incident, so alert replays are judged against post-mortems).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from basics.config.models import Config, named_services
from basics.core.clock import iso_utc
from basics.core.errors import InputError, NotFoundError
from basics.postmortems import compute
from basics.postmortems.models import ActionItem, LintFinding, PostMortem, TimelineEntry
from basics.postmortems.parse import HTML_HINT, is_html, is_template, parse
from basics.store.duckdb_store import Store

SUFFIXES = {".md", ".markdown", ".mdown", ".txt", ".text", ""}
"""Files read as post-mortems: Markdown or text, or no extension at all."""
EXPORTS: dict[str, tuple[str, str]] = {
    ".html": ("HTML", "html"), ".htm": ("HTML", "html"), ".xhtml": ("HTML", "html"),
    ".docx": ("A Word document", "docx"), ".odt": ("An OpenDocument text", "odt"),
}  # fmt: skip
"""Documents in formats Basics does not read (what each is, and pandoc's name of it): an
import names them as skipped, with the command that makes them Markdown, rather than
leaving them out without a word."""
INCIDENT_SOURCE = "postmortem"
PARSE_VERSION = 11
"""Bump when the reader changes what it finds: every cached parse is then read again."""
_LINKED_FROM = (
    "SELECT (SELECT max(batch_id) FROM deploys), "
    "(SELECT count(*) FROM batches WHERE status = 'undone'), (SELECT count(*) FROM deploys), "
    "(SELECT count(*) FROM incidents), (SELECT max(id) FROM incidents), "
    "(SELECT count(*) FROM deploy_links)"
)
"""What the post-mortems' links are resolved against, in one row that a deploy import (the
newest batch holding a deploy), an undo, an incident or a link added or removed changes; an
import of events or pages does not (`PostmortemService.sync_deploy_links`)."""


def parse_key(data: bytes, timezone: str) -> str:
    """What a cached parse is of: the parser's version, the zone times without one are read
    in (another `timezone` in basics.yaml reads them again), and the file's bytes."""
    return f"{PARSE_VERSION}:{timezone}:{hashlib.sha256(data).hexdigest()}"


@dataclass
class Library:
    """The post-mortems of the folder, and the files that are not post-mortems."""

    folder: str
    postmortems: list[PostMortem] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    parsed: int = 0  # files parsed (not found in the cache by their hash)
    wrote: bool = False  # the store's cache or incidents were changed


class PostmortemService:
    """Reads the post-mortems folder, caches the parses, keeps their incidents."""

    def __init__(
        self,
        store: Store,
        config: Config,
        writer: Callable[[Callable[[Any], Any]], Any] | None = None,
    ) -> None:
        """`writer`: None, this service writes what it reads from the folder (a CLI
        command); else it hands the writing to it, not waiting (the server's request
        threads: two threads writing the same parse or link would collide)."""
        self.store = store
        self.config = config
        self._writer = writer
        self._synced: tuple[object, ...] | None = None  # `_state` when last brought up to date

    @property
    def _writes(self) -> bool:
        """Whether this service writes the folder's parses, incidents and links itself."""
        return not self.store.read_only and self._writer is None

    def sync_deploy_links(self) -> bool:
        """Bring the links the post-mortems' `deploys:` ask for (and their incidents) up to
        date in the store, as `library` does, unless neither the folder's files nor what the
        links are resolved against changed since: a command that read the folder already
        (the scorecard, the review) does not read it again for each DORA it asks. Whether
        it wrote."""
        state = self._stale()
        if state is None:
            return False
        if self._writer is not None:
            # A request thread: the server's one writer brings them, from its next request
            # on (this one reads them as they are); the writer finds what changed itself.
            self._writer(lambda app: app.postmortems.sync_deploy_links())
            self._synced = state
            return False
        return self.library().wrote

    def links_stale(self) -> bool:
        """Whether the folder's files, or what their links are resolved against, changed
        since the links were last brought up to date (read only: files' stats, one query)."""
        return self._stale() is not None

    def _stale(self) -> tuple[object, ...] | None:
        if self.store.read_only:
            return None
        state = (self._files_state(), self._store_state())
        if state != self._synced and not state[0] and not self._kept_any():
            self._synced = state  # no post-mortem, and none kept: nothing to read
        return None if state == self._synced else state

    def _kept_any(self) -> bool:
        """Whether the store keeps anything of post-mortems: a parse, an incident, a link."""
        return bool(
            self.store.scalar(
                "SELECT EXISTS (SELECT 1 FROM postmortems) "
                "OR EXISTS (SELECT 1 FROM incidents WHERE source = $1) "
                "OR EXISTS (SELECT 1 FROM deploy_links WHERE source = $1)",
                [INCIDENT_SOURCE],
            )
        )

    def library(
        self,
        folder: Path | None = None,
        parsed: dict[str, tuple[str, PostMortem]] | None = None,
    ) -> Library:
        """Every post-mortem of the folder (`postmortems.dir`), oldest first (by date, one
        with neither a start nor a date last: `oldest_first`); the store's cache and
        incidents are brought up to date when the store is writable. `parsed` holds the
        parses of files just written (path -> (hash of the bytes written, parse)): those
        are not read back (an edit since has another hash, and is read at the next look)."""
        root = folder or self.config.postmortems_path
        result = Library(str(root))
        if not root.is_dir():
            return result
        # Taken before the files are read: one written meanwhile is read at the next sync.
        synced = self._writes and root == self.config.postmortems_path
        files = self._files_state() if synced else None
        cached = {
            path: (sha, document)
            for path, sha, document in self.store.query(
                "SELECT path, sha256, document FROM postmortems"
            )
        }
        fresh: list[tuple[str, str, PostMortem]] = []
        for path in _files(root):
            name = str(path)
            made = (parsed or {}).get(name)
            if made is not None:
                result.postmortems.append(made[1])
                if cached.get(name, ("",))[0] != made[0]:
                    fresh.append((name, *made))
                continue
            try:
                data = path.read_bytes()
            except OSError as error:
                result.skipped.append((name, f"cannot read: {error.strerror}"))
                continue
            sha = parse_key(data, self.config.timezone)
            if name in cached and cached[name][0] == sha:
                result.postmortems.append(from_record(json.loads(cached[name][1])))
                continue
            text = _decode(data)
            if text is None:
                result.skipped.append((name, "not text (binary or an unknown encoding)"))
                continue
            if is_html(text):
                result.skipped.append((name, HTML_HINT))
                continue
            if is_template(text, name):
                result.skipped.append((name, "a template, not a post-mortem"))
                continue
            pm = parse(text, name, self.config.timezone)
            result.parsed += 1
            result.postmortems.append(pm)
            fresh.append((name, sha, pm))
        _unique_ids(result)
        names, zone = self.config.service_names(), self.config.timezone
        result.postmortems = [_named(pm, names, zone) for pm in result.postmortems]
        result.postmortems.sort(key=oldest_first)
        if self._writes:
            present = {pm.path for pm in result.postmortems}
            result.wrote = self._save(fresh, present, result.postmortems)
            result.wrote |= self._link_deploys(result.postmortems)
            if files is not None:
                self._synced = (files, self._store_state())
        elif not self.store.read_only and root == self.config.postmortems_path:
            # A request thread read the files; the writer keeps the cache and links so.
            self.sync_deploy_links()
        return result

    def _files_state(self) -> tuple[object, ...]:
        """The folder's files as the file system tells them (path, size, time written):
        with `_store_state`, equal twice means the folder's links are still as stored."""
        root = self.config.postmortems_path
        files: list[object] = []
        if root.is_dir():
            for path in _files(root):
                try:
                    found = path.stat()
                except OSError:
                    return (object(),)  # gone since listed: equal to nothing, read again
                files.append((str(path), found.st_size, found.st_mtime_ns))
        return tuple(files)

    def _store_state(self) -> tuple[object, ...]:
        return tuple(self.store.query(_LINKED_FROM)[0])

    def get(self, key: str, library: Library | None = None) -> PostMortem:
        """One post-mortem by id (or by its file name)."""
        found = (library or self.library()).postmortems
        for pm in found:
            if key in (pm.id, Path(pm.path).name, Path(pm.path).stem):
                return pm
        known = ", ".join(pm.id for pm in found[:8]) or "none in the folder"
        raise NotFoundError(f'no post-mortem "{key}" (known: {known})')

    def lint(self, library: Library | None = None) -> list[LintFinding]:
        """Findings for every post-mortem, in file order, and deploys named but not recorded."""
        found = library or self.library()
        unknown = self._unknown_deploys(found.postmortems)
        return [
            finding
            for pm in found.postmortems
            for finding in [
                *compute.lint(pm),
                *(LintFinding(pm.id, pm.path, "deploys", f"deploy {ref} is not recorded "
                              "(basics deploys list)") for ref in unknown.get(pm.id, [])),
            ]
        ]  # fmt: skip

    def incidents_of(self, library: Library | None = None) -> set[int]:
        """The incidents the post-mortems stand for: their own, and those recorded otherwise
        that a post-mortem describes (a service in common, overlapping times)."""
        every = (library or self.library()).postmortems
        ids = {pm.id for pm in every}
        found: set[int] = set()
        for incident_id, source, key, services, start, end in self.store.query(
            "SELECT id, source, source_key, services, start_ts, end_ts FROM incidents"
        ):
            if source == INCIDENT_SOURCE:
                if key in ids:
                    found.add(int(incident_id))
            elif any(_same_incident(pm, services, start, end) for pm in every):
                found.add(int(incident_id))
        return found

    def _incident_of(self, pm: PostMortem) -> int | None:
        """The incident a post-mortem stands for: its own, or the one recorded otherwise."""
        own = self.store.scalar(
            "SELECT id FROM incidents WHERE source = ? AND source_key = ?", [INCIDENT_SOURCE, pm.id]
        )
        if own is not None:
            return int(own)
        for incident_id, services, start, end in self.store.query(
            "SELECT id, services, start_ts, end_ts FROM incidents WHERE source <> ?",
            [INCIDENT_SOURCE],
        ):
            if _same_incident(pm, services, start, end):
                return int(incident_id)
        return None

    def _wanted_links(
        self, every: list[PostMortem]
    ) -> tuple[set[tuple[int, int]], dict[str, list[str]]]:
        """The (incident, deploy) links the post-mortems' `deploys:` ask for, and the refs
        that name no recorded deploy, per post-mortem id."""
        from basics.deploys.service import DeployService

        deploys = DeployService(self.store, self.config)
        wanted: set[tuple[int, int]] = set()
        unknown: dict[str, list[str]] = {}
        for pm in every:
            incident = self._incident_of(pm) if pm.deploys else None
            for ref in pm.deploys:
                try:
                    deploy = deploys.resolve(ref)
                except (InputError, NotFoundError):
                    unknown.setdefault(pm.id, []).append(ref)
                    continue
                if incident is not None:
                    wanted.add((incident, deploy.id))
        return wanted, unknown

    def _unknown_deploys(self, every: list[PostMortem]) -> dict[str, list[str]]:
        return self._wanted_links(every)[1] if any(pm.deploys for pm in every) else {}

    def _link_deploys(self, every: list[PostMortem]) -> bool:
        """Keep the links of source `postmortem` as the post-mortems' `deploys:` say; a link
        made otherwise (by hand, by an import) already says it, and is left as it is."""
        links = self.store.query("SELECT incident_id, deploy_id, source FROM deploy_links")
        stored = {(int(i), int(d)) for i, d, source in links if source == INCIDENT_SOURCE}
        present = {(int(i), int(d)) for i, d, _ in links}
        if not stored and not any(pm.deploys for pm in every):
            return False
        wanted, _ = self._wanted_links(every)
        gone, new = stored - wanted, wanted - present
        if not gone and not new:
            return False  # nothing to write: a read of the folder stays a read
        with self.store.transaction() as db:
            for incident, deploy in gone:
                db.execute(
                    "DELETE FROM deploy_links WHERE incident_id = ? AND deploy_id = ? "
                    "AND source = ?",
                    [incident, deploy, INCIDENT_SOURCE],
                )
            for incident, deploy in new:
                db.execute(
                    "INSERT INTO deploy_links (incident_id, deploy_id, source) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    [incident, deploy, INCIDENT_SOURCE],
                )
        return True

    def actions(
        self,
        today: dt.date,
        only_open: bool = False,
        only_overdue: bool = False,
        owner: str | None = None,
        library: Library | None = None,
    ) -> list[tuple[PostMortem, ActionItem]]:
        """Action items of every post-mortem, filtered; as of `today`: a post-mortem of a
        later day had none yet (a report over the past is not judged on later documents)."""
        found = []
        for pm in (library or self.library()).postmortems:
            if pm.date is not None and pm.date > today:
                continue
            for item in pm.action_items:
                if only_open and item.status == "done":
                    continue
                if only_overdue and not compute.overdue(item, today):
                    continue
                if owner and (item.owner or "").lower() != owner.lower():
                    continue
                found.append((pm, item))
        return found

    def themes(self, since: dt.date | None = None, library: Library | None = None) -> list[Any]:
        """Themes of the post-mortems that started on or after `since` (all without)."""
        from basics.postmortems.themes import find_themes

        every = (library or self.library()).postmortems
        found = [pm for pm in every if since is None or (pm.date is not None and pm.date >= since)]
        # The whole folder says what is boilerplate: a subset's few documents would make a
        # cause they share the subset's boilerplate.
        return find_themes(found, among=every)

    def basics(
        self, since: dt.date | None = None, library: Library | None = None
    ) -> list[compute.BasicPointedAt]:
        """The basics the post-mortems point at, most cited first."""
        found = [
            pm for pm in (library or self.library()).postmortems
            if since is None or (pm.date is not None and pm.date >= since)
        ]  # fmt: skip
        return compute.basics_pointed_at(found)

    def _save(self, fresh: list[tuple[str, str, PostMortem]], present: set[str],
              every: list[PostMortem]) -> bool:  # fmt: skip
        """Cache new parses, forget removed files, keep one incident per post-mortem that
        has a start, an end and services: all in one transaction; whether it wrote."""
        stale = [path for (path,) in self.store.query("SELECT path FROM postmortems")
                 if path not in present]  # fmt: skip
        wanted = {pm.id: pm for pm in every if _incident_range(pm) is not None and pm.services}
        recorded = self.store.query(
            "SELECT services, start_ts, end_ts FROM incidents WHERE source <> ?", [INCIDENT_SOURCE]
        )
        for key, pm in list(wanted.items()):
            if any(_same_incident(pm, *row) for row in recorded):
                del wanted[key]  # recorded already (the draft of a recorded incident, say)
        known = {
            key: (incident_id, start, end, services, title)
            for incident_id, key, start, end, services, title in self.store.query(
                "SELECT id, source_key, start_ts, end_ts, services, title FROM incidents "
                "WHERE source = ?",
                [INCIDENT_SOURCE],
            )
        }
        changed = [pm for key, pm in wanted.items() if known.get(key, (None,))[1:] != _fields(pm)]
        gone = [known[key][0] for key in known if key not in wanted]
        if not (fresh or stale or changed or gone):
            return False
        with self.store.transaction() as db:
            _cache_rows(db, fresh)
            if stale:
                db.executemany("DELETE FROM postmortems WHERE path = ?", [[p] for p in stale])
            if gone:
                db.executemany("DELETE FROM incidents WHERE id = ?", [[i] for i in gone])
            updates = [pm for pm in changed if pm.id in known]
            if updates:
                db.executemany(
                    "UPDATE incidents SET services = ?, start_ts = ?, end_ts = ?, title = ?, "
                    "severity = ? WHERE id = ?",
                    [[list(pm.services), *_fields(pm)[:2], pm.title, pm.severity,
                      known[pm.id][0]] for pm in updates],
                )  # fmt: skip
            new = [pm for pm in changed if pm.id not in known]
            if new:
                # One statement: ids from the sequence, the rows from a list of structs.
                db.execute(
                    "INSERT INTO incidents (id, services, start_ts, end_ts, title, severity, "
                    "source, source_key) SELECT nextval('incident_ids'), r.services, r.s, r.e, "
                    "r.title, r.severity, ?, r.key FROM (SELECT unnest(?) AS r)",
                    [INCIDENT_SOURCE, [
                        {"services": list(pm.services), "s": _fields(pm)[0],
                         "e": _fields(pm)[1], "title": pm.title, "severity": pm.severity,
                         "key": pm.id} for pm in new]],
                )  # fmt: skip
        return True


def oldest_first(pm: PostMortem) -> tuple[Any, ...]:
    """The order post-mortems are listed in: by their date (the day each started, in
    basics.yaml's zone, else the document's date: its front matter's `date:`, a `Date:`
    line, its timeline's date, the date its file is named with), then by the time each
    started (one with a date and no start after those of its day that started), then by
    id; one with no date at all comes last."""
    day = pm.date
    return (day is None, day or dt.date.min, pm.started is None,
            pm.started or dt.datetime.min, pm.id)  # fmt: skip


def _cache_rows(db: Any, fresh: list[tuple[str, str, PostMortem]]) -> None:
    """The parses as rows of `postmortems`, in one statement."""
    if fresh:
        rows = [{"path": p, "sha": sha, "id": pm.id, "doc": record_json(pm)}
                for p, sha, pm in fresh]  # fmt: skip
        db.execute(
            "INSERT OR REPLACE INTO postmortems SELECT r.path, r.sha, r.id, r.doc::JSON, now() "
            "FROM (SELECT unnest(?) AS r)",
            [rows],
        )


def since_date(text: str | None) -> dt.date | None:
    """A `--since` / `since=` date (the post-mortems that started on or after it), or None."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(f'since: expected a date such as 2025-01-01, found "{text}"') from None


_FIELDS = tuple(f.name for f in dataclasses.fields(PostMortem))


def record_json(pm: PostMortem) -> str:
    """A post-mortem's cached JSON: the text of `json.dumps(plain(pm))`, made by the C
    encoder with a hook for times and records (the generic `plain` walk first took 0.4 s
    of an import of 5,000)."""
    return json.dumps({name: getattr(pm, name) for name in _FIELDS}, default=_json_value)


def _json_value(value: Any) -> Any:
    """What `plain` makes of the values of a post-mortem the JSON encoder does not know."""
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, ActionItem | TimelineEntry):
        return value.__dict__
    raise TypeError(f"{type(value).__name__} is not part of a post-mortem's record")


def from_record(data: dict[str, Any]) -> PostMortem:
    """A post-mortem from its cached JSON (`plain` of it)."""

    def moment(value: Any) -> dt.datetime | None:
        return None if value is None else dt.datetime.fromisoformat(value.rstrip("Z"))

    def day(value: Any) -> dt.date | None:
        return None if value is None else dt.date.fromisoformat(value)

    items = tuple(
        ActionItem(**(item | {"due": day(item["due"]), "closed": day(item["closed"])}))
        for item in data["action_items"]
    )
    timeline = tuple(TimelineEntry(moment(e["at"]), e["text"]) for e in data["timeline"])
    simple = {k: v for k, v in data.items() if k not in ("action_items", "timeline")}
    for name in ("started", "detected", "mitigated", "resolved"):
        simple[name] = moment(simple[name])
    simple["day"] = day(simple.get("day"))
    simple.setdefault("deploys", [])
    for name in ("services", "contributing_factors", "tags", "deploys", "found", "missing",
                 "notes"):  # fmt: skip
        simple[name] = tuple(simple[name])
    return PostMortem(**simple, action_items=items, timeline=timeline)


def _files(root: Path, exports: list[Path] | None = None) -> list[Path]:
    """The post-mortem files under `root`, hidden files and folders left out (a directory
    entry tells a file from a folder without a `stat` of each); with `exports`, the
    documents of other formats an import names (HTML, Word) are added to it."""
    found: list[str] = []
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir() and not entry.is_symlink():  # as `rglob`: links not followed
                    folders.append(Path(entry.path))
                elif entry.is_file() and _suffix(entry.name).lower() in SUFFIXES:
                    found.append(entry.path)
                elif exports is not None and _suffix(entry.name).lower() in EXPORTS:
                    exports.append(Path(entry.path))
    # Sorted as paths sort (folder by folder), without comparing thousands of Path objects.
    return [Path(path) for path in sorted(found, key=lambda path: path.split(os.sep))]


def _suffix(name: str) -> str:
    """A file name's extension as `Path.suffix` gives it ("" for "notes." and ".rc")."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


def _decode(data: bytes) -> str | None:
    if b"\x00" in data[:4096]:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _unique_ids(library: Library) -> None:
    """Two files with one id: the second is named by its file instead (by its folder and
    file when that is taken too: `wiki/2025/search-outage.md` beside
    `wiki/2026/search-outage.md` read in place), and said."""
    ids = {pm.id for pm in library.postmortems}
    seen: dict[str, str] = {}
    for index, pm in enumerate(library.postmortems):
        if pm.id in seen:
            path = Path(pm.path)
            other = next(
                name
                for name in (path.stem, f"{path.parent.name}-{path.stem}",
                             f"{path.parent.name}-{path.stem}-{index}")
                if name not in seen and name not in ids
            )  # fmt: skip
            note = f'id "{pm.id}" is also the id of {seen[pm.id]}: this one is "{other}"'
            library.postmortems[index] = _replace(pm, id=other, notes=(*pm.notes, note))
            ids.add(other)
        seen.setdefault(library.postmortems[index].id, pm.path)


def _named(pm: PostMortem, names: dict[str, str], zone: str) -> PostMortem:
    """`pm` with its services as basics.yaml names them: a name or alias in any case
    ("Search API", "Checkout") is that service, so its incident meets the SLOs and pages of
    the service; a name basics.yaml does not know is kept as written. Its dates are local
    to basics.yaml's time zone. Done on each read, not in the cached parse, so an alias
    added to basics.yaml (or another zone) counts without reading again."""
    services = tuple(named_services(pm.services, names))
    if services == pm.services and zone == pm.zone:
        return pm
    return _replace(pm, services=services, zone=zone)


def _replace(pm: PostMortem, **changes: Any) -> PostMortem:
    import dataclasses

    return dataclasses.replace(pm, **changes)


def _same_incident(
    pm: PostMortem, services: list[str], start: dt.datetime, end: dt.datetime
) -> bool:
    """Whether an incident recorded otherwise is this post-mortem's: a service in common
    and the time ranges overlapping."""
    span = _incident_range(pm)
    return (
        span is not None
        and bool(set(services) & set(pm.services))
        and span[0] < end
        and start < span[1]
    )


def _fields(pm: PostMortem) -> tuple[Any, ...]:
    """What its incident holds (start, end, services, title), to tell a change."""
    span = _incident_range(pm)
    assert span is not None
    return (*span, list(pm.services), pm.title)


def _incident_range(pm: PostMortem) -> tuple[dt.datetime, dt.datetime] | None:
    end = pm.resolved or pm.mitigated
    if pm.started is None or end is None or end <= pm.started:
        return None
    return pm.started, end
