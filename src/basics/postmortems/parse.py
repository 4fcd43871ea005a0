"""Read a post-mortem as teams write them: Basics' own front matter, the SRE book's,
PagerDuty's and Atlassian's templates, or plain Markdown.

Sections are found by heading (`## Root cause`, `Root Causes:`, `**Impact**`), with the
usual variants and misspellings mapped to one name (`HEADINGS`); timelines are tables, lists
or lines that start with a time; action items are tables, task lists or bullets. Nothing
here raises on a document: what could not be read is said in `missing` and `notes`, and
every section's text is kept as written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import re
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any

import yaml

from basics.core.severity import severity_level
from basics.postmortems.actions import read_action_items
from basics.postmortems.detection import detection_in, said_first
from basics.postmortems.markdown import BULLET as _BULLET
from basics.postmortems.markdown import EMPHASIS as _EMPHASIS
from basics.postmortems.markdown import TASK as _TASK
from basics.postmortems.markdown import unaccented
from basics.postmortems.models import (
    DETECTIONS,
    Detection,
    PostMortem,
)
from basics.postmortems.timeline import from_timeline, read_timeline, table_in
from basics.postmortems.times import (
    DATE,
    DOTTED_DATE,
    PROSE_DATE,
    TIME_OF_DAY,
    first_date,
    parse_clock,
    parse_duration,
    parse_stamp,
    zone_in,
)

HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "incident summary", "overview", "executive summary", "what happened",
                "description", "tldr", "tl dr", "abstract"),
    "impact": ("impact", "customer impact", "user impact", "business impact",
               "severity and impact"),
    "timeline": ("timeline", "time line", "incident timeline", "timeline of events",
                 "chronology", "sequence of events"),
    "trigger": ("trigger", "leadup", "lead up", "lead-up"),
    "root_cause": ("root cause", "root causes", "fault", "cause", "causes", "why it happened",
                   "five whys", "5 whys", "root cause analysis"),
    "contributing_factors": ("contributing factors", "contributing factor",
                             "contributing causes"),
    "detection": ("detection", "how we found out", "discovery"),
    "resolution": ("resolution", "recovery", "response", "mitigation", "remediation",
                   "how we fixed it", "fix"),
    "what_went_well": ("what went well", "things that went well", "went well"),
    "what_went_wrong": ("what went wrong", "things that went wrong", "went wrong",
                        "what went poorly", "what didn't go well"),
    "lucky": ("where we got lucky", "we got lucky", "lucky"),
    "lessons": ("lessons learned", "lessons learnt", "learnings", "takeaways", "recurrence",
                "backlog check"),
    "action_items": ("action items", "action item", "actions", "corrective actions",
                     "follow ups", "follow-ups", "followups", "next steps", "remediation items",
                     "preventive actions", "todo",
                     # FireHydrant's task list, Etsy Morgue's remediations
                     "tasks", "task list", "remediations"),
}  # fmt: skip
"""Each canonical section and the headings templates give it."""
# Teams write post-mortems in their language: German, Spanish and French headings (written
# here without accents; a heading is compared so, "Cronología" as "cronologia").
_FOREIGN_HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("zusammenfassung", "uberblick", "resumen", "resumen ejecutivo", "resume",
                "synthese", "sommaire"),
    "impact": ("auswirkung", "auswirkungen", "kundenauswirkung", "impacto", "impacto en clientes",
               "impact client"),
    "timeline": ("zeitlinie", "zeitleiste", "zeitablauf", "ablauf", "chronologie", "verlauf",
                 "cronologia", "linea de tiempo", "linea temporal", "cronologia de eventos",
                 "chronologie des evenements", "deroulement"),
    "root_cause": ("ursache", "ursachen", "grundursache", "ursachenanalyse", "causa raiz",
                   "causa", "causas", "analisis de causa raiz", "cause racine", "causes",
                   "cause premiere"),
    "contributing_factors": ("beitragende faktoren", "factores contribuyentes",
                             "facteurs contributifs"),
    "detection": ("erkennung", "entdeckung", "deteccion"),
    "resolution": ("behebung", "losung", "wiederherstellung", "resolucion", "mitigacion",
                   "remediacion", "retablissement"),
    "what_went_well": ("was lief gut", "was gut lief", "lo que salio bien", "que salio bien",
                       "ce qui a bien fonctionne"),
    "what_went_wrong": ("was lief schlecht", "was lief nicht gut", "lo que salio mal",
                        "que salio mal", "ce qui n'a pas fonctionne"),
    "lessons": ("erkenntnisse", "lehren", "gelernte lektionen", "lecciones aprendidas",
                "lecons apprises", "enseignements"),
    "action_items": ("massnahmen", "aktionspunkte", "folgemassnahmen", "nachste schritte",
                     "to dos", "acciones", "acciones correctivas", "acciones de seguimiento",
                     "tareas", "proximos pasos", "actions correctives", "plan d'action",
                     "actions de suivi"),
}  # fmt: skip
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it (ten times faster), else PyYAML's."""
_HEADING_OF = {
    variant: name
    for headings in (HEADINGS, _FOREIGN_HEADINGS)
    for name, variants in headings.items()
    for variant in variants
}
_IGNORED = ("responders", "authors", "status", "date", "participants", "glossary", "supporting")

_UNDERLINE = re.compile(r"=+|-+")
_RULE = re.compile(r"\s*(?:[-*_]\s*){3,}\s*|\s*=+\s*")
# Markdown's backslash escapes (`DB\_POOL\_SIZE`, `\#incidents`, `4\.`: Google Docs writes
# them on export) and a heading's `{#anchor}`.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")
_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")
_DATED = re.compile(
    r"\s*(?:[,;—–-]\s*)?(?:(?:on|for|of)\s+)?(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    rf"(?:{DATE.pattern}|{PROSE_DATE.pattern}|{DOTTED_DATE.pattern})\s*$",
    re.IGNORECASE,
)
"""The date a heading ends with ("Timeline, 18 Feb 2026", "Timeline — Wednesday 2026-02-18")."""
_INTRO = re.compile(r"^([A-Za-z][^:]{1,80}?)\s*:$")
"""A line that ends with a colon, as a timeline's intro does ("Timeline (all times CET), 18
Feb 2026:", "Timeline (all times UTC+1):"): the timeline's heading when it names it."""
# A property line's bullet and emphasis (`- **Severity:** SEV-2`); an underscore inside a
# word stays (`api_gateway`).
_LABEL_NOISE = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+|[*`]+|(?<!\w)_+|_+(?!\w)")
_PROPERTY_SEPARATOR = re.compile(r"\s+·\s+")
_LABEL_REACH = 60
"""How far into a line its label's colon can be: a label (`_LABEL`) and its marks."""
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)|\s*\(https?://[^)]*\)")
"""A Markdown link (its text is kept) or a URL in brackets after a name (Notion's relations:
`api-gateway (https://www.notion.so/…)`)."""
_UNSET = re.compile(r"^(?:[-—–?]*|(?:tbd|tbc|n/?a|none|unknown|not set)\b.*)$", re.IGNORECASE)
"""A property left empty or said to be unknown ("TBD", "n/a", "none (false alarm)"): no
value, and nothing to say about it."""
_MARKS_OF_MD = _EMPHASIS
_ATX = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_BOLD = re.compile(r"^\*\*([^*]{2,60}?):?\*\*:?\s*(.*)$")
_LABEL = re.compile(r"^([^\W\d_][\w ()'/-]{1,40}?)\s*:\s*(.*)$")
"""A property line's label and value ("Severity: SEV-2", "Gravité : élevé": a label in any
alphabet, a space before the colon as French typography has it)."""
_STAT = re.compile(
    r"\btime\s+to\s+(detect(?:ion)?|acknowledge(?:ment)?|mitigat(?:e|ion)|resol(?:ve|ution)|"
    r"recover(?:y)?|repair)\b\s*(?:\([^)]*\))?\s*[:=-]\s*(.+)$",
    re.IGNORECASE,
)


def _unaccented_keys(labels: dict[str, str]) -> dict[str, str]:
    """`labels` with each key as `_labelled` compares it: without accents ("gravité" is
    "gravite"), so a label is read whether its accents are written or not."""
    return {unaccented(key): value for key, value in labels.items()}


_MOMENT_LABELS: dict[str, str] = _unaccented_keys({
    "started": "started", "start": "started", "start time": "started", "incident start": "started",
    "began": "started", "impact start": "started", "started at": "started",
    "detected": "detected", "detection time": "detected", "detected at": "detected",
    "mitigated": "mitigated", "mitigated at": "mitigated", "mitigation time": "mitigated",
    "resolved": "resolved", "resolved at": "resolved", "resolution time": "resolved",
    "ended": "resolved", "end": "resolved", "end time": "resolved", "impact end": "resolved",
    # incident.io's key information
    "impact started at": "started", "reported at": "detected", "fixed at": "mitigated",
    "detect time": "detected",  # Etsy Morgue's (with "Start Time", "End Time")
    # German, Spanish, French
    "beginn": "started", "start der störung": "started", "erkannt": "detected",
    "entdeckt": "detected", "gemildert": "mitigated", "behoben": "resolved", "gelöst": "resolved",
    "ende": "resolved", "inicio": "started", "detectado": "detected", "mitigado": "mitigated",
    "resuelto": "resolved", "fin": "resolved", "début": "started", "détecté": "detected",
    "atténué": "mitigated", "résolu": "resolved",
})  # fmt: skip
_PROPERTY_LABELS: dict[str, str] = _unaccented_keys({
    "severity": "severity", "sev": "severity", "incident severity": "severity",
    "severity level": "severity",
    "services": "services", "service": "services", "affected services": "services",
    "affected service": "services", "impacted services": "services",
    "services affected": "services", "services impacted": "services",
    "affected service(s)": "services",
    "schweregrad": "severity", "severidad": "severity", "gravité": "severity",
    "betroffene dienste": "services", "betroffene services": "services", "dienste": "services",
    "servicios afectados": "services", "servicios": "services",
    "services affectés": "services",
})  # fmt: skip
"""Labels of the properties read from above a document's first section (Notion's property
block, Confluence's page properties table, incident.io's header)."""
_STAT_HINT = re.compile(r"\btime\s+to\b", re.IGNORECASE)
_STAT_KINDS = {"de": "detected", "mi": "mitigated", "re": "resolved"}
"""What "time to detect / mitigate / resolve, recover, repair" measures from the start."""
_TEMPLATE_MARKS = re.compile(
    r"\[(?:describe|insert|add|enter|summar|list|link|name|date|time|owner|who|what)[^\]]*\]"
    r"|<(?:describe|insert|add|enter|summary|owner|date)[^>]*>|\{\{[^}]+\}\}|lorem ipsum",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\w+")


@dataclass
class _Section:
    name: str | None  # canonical, or None for a heading that is no known section
    heading: str
    lines: list[str] = field(default_factory=list)


def parse(text: str, path: str, timezone: str = "UTC") -> PostMortem:
    """One post-mortem from its text; `path` names it in messages and gives its id when the
    front matter has none; times without a zone are read in `timezone`."""
    sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _plain_spaces(text)
    meta, body, notes = _front_matter(text)
    body = _ESCAPED.sub(r"\1", body)
    sections, title_line, headings, head = _sections(body)
    zone = zone_in(meta.get("timezone", "") if isinstance(meta.get("timezone"), str) else "")
    default_zone = timezone
    # A timeline's heading may say its day and its zone ("Timeline (all times CET), 18 Feb
    # 2026:"): the day of its time-only lines, and the document's when it states no other.
    timeline_heading = headings.get("timeline", "")
    timeline_text = f"{timeline_heading}\n{sections.get('timeline', '')}"
    day = _document_day(meta, body, timeline_text, sections.get("action_items", ""), path)
    fields: dict[str, Any] = {}
    found: list[str] = []

    fields["title"] = _title(meta, head, title_line, path, notes)
    for name in ("detected_by", "trigger"):
        value = _text(meta.get(name))
        if value:
            fields[name] = value
    if "trigger" not in fields and sections.get("trigger"):
        fields["trigger"] = _first_paragraph(sections["trigger"])
    fields |= _severity_and_services(meta, head, notes, sections.get("summary", ""))
    fields["tags"] = tuple(_list(meta.get("tags")))
    fields["deploys"] = tuple(_list(meta.get("deploys") or meta.get("deploy")))
    factors = _list(meta.get("contributing_factors"))
    if not factors and sections.get("contributing_factors"):
        factors = _items(sections["contributing_factors"])
    fields["contributing_factors"] = tuple(factors)

    timeline_zone = zone_in(timeline_heading) or zone
    timeline_day = first_date(timeline_heading, dotted=True) or day
    # A document without a timeline section may have its table in another (PagerDuty's
    # "What Happened" with `| Time (PST) | Event |`).
    lines = sections.get("timeline") or table_in(body)
    timeline = read_timeline(lines, timeline_day, timeline_zone, default_zone, notes)
    fields["timeline"] = tuple(timeline)
    moments = _moments(meta, body, day, zone, default_zone, notes)
    told = from_timeline(timeline)
    moments |= _from_stats(body, moments, told, notes)
    inferred = {k: v for k, v in told.items() if k not in moments}
    fields |= moments | {k: at for k, (at, _) in inferred.items()}
    notes += [f'{k} from the timeline ("{why}")' for k, (_, why) in inferred.items()]
    # The timeline's line tells how it was found even when a label gives the time
    # (incident.io's "Reported at").
    fields["detection"] = _detection(meta, sections, told.get("detected", (None, ""))[1])
    items = read_action_items(meta.get("action_items"), sections.get("action_items", ""), notes)
    fields["action_items"] = tuple(items)
    fields["sections"] = {name: text.strip() for name, text in sections.items() if text.strip()}

    found = [name for name in ("title", "severity", "trigger") if fields.get(name)]
    found += [name for name in ("started", "detected", "mitigated", "resolved") if fields.get(name)]
    found += ["services"] if fields["services"] else []
    found += [f"{len(items)} action items"] if items else []
    found += [f"{len(timeline)} timeline entries"] if timeline else []
    found += [f"section {name}" for name in fields["sections"]]
    missing = [name for name in ("started", "detected", "resolved") if not fields.get(name)]
    missing += ["services"] if not fields["services"] else []
    missing += ["action items"] if not items else []
    missing += ["detection"] if fields["detection"] == "unknown" else []
    return PostMortem(
        day=day,
        zone=timezone,
        id=_text(meta.get("id")) or file_stem(path),
        path=path,
        sha256=sha,
        found=tuple(found),
        missing=tuple(missing),
        notes=tuple(notes),
        **fields,
    )


_ODD_SPACES = re.compile(
    "[\u00a0\u1680\u2000-\u200b\u202f\u205f\u3000\u2060\ufeff\u2028\u2029\x85]"
)
"""Spaces of other widths: a no-break space (Google Docs writes one in "March\u00a02"), a
narrow one (French typography's before a colon), an em space; invisible ones (zero-width,
as Confluence and Word exports leave between words); Unicode's line separators."""
_PLAIN_SPACE = {"\u200b": "", "\u2060": "", "\ufeff": "", "\u2028": "\n", "\u2029": "\n",
                "\x85": "\n"}  # fmt: skip


def _plain_spaces(text: str) -> str:
    """`text` with every space a plain one, the invisible ones taken out and Unicode's
    line separators as lines (`_ODD_SPACES`)."""
    if text.isascii() or not _ODD_SPACES.search(text):
        return text
    return _ODD_SPACES.sub(lambda m: _PLAIN_SPACE.get(m.group(0), " "), text)


HTML_HINT = "HTML: export as Markdown, e.g. pandoc -f html -t gfm"
_HTML = re.compile(r"\s*(?:<!doctype html|<html\b|<\?xml[^>]*>\s*<html\b)", re.IGNORECASE)


def is_html(text: str) -> bool:
    """An HTML page (a Confluence or wiki export), whatever its file is named: read as
    Markdown, its tags would be its title and its sections none."""
    return bool(_HTML.match(text.lstrip("\ufeff")[:200]))


def is_template(text: str, path: str) -> bool:
    """A template, not a post-mortem: named so, or mostly placeholders."""
    name = path.rsplit("/", 1)[-1].lower()
    if re.search(r"(^|[_\W])templ(ate)?([_\W]|$)", name) or name.startswith("_template"):
        return True
    marks = len(_TEMPLATE_MARKS.findall(text))
    if marks < 3:
        return False  # counting the words costs more than the rest of the test
    return marks * 25 >= len(_WORDS.findall(text))


def front_matter_id(text: str) -> str | None:
    """The `id` of a document's front matter, as the parse reads it; None without one."""
    value = _front_matter(text)[0].get("id")
    return None if value is None else str(value)


def _front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    if not text.startswith("---\n"):
        return {}, text, []
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text, ["front matter has no closing ---: read as text"]
    try:
        meta = yaml.load(text[4:end], Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        note = f"front matter is not valid YAML{where}: read key by key, the rest as text"
        return _lenient(text[4:end]), text[end + 4 :], [note]
    if not isinstance(meta, dict):
        return {}, text[end + 4 :], ["front matter is not a mapping: ignored"]
    return {str(k).lower(): v for k, v in meta.items()}, text[end + 4 :], []


def _lenient(block: str) -> dict[str, Any]:
    """The top-level `key: value` lines of a broken front matter, each read on its own: a
    flow list or mapping (`[a, b]`) or a quoted string as YAML, any other value as the text
    written after the key (YAML would make `title: Probe flapping: paged` a mapping)."""
    found: dict[str, Any] = {}
    for line in block.split("\n"):
        pair = re.match(r"^([A-Za-z_][\w-]*):\s*(\S.*)$", line)
        if not pair:
            continue
        value: Any = pair.group(2).strip()
        if value[:1] in ("[", "{", '"', "'"):
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError:
                if value[:1] == "{" and "}" not in value:  # a mapping left open: nothing
                    continue
                if value[:1] == "[" and "]" not in value:  # a list left open (`[search`):
                    value = [item.strip(" \"'") for item in value[1:].split(",")]  # its items
                    value = [item for item in value if item]
                else:  # text that starts so (`[SEV1] Checkout down: cards failing`)
                    value = value.strip("\"'")
        found[pair.group(1).lower()] = value
    return found


def _labelled(line: str, labels: Container[str]) -> list[tuple[str, str]]:
    """(label in lower case, value) of a property line whose label is one of `labels`:
    `Label: value` (`**Label:** value`, `- Label: value`, several joined by " · "), or a
    table row of two cells (`| Label | value |`, Confluence's page properties)."""
    # This runs on every line of the body: most are prose or timeline rows, and leave at
    # the first test that fails; only a wanted label's value is cleaned (some are long).
    if ":" not in line and "|" not in line:
        return []
    line = line.strip()
    if line.startswith("|"):
        cells = line.strip("|").split("|")
        name = _LABEL_NOISE.sub("", cells[0]) if len(cells) == 2 else ""
        name = unaccented(" ".join(name.lower().split()).rstrip(":").strip())
        value = _LABEL_NOISE.sub("", cells[1]).strip() if name in labels else ""
        return [(name, value)] if value else []
    colon = line.find(":")
    if not 0 < colon <= _LABEL_REACH:
        return []
    if "·" in line:  # several properties: each label's marks
        line = _LABEL_NOISE.sub("", line).strip()
    elif line[0] in "-*+•_`" or line[0].isdigit():
        # A bullet or a number (GitLab's `1. Service(s) affected:`), or emphasis around
        # the label (`**Label:**`).
        line = (_LABEL_NOISE.sub("", line[: colon + 3]) + line[colon + 3 :]).strip()
    found = []
    for part in _PROPERTY_SEPARATOR.split(line) if "·" in line else (line,):
        label = _LABEL.match(part)
        name = unaccented(" ".join(label.group(1).lower().split())) if label else ""
        if label and name in labels:
            found.append((name, _EMPHASIS.sub("", label.group(2)).strip()))
    return found


def _severity_and_services(
    meta: dict[str, Any], head: str, notes: list[str], summary: str = ""
) -> dict[str, Any]:
    """Severity and services from the front matter, else from the properties above the
    first section (Notion's `Services: a, b`, Confluence's `| Severity | SEV-1 |`,
    incident.io's `**Affected services:** …`, GitLab's `~"severity::1"` label), services
    else from a labelled line of the summary (GitLab's `1. Service(s) affected: …`). The
    front matter wins; a property that says otherwise, and a severity that names no level,
    are said in `notes`."""
    said = _properties(head)
    label = _GITLAB_SEVERITY.search(head)
    if label and "severity" not in said:
        said["severity"] = label.group(1)
    in_summary = _properties(summary, _SUMMARY_LABELS).get("services")
    if "services" not in said and in_summary:
        said["services"] = in_summary
    found: dict[str, Any] = {}
    severity, body_severity = _text(meta.get("severity")), said.get("severity")
    if severity and body_severity and body_severity != severity:
        notes.append(f'severity: the front matter\'s "{severity}" is kept over the body\'s '
                     f'"{body_severity}"')  # fmt: skip
    severity = severity or body_severity
    if severity:
        found["severity"] = severity
        if severity_level(severity) is None:
            notes.append(f'severity: "{severity}" names no level (SEV1, P2, critical, major, '
                         "minor, …): kept as written, counted as unrated")  # fmt: skip
    services = _list(meta.get("services") or meta.get("service"))
    stated = _list(said.get("services"))
    if services and stated and {s.lower() for s in stated} != {s.lower() for s in services}:
        notes.append(f"services: the front matter's {', '.join(services)} are kept over the "
                     f"body's {', '.join(stated)}")  # fmt: skip
    found["services"] = tuple(services or stated)
    return found


def _title(
    meta: dict[str, Any], head: str, title_line: str | None, path: str, notes: list[str]
) -> str:
    """The front matter's title, else a "Title:" property above the first section (`Title:
    Checkout outage`, `**Title:** …`, `| Title | … |`, as templates and exports write it),
    else the title line (the first level-1 heading, another heading, a short first line),
    else the file's name. A property that says another title than the front matter's is
    said in `notes`."""
    stated, said = _text(meta.get("title")), _properties(head, _TITLE_LABELS).get("title")
    if stated and said and " ".join(said.split()) != " ".join(stated.split()):
        notes.append(f'title: the front matter\'s "{stated}" is kept over the body\'s "{said}"')
    return " ".join((stated or said or title_line or file_stem(path)).split())


_TITLE_LABELS = _unaccented_keys({
    "title": "title", "incident title": "title", "incident name": "title",
    "postmortem title": "title", "post-mortem title": "title",
    "titel": "title", "título": "title", "titulo": "title", "titre": "title",
})  # fmt: skip
"""Labels of a document's title in its body, in the languages its headings are read in."""


_GITLAB_SEVERITY = re.compile(r'~"?severity::\s*([\w-]+)"?', re.IGNORECASE)
"""GitLab's scoped severity label (`~"severity::1"`): the level after the colons."""


_SUMMARY_LABELS = {"service(s) affected": "services"}
"""GitLab's incident template asks for the services in its summary's numbered list, in
these words: read there, where any other `Services:` line is prose."""


def _properties(text: str, labels: dict[str, str] = _PROPERTY_LABELS) -> dict[str, str]:
    """What the property lines of `text` say (severity, services), the first of each."""
    said: dict[str, str] = {}
    for line in text.split("\n"):
        for label, value in _labelled(line, labels):
            named = labels.get(label)
            if not named or named in said:
                continue
            value = _LINK.sub(lambda m: m.group(1) or "", value).strip()
            if not _UNSET.match(value):
                said[named] = value
    return said


def _sections(body: str) -> tuple[dict[str, str], str | None, dict[str, str], str]:
    """Canonical section -> text (sections of one name joined), the title line, the
    heading each section was found under, and the head: the lines above the first heading
    of a known section (at most `_HEAD_LINES`), where exports put a document's properties.
    The title is the first level-1 heading, else the first heading of any level
    (`## Incident: …`), else a short first line."""
    title: str | None = None
    first_heading: str | None = None
    head_end: int | None = None
    current = _Section(None, "")
    parts: list[_Section] = [current]
    lines = body.split("\n")
    for index, line in enumerate(lines):
        heading = _heading_of(line, lines[index + 1] if index + 1 < len(lines) else "")
        if heading is None:
            if not _is_rule(line):
                current.lines.append(line)
            continue
        level, label, rest = heading
        if title is None and level == 1 and _canonical(label) is None:
            title = label
            continue
        name = _canonical(label)
        if head_end is None and name is not None and not rest:
            # `Impact: High` among the properties is one of them, not the end of them.
            head_end = index
        if first_heading is None and level >= 1 and name is None:
            first_heading = label
        if name is None and level == 0:  # "Foo: bar" that is no section: plain text
            current.lines.append(line)
            continue
        if level == 0 and name == current.name == "timeline":
            # The timeline's own intro under its heading ("Timeline (all times CET), 18 Feb
            # 2026:"): a line of it, which says the day and the zone of those after it.
            current.lines.append(line)
            continue
        current = _Section(name, label, [rest] if rest else [])
        parts.append(current)
    title = title or first_heading
    if title is None:
        first = next(
            (ln.strip("#* ").strip() for ln in lines
             if ln.strip() and not _is_rule(ln) and _canonical(_clean(ln.strip("#* "))) is None),
            "",
        )  # fmt: skip
        title = first if first and len(first) <= 120 and not _LABEL.match(first) else None
    joined: dict[str, str] = {}
    headings: dict[str, str] = {}
    for part in parts:
        if part.name is None:
            continue
        text = "\n".join(part.lines).strip()
        joined[part.name] = (joined.get(part.name, "") + "\n\n" + text).strip()
        headings.setdefault(part.name, part.heading)
    head = "\n".join(lines[: min(_HEAD_LINES, len(lines) if head_end is None else head_end)])
    return joined, title, headings, head


_HEAD_LINES = 60
"""How far down a document without sections its properties are looked for (a "Date:" line
too): a property block sits under the title, not in the prose."""


def _heading_of(line: str, following: str) -> tuple[int, str, str] | None:
    """(level, label, text after it) when `line` is a heading; level 0 for "Label: text"."""
    # Each pattern runs only on a line that has the character it starts with or needs: a
    # document is mostly prose, and this runs on every line of 5,000 in an import.
    stripped = line.strip()
    if not stripped:
        return None
    atx = _ATX.match(stripped) if stripped[0] == "#" else None
    if atx:
        return len(atx.group(1)), _clean(atx.group(2)), ""
    under = following.strip()
    if under[:1] in ("=", "-") and _UNDERLINE.fullmatch(under) and len(stripped) < 100:
        return (1 if under.startswith("=") else 2), _clean(stripped), ""
    bold = _BOLD.match(stripped) if stripped.startswith("**") else None
    if bold and _canonical(_clean(bold.group(1))) is not None:
        return 2, _clean(bold.group(1)), bold.group(2)
    label = _LABEL.match(stripped) if ":" in stripped else None
    if label and _canonical(_clean(label.group(1))) is not None and not _BULLET.match(line):
        return 0, _clean(label.group(1)), label.group(2)
    intro = _INTRO.match(_clean(stripped) + ":") if stripped.endswith(":") else None
    if intro and _canonical(intro.group(1)) == "timeline" and not _BULLET.match(line):
        return 0, intro.group(1), ""
    return None


@functools.lru_cache(maxsize=4096)
def _canonical(label: str) -> str | None:
    """The section a heading names, whatever it says after its name in brackets ("Timeline
    (all times UTC)"); a timeline's heading may also end with its day ("Timeline (all
    times CET), 18 Feb 2026", "Timeline, 18 Feb 2026 (PST)"), where another section's
    heading with a date is a title ("# Incident summary, 2026-03-02")."""
    if label.endswith("(s)"):
        return _named(label)
    bare = _SUFFIX.sub("", label)
    named = _named(bare)
    if named is None and _DATED.search(bare):
        undated = _SUFFIX.sub("", _DATED.sub("", bare))
        named = "timeline" if _named(undated) == "timeline" else None
    return named


def _named(label: str) -> str | None:
    """The section a heading's name is, compared without case, accents or punctuation, and
    a close match counting ("Root Casue", "Time line")."""
    key = re.sub(r"[^a-z0-9' ]+", " ", unaccented(label.lower()).replace("(s)", "s")).strip()
    key = re.sub(r"\s+", " ", re.sub(r"^\d+\s+", "", key))
    if not key or any(key.startswith(word) for word in _IGNORED):
        return None
    if key in _HEADING_OF:
        return _HEADING_OF[key]
    close = difflib.get_close_matches(key, list(_HEADING_OF), n=1, cutoff=0.82)
    return _HEADING_OF[close[0]] if close else None


def _clean(label: str) -> str:
    """A heading without its Markdown emphasis (underscores inside words are kept)."""
    return _EMPHASIS.sub("", _ANCHOR.sub("", label)).strip().rstrip(":").strip()


def _is_rule(line: str) -> bool:
    first = line.lstrip()[:1]
    return first in ("-", "*", "_", "=") and bool(_RULE.fullmatch(line))


_DATE_LABELS = ("date", "incident date", "day", "when", "datum", "fecha", "data")
_DUE_DATE = re.compile(
    r"\b(?i:due|deadline|by|until|before|f[äa]llig|bis|frist|vence|plazo|l[íi]mite|"
    r"[ée]ch[ée]ance)\b\s*(?i:on|am|el|le)?\s*[:=]?\s*"
    r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}\.? [A-Z][a-z]{2}|[A-Z][a-z]{2,8} \d)"
)
"""A date that says when something is due ("due 2026-03-20", "fällig 2026-03-20"): an
action item's, never the day the document is about."""


def _document_day(
    meta: dict[str, Any],
    body: str,
    timeline_text: str = "",
    actions_text: str = "",
    path: str = "",
) -> dt.date | None:
    """The day the document is about: its front matter, a "Date:" line (or table row;
    "Datum: 05.03.2026" too), the timeline's first date, a date near the top (ISO or "12
    June 2025"), the date its file is named with ("2026-02-18-checkout-outage.md"), else
    the first date anywhere but in the action items and due dates."""
    for key in ("date", "started", "start"):
        value = meta.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and (day := _any_date(value)):
            return day
    for line in body.split("\n")[:_HEAD_LINES]:
        for _, value in _labelled(line, _DATE_LABELS):
            if day := first_date(value, dotted=True):
                return day
    if day := first_date(timeline_text, dotted=True):  # a timeline's "05.03.2026" is a day
        return day
    actions = {line.strip() for line in actions_text.split("\n") if line.strip()}
    lines = [
        line for line in body.split("\n")
        if line.strip() not in actions and not _TASK.match(line) and not _DUE_DATE.search(line)
    ]  # fmt: skip
    if day := _any_date("\n".join(lines[:12])):
        return day
    if day := file_date(path):
        return day
    return _any_date("\n".join(lines))


def file_date(path: str) -> dt.date | None:
    """The date a file is named with, ISO ("2026-02-18-checkout-outage.md", "postmortem
    2026-02-18.md"); None when its name has none (or one that is no day)."""
    found = _FILE_DATE.search(path.replace("\\", "/").rsplit("/", 1)[-1])
    if found is None:
        return None
    try:
        return dt.date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        return None


_FILE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def _any_date(text: str) -> dt.date | None:
    """The first date in `text`, ISO ("2025-06-12") or in words ("12 June 2025")."""
    return first_date(text)


def _moments(
    meta: dict[str, Any],
    body: str,
    day: dt.date | None,
    zone: dt.tzinfo | None,
    default_zone: str,
    notes: list[str],
) -> dict[str, dt.datetime]:
    """started / detected / mitigated / resolved: front matter, labelled lines (a time of
    day alone is on the document's day: Confluence's `| Detected | 14:07 UTC |`). A labelled
    value that is no time Basics reads is said in `notes` (unless another label gives that
    moment)."""
    found: dict[str, dt.datetime] = {}
    for key in ("started", "detected", "mitigated", "resolved"):
        value = meta.get(key)
        moment = _moment(value, zone, default_zone)
        if moment is not None:
            found[key] = moment
        elif value not in (None, ""):
            notes.append(f'{key}: expected a time such as 2026-03-02T14:00Z, found "{value}"')
    unread: dict[str, str] = {}
    for line in body.split("\n"):
        for label, value in _labelled(line, _MOMENT_LABELS):
            named = _MOMENT_LABELS.get(label)
            if not named or named in found or _UNSET.match(value):
                continue
            here = zone_in(value) or zone
            moment = parse_stamp(value, here, default_zone)
            if moment is None and TIME_OF_DAY.match(value):
                moment = parse_clock(value, day, here, default_zone)
            if moment is not None:
                found[named] = moment
            else:
                unread.setdefault(named, f'{label}: expected a time such as 2026-03-02 14:00 '
                                         f'UTC, found "{value}"')  # fmt: skip
    notes += [note for named, note in unread.items() if named not in found]
    return found


def _from_stats(
    body: str,
    moments: dict[str, dt.datetime],
    told: dict[str, tuple[dt.datetime, str]],
    notes: list[str],
) -> dict[str, dt.datetime]:
    """The times "Time to resolution: 2 hours" stats give that `moments` (the labelled
    times) do not: from a labelled start, over what the timeline's lines tell (`told`);
    from the timeline's start, only what its lines do not tell (said in `notes`)."""
    start = moments.get("started") or told.get("started", (None, ""))[0]
    found: dict[str, dt.datetime] = {}
    for kind, (at, line) in (_stats(body, start) if start is not None else {}).items():
        if kind in moments or ("started" not in moments and kind in told):
            continue
        found[kind] = at
        if "started" not in moments:
            notes.append(f'{kind} from "{line}" after the timeline\'s start')
    return found


def _stats(body: str, start: dt.datetime) -> dict[str, tuple[dt.datetime, str]]:
    """detected / mitigated / resolved from "Time to detection: 12 minutes" lines: that
    long after `start`; each with its line."""
    found: dict[str, tuple[dt.datetime, str]] = {}
    if not _STAT_HINT.search(body):  # most documents state none
        return found
    # Emphasis marks never span lines: taking them out of the body at once is taking them
    # out of each line.
    for line in _MARKS_OF_MD.sub("", body).split("\n"):
        stat = _STAT.search(line)
        if not stat:
            continue
        kind = _STAT_KINDS.get(stat.group(1)[:2].lower())
        took = parse_duration(stat.group(2))
        if kind and took is not None and kind not in found:
            found[kind] = (start + took, stat.group(0).strip()[:60])
    return found


def _moment(value: Any, zone: dt.tzinfo | None, default_zone: str) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return parse_stamp(value.isoformat(), zone, default_zone)
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return parse_stamp(value, zone_in(value) or zone, default_zone)
    return None


def _detection(meta: dict[str, Any], sections: dict[str, str], timeline_line: str) -> Detection:
    """How it was found: stated in the front matter, else read from the detection section
    (its first lines), else from the timeline line that tells of it, else from a phrase of
    the summary or the impact that says who found it ("customers reported errors")."""
    stated = _text(meta.get("detection"))
    if stated:
        word = stated.split("#")[0].strip().lower()
        for known in DETECTIONS:
            if word == known:
                return known
    for text in (" ".join(sections.get("detection", "").split("\n")[:6]), timeline_line):
        found = detection_in(text) if text else "unknown"
        if found != "unknown":
            return found
    for name in ("summary", "impact"):
        said = said_first(sections.get(name, ""))
        if said is not None:
            return said
    return "unknown"


def _items(text: str) -> list[str]:
    found = [m.group(1).strip() for m in (_BULLET.match(line) for line in text.split("\n")) if m]
    return found or [p.strip() for p in text.split("\n\n") if p.strip()]


def _first_paragraph(text: str) -> str:
    return next((p.strip() for p in text.split("\n\n") if p.strip()), "")[:300]


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,;]", value) if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [str(value)]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def file_stem(path: str) -> str:
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name[1:] else name
