"""The composition root: one place that builds the store and services from a config."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from basics.alerting.service import AlertingService
    from basics.catalog.service import CatalogService
    from basics.config.models import Config
    from basics.deploys.service import DeployService
    from basics.ingest.files import KeptPrefix
    from basics.ingest.pipeline import BatchResult, Progress
    from basics.oncall.service import OncallService
    from basics.postmortems.service import PostmortemService
    from basics.review.service import ReviewService
    from basics.slo.service import SLOService
    from basics.store.duckdb_store import Store
    from basics.toil.service import ToilService


class App:
    """Config + store + services, shared by the CLI, the API and tests.

    Each service, and the modules behind it, is loaded on first use: a command pays only for
    what it uses (`slo status` never loads NumPy, pyarrow, alerting or on-call).
    """

    def __init__(
        self,
        config: Config,
        store: Store | None = None,
        writer: Callable[[Callable[[App], Any]], Any] | None = None,
    ) -> None:
        """`writer`: how this App's writes of what it reads from files (the post-mortems'
        parses, incidents and links) reach the store: None, itself; the server's request
        threads hand them to its one writer (`Hub.write_soon`), and never write themselves."""
        self.config = config
        self._store = store
        self._writer = writer

    @classmethod
    def load(cls, config_path: Path | None = None) -> App:
        """An app for an explicit config file, or the nearest basics.yaml."""
        from basics.config.loader import find_config, load_config

        return cls(load_config(config_path or find_config()))

    @property
    def store(self) -> Store:
        """The store, opened (and migrated) on first use."""
        if self._store is None:
            from basics.store.duckdb_store import Store

            self._store = Store(self.config.store_path)
        return self._store

    @cached_property
    def slo(self) -> SLOService:
        """SLO reports, over rollups brought up to date with the SLO definitions."""
        from basics.slo.service import SLOService

        service = SLOService(self.store, self.config)
        service.ensure_rollups()
        return service

    @cached_property
    def alerting(self) -> AlertingService:
        """Alert policies evaluated and replayed over the SLO rollups."""
        from basics.alerting.service import AlertingService

        return AlertingService(self.store, self.config, self.slo)

    @cached_property
    def oncall(self) -> OncallService:
        """Pages, outcomes and shifts."""
        from basics.oncall.service import OncallService

        return OncallService(self.store, self.config)

    @cached_property
    def postmortems(self) -> PostmortemService:
        """Post-mortems: the folder's files, their cached parse, their incidents, themes."""
        from basics.postmortems.service import PostmortemService

        return PostmortemService(self.store, self.config, self._writer)

    @cached_property
    def deploys(self) -> DeployService:
        """Deploys, the changes they shipped, their links to incidents; DORA. A read that
        counts links brings the post-mortems' first: a post-mortem's `deploys:` links its
        incident for as long as the file says so."""
        from basics.deploys.service import DeployService

        def sync_links() -> None:
            self.postmortems.sync_deploy_links()

        return DeployService(self.store, self.config, sync_links)

    @cached_property
    def toil(self) -> ToilService:
        """Toil entries, on-call time as toil, and the report against the cap."""
        from basics.toil.service import ToilService

        return ToilService(self.store, self.config)

    @cached_property
    def catalog(self) -> CatalogService:
        """The scorecard: every domain's basics judged per service."""
        from basics.catalog.service import CatalogService

        return CatalogService(self)

    @cached_property
    def review(self) -> ReviewService:
        """The weekly review: what changed, and what to fix next."""
        from basics.review.service import ReviewService

        return ReviewService(self)

    def ingest_events(
        self,
        source: str,
        path: str,
        progress: Progress | None = None,
        allow_overlap: bool = False,
        whole_lines_only: bool = False,
        label: str | None = None,
        skip_overlap: bool = False,
        kept: KeptPrefix | None = None,
    ) -> BatchResult:
        """Ingest one file of events as one batch (see `pipeline.ingest_events`)."""
        # Imported here: reports never load the ingest stack (pyarrow, numpy).
        from basics.ingest.pipeline import ingest_events

        return ingest_events(
            self.store,
            self.config,
            source,
            path,
            progress,
            allow_overlap=allow_overlap,
            whole_lines_only=whole_lines_only,
            label=label,
            skip_overlap=skip_overlap,
            kept=kept,
        )

    def close(self) -> None:
        """Close the store if it was opened."""
        if self._store is not None:
            self._store.close()
            self._store = None
