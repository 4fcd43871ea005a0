"""The server's alert loop: every `serve.notify.interval_s`, evaluate every policy (as
`alerts evaluate` does), record what started or stopped firing, and send it to the
configured Alertmanagers and webhooks. It runs only when some target is configured."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from typing import TYPE_CHECKING, Any

from basics.core.errors import BasicsError

if TYPE_CHECKING:
    from basics.alerting.notify import FiringRow
    from basics.api.hub import Hub
    from basics.app import App


class Alerter:
    """A thread that evaluates and notifies on the hub's writer, and sends off it."""

    def __init__(self, hub: Hub, url: str) -> None:
        self.hub = hub
        self.url = url
        self.settings = hub.config.serve.notify
        self.status: dict[str, Any] = {"runs": 0, "sent": 0, "failures": [], "last_at": None}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="basics-alerts", daemon=True)

    @property
    def enabled(self) -> bool:
        """Whether any target is configured (else nothing is evaluated or recorded)."""
        return bool(self.settings.alertmanager or self.settings.webhooks)

    def start(self) -> None:
        """Start the loop (a first run at once)."""
        if self.enabled:
            self._thread.start()

    def stop(self) -> None:
        """Stop after the run in progress."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def run_once(self) -> list[FiringRow]:
        """One evaluation: the rows sent (resolutions and firings)."""
        from basics.alerting.notify import Notifier, alert_body, send
        from basics.api.replies import end

        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)

        def step(app: App) -> tuple[dt.datetime, list[FiringRow]]:
            at = end(app, None)
            return at, Notifier(app.store, app.config, app.alerting).step(at, now)

        at, rows = self.hub.write(step, changed=lambda found: bool(found[1]))
        self.status["runs"] += 1
        self.status["last_at"] = at
        if not rows:
            return []
        config, resend_s = self.hub.config, self.settings.resend_s
        bodies = [alert_body(row, config, now, resend_s, self.url) for row in rows]
        # A webhook hears a firing once (and again only if no delivery of it succeeded)
        # and its resolution: not every re-send that keeps it active in Alertmanager.
        news = [
            b for r, b in zip(rows, bodies, strict=True)
            if r.sent_at is None or r.resolved_at is not None
        ]  # fmt: skip
        failures = send(bodies, news, self.settings, self.url)
        self.status["failures"] = failures
        if failures:
            sys.stderr.write(f"basics serve: alerts not delivered: {'; '.join(failures)}\n")
            return []

        def mark(app: App) -> bool:
            Notifier(app.store, app.config, app.alerting).mark_sent(rows, now)
            return True

        self.hub.write(mark, changed=lambda _: False)  # when it was sent: in no report
        self.status["sent"] += len(rows)
        return rows

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except BasicsError as error:  # no events yet for `latest`, a busy store: next run
                self.status["failures"] = [str(error)]
            self._stop.wait(self.settings.interval_s)
