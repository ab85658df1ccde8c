"""Named refusals: the field at fault, a sentence's template and its values.

A refusal names its field as ``{field}`` in the template; each edge shows the field
its user's way (``ledger.i18n.name_fields``): the command line as ``--date``, an import
as its column, the Python API (``str(error)``) by the bare name. The CLI maps any
``Refused`` to exit status 2.
"""

from __future__ import annotations

from typing import Any

from ledger.i18n import FieldName, Message


class Refused(Exception):
    """A command that was rejected; nothing was written.

    ``Refused(field, template, **values)``: ``{field}`` in the template is the field,
    shown by the edge; a ready ``Message`` is taken as it is.
    """

    code = "rejected"

    def __init__(self, field: str, message: str, /, **values: Any) -> None:
        if not isinstance(message, Message):
            message = Message(message, {"field": FieldName(field), **values})
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
