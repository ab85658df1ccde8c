"""Reports derived from the read models: statement, summary, balance, books."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs

from ledger import accounts
from ledger.app import LedgerApp
from ledger.domain import SAVINGS_KINDS, Cooperative
from ledger.errors import NotInitialised, UnknownMember
from ledger.i18n import msg
from ledger.split import SHARES, Split
from ledger.views import (
    BaganView,
    Books,
    HarvestView,
    MemberView,
    Movement,
    Statement,
    Story,
)


def cooperative(app: LedgerApp) -> Cooperative:
    coop = app.cooperative()
    if coop is None:
        raise NotInitialised(
            "db", msg("this ledger has not been started; run 'kerang init --name NAME' first.")
        )
    return coop


def as_of_date(app: LedgerApp, as_of: dt.date | None) -> dt.date:
    """Default: today, or the latest recorded date if that is later."""
    if as_of is not None:
        return as_of
    last = app.read.last_date()
    today = dt.date.today()
    return max(today, last) if last else today


@attrs.frozen
class StatementLine:
    date: dt.date
    ref: str
    kind: str
    account: str
    amount: int


@attrs.frozen
class MemberStatement:
    statement: Statement
    name: str
    joined: dt.date
    left: dt.date | None
    bagan: tuple[str, ...]
    lines: tuple[StatementLine, ...]
    passbook: Any = None  # ledger.statements.Passbook: the lines with a running balance

    def as_json(self) -> dict[str, Any]:
        doc = self.statement.as_json()
        if self.passbook is not None:
            doc["passbook"] = self.passbook.as_json()
        return doc


def _statement_from_totals(member: str, day: dt.date, totals: dict[str, int]) -> Statement:
    return Statement(
        member=member,
        as_of=day,
        income=totals.get(accounts.PARTNER_SHARE, 0),
        savings={k: -totals.get(accounts.SAVINGS[k], 0) for k in SAVINGS_KINDS},
        loan_outstanding=totals.get(accounts.LOANS, 0),
        infaq_given=-totals.get(accounts.INFAQ_FUND, 0),
        peeling_wages=totals.get(accounts.PEELING_WAGES, 0),
    )


def statement(
    app: LedgerApp, member: str, as_of: dt.date | None = None, lines: int = 15
) -> MemberStatement:
    coop = cooperative(app)
    if member not in coop.members:
        raise UnknownMember("member", msg("{member!r} is not a member.", member=member))
    day = as_of_date(app, as_of)
    info = coop.members[member]
    return MemberStatement(
        statement=_statement_from_totals(member, day, app.read.member_totals(member, day)),
        name=info["name"],
        joined=info["joined"],
        left=info["left"],
        bagan=tuple(
            sorted(
                b
                for b, i in coop.bagan.items()
                if i["added"] <= day and member in coop.partners_on(b, day)
            )
        ),
        lines=tuple(
            StatementLine(dt.date.fromisoformat(d), r, k, a, amt)
            for d, r, k, a, amt in app.read.member_lines(member, day, lines)
        ),
    )


@attrs.frozen
class Summary:
    as_of: dt.date
    name: str
    members: int
    bagan: int
    harvests: int
    gross: int
    costs: int
    net: int
    shares: dict[str, int]
    savings: dict[str, int]
    infaq_fund: int
    loans_outstanding: int

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "members": self.members,
            "bagan": self.bagan,
            "harvests": self.harvests,
            "gross": self.gross,
            "costs": self.costs,
            "net": self.net,
            "shares": {k: self.shares[k] for k in SHARES},
            "savings": {k: self.savings[k] for k in SAVINGS_KINDS},
            "infaq_fund": self.infaq_fund,
            "loans_outstanding": self.loans_outstanding,
        }


def _active(info: dict[str, Any], day: dt.date) -> bool:
    return info["joined"] <= day and (info["left"] is None or day < info["left"])


def summary(app: LedgerApp, as_of: dt.date | None = None) -> Summary:
    coop = cooperative(app)
    day = as_of_date(app, as_of)
    totals = app.read.account_totals(day)
    h = app.read.harvest_totals(day)
    return Summary(
        as_of=day,
        name=coop.name,
        members=sum(1 for m in coop.members.values() if _active(m, day)),
        bagan=sum(1 for b in coop.bagan.values() if b["added"] <= day),
        harvests=h["harvests"],
        gross=h["gross"],
        costs=h["costs"],
        net=h["net"],
        shares={k: h[k] for k in SHARES},
        savings={k: -totals.get(accounts.SAVINGS[k], 0) for k in SAVINGS_KINDS},
        infaq_fund=-totals.get(accounts.INFAQ_FUND, 0),
        loans_outstanding=totals.get(accounts.LOANS, 0),
    )


@attrs.frozen
class TrialBalance:
    as_of: dt.date
    accounts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.accounts.values())

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "accounts": dict(self.accounts)}


def balance(app: LedgerApp, as_of: dt.date | None = None) -> TrialBalance:
    cooperative(app)
    day = as_of_date(app, as_of)
    totals = app.read.account_totals(day)
    order = {a: i for i, a in enumerate(accounts.ACCOUNTS)}
    return TrialBalance(
        day, {a: totals[a] for a in sorted(totals, key=lambda a: (order.get(a, 99), a))}
    )


def _retired(b: dict[str, Any], day: dt.date) -> tuple[dt.date, str] | None:
    """(date, reason) of the bagan's retirement if it stood retired on ``day``
    (a rebuild after it stands it up again)."""
    state = None
    for when, reason in b.get("life", []):
        if when <= day:
            state = (when, reason) if reason is not None else None
    return state


def books(app: LedgerApp, as_of: dt.date | None = None) -> Books:
    """The whole replayed books as of a date, for the forecast and assessment."""
    coop = cooperative(app)
    day = as_of_date(app, as_of)
    members = tuple(
        MemberView(
            mid, m["name"], m["joined"], m["left"] if m["left"] and m["left"] <= day else None
        )
        for mid, m in sorted(coop.members.items())
        if m["joined"] <= day
    )
    statements = {
        m.id: _statement_from_totals(m.id, day, app.read.member_totals(m.id, day)) for m in members
    }
    harvests = []
    for ref, date, bagan, gross, costs, net, *shares, command in app.read.standing_harvests(day):
        c = json.loads(command)
        harvests.append(
            HarvestView(
                ref=ref,
                date=dt.date.fromisoformat(date),
                bagan=bagan,
                kg=Decimal(c["kg"]) if "kg" in c else None,
                price=c.get("price"),
                gross=gross,
                costs=costs,
                net=net,
                shares=Split(*shares),
                buyer=c.get("buyer"),
            )
        )
    movements, stories = [], []
    for kind, command in app.read.standing_commands(day, leaving=("harvest", "correct")):
        c = json.loads(command)
        when = dt.date.fromisoformat(c["date"])
        if kind == "story.add":
            stories.append(Story(c["member"], when, c["title"], c["text"]))
            continue
        if kind == "shu.settle":  # pays out a closed year's SHU: no movement of the year's books
            continue
        detail = c.get("kind") or c.get("purpose") or c.get("bagan")
        movements.append(Movement(c["ref"], when, kind, c.get("member"), c["amount"], detail))
    return Books(
        as_of=day,
        name=coop.name,
        started=coop.started,
        policy=coop.policy_on(max(day, coop.started)),
        members=members,
        bagan=tuple(
            BaganView(
                bid,
                tuple(b["partners"]),
                b["manager"],
                b["added"],
                b["cost"],
                manager_member=b.get("manager_member"),
                retired=(_retired(b, day) or (None, None))[0],
                retire_reason=(_retired(b, day) or (None, None))[1],
                paid_by=b.get("paid_by", "grant"),
            )
            for bid, b in sorted(coop.bagan.items())
            if b["added"] <= day
        ),
        statements=statements,
        harvests=tuple(harvests),
        movements=tuple(movements),
        stories=tuple(stories),
    )
