"""The ledger against a small, independent model of the balances.

Hypothesis drives random commands (backdated ones too) through the public API
(``ledger.record``) on a real SQLite file or PostgreSQL schema. The model decides
on its own whether each command must be accepted or refused, and if refused, for
which reasons: the ledger's refusal must name one of them (its code), and write
nothing. Harvests are recorded by kg × price or by revenue, under split policies
that change over time (a policy applies from its date on, never to harvests
already recorded).

After every step the statements and the summary equal the model's on every
recorded day the step could have changed (and at the end of each run, on every
recorded day), the trial balance adds up to 0, and the audit, whose fold rebuilds
everything from the stored events without the ledger's projection, finds the read
models equal to its replay.

The model also knows closed years: any command dated in a closed year must be
refused and write nothing until the year is reopened; every close's SHU must be
the model's own sum of the cooperative's harvest shares and other income less
expenses of the year, with the members' bases its own, and its parts must add up.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import defaultdict
from fractions import Fraction
from typing import Any

from backends import PG, new_db, raw
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import ledger
from ledger import statements
from ledger.errors import Refused

START = dt.date(2020, 1, 1)
MEMBERS = ("M1", "M2", "M3", "M4")
BAGAN = ("B1", "B2")
SHARES = ("manager", "members", "savings", "cooperative")
DEFAULT = {"manager": "30", "members": "60", "savings": "8", "cooperative": "2"}
POLICIES = [  # percentages as a user types them; two decimals at most
    DEFAULT,
    {"manager": "25", "members": "65", "savings": "7.5", "cooperative": "2.5"},
    {"manager": "29.75", "members": "60.25", "savings": "8", "cooperative": "2"},
    {"manager": "33.33", "members": "33.33", "savings": "33.33", "cooperative": "0.01"},
]
SAVINGS = ("pokok", "wajib", "sukarela", "harvest")

# the first quarter of 2020 and of 2021, so that closing 2020 leaves dates open after it
days = st.one_of(st.integers(0, 90), st.integers(366, 456)).map(
    lambda n: START + dt.timedelta(days=n)
)
amounts = st.integers(1, 2_000_000)

# refusal codes (ledger.errors), as the model names them
CLOSED, FUNDS, LOCKED, INACTIVE = (
    "closed_period",
    "insufficient_funds",
    "savings_locked",
    ("member_inactive"),
)


def model_split(net: int, policy: dict[str, str]) -> dict[str, int]:
    """Largest remainder over exact fractions, written independently of ledger.split."""
    exact = {k: Fraction(net) * Fraction(policy[k]) / 100 for k in SHARES}
    parts = {k: int(v) for k, v in exact.items()}
    order = sorted(SHARES, key=lambda k: (-(exact[k] - parts[k]), SHARES.index(k)))
    for k in order[: net - sum(parts.values())]:
        parts[k] += 1
    return parts


def model_divide(amount: int, partners: list[str]) -> dict[str, int]:
    ps = sorted(partners)
    return {p: amount // len(ps) + (1 if i < amount % len(ps) else 0) for i, p in enumerate(ps)}


def model_gross(hundredths_of_kg: int, price: int) -> int:
    """kg × price, rounded half up to the rupiah."""
    return (hundredths_of_kg * price + 50) // 100


def shu_report(db: str, year: int) -> dict[str, Any]:
    """What ``kerang shu YEAR --json`` shows of a closed year."""
    return statements.shu(ledger.open_ledger(db), year).as_json()


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.db = new_db(self.dir.name, "m")
        ledger.record(self.db, "init", name="Koperasi Uji", date=START.isoformat())
        self.members: set[str] = set()
        self.left: dict[str, dt.date] = {}  # member -> the day she left
        self.bagan: dict[str, list[str]] = {}
        self.policies: dict[dt.date, dict[str, str]] = {START: DEFAULT}
        self.last_harvest: dt.date | None = None  # reversed or not
        self.moves: list[tuple[dt.date, tuple, int]] = []  # natural-sign balances
        self.txns: dict[str, dict] = {}
        self.counter = 0
        self.closed: dict[int, dt.date] = {}  # year -> the day it was closed
        self.reopened: dict[int, dt.date] = {}  # year -> the day of its last reopen
        self.owed: dict[int, dict[str, int]] = {}  # closed year -> member -> SHU still owed
        self.settled: dict[int, list[str]] = {}  # year -> the refs that settled its SHU
        self.changed_from: dt.date | None = START  # the earliest day the last step changed
        # two members and a bagan from the start, so that most runs harvest
        self.add_member("M1")
        self.add_member("M2")
        self.add_bagan("B1", ["M1", "M2"])

    def teardown(self) -> None:
        if hasattr(self, "db"):
            for day in self.recorded_days():
                self.check_day(day)
            self.dir.cleanup()

    # ---------------------------------------------------------- helpers
    def run(self, op: str, **fields: Any) -> ledger.Outcome:
        return ledger.record(self.db, op, **fields)

    def events(self) -> int:
        with raw(self.db) as c:
            return c.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]

    def expect_refused(self, codes: set[str], op: str, **fields: Any) -> None:
        """The ledger refuses for one of the reasons the model found, and writes nothing."""
        assert codes, "the model found no reason to refuse"
        before = self.events()
        try:
            self.run(op, **fields)
        except Refused as e:
            assert e.code in codes, (op, fields, e.code, sorted(codes), e.message)
            assert e.message and e.field
            event(f"refused: {e.code}")
        else:
            raise AssertionError(f"the ledger accepted {op} {fields}; the model refuses {codes}")
        assert self.events() == before, "a refused command wrote events"

    def balance(self, key: tuple, day: dt.date) -> int:
        return sum(a for d, k, a in self.moves if k == key and d <= day)

    def can_take(self, key: tuple, amount: int, day: dt.date) -> bool:
        later = {d for d, k, _ in self.moves if k == key and d > day}
        return all(self.balance(key, t) >= amount for t in {day, *later})

    def new_ref(self) -> str:
        self.counter += 1
        return f"R{self.counter}"

    def changed(self, day: dt.date) -> None:
        self.changed_from = min(day, self.changed_from or day)

    def policy_on(self, day: dt.date) -> dict[str, str]:
        return self.policies[max(d for d in self.policies if d <= day)]

    def shortfalls(self, day: dt.date, effects: list[tuple[tuple, int]]) -> set[str]:
        """The reasons the model refuses a transaction with these effects on ``day``."""
        reasons = {CLOSED} if day.year in self.closed else set()
        debits: dict[tuple, int] = defaultdict(int)
        for key, amount in effects:
            if key[0] in ("savings", "loan", "infaq") and amount < 0:
                debits[key] -= amount
        if not all(self.can_take(k, a, day) for k, a in debits.items()):
            reasons.add(FUNDS)
        return reasons

    def record(
        self,
        ref: str,
        day: dt.date,
        effects: list[tuple[tuple, int]],
        op: str,
        also: set[str] = frozenset(),
        **fields: Any,
    ) -> bool:
        """Record a transaction the model accepts, or expect the refusal it names."""
        reasons = self.shortfalls(day, effects) | also
        if reasons:
            self.expect_refused(reasons, op, ref=ref, date=day.isoformat(), **fields)
            return False
        assert self.run(op, ref=ref, date=day.isoformat(), **fields).recorded
        self.moves += [(day, k, a) for k, a in effects]
        self.txns[ref] = {"day": day, "effects": effects, "reversed": False, "op": op}
        self.changed(day)
        return True

    # ---------------------------------------------------------- rules
    @rule(member=st.sampled_from(MEMBERS))
    def add_member(self, member: str) -> None:
        fields = {"id": member, "name": f"Ibu {member}", "date": START.isoformat()}
        if member not in self.members and START.year in self.closed:
            self.expect_refused({CLOSED}, "member.add", **fields)
            return
        assert self.run("member.add", **fields).recorded == (member not in self.members)
        self.members.add(member)

    @rule(
        bagan=st.sampled_from(BAGAN),
        partners=st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=3, unique=True),
    )
    def add_bagan(self, bagan: str, partners: list[str]) -> None:
        fields = {"id": bagan, "partners": partners, "manager": "Pak Manager"}
        fields["date"] = START.isoformat()
        if bagan in self.bagan and sorted(partners) == self.bagan[bagan]:
            assert not self.run("bagan.add", **fields).recorded
            return
        reasons = {CLOSED} if START.year in self.closed else set()
        if bagan in self.bagan:
            reasons.add("duplicate_id")
        if any(p not in self.members for p in partners):
            reasons.add("unknown_member")
        if any(p in self.left for p in partners):
            reasons.add(INACTIVE)
        if reasons:
            self.expect_refused(reasons, "bagan.add", **fields)
            return
        assert self.run("bagan.add", **fields).recorded
        self.bagan[bagan] = sorted(partners)

    @rule(day=days, policy=st.sampled_from(POLICIES))
    def set_policy(self, day, policy) -> None:
        fields = {"from": day.isoformat(), **policy}
        if day in self.policies:
            if self.policies[day] == policy or self.same_points(self.policies[day], policy):
                assert not self.run("policy.set", **fields).recorded
            else:
                self.expect_refused({"policy", CLOSED}, "policy.set", **fields)
            return
        reasons = {CLOSED} if day.year in self.closed else set()
        if self.last_harvest is not None and day <= self.last_harvest:
            reasons.add("policy")  # never retroactive
        if reasons:
            self.expect_refused(reasons, "policy.set", **fields)
            return
        assert self.run("policy.set", **fields).recorded
        self.policies[day] = policy
        event("policy changed")

    @staticmethod
    def same_points(a: dict[str, str], b: dict[str, str]) -> bool:
        return all(Fraction(a[k]) == Fraction(b[k]) for k in SHARES)

    @precondition(lambda self: self.bagan)
    @rule(
        data=st.data(),
        day=days,
        by_weight=st.booleans(),
        hundredths_of_kg=st.integers(0, 500_000),
        price=st.integers(1, 15_000),
        revenue=st.integers(0, 50_000_000),
        costs=st.integers(0, 1_000_000),
    )
    def harvest(self, data, day, by_weight, hundredths_of_kg, price, revenue, costs) -> None:
        bagan = data.draw(st.sampled_from(sorted(self.bagan)))
        ref = self.new_ref()
        if by_weight:
            kg = f"{hundredths_of_kg // 100}.{hundredths_of_kg % 100:02d}"
            gross = model_gross(hundredths_of_kg, price)
            sale: dict[str, Any] = {"kg": kg, "price": price}
            event("harvest by kg × price")
        else:
            gross, sale = revenue, {"revenue": revenue}
        fields = {"bagan": bagan, "costs": costs, **sale}
        nothing = hundredths_of_kg == 0 if by_weight else revenue == 0  # a zero harvest
        if nothing or costs > gross:
            reasons = {"invalid_input"} | ({CLOSED} if day.year in self.closed else set())
            self.expect_refused(reasons, "harvest", ref=ref, date=day.isoformat(), **fields)
            return
        shares = model_split(gross - costs, self.policy_on(day))
        partners = self.bagan[bagan]
        effects = [(("income", m), a) for m, a in model_divide(shares["members"], partners).items()]
        effects.append((("coop",), shares["cooperative"]))
        effects += [
            (("savings", m, "harvest"), a)
            for m, a in model_divide(shares["savings"], partners).items()
        ]
        if self.record(ref, day, effects, "harvest", **fields):
            self.last_harvest = max(day, self.last_harvest or day)

    @precondition(lambda self: self.members)
    @rule(data=st.data(), day=days, amount=amounts, kind=st.sampled_from(SAVINGS))
    def deposit(self, data, day, amount, kind) -> None:
        member = data.draw(st.sampled_from(sorted(self.members)))
        effects = [(("savings", member, kind), amount)]
        also = {INACTIVE} if member in self.left else set()
        fields = {"member": member, "kind": kind, "amount": amount}
        self.record(self.new_ref(), day, effects, "savings.deposit", also, **fields)

    @precondition(lambda self: self.members)
    @rule(
        data=st.data(),
        day=days,
        amount=amounts,
        kind=st.sampled_from(["pokok", "sukarela", "harvest"]),
    )
    def withdraw(self, data, day, amount, kind) -> None:
        member = data.draw(st.sampled_from(sorted(self.members)))
        effects = [(("savings", member, kind), -amount)]
        active = member not in self.left or day < self.left[member]
        also = {LOCKED} if kind == "pokok" and active else set()
        fields = {"member": member, "kind": kind, "amount": amount}
        self.record(self.new_ref(), day, effects, "savings.withdraw", also, **fields)

    @rule(day=days, amount=amounts, give=st.booleans())
    def infaq(self, day, amount, give) -> None:
        ref = self.new_ref()
        if give:
            member = sorted(self.members)[0] if self.members else None
            effects = [(("infaq",), amount)] + (
                [(("infaq_given", member), amount)] if member else []
            )
            self.record(ref, day, effects, "infaq.receive", amount=amount, member=member)
        else:
            effects = [(("infaq",), -amount)]
            self.record(ref, day, effects, "infaq.disburse", amount=amount, purpose="zakat")

    @precondition(lambda self: self.members - set(self.left))
    @rule(data=st.data(), day=days, amount=amounts, lend=st.booleans())
    def loan(self, data, day, amount, lend) -> None:
        member = data.draw(st.sampled_from(sorted(self.members - set(self.left))))
        sign, op = (1, "loan.disburse") if lend else (-1, "loan.repay")
        effects = [(("loan", member), sign * amount)]
        self.record(self.new_ref(), day, effects, op, member=member, amount=amount)

    @precondition(lambda self: self.bagan)
    @rule(data=st.data(), day=days, amount=st.integers(1, 500_000))
    def repair(self, data, day, amount) -> None:
        bagan = data.draw(st.sampled_from(sorted(self.bagan)))
        effects = [
            (("savings", m, "harvest"), -a)
            for m, a in model_divide(amount, self.bagan[bagan]).items()
        ]
        self.record(self.new_ref(), day, effects, "repair", bagan=bagan, amount=amount)

    @precondition(lambda self: self.txns)
    @rule(data=st.data(), later=st.integers(0, 30))
    def correct(self, data, later) -> None:
        target = data.draw(st.sampled_from(sorted(self.txns)))
        original = self.txns[target]
        day = original["day"] + dt.timedelta(days=later)
        fields = {"reverses": target, "reason": "mistake"}
        if original["op"] in ("correct", "shu.settle") or original["reversed"]:
            # a correction or a settlement of SHU is never reversed; anything else only once
            fixed = original["op"] in ("correct", "shu.settle")
            reasons = {"invalid_input" if fixed else "already_reversed"}
            if day.year in self.closed:
                reasons.add(CLOSED)
            self.expect_refused(
                reasons, "correct", ref=self.new_ref(), date=day.isoformat(), **fields
            )
            return
        negated = [(k, -a) for k, a in original["effects"]]
        if self.record(self.new_ref(), day, negated, "correct", **fields):
            original["reversed"] = True

    @precondition(lambda self: self.txns)
    @rule(data=st.data())
    def repeat_a_ref(self, data) -> None:
        """Same ref, different content: refused and nothing written."""
        ref = data.draw(st.sampled_from(sorted(self.txns)))
        reasons = {"ref_conflict"} | ({CLOSED} if START.year in self.closed else set())
        self.expect_refused(
            reasons, "infaq.receive", ref=ref, date=START.isoformat(), amount=987_654_321
        )

    @precondition(lambda self: self.members - set(self.left))
    @rule(data=st.data(), day=days)
    def leave(self, data, day) -> None:
        member = data.draw(st.sampled_from(sorted(self.members - set(self.left))))
        fields = {"id": member, "date": day.isoformat()}
        if day.year in self.closed:
            self.expect_refused({CLOSED}, "member.leave", **fields)
            return
        dates = [d for d, k, _ in self.moves if len(k) > 1 and k[1] == member]
        if dates and day < max(dates):  # a leave cannot precede the member's own entries
            self.expect_refused({"date"}, "member.leave", **fields)
            return
        partner = any(member in p for p in self.bagan.values())
        owes = self.balance(("loan", member), dt.date.max) > 0
        if partner or owes:
            self.expect_refused({INACTIVE}, "member.leave", **fields)
            return
        assert self.run("member.leave", **fields).recorded
        for kind in ("pokok", "wajib"):
            held = self.balance(("savings", member, kind), dt.date.max)
            if held:
                self.moves.append((day, ("savings", member, kind), -held))
        self.left[member] = day
        self.changed(day)

    @rule(day=days, amount=amounts, income=st.booleans())
    def cooperative_movement(self, day, amount, income) -> None:
        op = "cooperative.income" if income else "cooperative.expense"
        effects = [(("coop",), amount if income else -amount)]
        self.record(self.new_ref(), day, effects, op, amount=amount, purpose="kios")

    def year_sum(self, key: tuple, year: int) -> int:
        return sum(a for d, k, a in self.moves if k == key and d.year == year)

    @rule(year=st.sampled_from([2020, 2021]), later=st.integers(0, 40))
    def close(self, year, later) -> None:
        day = dt.date(year + 1, 1, 1) + dt.timedelta(days=later)
        fields = {"year": year, "date": day.isoformat()}
        if self.closed.get(year) == day:
            assert not self.run("close", **fields).recorded  # exactly this close: already
            return
        if year in self.closed or not (year == START.year or year - 1 in self.closed):
            self.expect_refused({CLOSED}, "close", **fields)  # closed already, or out of order
            return
        if day < self.reopened.get(year, START):
            self.expect_refused({"date"}, "close", **fields)
            return
        assert self.run("close", **fields).recorded
        event(f"closed {year}")
        self.closed[year] = day
        report = shu_report(self.db, year)
        shu = self.year_sum(("coop",), year)
        assert report["shu"] == shu
        end = dt.date(year, 12, 31)
        usaha = {m: self.year_sum(("income", m), year) for m in sorted(self.members)}
        modal = {
            m: sum(self.balance(("savings", m, k), end) for k in ("pokok", "wajib"))
            for m in sorted(self.members)
        }
        members = {m["member"]: m for m in report["members"]}
        assert {m: r["harvest_income"] for m, r in members.items() if r["harvest_income"]} == {
            m: v for m, v in usaha.items() if v > 0
        }
        assert {m: r["pokok_wajib"] for m, r in members.items() if r["pokok_wajib"]} == {
            m: v for m, v in modal.items() if v > 0
        }
        # what the close owes each member (its figures are the ledger's; settling is modelled)
        self.owed[year] = {m["member"]: m["total"] for m in report["members"] if m["total"] > 0}
        parts = report["reserve_total"] + report["member_total"]
        parts += report["funds"]["education"] + report["funds"]["social"]
        assert parts == max(shu, 0) and sum(report["funds"].values()) == max(shu, 0)

    @rule(year=st.sampled_from([2020, 2021]), later=st.integers(0, 10))
    def reopen(self, year, later) -> None:
        day = self.closed.get(year, dt.date(year + 1, 2, 1)) + dt.timedelta(days=later)
        fields = {"year": year, "reason": f"fix {self.new_ref()}", "date": day.isoformat()}
        if year not in self.closed or any(y > year for y in self.closed) or self.settled.get(year):
            self.expect_refused({CLOSED}, "reopen", **fields)  # a settled SHU stays settled
            return
        assert self.run("reopen", **fields).recorded
        del self.owed[year]
        event(f"reopened {year}")
        del self.closed[year]
        self.reopened[year] = day

    @precondition(lambda self: self.owed)
    @rule(
        data=st.data(),
        later=st.integers(0, 40),
        everyone=st.booleans(),
        to=st.sampled_from(["cash", "sukarela"]),
    )
    def settle_shu(self, data, later, everyone, to) -> None:
        year = data.draw(st.sampled_from(sorted(self.owed)))
        owed = self.owed[year]
        day = self.closed[year] + dt.timedelta(days=later)
        member = None if everyone else data.draw(st.sampled_from(sorted(self.members)))
        who = {"all": True} if everyone else {"member": member}
        fields = {"ref": self.new_ref(), "date": day.isoformat(), "year": year, "to": to, **who}
        paid = dict(owed) if everyone else {member: owed[member]} if member in owed else {}
        reasons = {CLOSED} if day.year in self.closed else set()
        if not paid:
            reasons.add("nothing_owed")
        if to == "sukarela" and any(m in self.left for m in paid):
            reasons.add(INACTIVE)
        if reasons:
            self.expect_refused(reasons, "shu.settle", **fields)
            return
        assert self.run("shu.settle", **fields).recorded
        event(f"settled {year} ({to})")
        for m, a in paid.items():
            del owed[m]
            if to == "sukarela":
                self.moves.append((day, ("savings", m, "sukarela"), a))
        self.settled.setdefault(year, []).append(fields["ref"])
        self.txns[fields["ref"]] = {
            "day": day,
            "effects": [],
            "reversed": False,
            "op": "shu.settle",
        }
        self.changed(day)

    # ---------------------------------------------------------- invariants
    def recorded_days(self) -> list[dt.date]:
        return sorted({START, *(d for d, _, _ in self.moves)})

    def expected_statement(self, member: str, day: dt.date) -> dict:
        return {
            "income": self.balance(("income", member), day),
            "savings": {k: self.balance(("savings", member, k), day) for k in SAVINGS},
            "loan_outstanding": self.balance(("loan", member), day),
            "infaq_given": self.balance(("infaq_given", member), day),
            "peeling_wages": 0,  # the machine pays no peeling wages
        }

    def check_statements(self, day: dt.date) -> None:
        books = ledger.read_books(self.db, day)
        for member in sorted(self.members):
            got = books.statements[member].as_json()
            del got["member"], got["as_of"]
            assert got == self.expected_statement(member, day), (member, day)

    def check_totals(self, day: dt.date) -> None:
        s = ledger.summary(self.db, day)
        assert s.infaq_fund == self.balance(("infaq",), day), day
        assert s.loans_outstanding == sum(self.balance(("loan", m), day) for m in self.members)
        for kind in SAVINGS:
            held = sum(self.balance(("savings", m, kind), day) for m in self.members)
            assert s.savings[kind] == held, (kind, day)
        assert sum(ledger.balance(self.db, day).accounts.values()) == 0, day

    def check_day(self, day: dt.date) -> None:
        self.check_statements(day)
        self.check_totals(day)

    @invariant()
    def balances_equal_the_model_on_every_day_the_step_changed(self) -> None:
        """Statements on every recorded day the step may have changed; totals on the last."""
        if not hasattr(self, "db") or self.changed_from is None:
            return
        recorded = self.recorded_days()
        for day in recorded:
            if day >= self.changed_from:
                self.check_statements(day)
        self.check_totals(recorded[-1])
        self.changed_from = None

    @invariant()
    def statements_agree_with_the_model(self) -> None:
        if not hasattr(self, "db"):
            return
        app = ledger.open_ledger(self.db)
        assert statements.position(app, dt.date(2022, 12, 31)).balanced
        for year in (2020, 2021):
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            assert statements.income(app, first, last).shu == self.year_sum(("coop",), year)

    @invariant()
    def the_audits_replay_equals_the_read_models(self) -> None:
        if not hasattr(self, "db"):
            return
        report = ledger.audit_ledger(self.db)
        assert report.ok, [c.detail for c in report.checks if not c.ok]
        assert any(c.name == "read-models" and c.ok for c in report.checks)


LedgerMachine.TestCase.settings = settings(
    max_examples=6 if PG else 30,  # each example makes a schema on the server
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerMachine = LedgerMachine.TestCase
