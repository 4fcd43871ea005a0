"""The `basics` command: a thin layer that parses options, calls a service and formats.

A command's module is imported when the command is run (or listed by `--help`), and heavy
modules (DuckDB, pydantic, rich) inside the commands, so `basics --version` loads no command
and each command pays only for what it uses.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

import basics

if TYPE_CHECKING:
    from basics.app import App

EXIT_ERROR = 1
EXIT_REJECTS = 3
EXIT_INTERRUPTED = 130
"""Ctrl-C: what a shell reports for a command stopped by SIGINT (128 + 2)."""

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("config_cmd", "init"),
    "config": ("config_cmd", "config"),
    "ingest": ("ingest_cmd", "ingest"),
    "batches": ("batches_cmd", "batches"),
    "slo": ("slo_cmd", "slo"),
    "demo": ("demo_cmd", "demo"),
    "alerts": ("alerts_cmd", "alerts"),
    "incidents": ("alerts_cmd", "incidents"),
    "openslo": ("openslo_cmd", "openslo"),
    "pages": ("oncall_cmd", "pages"),
    "oncall": ("oncall_cmd", "oncall"),
    "serve": ("serve_cmd", "serve"),
    "token": ("serve_cmd", "token"),
    "postmortems": ("postmortems_cmd", "postmortems"),
    "deploys": ("deploys_cmd", "deploys"),
    "toil": ("toil_cmd", "toil"),
    "check": ("check_cmd", "check"),
    "review": ("review_cmd", "review"),
}
"""Each command: the module of `basics.cli` that defines it, and its name there."""
SUBCOMMANDS: dict[str, list[tuple[str, str]]] = {
    "ingest": [
        ("oncall_cmd", "ingest_pages"),
        ("oncall_cmd", "ingest_shifts"),
        ("deploys_cmd", "ingest_deploys"),
        ("toil_cmd", "ingest_toil"),
    ],
    "incidents": [("deploys_cmd", "link")],
}
"""Commands that other modules add to a group (`basics ingest pages` lives with on-call)."""


def _load(module: str, name: str) -> click.Command:
    command = getattr(importlib.import_module(f"basics.cli.{module}"), name)
    assert isinstance(command, click.Command)
    return command


class _Group(click.Group):
    """Loads each command on first use; turns BasicsError into `Error: ...` and exit code 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            command = _load(*COMMANDS[cmd_name])
            if isinstance(command, click.Group):
                for module, name in SUBCOMMANDS.get(cmd_name, []):
                    command.add_command(_load(module, name))
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        from basics.core.errors import BasicsError

        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            stopped(ctx)
        except (click.exceptions.Exit, click.ClickException):
            raise  # the command's own exit or usage error (perhaps saying it was stopped)
        except BasicsError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(EXIT_ERROR)
        except Exception as error:
            if interrupted(error):
                stopped(ctx)
            # A store fault met mid-command (a damaged block, a read-only file, a full disk)
            # is one line too; anything else is a bug and keeps its traceback.
            if not type(error).__module__.lstrip("_").startswith("duckdb"):
                raise
            from basics.store.duckdb_store import explain

            app = (ctx.obj or {}).get("app")
            message = explain(error, app.config.store_path if app else None)
            if message is None:
                raise
            click.echo(f"Error: {message}", err=True)
            ctx.exit(EXIT_ERROR)


def interrupted(error: BaseException) -> bool:
    """Whether `error` is Ctrl-C: Python's KeyboardInterrupt, the error DuckDB raises for a
    statement it stopped when the signal came while it ran, or an error raised because of
    either (Ctrl-C while a module loads comes back as the ImportError or RuntimeError of
    the extension or class it stopped), or any error after Ctrl-C (`ctrl_c_pressed`)."""
    from basics.cli import ctrl_c_pressed

    if ctrl_c_pressed():
        return True
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, KeyboardInterrupt) or (
            type(current) is RuntimeError and str(current) == "Query interrupted"
        ):
            return True
        seen.add(id(current))
        # The context too, even a suppressed one: click raises Abort from None on Ctrl-C.
        current = current.__cause__ or current.__context__
    return False


INTERRUPTED = (
    "Interrupted; every write is stored whole or not at all (`basics batches list` shows "
    "what is stored)."
)


def stopped(ctx: click.Context, message: str | None = None) -> NoReturn:
    """End a command stopped by Ctrl-C with one line (not a traceback) and exit code 130.
    Every write is one transaction: stored whole, or (stopped before its commit) not at
    all; which, the batches say (the signal can land after a commit)."""
    from basics.cli.output import say

    say(message or INTERRUPTED, err=True)
    ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="basics.yaml to use (default: the nearest one in this folder or its parents).",
)
@click.version_option(basics.__version__, prog_name="basics")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Basics: SLOs and error budgets from your own events, measured.

    \b
    Start here:
      basics init                       write a commented basics.yaml
      basics ingest events FILE --source NAME
      basics slo status
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def get_app(ctx: click.Context) -> App:
    """The app for this invocation, built once from --config or the nearest basics.yaml."""
    from basics.app import App

    root = ctx.find_root()
    if "app" not in root.obj:
        root.obj["app"] = App.load(root.obj.get("config_path"))
        root.call_on_close(root.obj["app"].close)
    app: App = root.obj["app"]
    return app


def main() -> NoReturn:
    """Console-script entry point."""
    # Basics' configuration uses no pydantic plugin; looking for them reads the metadata of
    # every installed package at the first model (about 10 ms of every command). A user
    # who wants theirs sets the variable (to "" for all of them).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    status = _run()
    try:
        finish(status)
    except KeyboardInterrupt:  # in the exit handlers, the command's work done: as stopped
        os.write(2, f"\n{INTERRUPTED}\n".encode())
        os._exit(EXIT_INTERRUPTED)


def _run() -> int:
    """Run the command line as click's standalone mode would, except that Ctrl-C outside a
    command (while its module loads, after its output, while the store closes) is the
    one line and exit code 130 of Ctrl-C inside one, not click's "Aborted!" and 1."""
    try:
        code = cli.main(prog_name="basics", standalone_mode=False)
    except click.Abort as abort:
        if isinstance(abort.__cause__, KeyboardInterrupt):
            click.echo(INTERRUPTED, err=True)
            return EXIT_INTERRUPTED
        click.echo("Aborted!", err=True)  # a prompt's end of input
        return EXIT_ERROR
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except SystemExit as done:
        return _status(done.code)
    except BrokenPipeError:
        # The reader went away (`basics ... | head`): as click, nothing more to say, exit 1;
        # what is still buffered goes nowhere rather than failing again at the exit.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - kept open until the exit
        return EXIT_ERROR
    except (KeyboardInterrupt, Exception) as error:  # Ctrl-C between click's own handlers
        if not interrupted(error):
            raise
        click.echo(f"\n{INTERRUPTED}", err=True)
        return EXIT_INTERRUPTED
    # The code a command exited with (`ctx.exit`), or its return value: None from every
    # command (a command returning a number would make it the exit code, as click would).
    status = code if isinstance(code, int) else 0
    from basics.cli import ctrl_c_pressed

    if ctrl_c_pressed() and status != EXIT_INTERRUPTED:
        # Ctrl-C that Python could not raise (it landed in a callback): the command went
        # on to its end, but it was asked to stop, and scripts must see that it was.
        click.echo(f"\n{INTERRUPTED}", err=True)
        return EXIT_INTERRUPTED
    return status


def _status(code: object) -> int:
    """The exit status of `sys.exit(code)`: a message is printed and means 1."""
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        return 1
    return code if isinstance(code, int) else 0 if code is None else 1


def finish(code: object) -> NoReturn:
    """End the process as `sys.exit(code)` would, without the interpreter's teardown.

    By now the command's store is closed (the context's close callbacks ran). What is
    skipped is freeing every module and DuckDB's own teardown, about 40 ms of every command
    (a tenth of `slo status`); exit handlers run and the output is flushed first. While a
    thread that is not a daemon still runs (`basics serve`'s), the process ends the usual
    way, which waits for it.
    """
    status = _status(code)
    main_thread = threading.main_thread()
    if any(t is not main_thread and not t.daemon for t in threading.enumerate()):
        sys.exit(status)
    # What the interpreter runs at exit (atexit's own entry point, private but stable).
    atexit._run_exitfuncs()
    os._exit(_flushed(status))


def _flushed(status: int) -> int:
    """Flush standard output and error; the exit status, an error's when the output could
    not be written (a full disk: the interpreter's own exit would say so too)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # its descriptor was closed when the process started
            continue
        try:
            stream.flush()
        except BrokenPipeError:  # the reader went away (`basics ... | head`): as click ends
            status = status or EXIT_ERROR  # a command whose reader left mid-output, 1
        except ValueError:
            continue  # the stream was closed
        except OSError as error:
            if stream is sys.stdout and sys.stderr is not None:
                with contextlib.suppress(OSError, ValueError):
                    sys.stderr.write(f"Error: cannot write the output: {error.strerror}\n")
                    sys.stderr.flush()
            status = status or EXIT_ERROR
    return status
