"""`basics postmortems new --incident N` on the demo company: the draft's figures are the
reports' figures for the incident's range, and it reads back as a post-mortem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner, Result

from basics.cli.main import cli
from basics.postmortems.parse import parse


def run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(folder / "basics.yaml"), *args])


def test_a_draft_from_the_data(small_demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "company"
    shutil.copytree(small_demo, folder, ignore=shutil.ignore_patterns("*.serve.json", "*.turn-*"))
    incidents = json.loads(run(folder, "incidents", "list", "--json").output)
    incident = next(i for i in incidents if "checkout-outage" in i["title"])
    # The demo's post-mortem of that outage is that incident, not a second one.
    assert sum(1 for i in incidents if i["start"] == incident["start"]) == 1
    made = run(folder, "postmortems", "new", "--incident", str(incident["id"]))
    assert made.exit_code == 0, made.output
    path = Path(made.output.split("draft written: ")[1].strip())
    text = path.read_text()
    pm = parse(text, str(path))
    assert pm.title == incident["title"] and pm.services == tuple(incident["services"])
    assert pm.started and pm.started.isoformat() + "Z" == incident["start"]
    assert pm.resolved and pm.resolved.isoformat() + "Z" == incident["end"]
    # Impact: each SLO's bad and total events are `slo cost` over the incident's range.
    for slo in ("checkout/availability", "checkout/latency"):
        cost = json.loads(run(folder, "slo", "cost", slo, "--from", incident["start"], "--to",
                              incident["end"], "--json").output)  # fmt: skip
        assert f"| {slo} | {cost['bad']:,} | {cost['total']:,} |" in text
    # Users: the users with a bad event, as the breakdown counts them.
    users = json.loads(run(folder, "slo", "breakdown", "checkout/availability", "--by", "user",
                           "--from", incident["start"], "--to", incident["end"], "--top",
                           "1000", "--json").output)  # fmt: skip
    with_bad = [c for c in users["contributors"] if c["bad"]]
    assert f"Users with bad events (checkout/availability): {len(with_bad)};" in text
    # Detection: the first page against the start, and who got it.
    pages = json.loads(run(folder, "pages", "list", "--json").output)
    first = min((p for p in pages if p["service"] in incident["services"]
                 and incident["start"] <= p["created_at"] < incident["end"]),
                key=lambda p: p["created_at"])  # fmt: skip
    assert pm.detected is not None and pm.detected.isoformat()[:16] <= first["created_at"][:16]
    assert f"to {first['responder']}" in text
    assert pm.sections["timeline"] and "incident starts" in text
    # Again: the same draft is there, unchanged; once edited, it is never overwritten.
    again = run(folder, "postmortems", "new", "--incident", str(incident["id"]))
    assert again.exit_code == 0 and f"draft unchanged: {path}" in again.output
    path.write_text(text.replace("## Summary", "## Summary\n\nThe LB pool drained."))
    edited = run(folder, "postmortems", "new", "--incident", str(incident["id"]))
    assert edited.exit_code == 1 and "exists already and differs" in edited.output
    assert "The LB pool drained." in path.read_text()
    # Another incident of the same title on the same day takes its id in the file name.
    other = run(folder, "incidents", "add", "--service", "www", "--from", incident["start"],
                "--to", incident["end"], "--title", incident["title"])  # fmt: skip
    assert other.exit_code == 0, other.output
    other_id = max(i["id"] for i in json.loads(run(folder, "incidents", "list", "--json").output))
    second = run(folder, "postmortems", "new", "--incident", str(other_id))
    assert second.exit_code == 0, second.output
    assert f"{path.stem}-{other_id}.md" in second.output
    unknown = run(folder, "postmortems", "new", "--incident", "999")
    assert unknown.exit_code == 1 and "no incident 999" in unknown.output
