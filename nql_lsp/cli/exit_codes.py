"""The command's exit statuses, one meaning each across every mode, so scripts and CI can rely on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: --check found errors (or warnings, with --warnings-as-errors); --format --check found a file to change;
    #: --preview was given a query with a syntax error.
    PROBLEMS = 1
    #: The command could not do what was asked: bad arguments, or a path that cannot be read.
    USAGE = 2
    #: Stopped with Ctrl-C, as shells report a process ended by SIGINT (128 + 2).
    INTERRUPTED = 130
