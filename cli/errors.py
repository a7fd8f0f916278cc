"""Refusals a command shows to its user, without a traceback."""


class CommandError(Exception):
    pass
