"""Errors that are the user's to fix: the CLI prints their message, never a traceback."""


class UserError(Exception):
    """A problem with the input, parameters or environment that the user can put right."""
