"""What the extract commands share (`validate_coding --input`, `reconcile_episodes`): usage
errors with exit status 2, the input file or stdin, an output file that appears only when the
run ends, and a progress bar on a terminal."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import CommandError, OutputWrapper


def usage(message: str) -> CommandError:
    """A usage error: the message on stderr and exit status 2."""
    return CommandError(message, returncode=2)


@contextmanager
def open_input(name: str, *, option: str, stdin: Any = None) -> Iterator[TextIO]:
    """The CSV named on the command line (`-` is stdin), read as UTF-8 with or without a byte
    order mark; a file that cannot be opened is a usage error naming `option`."""
    if name == "-":
        stdin = stdin or sys.stdin
        if hasattr(stdin, "buffer"):
            stdin = io.TextIOWrapper(
                stdin.buffer, encoding="utf-8-sig", errors="replace", newline=""
            )
        yield stdin
        return
    try:
        handle = open(name, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except OSError as error:
        raise usage(f"{option} {name}: {error.strerror or error}.") from error
    with handle:
        yield handle


@contextmanager
def open_output(name: str | None, *, stdout: OutputWrapper) -> Iterator[TextIO]:
    """stdout, or a file written beside its final name and moved there only when the run
    ends: a usage error never leaves a half-written file behind."""
    if name is None:
        yield stdout._out
        return
    target = Path(name)
    try:
        fd, partial = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
        )
    except OSError as error:
        raise usage(f"--output {name}: {error.strerror or error}.") from error
    try:
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


@contextmanager
def progress_bar(stderr: OutputWrapper, *, unit: str) -> Iterator[Callable[[int], object] | None]:
    """tqdm's `update` on a terminal, None when stderr is a file or a pipe."""
    if not stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(unit=f" {unit}", file=stderr._out, dynamic_ncols=True, leave=False)
    try:
        yield bar.update
    finally:
        bar.close()
