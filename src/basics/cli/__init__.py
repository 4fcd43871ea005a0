"""The `basics` command line (`basics.cli.main`)."""

from __future__ import annotations

import signal
import sys

TYPE_CHECKING = False  # typing itself is not loaded before Ctrl-C is noted (`run`)
if TYPE_CHECKING:
    from types import FrameType
    from typing import NoReturn

_pressed = False


def ctrl_c_pressed() -> bool:
    """Whether Ctrl-C came since `run` started and no command took it as its way to stop
    (`forget_ctrl_c`): whatever error follows is its doing (a module stopped while it
    loaded fails with an error of its own, which may not say so)."""
    return _pressed


def forget_ctrl_c() -> None:
    """Ctrl-C was taken as the way to stop (`--follow`, `serve`): an error after it is an
    error of its own."""
    global _pressed
    _pressed = False


def _on_ctrl_c(signum: int, frame: FrameType | None) -> None:
    global _pressed
    _pressed = True
    raise KeyboardInterrupt


def _unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """Ctrl-C that landed where Python cannot raise it (a callback of the import machinery)
    is not printed as "Exception ignored" with a traceback: it is noted (`ctrl_c_pressed`),
    and the command ends as interrupted. Anything else is printed as Python would."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def notice_ctrl_c() -> None:
    """Note Ctrl-C from now on (Python's own handler replaced; one that ignores Ctrl-C, a
    job in the background, stays)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_ctrl_c)
        sys.unraisablehook = _unraisable


def run() -> NoReturn:
    """The console script: `main`, loaded here so that Ctrl-C while Python loads the
    command line (click, the commands) is one line and exit code 130, as later."""
    notice_ctrl_c()
    try:
        from basics.cli.main import main
    except BaseException:
        if not _pressed:
            raise
        sys.stderr.write("\nInterrupted before the command started: nothing was read or written.\n")
        sys.exit(130)
    main()
