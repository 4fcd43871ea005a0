"""The demo company's deploy history, as its CI would export it: one JSON line per deploy
of the story (every version the events report), with the commits each shipped.

The checkout 2.7.0 deploy was rolled back; search 3.5.0 is the slow burn behind the latency
regression. Their post-mortems name them (`deploys:`), so both count as failed changes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

from basics.demo import story

ROLLED_BACK = {("checkout", story.CHECKOUT_BAD_VERSION)}
ACTORS = ("github-actions", "argo-cd", "dana", "lee")


def write_deploys(folder: Path, seed: int = 7) -> Path:
    """Write `deploys.jsonl` into `folder`; its path."""
    rng = random.Random(seed)
    path = folder / "deploys.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for number, deploy in enumerate(story.DEPLOYS, start=1):
            out.write(json.dumps(_record(number, deploy, rng)) + "\n")
    return path


def _record(number: int, deploy: story.Deploy, rng: random.Random) -> dict[str, object]:
    at = deploy.at
    changes = []
    for _ in range(rng.randint(1, 8)):
        # Committed (merged) hours to days before the deploy; authored up to a week before.
        committed = at - dt.timedelta(minutes=rng.randint(20, 4 * 24 * 60))
        authored = committed - dt.timedelta(minutes=rng.randint(0, 7 * 24 * 60))
        changes.append(
            {
                "sha": f"{rng.getrandbits(160):040x}",
                "authored_at": _z(authored),
                "committed_at": _z(committed),
            }
        )
    status = "rolled-back" if (deploy.service, deploy.version) in ROLLED_BACK else "succeeded"
    return {
        "id": f"run-{1000 + number}",
        "service": deploy.service,
        "version": deploy.version,
        "commit": changes[-1]["sha"],
        "deployed_at": _z(at),
        "status": status,
        "environment": "production",
        "actor": rng.choice(ACTORS),
        "changes": changes,
    }


def _z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
