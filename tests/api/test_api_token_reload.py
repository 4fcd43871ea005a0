"""A token taken out of basics.yaml is refused from the next request, without a restart
(it was accepted until the server restarted); one added is accepted; a file that no longer
loads keeps the tokens as they were, and the server's log says why."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from conftest import Server

KEPT, REVOKED = "bsc_kept-sender", "bsc_revoked-sender"


def config(*tokens: str) -> str:
    lines = "".join(
        f"    {t.removeprefix('bsc_')}: {{sha256: {hashlib.sha256(t.encode()).hexdigest()}, "
        "scopes: [incidents]}\n"
        for t in tokens
    )
    return f"timezone: UTC\nservices:\n  checkout: {{}}\nserve:\n  tokens:\n{lines}"


def rewrite(path: Path, text: str) -> None:
    """Write the file and move its modification time on (a second later than it was: the
    same second on a coarse file system would hide the change)."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    later = max(path.stat().st_mtime_ns, before + 1_000_000_000)
    os.utime(path, ns=(later, later))


def post(server: Server, token: str) -> int:
    incident = {"services": ["checkout"], "start": "2026-11-02T10:00:00Z",
                "end": "2026-11-02T10:30:00Z", "title": f"by {token}"}  # fmt: skip
    answer = server.client.post(
        "/api/v1/incidents", json=incident, headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status_code


def test_tokens_follow_basics_yaml_without_a_restart(tmp_path: Path) -> None:
    settings = tmp_path / "basics.yaml"
    settings.write_text(config(KEPT, REVOKED), encoding="utf-8")
    server = Server(tmp_path, env={"BASICS_API_TOKEN": ""})
    try:
        assert (post(server, KEPT), post(server, REVOKED)) == (200, 200)

        rewrite(settings, config(KEPT))
        assert (post(server, KEPT), post(server, REVOKED)) == (200, 401)

        # Half-edited: the file does not load; the tokens stay as they were.
        rewrite(settings, config(KEPT) + "  max_body_mb: [\n")
        assert (post(server, KEPT), post(server, REVOKED)) == (200, 401)

        rewrite(settings, config(KEPT, REVOKED))
        assert post(server, REVOKED) == 200
    finally:
        server.stop()
    said = server.output()
    assert "changed and does not load, so its tokens stay as they were" in said
