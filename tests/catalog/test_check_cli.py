"""`basics check` on the demo company: what its scorecard finds (the stories planted in it),
the CI gate's exit codes, the snapshots kept, and `--history` week by week."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BASICS


@pytest.fixture(scope="module")
def company(small_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo (`check` keeps snapshots: it writes)."""
    folder = tmp_path_factory.mktemp("check") / "company"
    shutil.copytree(small_demo, folder)
    return folder


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BASICS, "check", *args], cwd=folder, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip


def test_the_scorecard_finds_the_demo_stories(company: Path) -> None:
    done = run(company, "--json")
    assert done.returncode == 0, done.stderr  # no --fail-on: a report, not a gate
    report = json.loads(done.stdout)
    cards = {card["service"]: card for card in report["services"]}
    assert set(cards) == {"www", "api", "payments", "checkout", "search", "notifications"}
    checks = {s: {c["check"]: c for c in card["checks"]} for s, card in cards.items()}
    # dana carried the pager: every service the platform rotation covers fails on it
    concentration = checks["search"]["oncall.concentration"]
    assert concentration["verdict"] == "fail"
    assert concentration["measured"].startswith("dana 70% of ")
    assert concentration["evidence"] == "basics oncall report --team platform"
    # notifications is the one service without a runbook
    assert checks["notifications"]["runbook"]["verdict"] == "fail"
    assert {s for s in checks if checks[s]["runbook"]["verdict"] == "fail"} == {"notifications"}
    # each recorded incident has its post-mortem; checkout's overdue action item fails
    assert checks["checkout"]["postmortems.coverage"]["verdict"] == "pass"
    assert checks["checkout"]["postmortems.actions"]["verdict"] == "fail"
    # deploys are recorded with their commits for every service
    assert all(checks[s]["deploys.dora"]["verdict"] == "pass" for s in checks)
    for card in cards.values():
        assert card["passed"] + card["warned"] + card["failed"] == 14
        assert card["verdict"] == ("fail" if card["failed"] else "warn" if card["warned"]
                                   else "pass")  # fmt: skip
    assert report["verdict"] == "fail"


def test_the_gate_exit_codes(company: Path) -> None:
    assert run(company, "--service", "search", "--fail-on", "fail").returncode == 2
    assert run(company, "--service", "search", "--fail-on", "warn").returncode == 2
    assert run(company, "--service", "search").returncode == 0
    unknown = run(company, "--service", "nope")
    assert unknown.returncode == 1
    assert 'Error: unknown service "nope"' in unknown.stderr


def test_an_exception_lets_the_gate_pass_until_it_expires(company: Path, tmp_path: Path) -> None:
    folder = tmp_path / "excepted"
    shutil.copytree(company, folder)
    config = folder / "basics.yaml"
    text = config.read_text()
    exceptions = "".join(
        f"    - {{service: search, check: {check}, reason: the rotation grows in April, "
        f"until: {until}}}\n"
        for check, until in (
            ("oncall.concentration", "2026-04-30"),
            ("oncall.load", "2026-04-30"),
            ("alerts.replay", "2026-04-30"),
        )
    )
    config.write_text(text + f"checks:\n  exceptions:\n{exceptions}")
    assert run(folder, "--service", "search", "--fail-on", "fail").returncode == 0
    expired = exceptions.replace("2026-04-30", "2026-03-01")
    config.write_text(text + f"checks:\n  exceptions:\n{expired}")
    done = run(folder, "--service", "search", "--fail-on", "fail", "--json")
    assert done.returncode == 2
    load = next(c for c in json.loads(done.stdout)["services"][0]["checks"]
                if c["check"] == "oncall.load")  # fmt: skip
    assert load["exception"] == "expired 2026-03-01: the rotation grows in April"


def test_history_keeps_one_scorecard_a_day_and_shows_it_by_week(company: Path) -> None:
    for at in ("2026-02-10T12:00Z", "2026-02-10T18:00Z", "2026-02-20T12:00Z", "latest"):
        assert run(company, "--service", "checkout", "--at", at).returncode == 0
    done = run(company, "--history", "--service", "checkout", "--json")
    rows = json.loads(done.stdout)
    assert [r["week"] for r in rows] == ["2026-W07", "2026-W08", "2026-W10"]
    assert [r["day"] for r in rows] == ["2026-02-10", "2026-02-20", "2026-03-03"]
    assert all(r["service"] == "checkout" for r in rows)
    table = run(company, "--history", "--service", "checkout")
    assert "2026-W07" in table.stdout and table.returncode == 0
    # The weeks kept are not judged again: a gate on them is refused, not ignored (it
    # exited 0 under rows of FAIL).
    for flag, value in (("--fail-on", "fail"), ("--at", "latest")):
        gate = run(company, "--history", flag, value)
        assert gate.returncode == 2
        assert f"{flag} judges one scorecard; not with --history" in gate.stderr


def test_a_long_lived_app_judges_each_run_on_its_own_data(company: Path, tmp_path: Path) -> None:
    """The figures of one run are not reused by the next (a server keeps one App per
    thread): pages recorded between two checks show in the second."""
    import datetime as dt

    from basics.app import App
    from basics.config.loader import load_config
    from basics.oncall.models import Page

    folder = tmp_path / "live"
    shutil.copytree(company, folder)
    app = App(load_config(folder / "basics.yaml"))
    at = app.slo.resolve_at("latest")

    def concentration() -> str:
        card = app.catalog.check(at, ["search"], keep=False).services[0]
        return next(c.measured for c in card.checks if c.check == "oncall.concentration")

    before = concentration()
    more = [Page(f"t:{i}", "test", str(i), f"k{i}", "Extra", "search", "high",
                 at - dt.timedelta(hours=i + 1), None, None, "kofi")
            for i in range(40)]  # fmt: skip
    app.oncall.record_pages(more, "test", "more pages")
    after = concentration()
    assert before != after and "of 219 pages" in after, (before, after)
    app.close()
