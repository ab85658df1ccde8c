"""Named refusals. Every one is a user-facing sentence naming the field at fault.

The CLI maps any ``Refused`` to exit status 2 and prints ``str(error)``.
"""

from __future__ import annotations


class Refused(Exception):
    """A command that was rejected; nothing was written."""

    code = "rejected"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple:  # crosses process boundaries intact
        return (type(self), (self.field, self.message))


class InvalidInput(Refused):
    code = "invalid_input"


class NotInitialised(Refused):
    code = "not_initialised"


class AlreadyInitialised(Refused):
    code = "already_initialised"


class UnknownMember(Refused):
    code = "unknown_member"


class UnknownBagan(Refused):
    code = "unknown_bagan"


class UnknownRef(Refused):
    code = "unknown_ref"


class DuplicateId(Refused):
    code = "duplicate_id"


class RefConflict(Refused):
    """The ref was recorded before with different content."""

    code = "ref_conflict"


class InsufficientFunds(Refused):
    code = "insufficient_funds"


class MemberInactive(Refused):
    code = "member_inactive"


class SavingsLocked(Refused):
    code = "savings_locked"


class AlreadyReversed(Refused):
    code = "already_reversed"


class PolicyError(Refused):
    code = "policy"


class DateError(Refused):
    code = "date"


class PeriodClosed(Refused):
    """A date falls in a financial year that was closed (``kerang close``)."""

    code = "closed_period"


class NothingOwed(Refused):
    """A settlement of SHU names a member (or members) the year owes nothing (more)."""

    code = "nothing_owed"


class Busy(Refused):
    """Concurrent writers won every retry; nothing was written."""

    code = "busy"


class ReadOnly(Refused):
    """The database refused a write for this role (an auditor's)."""

    code = "read_only"


class UsageError(Refused):
    """A command line that cannot be read (argparse's errors, a misspelt word)."""

    code = "usage"
