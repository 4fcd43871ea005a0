"""Action items as post-mortems write them: the front matter's list, a table (columns named
like action / owner / type / status / due, in the languages headings are read in), a task
list (`- [x] … (@owner, due 2026-02-10)`) or bullets (`- Owner: X — do Y by 2026-05-01`).

Whether an item is done: a box decides (`[x]` done, `[ ]` open). Without one, a status
cell decides, or a status marker the item carries ("— done", "[DONE]", "(closed
2026-02-20)", "DONE:" before it, ✅); never a word of what is to be done ("Alert when the
breaker stays closed", "Document which bugs were fixed"). A status that is denied is open
("Not done", "nicht erledigt", "pas terminé").

The owner, the due date, the status and the ticket an item carries are taken out of its
title once read ("Renew the certificate — Noor — completed 2026-03-08" is "Renew the
certificate"). A due date that cannot be read (`due next sprint`, `03/02/2026`: March 2 or
February 3?) is said in the notes, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from basics.postmortems.markdown import BULLET, EMPHASIS, TABLE_RULE, TASK, unaccented
from basics.postmortems.models import ActionItem, ItemStatus
from basics.postmortems.times import first_date, unsure_date

OWNER_WORDS = (
    # German, Spanish, French, Portuguese, Dutch: words of prose too ("el servicio responsable
    # de pagos"), so an owner follows them only after a colon or an equals sign.
    r"verantwortlich|zuständig|besitzer|responsable|encargad[oa]|propriétaire|responsável|"
    r"eigenaar|verantwoordelijke"
)
_NAME = r"[^\W\d_][\w.'’-]*(?: [^\W\d_][\w.'’-]*)?"
"""A person or a team as an owner is written after a label: one or two words ("sven",
"Dana Weiss", "SRE team")."""
_BARE_NAME = re.compile(r"@?[^\W\d_][\w.'’-]*|[A-Z][\w.'’-]*\s[A-Z][\w.'’-]*")
"""A name written alone: a handle ("sven") or a person's two names ("Dana Weiss"), not two
words of prose ("see runbook")."""
_OWNER = re.compile(
    r"(?:@([\w.-]+))|(?:\b(?:owner|assignee|assigned to|who)\s*[:=]\s*"
    r"([A-Z]?[\w.-]+(?: [A-Z][\w-]+)?))|"
    rf"(?:\b(?:{OWNER_WORDS})\s*[:=]\s*([A-Z]?[\w.-]+(?: [A-Z][\w-]+)?))",
    re.IGNORECASE,
)
"""An owner anywhere in an item's text: `@sven`, "owner: Li", "Verantwortlich: carol"."""
_OWNER_MARK = re.compile(
    rf"(?:(?:owners?|assignee|assigned to|who|dri|{OWNER_WORDS})\s*[:=]?\s*)?@?({_NAME})",
    re.IGNORECASE,
)
"""A part of an item that is only its owner: "owner: Li", "@sven", "Verantwortlich: carol",
or a name alone (taken only beside another mark: "(Sven, due 2026-02-20)")."""
_OWNER_LABEL = re.compile(rf"(?:owners?|assignee|assigned to|who|dri|{OWNER_WORDS})\b|@", re.I)
_DATE_TEXT = (
    r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}|\d{1,2}/\d{1,2}/\d{4}|\d{4}/\d{1,2}/\d{1,2}|"
    r"\d{1,2}(?:st|nd|rd|th)? [A-Za-z]{3,9}\.?,? \d{4}|[A-Za-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? "
    r"\d{4}"
)
"""A date as due dates are written: ISO, day.month.year, slashed, in words."""
_DATES = re.compile(_DATE_TEXT)
_LOWER_WORDS = re.compile(r"[a-z']+")
_DUE_WORDS = (
    r"due|deadline|target(?: date)?|eta|fällig|fallig|frist|fecha l[íi]mite|plazo|vence|"
    r"[ée]ch[ée]ance|date limite|prazo|uiterlijk"
)
"""Words that say the value after them is when an item is due, whatever it is."""
_BY_WORDS = r"by|until|before|bis|hasta|avant|at[ée]|voor"
"""Words that say so only before a date ("by 2026-03-20", not "by hand")."""
_DUE = re.compile(
    rf"\b(?:{_DUE_WORDS}|{_BY_WORDS})\b\s*(?:on|am|el|le|em|op)?\s*[:=]?\s*({_DATE_TEXT})",
    re.IGNORECASE,
)
"""A due date anywhere in an item's text ("… by 2025-11-18", "fällig 2026-03-20")."""
_DUE_MARK = re.compile(
    rf"(?:{_DUE_WORDS})\b\s*(?:on|am|el|le|em|op)?\s*[:=]?\s*(.+)|"
    rf"(?:{_BY_WORDS})\b\s*(?:on|am|el|le|em|op)?\s*[:=]?\s*({_DATE_TEXT})",
    re.IGNORECASE,
)
"""A part of an item that is only its due date: "due 2026-03-20", "Due: Apr 1, 2026"."""
_TICKET = re.compile(
    r"\b(?!(?:SEV|UTF|ISO|RFC|CVE|TLS|SHA|HTTP|IPV)-)[A-Z][A-Z0-9]{1,9}-\d+\b"
    r"|https?://\S+/(?:-/)?(?:issues|pull|merge_requests|browse)/[\w-]+"
)
"""An action item's ticket: a tracker's key (Jira's PAY-220) or an issue's address
(GitLab's `…/-/issues/2345`)."""
_URL = re.compile(r"https?://\S+")

_DONE = (
    "done", "closed", "complete", "completed", "finished", "fixed", "resolved", "shipped",
    "merged", "deployed", "implemented", "delivered",
    # closed without the fix: not open, never overdue
    "won't fix", "wont fix", "wontfix", "cancelled", "canceled", "descoped", "obsolete",
    "superseded", "no longer needed", "dropped", "rejected", "abandoned",
    # German, Spanish, French, Portuguese, Dutch, without accents
    "erledigt", "abgeschlossen", "fertig", "geschlossen", "behoben", "umgesetzt", "gelost",
    "hecho", "hecha", "completado", "completada", "terminado", "terminada", "cerrado",
    "cerrada", "resuelto", "resuelta", "termine", "terminee", "fait", "faite", "ferme",
    "fermee", "resolu", "resolue", "acheve", "realise", "concluido", "concluida", "feito",
    "feita", "fechado", "fechada", "resolvido", "resolvida", "gedaan", "afgerond", "klaar",
    "opgelost", "gesloten", "voltooid",
)  # fmt: skip
_OPEN = (
    "open", "todo", "to do", "to-do", "in progress", "wip", "not started", "started",
    "pending", "planned", "blocked", "backlog", "ongoing", "in review", "scheduled",
    "partial", "partially", "partly",
    "offen", "geplant", "in arbeit", "in bearbeitung", "ausstehend", "begonnen", "teilweise",
    "pendiente", "abierto", "abierta", "en curso", "en progreso", "planificado", "parcial",
    "ouvert", "ouverte", "en cours", "a faire", "planifie", "partiel",
    "aberto", "aberta", "em andamento", "em progresso", "pendente", "planejado",
    "in uitvoering", "gepland", "openstaand", "lopend",
)  # fmt: skip
_NEGATIONS = (
    "not", "no", "non", "never", "nicht", "kein", "keine", "noch", "pas", "sin", "sans",
    "nao", "niet", "nie", "nog", "yet", "isnt", "wasnt", "arent", "werent",
)  # fmt: skip
_FILLERS = frozenset((
    "status", "state", "is", "was", "it", "as", "of", "on", "am", "le", "el", "em", "op",
    "since", "still", "already", "bereits", "schon", "deja", "ya", "ainda", "al", "encore",
    "aun", "fully", "completely", "mostly", "to", "be", "estado", "statut", "etat", "stand",
))  # fmt: skip
_WORD_LIST = "|".join(sorted((w.replace(" ", r"\s+") for w in _DONE), key=len, reverse=True))
_DONE_WORD = re.compile(rf"\b(?:{_WORD_LIST})\b|✅|✔|☑")
_OPEN_WORD = re.compile(
    r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w in _OPEN) + r")\b|\byet to be\b"
)
_DENIED = re.compile(rf"(?:\b(?:{'|'.join(_NEGATIONS)})|n't)\W+(?:[a-z]+\W+)?(?:{_WORD_LIST})\b")
"""A done word denied ("not done", "not yet fixed", "isn't closed", "nicht erledigt", "pas
encore terminé"): the item is open."""
_STATUS_WORDS = (
    frozenset(
        word for phrase in (*_DONE, *_OPEN, *_NEGATIONS) for word in re.split(r"[\s-]+", phrase)
    )
    | _FILLERS
    | {"yet", "n't"}
)
"""The words a status marker is made of, and nothing else ("not done yet", "Done on")."""
_YES = frozenset(("x", "[x]", "yes", "y", "✓", "true", "ja", "si", "oui", "sim", "wahr"))
_NO = frozenset(("[ ]", "no", "n", "false", "nein", "non", "nee", "nao"))
_EMOJI_DONE = re.compile(r"✅|✔️?|☑️?")
_SEPARATOR = re.compile(
    r"\s+[—–-]{1,2}\s+|\s*[—–]\s*|\s+\|\s+|;\s+|,(?!\s*\d{4}\b(?![-/.]))\s+|\.\s+(?=\S)"
)
"""What sets an item's marks apart from what is to be done: a dash, a bar, a semicolon,
a comma, a full stop ("Add retry — not done yet", "F — Owner: Priya — Due: 2026-03-01")."""
_GROUP = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
_PARTS = re.compile(r";\s*|,(?!\s*\d{4}\b(?![-/.]))\s*|\s+[—–-]\s+")
"""What parts a bracketed group of marks ("(Sven, due Feb 20, 2026)"): not the comma of a
date in words."""
_LEADING_STATUS = re.compile(
    r"^\s*([^\W\d_][^:—–]{0,24}?)\s*(?::|\s[—–-])\s+|^\s*([A-Z]{2,}(?: [A-Z]{2,})?)\s+"
)
"""A status before the item ("DONE: …", "Erledigt — …", "DONE Add retry")."""
_NOT_NAMES = frozenset((
    "prevent", "detect", "mitigate", "repair", "process", "investigate", "improve", "fix",
    "follow-up", "followup", "high", "medium", "low", "critical", "urgent", "optional",
    "blocker", "major", "minor", "short-term", "long-term", "quick win", "nice to have",
    "none", "tbd", "tbc", "n/a", "unassigned", "nobody", "unknown", "unclear", "team",
))  # fmt: skip
_UNSET_OWNERS = frozenset(("-", "—", "–", "?", "tbd", "tbc", "n/a", "na", "none", "unassigned",
                           "nobody", "unknown", "unclear", "offen", "nn", "n.n."))  # fmt: skip
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
"""A line break inside a cell or an item, as Confluence writes it: a space."""


def read_action_items(value: Any, text: str, notes: list[str]) -> list[ActionItem]:
    """The action items of the front matter's `action_items` list, else of the section's
    text: table rows, task-list items, bullets. What a date cannot be read of is said in
    `notes`."""
    items: list[ActionItem] = []
    if isinstance(value, list):
        for n, entry in enumerate(value):
            try:
                items.append(_from_mapping(entry, notes))
            except (TypeError, ValueError) as error:
                notes.append(f"action_items[{n}]: {error}")
    if items or not text:
        return items
    table: _Table | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            table = None  # a table ends where its rows do: the next has a header of its own
            continue
        if TABLE_RULE.match(line):
            continue
        if line.startswith("|"):
            cells = [_BREAK.sub(" ", c).strip() for c in line.strip("|").split("|")]
            if table is None:
                table = _Table([_header_name(c) for c in cells])
            elif (item := table.item(cells, notes)) is not None:
                items.append(item)
            continue
        table = None
        task = TASK.match(raw)
        if task:
            items.append(_from_text(task.group(2), notes, box=task.group(1).lower() == "x"))
            continue
        bullet = BULLET.match(raw)
        if bullet:
            items.append(_from_text(bullet.group(1), notes))
    return [item for item in items if item.title]


def status_of(text: str) -> ItemStatus | None:
    """What a status says ("Done", "Not done", "in progress", "erledigt", "✅", "x"): done,
    open, or None when it says neither. A denied done word is open; an open word wins over
    a done word unless the status starts with the done one ("Done (was in progress)")."""
    plain = unaccented(text.strip().lower()).replace("’", "'")
    if not plain:
        return None
    if plain in _YES:
        return "done"
    if plain in _NO:
        return "open"
    done = _DONE_WORD.search(plain)
    if _DENIED.search(plain):
        return "open"
    if done is not None and done.start() == 0:
        return "done"
    if _OPEN_WORD.search(plain):
        return "open"
    return "done" if done is not None else None


def ticket_in(text: str) -> str | None:
    """The tracker key (PAY-220) or issue address in `text`, or None."""
    found = _TICKET.search(text)
    return found.group(0) if found else None


def due_date(value: Any, title: str, notes: list[str]) -> dt.date | None:
    """The day a due value names (ISO, "20 Mar 2026", "Apr 1, 2026", "05.03.2026",
    "3/25/2026", "25/03/2026"); None when there is none, said in `notes` when a value is
    written that cannot be read as one day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value is None:
        return None
    text = str(value).strip()
    if not text or text.lower() in _UNSET_OWNERS:
        return None
    day = first_date(text, dotted=True, slashed=True)
    if day is not None:
        return day
    unsure = unsure_date(text)
    name = f'action item "{title[:50]}"' if title else "an action item"
    if unsure is not None:
        first, second, year = unsure.split("/")
        one, other = (
            dt.date(int(year), int(m), int(d)) for m, d in ((first, second), (second, first))
        )
        notes.append(f'{name}: due "{unsure}" could be {one:%B} {one.day} or {other:%B} '
                     f"{other.day}: left out (write {one} or {other})")  # fmt: skip
    else:
        notes.append(f'{name}: due "{text}" is no date Basics reads (2026-03-20, '
                     "20 Mar 2026, 20.03.2026): left out")  # fmt: skip
    return None


def _from_mapping(entry: Any, notes: list[str]) -> ActionItem:
    if isinstance(entry, str):
        return _from_text(entry, notes)
    if not isinstance(entry, dict):
        raise TypeError("expected a mapping with title, owner, type, status, due")
    data = {str(k).lower(): v for k, v in entry.items()}
    title = _text(data.get("title") or data.get("action") or data.get("item")) or ""
    status = status_of(_text(data.get("status")) or "")
    return ActionItem(
        title=title,
        owner=_text(data.get("owner") or data.get("assignee")),
        type=_text(data.get("type")),
        status=status or "open",
        due=due_date(data.get("due"), title, notes),
        closed=due_date(data.get("closed"), title, []),
        ticket=_text(data.get("ticket") or data.get("jira") or data.get("issue")),
    )


# Header names of an action-item table's columns, compared without case or accents: a
# name holds one of these (a whole word of it, for the short ones).
_TITLE_COLUMNS = ("action", "item", "title", "task", "description", "what", "massnahme",
                  "aufgabe", "beschreibung", "accion", "tarea", "descripcion", "tache",
                  "mesure", "acao", "tarefa", "actie", "taak", "titel", "titulo",
                  "titre")  # fmt: skip
_OWNER_COLUMNS = ("owner", "owned", "assignee", "who", "responsible", "verantwortlich",
                  "zustandig", "besitzer", "responsable", "proprietaire", "encargad",
                  "responsavel", "eigenaar", "verantwoordelijke", "dri")  # fmt: skip
_SHORT_OWNER_COLUMNS = ("wer", "quien", "qui", "quem", "wie")
_STATUS_COLUMNS = ("status", "state", "estado", "statut")
_SHORT_STATUS_COLUMNS = ("done", "etat", "stand", "zustand", "erledigt", "hecho", "fait", "feito")
_CLOSED = re.compile(rf"\b(?:{_WORD_LIST})\b\s*(?:on|am|le|el|em|op)?\s*[:=]?\s*({_DATE_TEXT})")
"""A done word and the day it was done, anywhere in a done item's text ("completed
2026-03-08 by Noor", "erledigt am 05.03.2026"); in lower case without accents."""
_CLOSED_COLUMNS = ("closed", "completed", "resolved", "done", "erledigt", "geschlossen",
                   "abgeschlossen", "cerrad", "ferme", "fechad")  # fmt: skip
_DUE_COLUMNS = ("due", "deadline", "target", "fallig", "frist", "termin", "fecha limite",
                "plazo", "vence", "vencimiento", "echeance", "date limite", "prazo",
                "vencimento", "uiterlijk")  # fmt: skip
_TYPE_COLUMNS = ("type", "kind", "category", "typ", "tipo", "kategorie", "categoria",
                 "categorie", "soort")  # fmt: skip


@dataclass
class _Table:
    """An action-item table: its header (lower case, without accents or marks)."""

    header: list[str]
    words: list[list[str]] = field(init=False)  # the words of each header name
    has_status: bool = field(init=False)

    def __post_init__(self) -> None:
        self.words = [_LOWER_WORDS.findall(name) for name in self.header]
        # The header's own cells name their columns: one named so is a status column.
        named = self.cell(self.header, *_STATUS_COLUMNS)
        self.has_status = bool(named or self.cell(self.header, *_SHORT_STATUS_COLUMNS, words=True))

    def cell(self, cells: list[str], *names: str, words: bool = False,
             besides: tuple[str, ...] = ()) -> str:  # fmt: skip
        """The first cell whose header holds one of `names` (a whole word of it, with
        `words`) and none of `besides`."""
        for index, name in enumerate(self.header):
            found = any(n in self.words[index] if words else n in name for n in names)
            if index < len(cells) and found and not any(b in name for b in besides):
                return EMPHASIS.sub("", cells[index]).strip()
        return ""

    def item(self, cells: list[str], notes: list[str]) -> ActionItem | None:
        """The item of a row; None for a row that is none: the header again (Confluence
        repeats it), or a row of one cell that heads the rows below it (`| **Phase 2** ||||`,
        a merged row of a Google Docs export)."""
        if [_header_name(c) for c in cells] == self.header or _heads_rows(cells, self.header):
            return None
        title = self.cell(cells, *_TITLE_COLUMNS) or EMPHASIS.sub("", cells[0]).strip()
        title, marks = _marks(title)
        status_text = self.cell(cells, *_STATUS_COLUMNS) or self.cell(
            cells, *_SHORT_STATUS_COLUMNS, words=True
        )
        owner = (self.cell(cells, *_OWNER_COLUMNS)
                 or self.cell(cells, *_SHORT_OWNER_COLUMNS, words=True)).lstrip("@")  # fmt: skip
        # Closed on the date its own column or the status cell gives ("Done 2026-02-20"),
        # never read across cells: "Completed" then "2026-02-25" under "Status | Due" is done
        # on a day unknown, not on its due date.
        closed = due_date(self.cell(cells, *_CLOSED_COLUMNS), title, [])
        if self.has_status:
            status = status_of(status_text) or ("done" if closed else None)
        else:  # a cell that is a status (by its ticket: "NOTIF-311 **DONE**"), or the title's
            said = [c for c in cells[1:] if _is_status(_TICKET.sub(" ", EMPHASIS.sub("", c)))]
            status_text = said[0] if said else ""
            status = status_of(status_text) or marks.status or ("done" if closed else None)
        if status == "done" and closed is None:
            closed = first_date(status_text, dotted=True, slashed=True) or marks.closed
        due = self.cell(cells, *_DUE_COLUMNS) or self.cell(
            cells, "by", "date", "datum", "fecha", words=True,
            besides=("closed", "completed", "resolved", "done", "owned", "erledigt", "raised",
                     "created", "opened", "added", "filed", "reported"),
        )  # fmt: skip
        return ActionItem(
            title=title,
            owner=_owner(owner) or marks.owner,
            type=self.cell(cells, *_TYPE_COLUMNS) or None,
            status=status or "open",
            due=due_date(due or marks.due, title, notes),
            closed=closed,
            ticket=ticket_in(self.cell(cells, "ticket", "jira", "issue", "bug", "link",
                                       words=True)) or marks.ticket,
        )  # fmt: skip


_EMPHASISED = re.compile(r"(\*\*|__|\*|_).+\1")
_STRUCK = re.compile(r"\s*~~.+~~\s*")
_HANDLE_FIRST = re.compile(r"\s*@([\w.-]+)[:,]?\s+(?=\S)")


def _heads_rows(cells: list[str], header: list[str]) -> bool:
    """A row that heads the rows below it rather than being an item: one cell filled in a
    table of more, that is all emphasis or ends with a colon (`| **Phase 2** ||||`: an item
    with its other cells left empty is an item, which lint says lacks an owner); or the
    same text in every cell (merged cells written out)."""
    filled = [c for c in cells if c]
    if len(header) < 2 or not filled:
        return not filled
    if len(filled) > 1:
        return len(set(filled)) == 1 and len(filled) == len(header)
    only = filled[0]
    return bool(_EMPHASISED.fullmatch(only)) or only.endswith(":")


LONGEST_ITEM = 2_000
"""Characters of an action item read (a longer one is said in the notes)."""
_SPACES = re.compile(r"\s{2,}")


def _from_text(text: str, notes: list[str], box: bool | None = None) -> ActionItem:
    """An item of a task list (`box`: whether it is checked) or a bullet."""
    text = _SPACES.sub(" ", _BREAK.sub(" ", text))
    if len(text) > LONGEST_ITEM:  # the marks' patterns take a time that grows as its square
        notes.append(f"an action item of {len(text):,} characters: read its first "
                     f"{LONGEST_ITEM:,} (\"{text[:40]}…\")")  # fmt: skip
        text = text[:LONGEST_ITEM]
    struck = bool(_STRUCK.fullmatch(text))
    plain = EMPHASIS.sub("", text).replace("~", "").strip()
    title, marks = _marks(plain)
    owner_match = _OWNER.search(plain)
    owner = marks.owner or (_owner(next((g for g in owner_match.groups() if g), ""))
                            if owner_match else None)  # fmt: skip
    said_due = _DUE.search(plain)
    due = due_date(marks.due or (said_due.group(1) if said_due else None), title, notes)
    if box is not None:
        status: ItemStatus = "done" if box else "open"
    else:
        status = marks.status or ("done" if struck else "open")
    closed = None
    if status == "done":
        said_closed = _CLOSED.search(unaccented(plain.lower()))
        closed = marks.closed or (due_date(said_closed.group(1), title, []) if said_closed
                                  else None)  # fmt: skip
    return ActionItem(
        title=_title(title, owner_match, said_due),
        owner=owner,
        status=status,
        due=due,
        closed=closed,
        ticket=marks.ticket or ticket_in(plain),
    )


@dataclass
class _Marks:
    """What an item's marks say: its status, owner, due date, closed date, ticket."""

    status: ItemStatus | None = None
    owner: str | None = None
    due: str | None = None  # as written: read (or said unreadable) once the title is known
    closed: dt.date | None = None
    ticket: str | None = None
    names: list[str] = field(default_factory=list)  # names alone, owners beside a mark
    dates: list[str] = field(default_factory=list)  # dates alone, due beside a name

    def read(self, part: str, end: bool, alone: bool = True) -> bool:
        """Whether `part` is a mark (read into these), or a name `alone` (kept aside). A
        status is a mark only at the `end` (or the start) of an item."""
        part = part.strip(" .:;,")
        if not part:
            return True
        if end and _is_status(part):
            status = status_of(part)
            self.status = self.status or status
            if status == "done" and self.closed is None:
                self.closed = first_date(part, dotted=True, slashed=True)
            return True
        if (due := _DUE_MARK.fullmatch(part)) is not None:
            self.due = self.due or due.group(1) or due.group(2)
            return True
        if _DATES.fullmatch(part):
            self.dates.append(part)
            return True
        if _TICKET.fullmatch(part) or _URL.fullmatch(part):
            self.ticket = self.ticket or ticket_in(part) or part
            return True
        owner = _OWNER_MARK.fullmatch(part)
        if owner is None or owner.group(1).lower() in _NOT_NAMES:
            return False
        if _OWNER_LABEL.match(part):
            self.owner = self.owner or _owner(owner.group(1))
            return True
        if alone and _BARE_NAME.fullmatch(part):
            self.names.append(part.lstrip("@"))
            return True
        return False

    def marked(self) -> bool:
        """Whether a mark was read: not a name alone, nor a date alone; a name and a date
        side by side are an owner and a due date ("(Amy, 2026-03-01)")."""
        named_and_dated = bool(self.names and self.dates)
        return bool(self.status or self.owner or self.due or self.ticket or named_and_dated)


def _marks(text: str) -> tuple[str, _Marks]:
    """What is to be done, and the marks around it: bracketed groups of marks anywhere
    ("(@amy, due 2026-03-01)", "(owner: Omar)"; a status only first or last: "[DONE]"),
    marks set apart by dashes, bars or commas at its end ("— Noor — completed 2026-03-08")
    and a status before it ("DONE: …"). A name alone is the owner only beside a mark."""
    marks = _Marks()
    title = text
    for group in reversed(list(_GROUP.finditer(text))):
        inner = group.group(1) if group.group(1) is not None else group.group(2)
        parts = [p for p in _PARTS.split(inner) if p.strip()]
        at_end = not title[group.end() :].strip(" .") or not title[: group.start()].strip()
        tried = _Marks()
        if parts and all(tried.read(p, at_end) for p in parts):
            if not tried.marked():
                continue  # a name alone in brackets ("(Amara)") may be anything
            for part in parts:
                marks.read(part, at_end)
            title = title[: group.start()] + " " + title[group.end() :]
    title = _trailing_marks(title.strip(), marks)
    leading = _LEADING_STATUS.match(title)
    said = leading.group(1) or leading.group(2) if leading else ""
    if leading and said and _is_status(said):
        marks.read(said, end=True)
        title = title[leading.end() :]
    handle = _HANDLE_FIRST.match(title)
    if handle:  # "@kai Move the issuer reference…": who, then what (GitHub's task lists)
        marks.owner = marks.owner or handle.group(1)
        title = title[handle.end() :]
    if _EMOJI_DONE.search(title):
        marks.status = marks.status or "done"
        title = _EMOJI_DONE.sub(" ", title)
    if marks.due is None and marks.dates and (marks.names or marks.owner):
        marks.due = marks.dates[0]
    if marks.names and marks.owner is None and (marks.due or marks.status or marks.ticket):
        marks.owner = _owner(marks.names[0])
    return " ".join(title.split()), marks


def _trailing_marks(title: str, marks: _Marks) -> str:
    """`title` without the marks set apart at its end (and the owner-first "Owner: X — …"
    at its start), read into `marks`."""
    whole, read = title, _Marks()
    while True:
        cuts = list(_SEPARATOR.finditer(title))
        if not cuts:
            break
        last = cuts[-1]
        tail = title[last.end() :]
        # A name alone only after a dash ("— Noor —"): after a comma it is a list's word.
        alone = last.group(0).strip() in ("—", "–", "-", "--")
        if last.start() == 0 or not read.read(tail, end=True, alone=alone):
            break
        title = title[: last.start()]
    if read.marked():
        for part in _SEPARATOR.split(whole[len(title) :]):
            marks.read(part, end=True)
    else:  # names alone, and no mark beside them: what is to be done says them
        title = whole
    first = _SEPARATOR.search(title)
    if first is not None and first.start() > 0 and _OWNER_LABEL.match(title):
        head = title[: first.start()]
        if _OWNER_MARK.fullmatch(head.strip()):
            marks.read(head, end=False)
            title = title[first.end() :]
    return title


_SAID = rf"@|due|owner|by \d|(?:{OWNER_WORDS})\s*[:=]|fällig|fecha límite|échéance"
_SAID_IN_BRACKETS = re.compile(rf"\s*\((?:[^()]*(?:{_SAID})[^()]*)\)\s*", re.IGNORECASE)
"""Brackets that say an owner or a due date among other words ("(owner Li, after the
freeze)"): read, and no part of what is to be done."""
_OWNER_FIRST = re.compile(
    rf"^\s*(?:owner|{OWNER_WORDS})\s*:\s*[\w.-]+(?: [A-Z][\w-]+)?\s*[—–:-]+\s*", re.IGNORECASE
)
_SPACES = re.compile(r"\s+")


def _title(title: str, owner: re.Match[str] | None, due: re.Match[str] | None) -> str:
    """What is to be done, without the owner and due date said inside it ("… (owner: Li,
    by 2026-03-01)", an ending "by 2025-11-18") and without an issue's address."""
    title = _OWNER_FIRST.sub("", _SAID_IN_BRACKETS.sub(" ", title))
    if due is not None and title.rstrip().endswith(due.group(0)):
        # An ending "by 2025-11-18": read, and no part of what is to be done.
        title = title.rstrip()[: -len(due.group(0))]
    title = _URL.sub(lambda m: " " if _TICKET.match(m.group(0)) else m.group(0), title)
    return _SPACES.sub(" ", title).strip(" —–-")


def _is_status(text: str) -> bool:
    """Whether `text` is a status and nothing else ("Done", "not done yet", "Closed
    2026-02-20", "erledigt am 05.03.2026", "✅"): every word a status word, dates aside."""
    plain = unaccented(text.lower()).replace("’", "'").strip(" []().:;,!")
    if plain in _YES:
        return True
    plain = _DATES.sub(" ", _EMOJI_DONE.sub(" done ", plain)).replace("won't", "wont")
    words = _LOWER_WORDS.findall(plain.replace("n't", " n't"))
    return bool(words) and all(w in _STATUS_WORDS for w in words) and status_of(plain) is not None


def _owner(text: str) -> str | None:
    """An owner as written, or None for a placeholder ("TBD", "n/a", "unassigned")."""
    text = text.strip().lstrip("@").strip()
    return text if text and text.lower() not in _UNSET_OWNERS else None


def _header_name(cell: str) -> str:
    return " ".join(unaccented(EMPHASIS.sub("", cell).lower()).split())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
