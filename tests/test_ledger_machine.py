"""The ledger against a small, independent model of the balances.

Hypothesis drives random commands (backdated ones too) through the real
application on a real SQLite file. The model decides on its own whether each
command must be accepted or refused, and after every step the live balances
must equal the model's and a replay of the stored events must equal the live
read models.

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

from backends import PG, new_db
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ledger import queries, statements
from ledger.app import Batch, open_ledger
from ledger.audit import audit
from ledger.errors import Refused
from ledger.replay import replayed, stored

START = dt.date(2020, 1, 1)
MEMBERS = ("M1", "M2", "M3", "M4")
BAGAN = ("B1", "B2")
PERCENT = {"manager": 30, "members": 60, "savings": 8, "cooperative": 2}

# the first quarter of 2020 and of 2021, so that closing 2020 leaves dates open after it
days = st.one_of(st.integers(0, 90), st.integers(366, 456)).map(
    lambda n: START + dt.timedelta(days=n)
)
BYLAWS = {
    "reserve": 4000,
    "jasa_usaha": 2500,
    "jasa_modal": 1500,
    "education": 1000,
    "social": 1000,
}
amounts = st.integers(1, 2_000_000)


def model_split(net: int) -> dict[str, int]:
    """Largest remainder, written independently of ledger.split."""
    exact = {k: Fraction(net * p, 100) for k, p in PERCENT.items()}
    parts = {k: int(v) for k, v in exact.items()}
    order = sorted(PERCENT, key=lambda k: (-(exact[k] - parts[k]), list(PERCENT).index(k)))
    for k in order[: net - sum(parts.values())]:
        parts[k] += 1
    return parts


def model_divide(amount: int, partners: list[str]) -> dict[str, int]:
    ps = sorted(partners)
    return {p: amount // len(ps) + (1 if i < amount % len(ps) else 0) for i, p in enumerate(ps)}


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.db = new_db(self.dir.name, "m")
        self.app = open_ledger(self.db, create=True)
        self.do(lambda b: b.init("Koperasi Uji", date=START.isoformat()))
        self.members: set[str] = set()
        self.left: set[str] = set()
        self.bagan: dict[str, list[str]] = {}
        self.moves: list[tuple[dt.date, tuple, int]] = []  # natural-sign balances
        self.txns: dict[str, dict] = {}
        self.counter = 0
        self.closed: dict[int, dt.date] = {}  # year -> the day it was closed
        self.reopened: dict[int, dt.date] = {}  # year -> the day of its last reopen

    def teardown(self) -> None:
        if hasattr(self, "app"):
            report = audit(self.db)
            assert report.ok, [c.detail for c in report.checks if not c.ok]
            self.dir.cleanup()

    # ---------------------------------------------------------- helpers
    def do(self, command):
        batch = Batch(self.app)
        outcome = command(batch)
        batch.commit()
        return outcome

    def events(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def expect_refused(self, command) -> None:
        before = self.events()
        try:
            self.do(command)
        except Refused as e:
            assert e.message and e.field
        else:
            raise AssertionError("the ledger accepted what the model refuses")
        assert self.events() == before, "a refused command wrote events"

    def balance(self, key: tuple, day: dt.date) -> int:
        return sum(a for d, k, a in self.moves if k == key and d <= day)

    def can_take(self, key: tuple, amount: int, day: dt.date) -> bool:
        later = {d for d, k, _ in self.moves if k == key and d > day}
        return all(self.balance(key, t) >= amount for t in {day, *later})

    def new_ref(self) -> str:
        self.counter += 1
        return f"R{self.counter}"

    def record(self, ref: str, day: dt.date, effects: list[tuple[tuple, int]], command) -> None:
        if day.year in self.closed:
            event("refused: dated in a closed year")
            self.expect_refused(command)
            return
        debits = defaultdict(int)
        for key, amount in effects:
            if key[0] in ("savings", "loan", "infaq") and amount < 0:
                debits[key] -= amount
        if all(self.can_take(k, a, day) for k, a in debits.items()):
            outcome = self.do(command)
            assert outcome.recorded
            self.moves += [(day, k, a) for k, a in effects]
            self.txns[ref] = {"day": day, "effects": effects, "reversed": False}
        else:
            self.expect_refused(command)

    # ---------------------------------------------------------- rules
    @rule(member=st.sampled_from(MEMBERS))
    def add_member(self, member: str) -> None:
        command = lambda b: b.add_member(member, f"Ibu {member}", START.isoformat())  # noqa: E731
        if member not in self.members and START.year in self.closed:
            self.expect_refused(command)
            return
        outcome = self.do(command)
        assert outcome.recorded == (member not in self.members)
        self.members.add(member)

    @rule(
        bagan=st.sampled_from(BAGAN),
        partners=st.lists(st.sampled_from(MEMBERS), min_size=1, max_size=3, unique=True),
    )
    def add_bagan(self, bagan: str, partners: list[str]) -> None:
        ok = bagan not in self.bagan and all(
            p in self.members and p not in self.left for p in partners
        )
        command = lambda b: b.add_bagan(bagan, ",".join(partners), "Pak Manager", START.isoformat())  # noqa: E731
        if ok and START.year in self.closed:
            self.expect_refused(command)
        elif ok:
            assert self.do(command).recorded
            self.bagan[bagan] = sorted(partners)
        elif bagan in self.bagan and sorted(partners) == self.bagan[bagan]:
            assert not self.do(command).recorded
        else:
            self.expect_refused(command)

    @precondition(lambda self: self.bagan)
    @rule(
        data=st.data(),
        day=days,
        revenue=st.integers(0, 50_000_000),
        costs=st.integers(0, 1_000_000),
    )
    def harvest(self, data, day, revenue, costs) -> None:
        bagan = data.draw(st.sampled_from(sorted(self.bagan)))
        ref = self.new_ref()
        command = lambda b: b.harvest(ref, day.isoformat(), bagan, revenue=revenue, costs=costs)  # noqa: E731
        if costs > revenue:
            self.expect_refused(command)
            return
        shares = model_split(revenue - costs)
        partners = self.bagan[bagan]
        effects = [(("income", m), a) for m, a in model_divide(shares["members"], partners).items()]
        effects.append((("coop",), shares["cooperative"]))
        effects += [
            (("savings", m, "harvest"), a)
            for m, a in model_divide(shares["savings"], partners).items()
        ]
        self.record(ref, day, effects, command)

    @precondition(lambda self: self.members)
    @rule(
        data=st.data(),
        day=days,
        amount=amounts,
        kind=st.sampled_from(["pokok", "wajib", "sukarela", "harvest"]),
    )
    def deposit(self, data, day, amount, kind) -> None:
        member = data.draw(st.sampled_from(sorted(self.members)))
        ref = self.new_ref()
        command = lambda b: b.savings("deposit", ref, day.isoformat(), member, kind, amount)  # noqa: E731
        if member in self.left:
            self.expect_refused(command)
        else:
            self.record(ref, day, [(("savings", member, kind), amount)], command)

    @precondition(lambda self: self.members)
    @rule(
        data=st.data(),
        day=days,
        amount=amounts,
        kind=st.sampled_from(["pokok", "sukarela", "harvest"]),
    )
    def withdraw(self, data, day, amount, kind) -> None:
        member = data.draw(st.sampled_from(sorted(self.members)))
        ref = self.new_ref()
        command = lambda b: b.savings("withdraw", ref, day.isoformat(), member, kind, amount)  # noqa: E731
        if kind == "pokok" and member not in self.left:
            self.expect_refused(command)  # locked while the member is active
        else:
            self.record(ref, day, [(("savings", member, kind), -amount)], command)

    @rule(day=days, amount=amounts, give=st.booleans())
    def infaq(self, day, amount, give) -> None:
        ref = self.new_ref()
        if give:
            member = sorted(self.members)[0] if self.members else None
            effects = [(("infaq",), amount)] + (
                [(("infaq_given", member), amount)] if member else []
            )
            self.record(
                ref, day, effects, lambda b: b.infaq_receive(ref, day.isoformat(), amount, member)
            )
        else:
            self.record(
                ref,
                day,
                [(("infaq",), -amount)],
                lambda b: b.infaq_disburse(ref, day.isoformat(), amount, "zakat"),
            )

    @precondition(lambda self: self.members - self.left)
    @rule(data=st.data(), day=days, amount=amounts, lend=st.booleans())
    def loan(self, data, day, amount, lend) -> None:
        member = data.draw(st.sampled_from(sorted(self.members - self.left)))
        ref = self.new_ref()
        if lend:
            command = lambda b: b.loan("disburse", ref, day.isoformat(), member, amount)  # noqa: E731
            self.record(ref, day, [(("loan", member), amount)], command)
        else:
            command = lambda b: b.loan("repay", ref, day.isoformat(), member, amount)  # noqa: E731
            self.record(ref, day, [(("loan", member), -amount)], command)

    @precondition(lambda self: self.bagan)
    @rule(data=st.data(), day=days, amount=st.integers(1, 500_000))
    def repair(self, data, day, amount) -> None:
        bagan = data.draw(st.sampled_from(sorted(self.bagan)))
        ref = self.new_ref()
        effects = [
            (("savings", m, "harvest"), -a)
            for m, a in model_divide(amount, self.bagan[bagan]).items()
        ]
        self.record(ref, day, effects, lambda b: b.repair(ref, day.isoformat(), bagan, amount))

    @precondition(lambda self: self.txns)
    @rule(data=st.data(), later=st.integers(0, 30))
    def correct(self, data, later) -> None:
        target = data.draw(st.sampled_from(sorted(self.txns)))
        original = self.txns[target]
        day = original["day"] + dt.timedelta(days=later)
        ref = self.new_ref()
        command = lambda b: b.correct(ref, day.isoformat(), target, "mistake")  # noqa: E731
        if original["reversed"]:
            self.expect_refused(command)
            return
        negated = [(k, -a) for k, a in original["effects"]]
        before = len(self.txns)
        self.record(ref, day, negated, command)
        if len(self.txns) > before:
            original["reversed"] = True
            self.txns[ref]["reversed"] = True  # a correction cannot itself be reversed

    @precondition(lambda self: self.txns)
    @rule(data=st.data())
    def repeat_a_ref(self, data) -> None:
        """Same ref, different content: refused and nothing written."""
        ref = data.draw(st.sampled_from(sorted(self.txns)))
        self.expect_refused(lambda b: b.infaq_receive(ref, START.isoformat(), 987_654_321))

    @precondition(lambda self: self.members - self.left)
    @rule(data=st.data(), day=days)
    def leave(self, data, day) -> None:
        member = data.draw(st.sampled_from(sorted(self.members - self.left)))
        command = lambda b: b.leave_member(member, day.isoformat())  # noqa: E731
        partner = any(member in p for p in self.bagan.values())
        if day.year in self.closed:
            self.expect_refused(command)
            return
        dates = [d for d, k, _ in self.moves if len(k) > 1 and k[1] == member]
        if dates and day < max(dates):  # a leave cannot precede the member's own entries
            self.expect_refused(command)
            return
        owes = (
            any(k == ("loan", member) for _, k, _ in self.moves)
            and self.balance(("loan", member), dt.date.max) > 0
        )
        if partner or owes:
            self.expect_refused(command)
            return
        assert self.do(command).recorded
        for kind in ("pokok", "wajib"):
            held = self.balance(("savings", member, kind), dt.date.max)
            if held:
                self.moves.append((day, ("savings", member, kind), -held))
        self.left.add(member)

    @rule(day=days, amount=amounts, income=st.booleans())
    def cooperative_movement(self, day, amount, income) -> None:
        ref = self.new_ref()
        direction = "income" if income else "expense"
        command = lambda b: b.cooperative_movement(direction, ref, day.isoformat(), amount, "kios")  # noqa: E731
        self.record(ref, day, [(("coop",), amount if income else -amount)], command)

    def year_sum(self, key: tuple, year: int) -> int:
        return sum(a for d, k, a in self.moves if k == key and d.year == year)

    @rule(year=st.sampled_from([2020, 2021]), later=st.integers(0, 40))
    def close(self, year, later) -> None:
        day = dt.date(year + 1, 1, 1) + dt.timedelta(days=later)
        command = lambda b: b.close_year(year, day.isoformat(), dict(BYLAWS))  # noqa: E731
        if self.closed.get(year) == day:
            assert not self.do(command).recorded  # exactly this close: already recorded
            return
        in_order = year == START.year or year - 1 in self.closed
        if year in self.closed or not in_order or day < self.reopened.get(year, START):
            self.expect_refused(command)
            return
        assert self.do(command).recorded
        event(f"closed {year}")
        self.closed[year] = day
        close = self.app.cooperative().closes(year)[-1]
        shu = self.year_sum(("coop",), year)
        assert close["shu"] == shu
        end = dt.date(year, 12, 31)
        usaha = {m: self.year_sum(("income", m), year) for m in sorted(self.members)}
        modal = {
            m: self.balance(("savings", m, "pokok"), end)
            + self.balance(("savings", m, "wajib"), end)
            for m in sorted(self.members)
        }
        assert close["usaha_base"] == {m: v for m, v in usaha.items() if v > 0}
        assert close["modal_base"] == {m: v for m, v in modal.items() if v > 0}
        parts = (
            close["reserve"]
            + sum(close["jasa_usaha"].values())
            + sum(close["jasa_modal"].values())
            + close["funds"]["education"]
            + close["funds"]["social"]
        )
        assert parts == max(shu, 0) and sum(close["funds"].values()) == max(shu, 0)

    @rule(year=st.sampled_from([2020, 2021]), later=st.integers(0, 10))
    def reopen(self, year, later) -> None:
        day = self.closed.get(year, dt.date(year + 1, 2, 1)) + dt.timedelta(days=later)
        reason = f"fix {self.new_ref()}"
        command = lambda b: b.reopen_year(year, reason, day.isoformat())  # noqa: E731
        if year not in self.closed or any(y > year for y in self.closed):
            self.expect_refused(command)
            return
        assert self.do(command).recorded
        event(f"reopened {year}")
        del self.closed[year]
        self.reopened[year] = day

    # ---------------------------------------------------------- invariants
    def expected_statement(self, member: str, day: dt.date) -> dict:
        return {
            "income": self.balance(("income", member), day),
            "savings": {
                k: self.balance(("savings", member, k), day)
                for k in ("pokok", "wajib", "sukarela", "harvest")
            },
            "loan_outstanding": self.balance(("loan", member), day),
            "infaq_given": self.balance(("infaq_given", member), day),
        }

    @invariant()
    def balances_equal_the_model(self) -> None:
        if not hasattr(self, "app"):
            return
        for day in (START + dt.timedelta(days=45), START + dt.timedelta(days=400)):
            for member in sorted(self.members):
                got = queries.statement(self.app, member, day).as_json()
                del got["member"], got["as_of"]
                assert got == self.expected_statement(member, day), (member, day)
            s = queries.summary(self.app, day)
            assert s.infaq_fund == self.balance(("infaq",), day)
            assert sum(queries.balance(self.app, day).accounts.values()) == 0

    @invariant()
    def statements_agree_with_the_model(self) -> None:
        if not hasattr(self, "app"):
            return
        assert statements.position(self.app, dt.date(2022, 12, 31)).balanced
        for year in (2020, 2021):
            first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
            assert statements.income(self.app, first, last).shu == self.year_sum(("coop",), year)

    @invariant()
    def replay_equals_live_state(self) -> None:
        if not hasattr(self, "app"):
            return
        assert replayed(self.app) == stored(self.app)


LedgerMachine.TestCase.settings = settings(
    max_examples=12 if PG else 30,  # each example makes a schema on the server
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestLedgerMachine = LedgerMachine.TestCase
