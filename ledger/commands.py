"""Every ledger command, declared once.

A ``Command`` names its op (as in import files), its command-line words, its help
sentence and example, and its ``Field``s: name, reader (raw text or JSON value ->
typed value, refusing with the field's name), required or not, help text (also the
key of its Bahasa Indonesia entry in ``ledger/i18n_id.py``), example and choices.
From this one table come the ``kerang`` subcommands (``cli.py``), the import columns
and their checks (``read``), and the import/export line of a transaction
(``line_fields`` -> ``Transaction.line``) or of a register command (its ``event`` and
each field's ``attr`` -> ``ledger.export.register_line``). A command's rules live in the
domain and its handler in ``ledger/services.py`` (``HANDLERS[op]``).

How to add a command (or a field):
1. Declare it here: ``Command(op, words, help, example, (Field(...), ...))``. Reuse a
   shared field (``REF``, ``DATE``, ``MEMBER``, ``AMOUNT`` ...) or declare one with a
   reader from ``ledger.money`` (or a small one here); a field's ``help`` and the
   command's ``help`` need an entry in ``ledger/i18n_id.py``.
2. The rule: a command method on the aggregate (``ledger/domain.py``) that checks
   everything and raises a named refusal (``ledger/errors.py``) carrying the field and
   values; then it triggers an ``@event`` method that only states the fact. A new
   transaction kind states its rules in its ``checked(register, ...)`` classmethod (the
   register's members, bagan, policies and closed years) and returns the figures they
   work out; ``Kind.on(register, **fields)`` creates it. A rule over several aggregates
   (a balance never below zero) is a small function beside them.
3. The handler: a transaction kind whose rules are all its own joins the one
   ``transaction`` handler in ``ledger/services.py`` (add its op to its ``@handles``);
   any other command gets one short function registered with ``@handles("op")``: load
   from the unit of work, call the domain, ``uow.collect`` the aggregates, return an
   ``Outcome``.
4. A new event: fold it into the read models (``ledger/projection.py`` ``project``), the
   postings (``projection.entries_of``) and the audit; a new transaction kind goes into
   ``domain.TRANSACTION_CLASSES`` and its line is generated from its declaration.
5. A test: the command line, an import line, the refusal (its code and field) and the
   replay (``audit`` passes), in ``tests/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.money import parse_date, parse_kg, parse_rupiah, require_text
from ledger.shu import FUNDS
from ledger.split import SHARES
from ledger.views import SAVINGS_KINDS

Reader = Callable[[object, str], Any]


# ------------------------------------------------------------------ readers
def text(value: object, field: str) -> str:
    return require_text(value, field)


def raw(value: object, field: str) -> object:
    """Read later by a value object (a policy's or the bylaws' percentages)."""
    return value


def ref(value: object, field: str) -> str:
    ref = require_text(value, field)
    if len(ref) > 120:
        raise InvalidInput(field, "{field} must be at most 120 characters.")
    return ref


def identifier(value: object, field: str) -> str:
    text = require_text(value, field)
    if any(ch.isspace() or ch in ",;" for ch in text) or len(text) > 40:
        raise InvalidInput(
            field,
            "{field} {text!r} must be a short code without spaces, commas or semicolons.",
            text=text,
        )
    return text


def identifiers(value: object, field: str) -> list[str]:
    """Member IDs: a list, or text separated by commas (or ``;`` as in a CSV cell)."""
    if isinstance(value, str):
        value = [p for p in (x.strip() for x in value.replace(";", ",").split(",")) if p]
    if not isinstance(value, list | tuple):
        raise InvalidInput(field, "{field} must list member IDs separated by commas.")
    return [identifier(p, field) for p in value]


def date(value: object, field: str) -> dt.date:
    return parse_date(value, field)


def rupiah(value: object, field: str) -> int:
    return parse_rupiah(value, field)


def amount(value: object, field: str) -> int:
    return parse_rupiah(value, field, allow_zero=False)


def kg(value: object, field: str) -> Any:
    return parse_kg(value, field)


def savings_kind(value: object, field: str) -> str:
    if value not in SAVINGS_KINDS:
        raise InvalidInput(
            field,
            "{field} must be one of {names}, not {value!r}.",
            names=", ".join(SAVINGS_KINDS),
            value=value,
        )
    return str(value)


def year(value: object, field: str = "year") -> int:
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not (len(text) == 4 and text.isdigit() and text.isascii()):
        raise InvalidInput(
            "year", msg("YEAR must be a year such as 2020, not {value!r}.", value=value)
        )
    return int(text)


def round_number(value: object, field: str = "round") -> int:
    text = str(value).strip()
    if isinstance(value, bool) or not (text.isdigit() and text.isascii()) or int(text) < 1:
        raise InvalidInput(
            "round", msg("round must be a whole number from 1, not {value!r}.", value=value)
        )
    return int(text)


def days(value: object, field: str) -> int:
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not (text.isdigit() and text.isascii() and 1 <= int(text) <= 31):
        raise InvalidInput(
            field, "{field} must be a whole number of days 1..31, not {value!r}.", value=value
        )
    return int(text)


def flag(value: object, field: str) -> bool | None:
    """A yes/no column: true, yes or 1 (false, no, 0 or empty: not given)."""
    text = str(value).strip().lower()
    if value is True or text in ("true", "yes", "ya", "1"):
        return True
    if value is False or text in ("false", "no", "tidak", "0"):
        return None
    raise InvalidInput(field, "{field} takes true or false, not {value!r}.", value=value)


def bylaws_file(value: object, field: str) -> Any:
    """A bylaws TOML file, read here at the edge: the close itself reads no file."""
    from ledger.shu import Bylaws

    return Bylaws.read(require_text(value, field), field)


def default_bylaws() -> Any:
    from ledger.shu import Bylaws

    return Bylaws.read(None)


def policy(value: object, field: str) -> Any:
    from ledger.split import Policy

    return value if isinstance(value, Policy) else Policy.parse(require_text(value, field))


def today() -> dt.date:
    return dt.date.today()


METAVARS: dict[Reader, str] = {
    date: "YYYY-MM-DD",
    rupiah: "RP",
    amount: "RP",
    kg: "KG",
    identifiers: "ID[,ID...]",
}


# ------------------------------------------------------------------ declarations
@attrs.frozen
class Field:
    name: str  # the import column; the option is --name with _ as -
    reader: Reader = text
    required: bool = False
    help: str = ""  # also the key of its Indonesian text in ledger/i18n_id.py
    example: str = ""
    choices: tuple[str, ...] = ()
    positional: bool = False
    metavar: str | None = None
    default: Callable[[], Any] | None = None  # when not given (e.g. today)
    attr: str | None = None  # the event attribute when it is named otherwise
    cli: bool = True  # False: an import column only (written by the export)
    importable: bool = True  # False: a command-line form of other columns
    expand: Callable[[str], dict[str, Any]] | None = None  # the columns it stands for
    written: bool = True  # False: not in the export line (read from a file, say)
    unwritten: tuple[Any, ...] = (None,)  # values the export line leaves out
    follows: str | None = None  # written from this later event of the command instead

    def with_(self, **changes: Any) -> Field:
        return attrs.evolve(self, **changes)

    @property
    def option(self) -> str:
        return self.name if self.positional else "--" + self.name.replace("_", "-")


@attrs.frozen
class Command:
    op: str
    words: tuple[str, ...]  # kerang WORD [WORD]
    help: str
    example: str
    fields: tuple[Field, ...]
    # the register event (``Cooperative.<event>``) whose export line this command is;
    # each field is read from the event's attribute ``attr`` (``policy.manager``: a key)
    event: str | None = None

    # the fields an import line gives and their names, worked out once
    importing: tuple[Field, ...] = attrs.field(init=False, eq=False, repr=False)
    column_set: frozenset[str] = attrs.field(init=False, eq=False, repr=False)

    @importing.default
    def _importing(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.importable)

    @column_set.default
    def _column_set(self) -> frozenset[str]:
        return frozenset(f.name for f in self.importing)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.importing)


REF = Field(
    "ref",
    ref,
    True,
    "the caller's own reference (a receipt number); repeating it records nothing twice",
    "NOTA-001",
)
DATE = Field("date", date, True, "the day it happened, YYYY-MM-DD", "2015-08-01")
DAY_OR_TODAY = Field("date", date, help="YYYY-MM-DD, default today", default=today)
MEMBER = Field("member", text, True, "the member's ID", "M01")
BAGAN = Field("bagan", text, True, "the bagan's ID", "B01")
AMOUNT = Field("amount", amount, True, "whole rupiah: 1500000, 1.500.000 or 1_500_000", "50.000")
# a registration's own ID (member leave ID ...), read back from its event's attribute
MEMBER_ID = Field(
    "id", identifier, True, "the member's ID", "M01", positional=True, attr="member_id"
)
BAGAN_ID = Field("id", identifier, True, "the bagan's ID", "B01", positional=True, attr="bagan_id")
PAID_BY = Field(
    "paid_by",
    text,
    True,
    "who paid: savings (the partners' harvest savings, as a repair), cooperative (its own "
    "cash), grant or capital (raised from outside)",
    "savings",
    choices=("grant", "cooperative", "savings", "capital"),
)
PURPOSE = Field("purpose", text, True, "what the money is for", "pulsa sales")
# a transaction's free note (the spreadsheet's keterangan), kept with its line
NOTES = Field(
    "notes", text, help="a note kept with the transaction (keterangan)", example="via Bu RT"
)
YEAR = Field(
    "year", year, True, "the financial year, e.g. 2015", "2015", positional=True, metavar="YEAR"
)
ROUND = Field("round", round_number, cli=False)  # which close/reopen of the year (export)

FUND_HELP = {
    "reserve": "percent of the SHU to the reserve fund (cadangan)",
    "jasa_usaha": "percent of the SHU to members by their harvest income",
    "jasa_modal": "percent of the SHU to members by their pokok + wajib savings",
    "education": "percent of the SHU to the education fund",
    "social": "percent of the SHU to the social fund",
}


def _movements(
    group: str, kinds: Mapping[str, tuple[str, str]], fields: tuple[Field, ...]
) -> list[Command]:
    """Commands that differ only in direction (deposit/withdraw, disburse/repay ...)."""
    return [
        Command(f"{group}.{d}", (group, d), help, example, fields)
        for d, (help, example) in kinds.items()
    ]


def _policy_shares(text: str) -> dict[str, Any]:
    from ledger.split import policy_terms

    return policy_terms(text)


COMMANDS: dict[str, Command] = {
    c.op: c
    for c in [
        Command(
            "init",
            ("init",),
            "start a new ledger for a cooperative",
            "kerang init --name 'Koperasi Sinar Abadi' --date 2015-01-01",
            (
                Field("name", text, True, "the cooperative's name", "Koperasi Sinar Abadi"),
                Field(
                    "policy",
                    policy,
                    help="manager=30,members=60,savings=8,cooperative=2 (the default)",
                ),
                DAY_OR_TODAY.with_(attr="started"),
            ),
            event="Started",
        ),
        Command(
            "policy.set",
            ("policy", "set"),
            "set the split policy for harvests dated on or after --from",
            "kerang policy set --from 2020-01-01 manager=25,members=65,savings=8,cooperative=2",
            (
                Field(
                    "from",
                    date,
                    True,
                    "the first harvest date the policy applies to, YYYY-MM-DD",
                    "2020-01-01",
                    attr="effective",
                ),
                Field(
                    "shares",
                    raw,
                    True,
                    "the four shares in percent, adding up to 100",
                    positional=True,
                    metavar="manager=P,members=P,savings=P,cooperative=P",
                    importable=False,
                    expand=_policy_shares,
                ),
                *(Field(s, raw, True, cli=False, attr=f"policy.{s}") for s in SHARES),
            ),
            event="PolicySet",
        ),
        Command(
            "member.add",
            ("member", "add"),
            "add a member",
            "kerang member add M01 --name 'Ibu Siti' --date 2015-01-01",
            (
                Field(
                    "id",
                    identifier,
                    True,
                    "a short member ID without spaces, e.g. M01",
                    "M01",
                    positional=True,
                    attr="member_id",
                ),
                Field("name", text, True, "the member's name", "Ibu Siti"),
                DAY_OR_TODAY.with_(attr="joined"),
            ),
            event="MemberAdded",
        ),
        Command(
            "member.leave",
            ("member", "leave"),
            "end a membership and settle pokok and wajib savings",
            "kerang member leave M01 --date 2019-12-31",
            (
                MEMBER_ID,
                DATE.with_(help="the day the membership ends, YYYY-MM-DD", attr="left"),
            ),
            event="MemberLeft",
        ),
        # register corrections: events, never edits
        Command(
            "member.update",
            ("member", "update"),
            "correct a member's name from a date on (recorded as an event; the old name stays in the history)",
            "kerang member update M01 --name 'Ibu Siti Aminah' --date 2016-01-01",
            (
                MEMBER_ID,
                Field("name", text, True, "the member's name from that date", "Ibu Siti Aminah"),
                DATE.with_(help="the day the name applies from, YYYY-MM-DD", attr="day"),
            ),
            event="MemberRenamed",
        ),
        Command(
            "bagan.partners",
            ("bagan", "partners"),
            "change a bagan's partners for harvests and repairs from a date on",
            "kerang bagan partners B01 --partners M01,M03 --from 2017-01-01",
            (
                BAGAN_ID,
                Field("partners", identifiers, True, "member IDs separated by commas", "M01,M03"),
                Field(
                    "from",
                    date,
                    True,
                    "the first harvest or repair date the partners apply to, YYYY-MM-DD",
                    "2017-01-01",
                    attr="effective",
                ),
            ),
            event="PartnersChanged",
        ),
        Command(
            "bagan.add",
            ("bagan", "add"),
            "register a bagan, its partners and manager",
            "kerang bagan add B01 --partners M01,M02 --manager 'Pak Budi' --date 2015-02-01 "
            "--cost 12.000.000",
            (
                Field(
                    "id",
                    identifier,
                    True,
                    "a short bagan ID without spaces, e.g. B01",
                    "B01",
                    positional=True,
                    attr="bagan_id",
                ),
                Field("partners", identifiers, True, "member IDs separated by commas", "M01,M02"),
                Field("manager", text, True, "the manager's name (pengelola)", "Pak Budi"),
                DAY_OR_TODAY.with_(attr="added"),
                Field(
                    "cost",
                    rupiah,
                    help="what building the bagan cost, in rupiah (default 0)",
                    example="12.000.000",
                    default=lambda: 0,
                    unwritten=(None, 0),
                ),
                Field(
                    "manager_member",
                    identifier,
                    help="the member whose household the manager belongs to (her husband "
                    "or family): his share counts as that household's income",
                    example="M01",
                    follows="ManagerLinked",
                    attr="member",
                ),
                PAID_BY.with_(
                    help="who paid for it: grant (the programme, default), cooperative (its "
                    "own cash), savings (the partners' harvest savings) or capital (raised "
                    "from outside)",
                    default=lambda: "grant",
                    required=False,
                    follows="BaganFinanced",
                ),
            ),
            event="BaganAdded",
        ),
        Command(
            "bagan.retire",
            ("bagan", "retire"),
            "retire a bagan (worn out, destroyed by a storm, sold): no harvest of it after",
            "kerang bagan retire B01 --date 2019-02-01 --reason storm --note 'west monsoon'",
            (
                BAGAN_ID,
                DATE.with_(attr="day"),
                Field(
                    "reason",
                    text,
                    True,
                    "why: worn, storm, sold or other",
                    "storm",
                    choices=("worn", "storm", "sold", "other"),
                ),
                Field("note", text, help="what happened, in a few words", example="west monsoon"),
            ),
            event="BaganRetired",
        ),
        Command(
            "bagan.rebuild",
            ("bagan", "rebuild"),
            "rebuild or renew a bagan on its site, with its cost and who paid",
            "kerang bagan rebuild B01 --date 2019-03-01 --cost 12.000.000 --paid-by savings",
            (
                BAGAN_ID,
                DATE.with_(attr="day"),
                Field("cost", amount, True, "what rebuilding it cost, in rupiah", "12.000.000"),
                PAID_BY,
            ),
            event="BaganRebuilt",
        ),
        Command(
            "harvest",
            ("harvest",),
            "record a harvest sale and split it",
            "kerang harvest --ref NOTA-001 --date 2015-08-01 --bagan B01 --kg 3000 --price 10.000",
            (
                REF,
                DATE,
                BAGAN,
                Field(
                    "kg", kg, help="kilograms sold (decimals allowed), with --price", example="3000"
                ),
                Field(
                    "price",
                    amount,
                    help="rupiah per kilogram, with --kg",
                    example="10.000",
                ),
                Field(
                    "revenue",
                    amount,
                    help="gross proceeds in rupiah, instead of --kg and --price",
                    example="30.000.000",
                ),
                Field(
                    "costs",
                    rupiah,
                    help="harvest costs in rupiah, taken off before the split (default 0)",
                    example="500.000",
                    default=lambda: 0,
                ),
                Field("buyer", text, help="who bought the harvest (optional)", example="Pak Haji"),
                NOTES,
            ),
        ),
        *_movements(
            "savings",
            {
                "deposit": (
                    "deposit savings",
                    "kerang savings deposit --ref KW-001 --date 2015-08-02 --member M01 "
                    "--kind sukarela --amount 50.000",
                ),
                "withdraw": (
                    "withdraw savings",
                    "kerang savings withdraw --ref KW-001 --date 2015-08-02 --member M01 "
                    "--kind sukarela --amount 50.000",
                ),
            },
            (
                REF,
                DATE,
                MEMBER,
                Field(
                    "kind",
                    savings_kind,
                    True,
                    "the kind of savings",
                    "sukarela",
                    choices=SAVINGS_KINDS,
                    attr="savings_kind",
                ),
                AMOUNT,
                NOTES,
            ),
        ),
        Command(
            "infaq.receive",
            ("infaq", "receive"),
            "receive infaq into the infaq fund",
            "kerang infaq receive --ref INF-001 --date 2015-08-02 --amount 25.000 --member M01",
            (
                REF,
                DATE,
                AMOUNT,
                MEMBER.with_(required=False, help="the giving member's ID (optional)"),
                NOTES,
            ),
        ),
        Command(
            "infaq.disburse",
            ("infaq", "disburse"),
            "disburse from the infaq fund",
            "kerang infaq disburse --ref INF-002 --date 2015-09-01 --amount 100.000 "
            "--purpose 'orphans'",
            (REF, DATE, AMOUNT, PURPOSE, NOTES),
        ),
        *_movements(
            "loan",
            {
                d: (
                    f"{d} a member's loan",
                    f"kerang loan {d} --ref PJ-001 --date 2015-09-01 --member M01 --amount 500.000",
                )
                for d in ("disburse", "repay")
            },
            (REF, DATE, MEMBER, AMOUNT, NOTES),
        ),
        Command(
            "repair",
            ("repair",),
            "pay a bagan repair from its partners' harvest savings",
            "kerang repair --ref RP-001 --date 2015-10-01 --bagan B01 --amount 300.000",
            (REF, DATE, BAGAN, AMOUNT, NOTES),
        ),
        Command(
            "peeling.pay",
            ("peeling", "pay"),
            "pay a member her wages from the cooperative's peeling house (rumah kupas)",
            "kerang peeling pay --ref KUPAS-001 --date 2018-05-31 --member M40 --amount 1.100.000 "
            "--days 24",
            (
                REF,
                DATE,
                MEMBER,
                AMOUNT,
                Field("days", days, help="days she peeled in the period paid", example="24"),
                NOTES,
            ),
        ),
        Command(
            "correct",
            ("correct",),
            "reverse every effect of an earlier transaction",
            "kerang correct --ref C-001 --date 2015-10-02 --reverses KW-001 --reason 'wrong member'",
            (
                REF,
                DATE,
                Field("reverses", text, True, "the ref of the transaction to reverse", "KW-001"),
                Field("reason", text, True, "why it is reversed", "wrong member"),
                NOTES,
            ),
        ),
        Command(
            "story.add",
            ("story", "add"),
            "record a member's Most Significant Change story",
            "kerang story add --member M01 --date 2018-06-01 --title 'School fees' --text '...'",
            (
                REF.with_(
                    required=False,
                    help="a reference for the story (default: made from its content)",
                ),
                DATE,
                MEMBER,
                Field("title", text, True, "the story's title", "School fees"),
                Field("text", text, True, "the story as the member tells it", "..."),
            ),
        ),
        *_movements(
            "cooperative",
            {
                d: (
                    f"record {account} of the cooperative (cash; part of its SHU)",
                    f"kerang cooperative {d} --ref KOP-001 --date 2016-03-01 --amount 150.000 "
                    "--purpose 'pulsa sales'",
                )
                for d, account in (("income", "other income"), ("expense", "an operating expense"))
            },
            (REF, DATE, AMOUNT, PURPOSE, NOTES),
        ),
        Command(
            "shu.settle",
            ("shu", "settle"),
            "settle the SHU a closed year owes members: paid in cash or credited to their "
            "sukarela savings",
            "kerang shu settle --ref SHU-2015 --date 2016-03-01 --year 2015 --all --to sukarela",
            (
                REF,
                DATE.with_(help="the day it is settled, on or after the close, YYYY-MM-DD"),
                YEAR.with_(positional=False, help="the closed financial year whose SHU is settled"),
                MEMBER.with_(required=False, help="the member's ID (or --all)"),
                Field(
                    "all",
                    flag,
                    help="every member the year still owes SHU to (instead of --member)",
                    example="true",
                    attr="all_members",
                ),
                Field(
                    "to",
                    text,
                    True,
                    "cash (paid out) or sukarela (credited to the member's sukarela savings)",
                    "sukarela",
                    choices=("cash", "sukarela"),
                ),
                NOTES,
            ),
        ),
        Command(
            "close",
            ("close",),
            "close a financial year: compute its SHU, appropriate it by the bylaws and lock the year",
            "kerang close 2015 --date 2016-02-15",
            (
                YEAR,
                DAY_OR_TODAY.with_(
                    help="the day of the close, after the year's end (default today)", attr="day"
                ),
                Field(
                    "bylaws",
                    bylaws_file,
                    help="a bylaws TOML file (default: ledger/data/bylaws.toml)",
                    default=default_bylaws,
                    written=False,  # its percentages are written, each in its column
                ),
                *(Field(f, raw, help=FUND_HELP[f], metavar="P", attr=f"bylaws.{f}") for f in FUNDS),
                ROUND,
            ),
            event="YearClosed",
        ),
        Command(
            "reopen",
            ("reopen",),
            "reopen a closed year: undo its close so that entries dated in it are accepted again",
            "kerang reopen 2015 --reason 'late receipt NOTA-77'",
            (
                YEAR,
                Field("reason", text, True, "why the year is reopened", "late receipt NOTA-77"),
                DAY_OR_TODAY.with_(help="the day of the reopen (default today)", attr="day"),
                ROUND,
            ),
            event="YearReopened",
        ),
    ]
}

OPERATIONS = COMMANDS  # the table's name in the public API (``ledger.OPERATIONS``)

# the command-line groups (kerang member add ...) and their help
GROUPS: dict[str, str] = {
    "policy": "harvest split policies",
    "member": "members (anggota)",
    "bagan": "bagan (mussel platforms)",
    "peeling": "the peeling house's wages (rumah kupas)",
    "savings": "members' savings",
    "infaq": "the infaq fund",
    "loan": "interest-free loans (qardh)",
    "story": "Most Significant Change stories",
    "cooperative": "the cooperative's own income and expenses",
    "shu": "the SHU owed to members after a close",
}


def command(op: object) -> Command:
    if not isinstance(op, str) or op not in COMMANDS:
        raise InvalidInput(
            "op",
            msg("op {op!r} is unknown; use one of {names}.", op=op, names=", ".join(COMMANDS)),
        )
    return COMMANDS[op]


def read(op: object, fields: Mapping[str, Any]) -> tuple[Command, dict[str, Any]]:
    """An import line's (or the command line's) raw fields, read into typed values.

    Unknown and missing fields are refused naming them; every declared field is in the
    result (its default, or None, when not given).
    """
    spec = command(op)
    given = {k: v for k, v in fields.items() if v is not None and v != ""}
    if not spec.column_set.issuperset(given):
        unknown = sorted(set(given) - spec.column_set)
        raise InvalidInput(
            unknown[0], msg("field {unknown!r} is not used by {op}.", unknown=unknown[0], op=op)
        )
    values: dict[str, Any] = {}
    for f in spec.importing:
        if f.name in given:
            values[f.name] = f.reader(given[f.name], f.name)
        elif f.required:
            raise InvalidInput(f.name, "{op} needs {field}.", op=op)
        else:
            values[f.name] = f.default() if f.default else None
    return spec, values


def from_command_line(spec: Command, parsed: Mapping[str, Any]) -> dict[str, Any]:
    """The import fields of a parsed command line (a CLI-only field expands to columns)."""
    fields: dict[str, Any] = {}
    for f in spec.fields:
        value = parsed.get(f.name)
        if f.expand is not None:
            fields.update(f.expand(value) if value is not None else {})
        elif f.cli:
            fields[f.name] = value
    return fields


def line_fields(op: str) -> tuple[str, ...]:
    """A transaction's attributes that make its import line after op, ref and date."""
    return tuple(
        f.attr or f.name
        for f in COMMANDS[op].fields
        if f.importable and f.name not in ("ref", "date")
    )


def line_names(op: str) -> dict[str, str]:
    """Attribute -> column, where they differ (``savings_kind`` -> ``kind``)."""
    return {f.attr: f.name for f in COMMANDS[op].fields if f.attr}
