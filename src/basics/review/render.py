"""The review as Markdown (to paste into the weekly meeting's notes) and as one
self-contained HTML file (inline styles and SVG bars, no network), user text escaped."""

from __future__ import annotations

import datetime as dt
import html
from typing import Literal

from basics.core.rounding import fixed, percent
from basics.review.models import Candidate, Changes, Coverage, Review


def summary(r: Review) -> list[str]:
    """The week's changes as short lines, the same in every format."""
    c = r.changes
    lines = []
    burned = [s for s in c.slos if s.budget_burned]
    burned.sort(key=lambda s: -(s.budget_burned or 0))
    said = ", ".join(
        f"{s.slo} {fixed(s.budget_burned or 0, 1, 2)} %{_was(s.previous_budget_burned)}"
        for s in burned[:4]
    ) + _more(len(burned), 4, "SLOs")
    if not said:
        counted = any(s.total for s in c.slos)
        said = "none burned" if counted else "no data (no events counted this week)"
    lines.append(f"Error budget burned this week: {said}")
    people = ", ".join(f"{p.person} {p.pages} ({p.night_pages} at night)" for p in c.people[:4])
    people += _more(len(c.people), 4, "people") if people else ""
    if c.pages is not None:
        lines.append(f"Pages: {c.pages} (week before {_count(c.previous_pages)}), "
                     f"{c.night_pages} at night" + (f"; {people}" if people else ""))  # fmt: skip
    else:
        lines.append(_no_data(r, "pages", c.pages_coverage))
    noisy = ", ".join(f"{a.alert} {a.pages}" for a in c.noisy_alerts[:3])
    noisy += _more(len(c.noisy_alerts), 3, "alerts") if noisy else ""
    if noisy:
        lines.append(f"Noisiest alerts: {noisy}")
    lines.append(f"Toil: {_hours(c.toil_hours)} (week before {_hours(c.previous_toil_hours)})")
    cfr = f", {percent(c.change_failure_rate)} failed" if c.change_failure_rate is not None else ""
    lines.append(f"Deploys: {c.deploys} (week before {_count(c.previous_deploys)}){cfr}"
                 if c.deploys is not None
                 else _no_data(r, "deploys", c.deploys_coverage))  # fmt: skip
    if c.new_postmortems:
        lines.append(f"New post-mortems: {'; '.join(c.new_postmortems)}")
    if c.themes:
        lines.append(f"Themes recurring this week: {'; '.join(c.themes)}")
    lines.append(f"Action items: {c.actions_opened} opened, {c.actions_closed} closed, "
                 f"{c.actions_overdue} overdue" if c.postmortems_written
                 else "Action items: no data (no post-mortem written)")  # fmt: skip
    lines.append(_scorecard_line(c))
    return lines


_NO_DATA = {
    "pages": ("imported", "page or import", "page", "basics ingest pages FILE"),
    "deploys": ("recorded", "deploy or record", "deploy", "basics deploys record"),
}
"""How a line of pages or deploys says no data: stored how, what ends the span the store
knows, one of them, and the command that stores more."""


def _no_data(r: Review, what: Literal["pages", "deploys"], known: Coverage | None) -> str:
    """Pages or deploys of a week the store knows nothing of: it never held any, or the week
    lies after the newest (or before the oldest) that the imports cover."""
    stored, newest, one, command = _NO_DATA[what]
    if known is None:
        why = f"none {stored}: {command}"
    elif r.start > known.last:
        why = f"{what} known up to {_second(known.last)}, the newest {newest}: {command}"
    else:
        why = f"{what} known from {_second(known.first)}, the oldest {one}"
    return f"{what.capitalize()}: no data ({why})"


def _second(moment: dt.datetime) -> str:
    """A moment to the second, as ISO 8601 UTC (an import's end has microseconds)."""
    return f"{moment:%Y-%m-%dT%H:%M:%S}Z"


def _count(value: int | None) -> str:
    return "no data" if value is None else str(value)


def _more(count: int, shown: int, what: str) -> str:
    """What a line leaves out, said: the rest are in --json."""
    return f" and {count - shown} more {what}" if count > shown else ""


def _was(previous: float | None) -> str:
    return f" (week before {fixed(previous, 1, 2)} %)" if previous else ""


def _scorecard_line(c: Changes) -> str:
    """The services failing now and the week before, from its kept scorecards: a service
    with none kept that week is "no data", never counted as passing."""
    now = ", ".join(c.failing_services) or "none"
    if c.previous_failing_services is None:
        return f"Services failing the scorecard: {now} (week before: no data)"
    before = ", ".join(c.previous_failing_services) or "none"
    if c.previous_no_data_services:
        before += f"; no data for {', '.join(c.previous_no_data_services)}"
    return f"Services failing the scorecard: {now} (week before: {before})"


def markdown(r: Review) -> str:
    """The review as Markdown."""
    out = [f"# Weekly review, {r.week}", "",
           f"{r.first_day} to {r.last_day} ({r.timezone}), from `basics review "
           f"--week {r.week}`.", "", "## What changed", ""]  # fmt: skip
    out += [f"- {_md(line)}" for line in summary(r)]
    out += ["", "## What to fix next", "",
            "Ranked by what each cost this week in engineer-hours (`review.weights`).", "",
            "| # | What | Cost (h) | How it is costed | Evidence |",
            "|---|---|---|---|---|"]  # fmt: skip
    out += [
        f"| {i} | {_md(c.title)} | {fixed(c.cost_hours, 1)} | {_md(c.formula)} | `{c.evidence}` |"
        for i, c in enumerate(r.fix_next, 1)
    ]
    if not r.fix_next:
        out.append("| | nothing measured cost anything this week | | | |")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """User text (alert names, titles) as Markdown text: no table break, no HTML, no link."""
    text = html.escape(text.replace("\n", " "), quote=False)
    for mark in ("\\", "|", "[", "]", "`", "*", "_"):
        text = text.replace(mark, "\\" + mark)
    return text


def page(r: Review) -> str:
    """The review as one HTML file: no script, no external resource."""
    e = html.escape
    top = max((c.cost_hours for c in r.fix_next), default=0.0) or 1.0
    rows = "".join(_row(i, c, top) for i, c in enumerate(r.fix_next, 1))
    changes = "".join(f"<li>{e(line)}</li>" for line in summary(r))
    budget = _budget_bars(r)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Weekly review {e(r.week)}</title>
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1a1a2e}}
table{{border-collapse:collapse;width:100%}} th,td{{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #e3e3ea;vertical-align:top}} td.n{{text-align:right;white-space:nowrap}}
code{{font-size:12px;background:#f3f3f7;padding:1px 3px}} .f{{color:#555;font-size:12px}}
</style></head><body>
<h1>Weekly review, {e(r.week)}</h1>
<p class="f">{r.first_day} to {r.last_day} ({e(r.timezone)}), from
<code>basics review --week {e(r.week)} --format html</code></p>
<h2>What changed</h2><ul>{changes}</ul>
{budget}
<h2>What to fix next</h2>
<p class="f">Ranked by what each cost this week in engineer-hours (review.weights in
basics.yaml); each row says how its cost is made and where the evidence is.</p>
<table><tr><th>#</th><th>What</th><th>Cost</th><th></th><th>Evidence</th></tr>{rows}</table>
</body></html>
"""


def _row(i: int, c: Candidate, top: float) -> str:
    e = html.escape
    width = max(2, round(160 * c.cost_hours / top))
    bar = (f'<svg width="164" height="12" role="img" aria-label="{fixed(c.cost_hours, 1)} h">'
           f'<rect width="{width}" height="12" fill="#3b5bdb"/></svg>')  # fmt: skip
    return (f"<tr><td>{i}</td><td>{e(c.title)}<div class='f'>{e(c.formula)}</div></td>"
            f"<td class='n'>{fixed(c.cost_hours, 1)} h</td><td>{bar}</td>"
            f"<td><code>{e(c.evidence)}</code></td></tr>")  # fmt: skip


def _budget_bars(r: Review) -> str:
    """Budget burned per SLO this week and the week before, as inline SVG bars."""
    e = html.escape
    slos = [s for s in r.changes.slos if s.budget_burned or s.previous_budget_burned]
    if not slos:
        return ""
    top = max(max(s.budget_burned or 0, s.previous_budget_burned or 0) for s in slos) or 1.0
    rows = []
    for s in sorted(slos, key=lambda s: -(s.budget_burned or 0)):
        now = round(300 * (s.budget_burned or 0) / top)
        before = round(300 * (s.previous_budget_burned or 0) / top)
        rows.append(
            f"<tr><td>{e(s.slo)}</td><td class='n'>{fixed(s.budget_burned or 0, 1, 2)} %</td>"
            f'<td><svg width="304" height="18" role="img" aria-label="this week and the week '
            f'before"><rect y="1" width="{now}" height="8" fill="#c92a2a"/>'
            f'<rect y="10" width="{before}" height="7" fill="#adb5bd"/></svg></td></tr>'
        )
    return ("<h2>Error budget burned</h2><p class='f'>This week (red) and the week before "
            "(grey), as a share of each SLO's window budget.</p>"
            f"<table>{''.join(rows)}</table>")  # fmt: skip


def _hours(hours: float | None) -> str:
    """Hours of toil, or "no data" for a week without entries (not zero toil)."""
    return "no data" if hours is None else f"{fixed(hours, 1)} h"
