"""Deploys from a git repository's tags: each tag a deploy at the time it was made, and its
changes the commits reachable from it and from no earlier tag.

"Earlier" is by the tag's time (the tagger's date for an annotated tag, the commit's for a
lightweight one). So a backport tag (`v1.2.1` made on a release branch after `v1.3.0`)
ships only the commits picked onto that branch, and a tag on a commit an earlier tag already
reached (`v2.0.0` on `v2.0.0-rc1`'s commit) ships none: its commits reached production with
the earlier tag. Two git commands read everything; the walk is one pass over the commits.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from basics.core.errors import InputError
from basics.deploys.models import Change, DeployRead, DeployRecord, DeployReject

SHA = re.compile(r"[0-9a-f]{7,40}")
"""A commit sha as git prints it (full or abbreviated)."""
_TAG_FORMAT = (
    "%(refname:strip=2)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
    "%00%(creatordate:unix)%00%(if)%(taggername)%(then)%(taggername)%(else)%(authorname)%(end)"
)


@dataclass(frozen=True)
class Tags:
    """The tags an import reads, oldest first, and the bytes that identify them (their
    names, targets and times, with the service and patterns): the same bytes again mean
    the same deploys, known without reading a commit."""

    tags: list[tuple[int, str, str, str]]  # (time, name, commit, actor)
    rejects: list[DeployReject]
    identity: bytes


def list_tags(repo: Path, pattern: str, service: str, exclude: Iterable[str] = ()) -> Tags:
    """The repository's tags matching `pattern` and none of `exclude` (one git command)."""
    listing = _git(repo, ["for-each-ref", "--format", _TAG_FORMAT, "refs/tags/"])
    excluded = tuple(exclude)
    found = Tags([], [], b"")
    matched = [f"{service}\0{pattern}\0{chr(0).join(excluded)}"]
    for number, line in enumerate(listing.decode("utf-8", "replace").splitlines(), 1):
        name, kind, target, peeled_kind, peeled, created, actor = line.split("\0")
        if not fnmatch.fnmatchcase(name, pattern) or any(
            fnmatch.fnmatchcase(name, e) for e in excluded
        ):
            continue
        matched.append(line)
        commit = peeled if kind == "tag" else target
        if (peeled_kind if kind == "tag" else kind) != "commit":
            found.rejects.append(
                DeployReject(number, "tag", f"tag {name} points at a {kind}, not a commit", name)
            )
            continue
        found.tags.append((int(created), name, commit, actor))
    found.tags.sort()
    return Tags(found.tags, found.rejects, "\n".join(matched).encode())


def deploys_of(repo: Path, tags: Tags, service: str) -> DeployRead:
    """Each tag a deploy of `service`, shipping the commits no earlier tag reached."""
    read = DeployRead(rejects=list(tags.rejects))
    graph = _commits(repo, sorted({commit for _, _, commit, _ in tags.tags}))
    claimed: set[str] = set()
    for tag_time, name, commit, actor in tags.tags:
        shipped = _walk(graph, commit, claimed)
        read.deploys.append(
            DeployRecord(
                service=service,
                deployed_at=_utc(tag_time),
                source_key=f"{service}:{name}",
                version=name,
                commit=commit,
                actor=actor or None,
                changes=tuple(
                    Change(sha, _utc(graph[sha][1]), _utc(graph[sha][2])) for sha in shipped
                ),
            )
        )
    return read


def _commits(repo: Path, heads: list[str]) -> dict[str, tuple[list[str], int, int]]:
    """Every commit reachable from the heads: sha -> (parents, authored, committed)."""
    if not heads:
        return {}
    out = _git(repo, ["log", "--stdin", "--format=%H %P%x00%at%x00%ct"], ("\n".join(heads) + "\n"))
    graph: dict[str, tuple[list[str], int, int]] = {}
    for line in out.decode("ascii", "replace").splitlines():
        shas, authored, committed = line.split("\0")
        sha, *parents = shas.split()
        graph[sha] = (parents, int(authored), int(committed))
    return graph


def _walk(graph: dict[str, tuple[list[str], int, int]], head: str, claimed: set[str]) -> list[str]:
    """The commits reachable from `head` not yet claimed by an earlier tag, claimed now.

    An ancestor of a claimed commit is claimed too (it was reachable from the same earlier
    tag), so the walk stops at the first claimed commit on each path.
    """
    found: list[str] = []
    todo = [head]
    while todo:
        sha = todo.pop()
        if sha in claimed or sha not in graph:
            continue  # claimed, or beyond a shallow clone's history
        claimed.add(sha)
        found.append(sha)
        todo.extend(graph[sha][0])
    return found


_EPOCH = dt.datetime(1970, 1, 1)


def _utc(epoch_s: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(seconds=epoch_s)


def _git(repo: Path, args: list[str], stdin: str | None = None) -> bytes:
    if not repo.is_dir():
        raise InputError(f"{repo}: no such folder (expected a git repository)")
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args],
            input=stdin.encode() if stdin is not None else None,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise InputError("git is not installed: `ingest deploys --git` runs it") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"{repo}: git {args[0]} failed: {message[-1] if message else '?'}")
    return done.stdout


def changes_since(repo: Path, commit: str, previous: str | None) -> tuple[Change, ...]:
    """The commits a deploy of `commit` ships after a deploy of `previous` (None: the first
    deploy recorded, which ships `commit` alone: its history was shipped before Basics)."""
    for sha in (commit, previous):
        if sha is not None and not SHA.fullmatch(sha):
            raise InputError(f'expected a commit sha (7 to 40 hex digits), got "{sha}"')
    # --end-of-options: a stored "sha" is data, never an option to git.
    spec = ["--end-of-options", commit, f"^{previous}"] if previous else [
        "-1", "--end-of-options", commit]  # fmt: skip
    out = _git(repo, ["log", "--format=%H%x00%at%x00%ct", *spec, "--"])
    changes = []
    for line in out.decode("ascii", "replace").splitlines():
        sha, authored, committed = line.split("\0")
        changes.append(Change(sha, _utc(int(authored)), _utc(int(committed))))
    return tuple(changes)


def resolve_commit(repo: Path, ref: str) -> str:
    """The full sha of a commit named by sha, tag or branch (`HEAD` in a CI job)."""
    if ref.startswith("-"):
        raise InputError(f'expected a commit, tag or branch, got "{ref}"')
    return (
        _git(repo, ["rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"])
        .decode()
        .strip()
    )
