"""One family of errors whose message is meant for the user, in Vietnamese."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix; `str(err)` is a one-line Vietnamese message."""


class ValidationError(UserError):
    """One or more fields are wrong. `errors` maps field name -> Vietnamese message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))


class NotFoundError(UserError):
    pass


class DependencyError(UserError):
    """A record cannot be deleted because others still refer to it."""


class DatabaseLockedError(UserError):
    pass


class DatabaseFileError(UserError):
    """The file is not our database, is damaged, or is from a newer version."""
