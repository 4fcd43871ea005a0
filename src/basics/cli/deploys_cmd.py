"""`basics deploys record | list | dora`, `basics ingest deploys` and `basics incidents link`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from basics.cli.main import EXIT_REJECTS, get_app
from basics.cli.slo_cmd import END_DEFAULT, time_option
from basics.deploys.models import FORMATS, STATUSES

if TYPE_CHECKING:
    from basics.app import App
    from basics.deploys.service import DeployImport

DEFAULT_DAYS = 90


@click.group()
def deploys() -> None:
    """Deploys, the changes they shipped, and DORA's four keys."""


@deploys.command()
@click.option("--service", required=True, help="The service deployed.")
@click.option("--version", help="The version or tag deployed.")
@click.option("--commit", help="The commit deployed (with --git: any name git knows).")
@click.option("--status", type=click.Choice(STATUSES), default="succeeded", show_default=True)
@click.option("--at", help="When it was deployed (ISO 8601; default: now).")
@click.option("--environment", help="Where (default: deploys.environment, production).")
@click.option("--actor", help="Who or what deployed it.")
@click.option("--url", help="A link to the pipeline run.")
@click.option("--id", "key", help="Its id in your CI (recording the same id again updates it).")
@click.option(
    "--git",
    "repo",
    type=click.Path(file_okay=False, path_type=Path),
    help="A clone: the changes shipped are the commits since the previous deploy's commit.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the deploy as JSON.")
@click.pass_context
def record(
    ctx: click.Context,
    service: str,
    version: str | None,
    commit: str | None,
    status: str,
    at: str | None,
    environment: str | None,
    actor: str | None,
    url: str | None,
    key: str | None,
    repo: Path | None,
    as_json: bool,
) -> None:
    """Record one deploy: the one line to add to a CI pipeline's deploy job.

    \b
    Examples:
      basics deploys record --service api --version 3.5.0 --commit 9f3c2a1
      basics deploys record --service api --version "$TAG" --commit HEAD --git .
      basics deploys record --service api --version 3.5.0 --status rolled-back
    """
    from basics.cli import output
    from basics.core.clock import utc_now
    from basics.deploys.models import DeployRecord, recorded_key

    app = get_app(ctx)
    service = app.deploys.named(service)  # an alias, or another letter case: the service
    deployed_at = time_option(ctx, at) or utc_now().replace(microsecond=0)
    changes: tuple[Any, ...] = ()
    where = environment or app.config.deploys.environment
    if repo is not None:
        commit, changes = _changes(app, repo, service, commit or "HEAD", where, deployed_at)
    deploy = app.deploys.record(
        DeployRecord(
            service=service,
            deployed_at=deployed_at,
            source_key=key or recorded_key(service, version, commit, deployed_at),
            status=status,  # type: ignore[arg-type]
            version=version,
            commit=commit,
            environment=where,
            actor=actor,
            url=url,
            changes=changes,
        )
    )
    unknown = app.deploys.unknown_warning(service)
    if unknown:
        click.echo(f"warning: {unknown}", err=True)
    if as_json:
        output.emit_json(deploy)
        return
    shipped = f", {output.plural(deploy.changes, 'change')}" if repo is not None else ""
    click.echo(
        f"deploy {deploy.id}: {deploy.service} {deploy.version or deploy.commit or ''} "
        f"{deploy.status} at {output.when(deploy.deployed_at)}{shipped}"
    )


def _changes(
    app: App, repo: Path, service: str, ref: str, environment: str, at: dt.datetime
) -> tuple[str, tuple[Any, ...]]:
    """The deployed commit's sha, and the commits since the service's previous deploy to
    the same environment (a staging deploy before it does not take production's commits)."""
    from basics.deploys.git import changes_since, resolve_commit

    commit = resolve_commit(repo, ref)
    previous = app.deploys.previous_commit(service, environment, at, commit)
    return commit, changes_since(repo, commit, previous)


@deploys.command(name="list")
@click.option("--service", help="Only this service's deploys.")
@click.option("--from", "start", help="Deployed at or after (ISO 8601).")
@click.option("--to", "end", help="Deployed before (ISO 8601).")
@click.option("--environment", help="Only this environment (default: every one).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def list_command(
    ctx: click.Context,
    service: str | None,
    start: str | None,
    end: str | None,
    environment: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """List deploys, oldest first, with the changes they shipped and incidents they caused.

    \b
    Examples:
      basics deploys list --service api
      basics deploys list --from 2026-03-01 --json
    """
    from basics.cli import output
    from basics.records import plain

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    found = app.deploys.find(service, time_option(ctx, start), time_option(ctx, end), environment)
    if not found:
        output.none_found(
            app.store.extent("deploys"), ("deploy", "deploys"), "basics deploys record"
        )
    if as_json:
        output.emit_json(found)
    elif as_csv:
        from basics.deploys.models import Deploy

        output.emit_csv_records([plain(d) for d in found], Deploy)
    elif found:
        output.emit_table(
            "Deploys (changes: commits shipped; incidents: linked to the deploy)",
            ["id", "service", "version", "deployed", "status", "changes", "incidents", "commit"],
            [
                [
                    d.id,
                    d.service,
                    d.version or "",
                    output.when(d.deployed_at),
                    d.status,
                    d.changes,
                    ", ".join(map(str, d.incidents)),
                    (d.commit or "")[:10],
                ]
                for d in found
            ],
            drop=["commit", "incidents", "changes"],
        )


@deploys.command()
@click.option("--service", "services", multiple=True, help="Only this service (repeatable).")
@click.option("--team", help="The services this team owns (basics.yaml owner).")
@click.option("--from", "start", help=f"Range start (default: {DEFAULT_DAYS} days before --to).")
@click.option(
    "--to",
    "end",
    help="Range end: a time, `now` or `latest` (the newest deploy)." + END_DEFAULT,
)
@click.option("--environment", help="Which environment (default: deploys.environment).")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@click.pass_context
def dora(
    ctx: click.Context,
    services: tuple[str, ...],
    team: str | None,
    start: str | None,
    end: str | None,
    environment: str | None,
    as_json: bool,
    as_csv: bool,
) -> None:
    """DORA per service and overall: deployment frequency, lead time for changes, change
    failure rate, failed-deployment recovery time and rework rate, with their bands.

    \b
    Examples:
      basics deploys dora
      basics deploys dora --service api --from 2026-01-01 --to 2026-04-01 --json
      basics deploys dora --team payments
    """
    from basics.cli import output
    from basics.records import dora_record

    output.one_format(as_json, as_csv)
    app = get_app(ctx)
    chosen = app.deploys.chosen(list(services), team)
    since, to, newest = app.deploys.report_range(time_option(ctx, start), end, DEFAULT_DAYS)
    if newest is not None:
        output.say(
            f"latest: the newest deploy, at {output.when(newest)} (the range ends 1 s after it)",
            err=True,
        )
    found = app.deploys.dora(since, to, chosen, environment)
    record_ = dora_record(found)
    if as_json:
        output.emit_json(record_)
        return
    if as_csv:  # every service's row, then `all`: a script finds a service by its name
        output.emit_csv_records([*record_["services"], record_["total"]])
        return
    rows = (
        [*record_["services"], record_["total"]] if len(found.services) != 1 else [record_["total"]]
    )
    _dora_table(found, rows)


def _dora_table(found: Any, rows: list[dict[str, Any]]) -> None:
    from basics.cli import output

    output.say(
        f"DORA, {found.environment}, {output.when(found.start)} to {output.when(found.end)} "
        f"(bands: DORA {found.total.bands.report_year})"
    )
    if not found.total.deploys:
        click.echo("no data: no deploys in this range", err=True)
        return
    output.emit_table(
        "",
        [
            "service",
            "deploys",
            "per week",
            "lead time p50",
            "p90",
            "fail %",
            "recovery p50",
            "rework %",
        ],
        [
            [
                row["service"],
                row["deploys"],
                output.number(row["per_week"], 1),
                output.duration(row["lead_time_s"]["median"]) or "no data",
                output.duration(row["lead_time_s"]["p90"]) or "",
                output.percent(row["change_failure_rate"]["ratio"], 1) or "",
                output.duration(row["recovery_time_s"]["median"]) or "none",
                output.percent(row["rework_rate"]["ratio"], 1) or "",
            ]
            for row in rows
        ],
        drop=["p90", "rework %"],
    )
    bands = found.total.bands

    def said(band: Any) -> str:
        return f"{band.answer} ({band.level})" if band.answer else "no data"

    output.say(f"Overall, in the DORA Quick Check's words (levels: {bands.report}):")
    output.say(
        f"deploys {said(bands.deployment_frequency)}; lead time {said(bands.lead_time)}; "
        f"change failure rate {said(bands.change_failure_rate)}; recovery "
        f"{said(bands.recovery_time)}",
        indent="  ",
    )


@click.command(name="deploys")
@click.argument("files", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="The files' format.")
@click.option(
    "--git", "repo", type=click.Path(file_okay=False, path_type=Path), help="A repository."
)
@click.option("--tags", "pattern", default="*", show_default=True, help="With --git: tags to read.")
@click.option("--exclude", multiple=True, help="With --git: tags to leave out (e.g. '*-rc*').")
@click.option("--service", help="The service (required with --git; else for records without).")
@click.option("--mapping", help="Field mapping: service=app,deployed_at=finished,…")
@click.option("--json", "as_json", is_flag=True, help="Print the import summaries as JSON.")
@click.pass_context
def ingest_deploys(
    ctx: click.Context,
    files: tuple[str, ...],
    fmt: str | None,
    repo: Path | None,
    pattern: str,
    exclude: tuple[str, ...],
    service: str | None,
    mapping: str | None,
    as_json: bool,
) -> None:
    """Import deploys: a git repository's tags, or files (webhook captures, exports).

    Each file (or repository) is one batch; importing it again updates the deploys it names
    and never counts one twice. Exit code 3 when any record was rejected.

    \b
    Examples:
      basics ingest deploys --git ~/src/api --tags 'v*' --exclude '*-rc*' \\
        --service api
      basics ingest deploys deployment_status.jsonl --format github
      basics ingest deploys fourkeys.jsonl --format fourkeys
      basics ingest deploys releases.csv --format csv \\
        --mapping service=app,deployed_at=finished
    """
    from basics.cli import output

    app = get_app(ctx)
    results: list[DeployImport] = []
    if repo is not None:
        if files or fmt:
            raise click.UsageError("give --git or files, not both")
        if not service:
            raise click.UsageError("--git needs --service: the service its tags deploy")
        with output.working(f"reading the tags and commits of {repo}", as_json):
            results.append(app.deploys.import_git(repo.resolve(), pattern, service, exclude))
    elif not files or not fmt:
        raise click.UsageError("give files and --format, or --git REPO --service S")
    else:
        for path in files:
            results.append(app.deploys.import_file(Path(path), fmt, _mapping(mapping), service))
    if as_json:
        output.emit_json(results)
    else:
        for result in results:
            _say(result)
    if any(r.rejected or r.status == "rejected" for r in results):
        ctx.exit(EXIT_REJECTS)


def _mapping(text: str | None) -> dict[str, str] | None:
    from basics.ingest.named_fields import parse_mapping

    return parse_mapping(text) or None


def _say(result: DeployImport) -> None:
    from basics.cli import output

    if result.status == "duplicate":
        output.say(f"{result.name}: already imported as batch {result.duplicate_of}")
        return
    if result.status == "empty":
        output.nothing_in(result.name, "deploy")
    elif result.status == "rejected":
        counted = f"{result.rejected:,} rejected, {result.skipped:,} skipped"
        output.say(
            f"{result.name}: nothing stored: {counted} (batch {result.batch_id} keeps them: "
            f"basics ingest rejects {result.batch_id})",
            err=True,
        )
        if result.hint:
            output.say(f"why: {result.hint}", err=True, indent="  ")
    else:
        stored = result.deploys - result.unchanged - result.superseded
        parts = [
            f"{output.plural(stored, 'deploy')} stored ({result.new_deploys:,} new)",
            output.plural(result.changes, "change"),
        ]
        if result.unchanged:
            parts.append(f"{result.unchanged:,} unchanged")
        if result.superseded:
            parts.append(f"{result.superseded:,} older than the status stored (kept, not shown)")
        if result.incidents:
            parts.append(
                f"{output.plural(result.incidents, 'incident')}, "
                f"{output.plural(result.links, 'link')}"
            )
        if result.skipped:
            parts.append(f"{result.skipped:,} skipped (not deploys)")
        parts.append(f"{result.rejected:,} rejected")
        output.say(f"{result.name}: batch {result.batch_id}: {', '.join(parts)}")
    for note in result.notes:
        output.say(f"note: {note}", err=result.status == "rejected", indent="  ")
    for warning in result.warnings:
        click.echo(f"  warning: {warning}", err=True)
    output.rejects(result.name, result.first_rejects, result.rejected, result.batch_id)
    # Skips are rejects of a batch that stored nothing; otherwise the batch keeps none.
    kept = result.batch_id if result.status == "rejected" else None
    skips = [replace(r, reason=r.reason.removeprefix("skipped: ")) for r in result.first_skips]
    output.rejects(result.name, skips, result.skipped, kept)


@click.command()
@click.argument("incident_id", type=int)
@click.option("--deploy", "ref", required=True, help="The deploy: its id, or SERVICE@VERSION.")
@click.option("--remove", is_flag=True, help="Remove the link instead.")
@click.pass_context
def link(ctx: click.Context, incident_id: int, ref: str, remove: bool) -> None:
    """Link an incident to the deploy that caused it (counted in its change failure rate).

    \b
    Examples:
      basics incidents link 4 --deploy 17
      basics incidents link 4 --deploy api@3.5.0
    """
    service = get_app(ctx).deploys
    deploy = service.resolve(ref)
    name = f"deploy {deploy.id} ({deploy.service} {deploy.version or deploy.commit or ''})"
    if remove:
        done = service.unlink(incident_id, deploy)
        click.echo(
            f"incident {incident_id} {'unlinked from' if done else 'was not linked to'} {name}"
        )
    else:
        done = service.link(incident_id, deploy)
        click.echo(
            f"incident {incident_id} {'linked to' if done else 'was linked already to'} {name}"
        )
