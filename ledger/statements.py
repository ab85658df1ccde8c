"""The cooperative's financial statements, computed from the books (read models).

- ``position``: the statement of financial position (*laporan posisi keuangan*)
  with the names SAK EP uses. Simpanan pokok and simpanan wajib are shown as
  **equity**: under Indonesian cooperative accounting they are the members' own
  capital as long as they cannot be withdrawn at will — and in this ledger they
  cannot (they are only settled when a member leaves). Simpanan sukarela and the
  harvest savings are liabilities. The infaq fund is shown on its own, outside
  the commercial liabilities and equity (PSAK 109), with the infaq cash that
  backs it shown apart among the assets.
- ``income``: the income statement (*laporan laba rugi / perhitungan hasil
  usaha*) for a period: the cooperative's share of the harvests, its other
  income and its operating expenses; the year-end closing entries are left out.
- ``infaq``: the changes in the infaq fund (PSAK 109 style): opening balance,
  received by source, disbursed by purpose, closing balance.
- ``shu``: a year's SHU per fund and per member (from its recorded close, or a
  preview of the close by the bylaws when the year is not closed).

Every amount is whole rupiah; ``as_json`` gives integers.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

import attrs

from ledger import accounts
from ledger.app import LedgerApp
from ledger.errors import InvalidInput
from ledger.i18n import FieldName, msg
from ledger.money import format_percent
from ledger.queries import as_of_date, cooperative
from ledger.shu import FUNDS, notes_of, resolve_bylaws
from ledger.views import SAVINGS_KINDS

CLOSING_REFS = ("close:", "reopen:")


@attrs.frozen
class Line:
    key: str  # the JSON name
    label: str  # the SAK EP name
    amount: int


@attrs.frozen
class Section:
    key: str
    label: str
    lines: tuple[Line, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def as_json(self) -> dict[str, int]:
        return {**{line.key: line.amount for line in self.lines}, "total": self.total}


@attrs.frozen
class Position:
    """Statement of financial position; liabilities, funds and equity as positive amounts."""

    as_of: dt.date
    name: str
    assets: Section
    liabilities: Section
    infaq: Section
    equity: Section

    @property
    def claims(self) -> int:
        return self.liabilities.total + self.infaq.total + self.equity.total

    @property
    def balanced(self) -> bool:
        return self.assets.total == self.claims

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "assets": self.assets.as_json(),
            "liabilities": self.liabilities.as_json(),
            "infaq_fund": self.infaq.total,
            "equity": self.equity.as_json(),
            "liabilities_funds_and_equity": self.claims,
            "balanced": self.balanced,
        }


def position(app: LedgerApp, as_of: dt.date | None = None) -> Position:
    coop = cooperative(app)
    day = as_of_date(app, as_of)
    totals = app.read.account_totals(day)
    taken: set[str] = set()

    def debit(*names: str) -> int:
        taken.update(names)
        return sum(totals.get(n, 0) for n in names)

    def credit(*names: str) -> int:
        return -debit(*names)

    S = accounts.SAVINGS
    assets = [
        Line("cash", "Kas", debit(accounts.CASH)),
        Line("infaq_cash", "Kas dana infaq (terpisah)", debit(accounts.INFAQ_CASH)),
        Line("loans_receivable", "Piutang pinjaman anggota (qardh)", debit(accounts.LOANS)),
        Line("bagan", "Aset tetap: bagan", debit(accounts.BAGAN)),
    ]
    liabilities = [
        Line("savings_sukarela", "Simpanan sukarela", credit(S["sukarela"])),
        Line("savings_harvest", "Tabungan panen anggota", credit(S["harvest"])),
        Line("shu_payable", "SHU bagian anggota belum dibayar", credit(accounts.SHU_MEMBERS)),
        Line("education_fund", "Dana pendidikan", credit(accounts.EDUCATION_FUND)),
        Line("social_fund", "Dana sosial", credit(accounts.SOCIAL_FUND)),
    ]
    infaq = [Line("infaq_fund", "Dana infaq", credit(accounts.INFAQ_FUND))]
    # the result not yet closed, and any year's loss left in Equity:SHU:<YEAR>
    undistributed = [a for a in totals if accounts.is_nominal(a) or a.startswith("Equity:SHU:")]
    equity = [
        Line("savings_pokok", "Simpanan pokok", credit(S["pokok"])),
        Line("savings_wajib", "Simpanan wajib", credit(S["wajib"])),
        Line("grants", "Modal donasi (hibah program)", credit(accounts.GRANTS)),
        Line("reserve", "Cadangan", credit(accounts.RESERVE)),
        Line("shu_undistributed", "SHU belum dibagi", credit(*undistributed)),
    ]
    # anything the chart may gain later still lands in its class, so the statement balances
    rest: dict[str, int] = defaultdict(int)
    for a, x in totals.items():
        if a not in taken:
            rest[a.split(":", 1)[0]] += x
    assets.append(Line("other", "Aset lain", rest.pop("Assets", 0)))
    liabilities.append(Line("other", "Liabilitas lain", -rest.pop("Liabilities", 0)))
    equity.append(Line("other", "Ekuitas lain", -sum(rest.values())))
    return Position(
        as_of=day,
        name=coop.name,
        assets=Section("assets", "Aset", tuple(assets)),
        liabilities=Section("liabilities", "Liabilitas", tuple(liabilities)),
        infaq=Section("infaq", "Dana infaq (PSAK 109, terpisah dari dana komersial)", tuple(infaq)),
        equity=Section("equity", "Ekuitas", tuple(equity)),
    )


@attrs.frozen
class IncomeStatement:
    first: dt.date
    last: dt.date
    name: str
    harvest: dict[
        str, int
    ]  # sales, costs, manager_share, partner_share, savings_share, cooperative_share
    other_income: int
    operating_expenses: int
    other: int  # net of any other income/expense account (none in today's chart)

    @property
    def shu(self) -> int:
        return (
            self.harvest["cooperative_share"]
            + self.other_income
            - self.operating_expenses
            + self.other
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "harvest": dict(self.harvest),
            "other_income": self.other_income,
            "operating_expenses": self.operating_expenses,
            "other": self.other,
            "shu": self.shu,
        }


def period_refused(first: dt.date, last: dt.date) -> InvalidInput:
    """The refusal of a period that ends before it starts."""
    return InvalidInput(
        "to",
        "{field} {last} is before {start} {first}.",
        last=last,
        start=FieldName("from"),
        first=first,
    )


def _period(first: dt.date | None, last: dt.date | None, app: LedgerApp) -> tuple[dt.date, dt.date]:
    start = first or cooperative(app).started
    end = as_of_date(app, last)
    if end < start:
        raise period_refused(start, end)
    return start, end


def income(app: LedgerApp, first: dt.date, last: dt.date) -> IncomeStatement:
    coop = cooperative(app)
    if last < first:
        raise period_refused(first, last)
    t = app.read.period_sums(first, last, accounts.NOMINAL, CLOSING_REFS)
    known = {
        "sales": -t.pop(accounts.SALES, 0),
        "costs": t.pop(accounts.HARVEST_COSTS, 0),
        "manager_share": t.pop(accounts.MANAGER_SHARE, 0),
        "partner_share": t.pop(accounts.PARTNER_SHARE, 0),
        "savings_share": t.pop(accounts.SAVINGS_SHARE, 0),
    }
    known["cooperative_share"] = known["sales"] - sum(
        known[k] for k in ("costs", "manager_share", "partner_share", "savings_share")
    )
    return IncomeStatement(
        first=first,
        last=last,
        name=coop.name,
        harvest=known,
        other_income=-t.pop(accounts.OTHER_INCOME, 0),
        operating_expenses=t.pop(accounts.OPERATING, 0),
        other=-sum(t.values()),
    )


@attrs.frozen
class InfaqChanges:
    """Changes in the infaq fund over a period (PSAK 109: kept apart from commercial results)."""

    first: dt.date
    last: dt.date
    name: str
    opening: int
    by_member: dict[str, int]  # received from each member ('' for non-members)
    by_purpose: dict[str, int]
    closing: int

    @property
    def received(self) -> int:
        return sum(self.by_member.values())

    @property
    def disbursed(self) -> int:
        return sum(self.by_purpose.values())

    def as_json(self) -> dict[str, Any]:
        members = {m: x for m, x in self.by_member.items() if m}
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "opening": self.opening,
            "received": {
                "total": self.received,
                "from_members": sum(members.values()),
                "from_others": self.by_member.get("", 0),
                "by_member": members,
            },
            "disbursed": {"total": self.disbursed, "by_purpose": dict(self.by_purpose)},
            "closing": self.closing,
        }


def infaq(
    app: LedgerApp, first: dt.date | None = None, last: dt.date | None = None
) -> InfaqChanges:
    coop = cooperative(app)
    start, end = _period(first, last, app)
    fund = accounts.INFAQ_FUND
    opening = -app.read.balance(fund, None, start - dt.timedelta(days=1))
    by_member: dict[str, int] = defaultdict(int)
    by_purpose: dict[str, int] = defaultdict(int)
    for _, _, _, member, amount, kind, command in app.read.period_postings(
        start, end, accounts=(fund,)
    ):
        if kind == "infaq.disburse":  # a reversal (debit back) counts against its purpose
            by_purpose[json.loads(command)["purpose"]] += amount
        else:  # receipts and their reversals, by who gave
            by_member[member] -= amount
    return InfaqChanges(
        first=start,
        last=end,
        name=coop.name,
        opening=opening,
        by_member=dict(sorted(by_member.items())),
        by_purpose=dict(sorted(by_purpose.items())),
        closing=-app.read.balance(fund, None, end),
    )


@attrs.frozen
class MemberShu:
    member: str
    name: str
    harvest_income: int  # the jasa usaha base
    savings: int  # pokok + wajib at year end: the jasa modal base
    jasa_usaha: int
    jasa_modal: int

    @property
    def total(self) -> int:
        return self.jasa_usaha + self.jasa_modal

    def as_json(self) -> dict[str, Any]:
        return {
            "member": self.member,
            "name": self.name,
            "harvest_income": self.harvest_income,
            "pokok_wajib": self.savings,
            "jasa_usaha": self.jasa_usaha,
            "jasa_modal": self.jasa_modal,
            "total": self.total,
        }


@attrs.frozen
class ShuReport:
    year: int
    name: str
    status: str  # "closed", or "preview" (not closed: the close as the books stand)
    closed_on: dt.date | None
    closing: dict[str, int]
    shu: int
    bylaws: dict[str, int]  # basis points
    funds: dict[str, int]
    reserve: int
    members: tuple[MemberShu, ...]
    notes: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "status": self.status,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "shu": self.shu,
            "percentages": {k: format_percent(v) for k, v in self.bylaws.items()},
            "funds": dict(self.funds),
            "reserve_total": self.reserve,
            "members": [m.as_json() for m in self.members],
            "member_total": sum(m.total for m in self.members),
            "notes": list(self.notes),
        }


def shu(app: LedgerApp, year: int, bylaws: str | None = None) -> ShuReport:
    coop = cooperative(app)
    if year < coop.started.year:
        raise InvalidInput(
            "year",
            msg(
                "{year} is before the ledger started ({started}).", year=year, started=coop.started
            ),
        )
    if year in coop.closed:
        record = {"year": year, **coop.closes(year)[-1]}
        status, closed_on = "closed", record["day"]
    else:
        points = resolve_bylaws(bylaws, {})
        from ledger.services import shu_figures
        from ledger.uow import UnitOfWork

        record = shu_figures(UnitOfWork(app), year, dt.date(year + 1, 1, 1), points, 0)
        status, closed_on = "preview", None
    ids = sorted(
        set(record["usaha_base"])
        | set(record["modal_base"])
        | set(record["jasa_usaha"])
        | set(record["jasa_modal"])
    )
    members = tuple(
        MemberShu(
            m,
            coop.members.get(m, {}).get("name", ""),
            record["usaha_base"].get(m, 0),
            record["modal_base"].get(m, 0),
            record["jasa_usaha"].get(m, 0),
            record["jasa_modal"].get(m, 0),
        )
        for m in ids
    )
    notes = list(notes_of(record))
    if status == "preview":
        notes.insert(0, f"{year} is not closed: a preview by the bylaws as the books stand")
    return ShuReport(
        year=year,
        name=coop.name,
        status=status,
        closed_on=closed_on,
        closing=dict(record["closing"]),
        shu=record["shu"],
        bylaws={k: record["bylaws"][k] for k in FUNDS},
        funds={k: record["funds"][k] for k in FUNDS},
        reserve=record["reserve"],
        members=members,
        notes=tuple(notes),
    )


# ------------------------------------------------------------ the member's passbook
# Each book of a member's passbook: the account it reads and the sign that turns the
# cooperative's posting into the member's own view (a deposit adds, a withdrawal subtracts;
# a loan disbursed adds to what the member owes, a repayment subtracts).
PASSBOOK_BOOKS: tuple[tuple[str, str, int], ...] = (
    *((f"savings.{k}", accounts.SAVINGS[k], -1) for k in SAVINGS_KINDS),
    ("loan", accounts.LOANS, 1),
    ("income", accounts.PARTNER_SHARE, 1),
    ("infaq", accounts.INFAQ_FUND, -1),
)


@attrs.frozen
class PassbookLine:
    date: dt.date
    ref: str
    kind: str  # the transaction's op (savings.deposit, harvest, ...), or "correct"
    amount: int  # in the member's sign
    balance: int  # the running balance after this line
    reverses: str | None = None  # on a correction's line: the ref it reverses
    reversed_by: str | None = None  # on a reversed line: the correction's ref
    notes: str | None = None  # the transaction's note (keterangan), when it has one

    def as_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "date": self.date.isoformat(),
            "ref": self.ref,
            "kind": self.kind,
            "amount": self.amount,
            "balance": self.balance,
        }
        if self.reverses:
            doc["reverses"] = self.reverses
        if self.reversed_by:
            doc["reversed_by"] = self.reversed_by
        if self.notes:
            doc["notes"] = self.notes
        return doc


@attrs.frozen
class PassbookBook:
    key: str  # savings.pokok ... savings.harvest, loan, income, infaq
    opening: int
    lines: tuple[PassbookLine, ...]

    @property
    def closing(self) -> int:
        return self.lines[-1].balance if self.lines else self.opening

    def as_json(self) -> dict[str, Any]:
        return {
            "opening": self.opening,
            "lines": [line.as_json() for line in self.lines],
            "closing": self.closing,
        }


@attrs.frozen
class Passbook:
    """A member's buku tabungan: per book, lines in date order with a running balance."""

    member: str
    first: dt.date
    last: dt.date
    books: tuple[PassbookBook, ...]

    def book(self, key: str) -> PassbookBook:
        return next(b for b in self.books if b.key == key)

    def as_json(self) -> dict[str, Any]:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "books": {b.key: b.as_json() for b in self.books},
        }


def passbook(app: LedgerApp, member: str, first: dt.date, last: dt.date) -> Passbook:
    """The member's passbook from ``first`` to ``last`` (opening balances on ``first``).

    A correction posts under the ref it reverses, dated on the correction: the later half
    of a reversed ref's postings on an account are the reversal.
    """
    if last < first:
        raise period_refused(first, last)
    sign = {account: s for _, account, s in PASSBOOK_BOOKS}
    rows = app.read.member_postings(member, tuple(sign), last)
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (_, ref, account, *_rest) in enumerate(rows):
        seen[(ref, account)].append(i)
    reversal: set[int] = set()  # the rows that undo an earlier one
    for at in seen.values():
        if rows[at[0]][5]:
            reversal.update(at[len(at) // 2 :])
    balances: dict[str, int] = defaultdict(int)
    lines: dict[str, list[PassbookLine]] = defaultdict(list)
    for i, (day, ref, account, amount, kind, reversed_by, command) in enumerate(rows):
        mine = sign[account] * amount
        balances[account] += mine
        if dt.date.fromisoformat(day) < first:
            continue
        undo = i in reversal
        lines[account].append(
            PassbookLine(
                date=dt.date.fromisoformat(day),
                ref=reversed_by if undo else ref,
                kind="correct" if undo else kind,
                amount=mine,
                balance=balances[account],
                reverses=ref if undo else None,
                reversed_by=None if undo else reversed_by,
                notes=None if undo or not command else _notes(command),
            )
        )
    books = []
    for key, account, _ in PASSBOOK_BOOKS:
        shown = tuple(lines[account])
        moved = sum(line.amount for line in shown)
        books.append(PassbookBook(key, balances[account] - moved, shown))
    return Passbook(member, first, last, tuple(books))


def _notes(command: str) -> str | None:
    """The note stored with a transaction's command (older commands have none)."""
    notes = json.loads(command).get("notes")
    return notes if isinstance(notes, str) else None


def statement_day(as_of: dt.date | None, last: dt.date | None) -> dt.date | None:
    """The statement's date from ``--as-of`` and ``--to``: one reading, or a refusal."""
    if as_of is not None and last is not None and as_of != last:
        raise InvalidInput(
            "to",
            "{field} {last} and {as_of_field} {as_of} name two dates; give one of them.",
            last=last,
            as_of_field=FieldName("as_of"),
            as_of=as_of,
        )
    return as_of or last


def passbook_start(
    joined: dt.date, last: dt.date, first: dt.date | None, everything: bool
) -> dt.date:
    """``--from``, or everything since joining (``--all``), or the year up to ``last``."""
    if everything and first is not None:
        raise InvalidInput(
            "all", "{field} and {start} name two starts; give one of them.", start=FieldName("from")
        )
    if everything:
        return min(joined, last)
    if first is not None:
        if last < first:
            raise period_refused(first, last)
        return first
    try:
        year_before = last.replace(year=last.year - 1) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        year_before = last.replace(year=last.year - 1, day=28) + dt.timedelta(days=1)
    return min(max(joined, year_before), last)
