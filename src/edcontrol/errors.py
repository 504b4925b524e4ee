"""Errors a user can act on, each with the CLI exit code it maps to.

Why a small hierarchy: the CLI, the worker and the API all need to tell "your file is bad" from
"our code is broken" without parsing messages, and never show a traceback for the former.
"""

from __future__ import annotations


class EdControlError(Exception):
    """Base of all errors that carry a message meant for the user."""

    exit_code = 1


class InputError(EdControlError):
    """The input file is missing, empty, unreadable or not a usable recording."""

    exit_code = 3


class OutputError(EdControlError):
    """The report could not be written where the user asked."""

    exit_code = 4


class UsageError(EdControlError):
    """The command's arguments cannot be carried out as given (a taken name, a weak password, no such id)."""

    exit_code = 2
