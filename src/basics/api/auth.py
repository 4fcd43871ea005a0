"""Who may write: bearer tokens with scopes, and PagerDuty's signatures.

Tokens are kept in basics.yaml as the SHA-256 of their text (`serve.tokens`); for the
simplest set-up, `BASICS_API_TOKEN` in the server's environment is a token with every
scope. A request without a valid token is 401; with a token that lacks the scope, 403.
PagerDuty signs each webhook delivery with HMAC-SHA256 over the raw body
(`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>]`); the signature stands in for the token.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from starlette.exceptions import HTTPException

from basics.config.models import SCOPES, ServeSettings

ENV_TOKEN = "BASICS_API_TOKEN"
TOKEN_PREFIX = "bsc_"


@dataclass
class Auth:
    """The tokens and secrets a server checks writes against: read when it starts, and
    again from basics.yaml (`source`) when the file changed, so a token taken out of it
    is refused from the next request, without a restart."""

    tokens: dict[str, tuple[str, frozenset[str]]]  # sha256 of the text -> (name, scopes)
    pagerduty_secrets: list[bytes]
    github_secrets: list[bytes] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=lambda: {"token": 0, "signature": 0})
    source: Path | None = None  # basics.yaml, watched for changes
    seen: tuple[int, ...] | None = None  # its `_version` when the tokens were read
    reading: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def watching(cls, settings: ServeSettings, source: Path | None) -> Auth:
        """`from_settings`, read again from `source` whenever it changes."""
        auth = cls.from_settings(settings)
        auth.source, auth.seen = source, _version(source)
        return auth

    def refresh(self) -> None:
        """Read the tokens and secrets again if basics.yaml changed since they were read. A
        file that no longer loads keeps them as they were, said on stderr (the server's
        log): a half-edited file neither opens nor closes the door."""
        if self.source is None or _version(self.source) in (None, self.seen):
            return
        from basics.config.loader import load_config
        from basics.core.errors import BasicsError

        with self.reading:  # one reader at a time: an older read never lands after a newer
            version = _version(self.source)
            if version is None or version == self.seen:
                return
            self.seen = version
            try:
                fresh = Auth.from_settings(load_config(self.source).serve)
            except BasicsError as error:
                print(f"basics serve: {self.source} changed and does not load, so its tokens "
                      f"stay as they were: {error}", file=sys.stderr, flush=True)  # fmt: skip
                return
            self.tokens = fresh.tokens
            self.pagerduty_secrets = fresh.pagerduty_secrets
            self.github_secrets = fresh.github_secrets

    @classmethod
    def from_settings(cls, settings: ServeSettings) -> Auth:
        """From basics.yaml's `serve:` and the environment (`BASICS_API_TOKEN`, and the
        variables `serve.pagerduty.secret_env` names)."""
        tokens: dict[str, tuple[str, frozenset[str]]] = {
            t.sha256: (name, frozenset(t.scopes)) for name, t in settings.tokens.items()
        }
        env_token = os.environ.get(ENV_TOKEN, "")
        if env_token:
            tokens[digest(env_token)] = (ENV_TOKEN, frozenset(SCOPES))
        return cls(
            tokens,
            _secrets(settings.pagerduty.secret_env if settings.pagerduty else []),
            _secrets(settings.github.secret_env if settings.github else []),
        )

    @property
    def any_token(self) -> bool:
        """Whether any write token exists (the server may then bind beyond loopback)."""
        return bool(self.tokens)

    def require(self, authorization: str | None, scope: str) -> str:
        """The name of the token in `authorization` (a Bearer header) if it may write
        `scope`; else 401 (no or unknown token) or 403 (the token lacks the scope)."""
        self.refresh()
        scheme, _, text = (authorization or "").partition(" ")
        found = None
        if scheme.lower() == "bearer" and text.strip():
            wanted = digest(text.strip())
            for sha, held in self.tokens.items():
                if hmac.compare_digest(sha, wanted):
                    found = held
        if found is None:
            self.refused["token"] += 1
            detail = (
                "this endpoint writes: send Authorization: Bearer <token> (a token of "
                f"serve.tokens in basics.yaml, or {ENV_TOKEN})"
                if not text.strip()
                else "the bearer token is not one of serve.tokens nor " + ENV_TOKEN
            )
            raise HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})
        name, scopes = found
        if scope not in scopes:
            self.refused["token"] += 1
            raise HTTPException(
                403, f'token "{name}" may write {", ".join(sorted(scopes))}, not {scope}'
            )
        return name

    def require_pagerduty(self, signature: str | None, body: bytes) -> None:
        """Pass a delivery signed with one of the configured secrets; else 401."""
        self.refresh()
        if not self.pagerduty_secrets:
            self.refused["signature"] += 1
            raise HTTPException(
                401,
                "no PagerDuty signing secret is configured (serve.pagerduty.secret_env in "
                "basics.yaml names the environment variables that hold them)",
            )
        sent = [
            part.strip().removeprefix("v1=")
            for part in (signature or "").split(",")
            if part.strip().startswith("v1=")
        ]
        expected = [hmac.new(k, body, hashlib.sha256).hexdigest() for k in self.pagerduty_secrets]
        # As bytes: compare_digest refuses a str with other than ASCII in it (a 500).
        if any(hmac.compare_digest(s.encode(), e.encode()) for s in sent for e in expected):
            return
        self.refused["signature"] += 1
        raise HTTPException(
            401,
            "missing X-PagerDuty-Signature"
            if not sent
            else "X-PagerDuty-Signature matches none of the configured secrets",
        )

    def require_github(self, signature: str | None, body: bytes) -> None:
        """Pass a delivery whose X-Hub-Signature-256 matches a configured secret; else 401."""
        self.refresh()
        if not self.github_secrets:
            self.refused["signature"] += 1
            raise HTTPException(
                401,
                "no GitHub webhook secret is configured (serve.github.secret_env in "
                "basics.yaml names the environment variables that hold them)",
            )
        sent = (signature or "").strip().removeprefix("sha256=")
        expected = [hmac.new(k, body, hashlib.sha256).hexdigest() for k in self.github_secrets]
        # Compared as bytes: a header of other characters is a wrong signature, not a 500.
        given = sent.encode("utf-8", "replace")
        if sent and any(hmac.compare_digest(given, e.encode()) for e in expected):
            return
        self.refused["signature"] += 1
        raise HTTPException(
            401,
            "missing X-Hub-Signature-256"
            if not sent
            else "X-Hub-Signature-256 matches none of the configured secrets",
        )


def _secrets(names: list[str]) -> list[bytes]:
    found = [os.environ.get(name, "") for name in names]
    return [secret.encode() for secret in found if secret]


def digest(token: str) -> str:
    """The SHA-256 of a token's text, as basics.yaml keeps it."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A new random token (256 bits)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _version(path: Path | None) -> tuple[int, ...] | None:
    """What tells a file's edits apart: its inode (an editor's save replaces the file), size
    and times of change; None when it cannot be read. Two edits of one size within the file
    system's clock tick look alike: a token is revoked with its line, which changes the size."""
    if path is None:
        return None
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)
