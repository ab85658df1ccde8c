"""The beancount export, checked by the real ``bean-check`` and against kerang's own books.

``bean-check`` proves the file is beancount that holds together: every account
opened before use, every transaction balanced, every month-end member balance
assertion true. That alone would pass a file with a posting on the wrong
account, so the totals beancount computes are also compared with ``kerang
balance`` (per control account) and with the members' statements (per
sub-ledger), and every recorded transaction and reversal must appear once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from backends import new_db, raw
from beancount import loader
from beancount.core import account as bc_account
from beancount.core import data
from cli_helpers import kerang
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ledger
from ledger import accounts
from ledger.app import open_ledger
from ledger.beancount import member_components
from ledger.domain import SAVINGS_KINDS
from ledger.errors import Refused
from ledger.services import apply
from ledger.uow import UnitOfWork

BIN = Path(sys.executable).parent
BEAN_CHECK = BIN / "bean-check"
DEMO = Path(__file__).resolve().parents[1] / "ledger" / "data" / "demo-2015.jsonl"


# ------------------------------------------------------------------ checks
def bean_check(path: Path) -> None:
    assert BEAN_CHECK.exists(), f"bean-check not found next to {sys.executable}"
    done = subprocess.run([str(BEAN_CHECK), str(path)], capture_output=True, text=True)
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def beancount_books(path: Path) -> tuple[dict[str, int], dict[tuple[str, str], int], list]:
    """Totals per kerang account and per (account, member), as beancount computes them."""
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    # the open directive names the member; the account minus its last component is kerang's
    member_of = {
        e.account: e.meta["member"]
        for e in entries
        if isinstance(e, data.Open) and "member" in e.meta
    }
    totals: dict[str, int] = defaultdict(int)
    members: dict[tuple[str, str], int] = defaultdict(int)
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    for txn in txns:
        for p in txn.postings:
            assert p.units.currency == "IDR" and p.units.number == int(p.units.number)
            amount = int(p.units.number)
            if p.account in member_of:
                control = bc_account.parent(p.account)
                members[(control, member_of[p.account])] += amount
            else:
                control = p.account
            totals[control] += amount
    return totals, members, txns


def check_export(db: str, path: Path) -> list:
    """bean-check passes and beancount's books are kerang's; returns the transactions."""
    bean_check(path)
    totals, members, txns = beancount_books(path)
    nonzero = {a: v for a, v in ledger.balance(db).accounts.items() if v}
    assert {a: v for a, v in totals.items() if v} == nonzero
    for member in {m for _, m in members}:
        s = ledger.statement(db, member).statement
        assert s.income == members[(accounts.PARTNER_SHARE, member)]
        assert s.loan_outstanding == members[(accounts.LOANS, member)]
        assert s.infaq_given == -members[(accounts.INFAQ_FUND, member)]
        for kind in SAVINGS_KINDS:
            assert s.savings[kind] == -members[(accounts.SAVINGS[kind], member)]
    check_one_per_fact(db, txns)
    check_sorted(path)
    return txns


def check_one_per_fact(db: str, txns: list) -> None:
    """Each transaction recorded, and each reversal, is exactly one beancount transaction."""
    seen = Counter(
        (t.meta["ref"], t.narration.startswith("reversal of"))
        for t in txns
        if not t.meta["kind"].startswith("register.")
    )
    with raw(db) as conn:
        rows = conn.execute(
            "SELECT ref, reversed_by FROM kerang_refs WHERE kind NOT IN ('correct', 'story.add')"
        ).fetchall()
    wanted = Counter((ref, False) for ref, _ in rows)
    wanted.update((ref, True) for ref, by in rows if by)
    assert seen == wanted


def check_sorted(path: Path) -> None:
    days = re.findall(r"^(\d{4}-\d\d-\d\d) ", path.read_text(encoding="utf-8"), re.M)
    assert days == sorted(days)


def export(db: str, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for line in ledger.export_beancount(db):
            f.write(line + "\n")
    return path


# ------------------------------------------------------------------ the demo ledger
def test_demo_ledger_passes_bean_check_and_equals_kerang_balance(tmp_path: Path) -> None:
    db, out = new_db(tmp_path, "demo"), tmp_path / "demo.beancount"

    kerang("import", str(DEMO), db=db, check=True)
    kerang("export", "--format", "beancount", "--out", str(out), db=db, check=True)
    txns = check_export(db, out)

    balance = json.loads(kerang("balance", "--json", db=db, check=True).stdout)["accounts"]
    totals, _, _ = beancount_books(out)
    assert {a: v for a, v in totals.items() if v} == {a: v for a, v in balance.items() if v}
    [reversal] = [t for t in txns if t.narration.startswith("reversal of")]
    assert reversal.date == dt.date(2015, 9, 3)
    assert reversal.meta["ref"] == "SUKARELA-002"
    assert reversal.meta["reversed_by"] == "KOREKSI-001"
    text = out.read_text(encoding="utf-8")
    assert "2015-10-01 balance Liabilities:Savings:Wajib:M01 -90000 IDR" in text


# ------------------------------------------------------------------ random ledgers
START = dt.date(2020, 11, 15)  # the year's end and several month ends fall inside
MEMBERS = ("M01", "m01", "M.01", "01", "-x", "Ünal", "a_b", "A-B")  # awkward on purpose
PARTNERS = {"B1": ["M01", "m01"], "B2": ["M.01", "01", "-x"]}

days = st.integers(0, 150)
amounts = st.integers(1, 3_000_000)
members = st.sampled_from(MEMBERS)
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)

# (op, day offset, amount, *details); a correction's day is counted from its target's
commands = st.one_of(
    st.tuples(st.just("deposit"), days, amounts, members, st.sampled_from(SAVINGS_KINDS)),
    st.tuples(st.just("withdraw"), days, amounts, members, st.sampled_from(SAVINGS_KINDS)),
    st.tuples(
        st.just("harvest"), days, amounts, st.sampled_from(sorted(PARTNERS)), st.floats(0, 1)
    ),
    st.tuples(st.just("repair"), days, amounts, st.sampled_from(sorted(PARTNERS))),
    st.tuples(st.just("loan.disburse"), days, amounts, members),
    st.tuples(st.just("loan.repay"), days, amounts, members),
    st.tuples(st.just("infaq.receive"), days, amounts, st.none() | members),
    st.tuples(st.just("infaq.disburse"), days, amounts, texts),
    # mostly the latest transaction, often on its own date: a reversal next to its original
    st.tuples(st.just("correct"), st.sampled_from([0, 0, 1, 40]), st.integers(0, 3), texts),
    st.tuples(st.just("leave"), days, st.just(0), st.sampled_from(["A-B", "a_b", "Ünal"])),
)


def command(n: int, op: str, day: dt.date, amount: int, detail: object, extra: object = None):
    """The op and fields of one generated command (as an import line gives them)."""
    ref = f'R{n} "{op}" \\' if n % 3 == 0 else f"R{n}"  # quotes and backslashes must survive
    line = {"ref": ref, "date": day, "amount": amount}
    if op in ("deposit", "withdraw"):
        return ref, (f"savings.{op}", {**line, "member": detail, "kind": extra})
    if op == "harvest":
        fields = {"ref": ref, "date": day, "bagan": detail, "revenue": amount}
        return ref, ("harvest", {**fields, "costs": int(amount * extra)})
    if op == "repair":
        return ref, ("repair", {**line, "bagan": detail})
    if op.startswith("loan."):
        return ref, (op, {**line, "member": detail})
    if op == "infaq.receive":
        return ref, (op, {**line, "member": detail})
    if op == "infaq.disburse":
        return ref, (op, {**line, "purpose": detail})
    return ref, ("member.leave", {"id": detail, "date": day})


def correction(n: int, later: int, back: int, reason: str, recorded: list[tuple[str, dt.date]]):
    """Reverse one of the latest transactions, ``later`` days after its own date."""
    target, when = recorded[max(0, len(recorded) - 1 - back)]
    day = when + dt.timedelta(days=later)
    return ("correct", {"ref": f"C{n}", "date": day, "reverses": target, "reason": reason})


def build(db: str, script: list[tuple]) -> None:
    """Set up the register, then run each command as its own batch; refusals are skipped."""
    app = open_ledger(db, create=True)

    def do(command: tuple[str, dict]) -> bool:
        uow = UnitOfWork(app)
        try:
            apply(uow, *command)
        except Refused:
            return False
        uow.commit()
        return True

    day0 = START.isoformat()
    do(("init", {"name": 'Koperasi "Uji" \\ Banten ; not a comment', "date": day0}))
    for m in MEMBERS:
        do(("member.add", {"id": m, "name": f"Ibu {m}", "date": day0}))
    partners, cost = PARTNERS["B1"], 5_000_000
    do(
        (
            "bagan.add",
            {"id": "B1", "partners": partners, "manager": "Pak Budi", "date": day0, "cost": cost},
        )
    )
    do(("bagan.add", {"id": "B2", "partners": PARTNERS["B2"], "manager": "Pak Joko", "date": day0}))
    recorded: list[tuple[str, dt.date]] = []
    for n, (op, offset, *rest) in enumerate(script):
        if op == "correct":
            if recorded:
                do(correction(n, offset, *rest, recorded))
            continue
        day = START + dt.timedelta(days=offset)
        ref, call = command(n, op, day, *rest)
        if do(call) and op != "leave":
            recorded.append((ref, day))


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(script=st.lists(commands, min_size=30, max_size=60))
def test_random_ledgers_pass_bean_check_and_equal_the_books(script: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = new_db(tmp, "r")
        build(db, script)
        check_export(db, export(db, Path(tmp) / "r.beancount"))


def test_a_reversal_on_its_own_date_is_its_own_transaction(tmp_path: Path) -> None:
    db = new_db(tmp_path, "same-day")
    b = UnitOfWork(open_ledger(db, create=True))
    day = "2020-01-31"

    def deposit(ref: str, amount: int) -> None:
        fields = {"ref": ref, "date": day, "member": "M1", "kind": "sukarela", "amount": amount}
        apply(b, "savings.deposit", fields)

    apply(b, "init", {"name": "Koperasi Uji", "date": "2020-01-01"})
    apply(b, "member.add", {"id": "M1", "name": "Ibu Satu", "date": "2020-01-01"})
    deposit("D1", 500)
    # right after D1: one run of (D1, 2020-01-31)
    apply(b, "correct", {"ref": "C1", "date": day, "reverses": "D1", "reason": "typo"})
    deposit("D2", 700)
    deposit("D3", 900)
    # D3 stands between D2 and this
    apply(b, "correct", {"ref": "C2", "date": day, "reverses": "D2", "reason": "wrong member"})
    b.commit()
    txns = check_export(db, export(db, tmp_path / "same-day.beancount"))
    assert [(t.narration, t.postings[0].units.number) for t in txns] == [
        ("sukarela savings deposit D1 member M1", 500),
        ("reversal of savings.deposit D1 by C1: typo", -500),
        ("sukarela savings deposit D2 member M1", 700),
        ("sukarela savings deposit D3 member M1", 900),
        ("reversal of savings.deposit D2 by C2: wrong member", -700),
    ]


def test_a_ledger_without_postings_passes_too(tmp_path: Path) -> None:
    db = new_db(tmp_path, "empty")
    ledger.record(db, "init", name="Koperasi Kosong", date="2020-02-01")
    assert check_export(db, export(db, tmp_path / "empty.beancount")) == []


def test_member_components_are_valid_unique_and_keep_valid_ids() -> None:
    ids = [*MEMBERS, "M-01", "ŞEN", "x" * 40, "M01-2"]
    names = member_components(ids)
    assert len(set(names.values())) == len(ids)
    for m, name in names.items():
        assert bc_account.is_valid(f"Assets:Receivable:{name}"), (m, name)
        assert re.fullmatch(r"[A-Z0-9][A-Za-z0-9-]*", name)
    assert names["M01"] == "M01" and names["A-B"] == "A-B" and names["01"] == "01"
    assert names["m01"].startswith("M01-") and names["a_b"].startswith("A-B-")
    assert names["-x"] == "M--X"
    assert member_components(reversed(ids)) == names  # the order of the members never matters
