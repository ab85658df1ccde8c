"""Year-end close: the SHU's divisions, the period lock, the statements and the audit.

Properties of the divisions (hypothesis), the close and reopen rules on a real
ledger, the audit catching a tampered close and an entry slipped into a closed
year, export/import of closes, and the ``kerang`` commands through subprocesses
(exit codes, JSON, a golden statement of financial position at 100 columns).
"""

from __future__ import annotations

import json
import os
import sqlite3
from fractions import Fraction
from pathlib import Path

import pytest
from cli_helpers import kerang
from hypothesis import given, settings
from hypothesis import strategies as st

import ledger
from ledger import statements
from ledger.app import open_ledger
from ledger.audit import audit, decode, encode
from ledger.errors import InvalidInput, PeriodClosed
from ledger.shu import FUNDS, appropriate, bylaws_points, divide_by, resolve_bylaws

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"
GOLDEN = Path(__file__).parent / "golden"
DEFAULT = {
    "reserve": 4000,
    "jasa_usaha": 2500,
    "jasa_modal": 1500,
    "education": 1000,
    "social": 1000,
}


# ------------------------------------------------------------------ divisions
@st.composite
def bylaws(draw) -> dict[str, int]:
    """Five basis-point percentages adding up to 100 %."""
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=4, max_size=4)))
    bounds = [0, *cuts, 10_000]
    return {k: bounds[i + 1] - bounds[i] for i, k in enumerate(FUNDS)}


members = st.dictionaries(
    st.sampled_from([f"M{i:02d}" for i in range(1, 13)]), st.integers(-5, 50_000_000), max_size=8
)


def assert_remainder_rule(amount: int, weights: list[int], parts: list[int]) -> None:
    """Sum exact; each part within a rupiah of pro rata; the leftover rupiah went to
    the largest fractional parts, ties to the earlier part."""
    assert sum(parts) == amount
    total = sum(weights)
    exact = [Fraction(amount * w, total) for w in weights]
    assert all(abs(p - e) < 1 for p, e in zip(parts, exact, strict=True))
    got = [p - int(e) for p, e in zip(parts, exact, strict=True)]
    frac = [e - int(e) for e in exact]
    for i in range(len(parts)):
        for j in range(len(parts)):
            if got[i] and not got[j]:
                assert (frac[i], -i) > (frac[j], -j)


@settings(max_examples=300, deadline=None)
@given(shu=st.integers(-10_000_000, 10**12), points=bylaws(), usaha=members, modal=members)
def test_appropriation_is_exact_to_the_rupiah(shu, points, usaha, modal) -> None:
    a = appropriate(shu, points, usaha, modal)
    if shu <= 0:  # a loss (or nothing): recorded, nothing appropriated
        assert a.funds == dict.fromkeys(FUNDS, 0) and not a.jasa_usaha and not a.jasa_modal
        assert a.reserve == 0 and a.notes
        return
    assert_remainder_rule(shu, [points[k] for k in FUNDS], [a.funds[k] for k in FUNDS])
    for part, base in (("jasa_usaha", usaha), ("jasa_modal", modal)):
        paid = getattr(a, part)
        with_base = sorted(m for m, b in base.items() if b > 0)
        assert list(paid) == with_base  # ascending member ID order, positive bases only
        if with_base:
            assert_remainder_rule(a.funds[part], [base[m] for m in with_base], list(paid.values()))
    kept = sum(
        a.funds[p]
        for p, paid in (("jasa_usaha", a.jasa_usaha), ("jasa_modal", a.jasa_modal))
        if not paid
    )
    assert a.reserve == a.funds["reserve"] + kept
    everything = (
        a.reserve
        + sum(a.jasa_usaha.values())
        + sum(a.jasa_modal.values())
        + a.funds["education"]
        + a.funds["social"]
    )
    assert everything == shu


@given(amount=st.integers(0, 10**9), k=st.integers(1, 6))
def test_equal_bases_break_ties_in_ascending_member_order(amount, k) -> None:
    ids = [f"M{i}" for i in range(k, 0, -1)]  # given in descending order
    parts = divide_by(amount, dict.fromkeys(ids, 7))
    assert list(parts) == sorted(ids)
    values = list(parts.values())
    assert values == sorted(values, reverse=True) and values[0] - values[-1] <= 1
    assert sum(values) == amount


def test_division_matches_the_one_remainder_rule() -> None:
    assert divide_by(10, {"M2": 1, "M1": 1, "M3": 1}) == {"M1": 4, "M2": 3, "M3": 3}
    assert divide_by(10, {"M1": 0, "M2": -3}) == {}
    # quotas 33 1/3 and 66 2/3: the one rupiah left goes to the larger fraction
    assert divide_by(100, {"B": 2, "A": 1}) == {"A": 33, "B": 67}


@given(
    amount=st.integers(0, 10**9),
    bases=st.dictionaries(
        st.sampled_from([f"M{i}" for i in range(1, 9)]), st.integers(-5, 10**6), max_size=8
    ),
)
def test_division_is_largest_remainder_by_its_definition(amount, bases) -> None:
    """Checked against what largest remainder means, in exact fractions, not against code."""
    parts = divide_by(amount, bases)
    paid = {m: b for m, b in bases.items() if b > 0}
    assert list(parts) == sorted(paid)
    if not paid:
        return
    total = sum(paid.values())
    quota = {m: Fraction(amount * b, total) for m, b in paid.items()}
    assert sum(parts.values()) == amount
    # every part is its quota rounded down, or up by the one rupiah
    assert all(parts[m] - int(quota[m]) in (0, 1) for m in paid)
    # whoever got the extra rupiah had a larger fraction, or an equal one and a lower ID
    up = [m for m in paid if parts[m] > int(quota[m])]
    down = [m for m in paid if parts[m] == int(quota[m])]
    for a in up:
        for b in down:
            fa, fb = quota[a] - int(quota[a]), quota[b] - int(quota[b])
            assert fa > fb or (fa == fb and a < b), (a, b)


def test_bylaws_file_and_overrides() -> None:
    assert resolve_bylaws(None, {}) == DEFAULT
    moved = {"reserve": "35.5", "social": "14.5"}
    assert resolve_bylaws(None, moved)["reserve"] == 3550
    with pytest.raises(InvalidInput, match="add up to 110, not 100") as broke:
        resolve_bylaws(None, {"reserve": "50"})
    assert broke.value.field == "reserve"  # the part given, not the file, broke the sum
    with pytest.raises(InvalidInput, match="at most two decimals") as file_part:
        bylaws_points({**dict.fromkeys(FUNDS, "20"), "social": "20.001"}, "b.toml")
    assert file_part.value.field == "bylaws" and "b.toml: social" in str(file_part.value)
    with pytest.raises(InvalidInput, match="at most two decimals") as given_part:
        resolve_bylaws(None, {"jasa_modal": "abc"})
    assert given_part.value.field == "jasa_modal"
    with pytest.raises(InvalidInput, match="does not exist"):
        resolve_bylaws("/nonexistent/bylaws.toml", {})
    with pytest.raises(InvalidInput, match="is a folder") as folder:
        resolve_bylaws(Path(__file__).parent, {})
    assert folder.value.field == "bylaws"


# ------------------------------------------------------------------ on a real ledger
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    ledger.import_file(str(db), str(DEMO))
    return db


@pytest.fixture()
def books(demo: Path, tmp_path: Path) -> str:
    db = tmp_path / "k.db"
    with sqlite3.connect(demo) as source, sqlite3.connect(db) as target:
        source.backup(target)
    return str(db)


def test_close_locks_the_year_and_reopen_unlocks_it(books: str) -> None:
    r = ledger.record
    r(books, "cooperative.income", ref="KIOS-1", date="2015-11-01", amount=500_000, purpose="kios")
    r(books, "cooperative.expense", ref="ATK-1", date="2015-11-02", amount=125_000, purpose="ATK")
    year = statements.income(open_ledger(books), *_year(2015))
    out = r(books, "close", year=2015, date="2016-01-20")
    assert out.recorded and "2015 is locked" in out.detail
    close = open_ledger(books).cooperative().closes(2015)[-1]
    assert close["shu"] == year.shu == year.harvest["cooperative_share"] + 375_000
    assert not r(books, "close", year=2015, date="2016-01-20").recorded  # already recorded
    for op, fields in [
        ("savings.deposit", {"ref": "X1", "member": "M01", "kind": "wajib", "amount": 1}),
        ("infaq.receive", {"ref": "X2", "amount": 1}),
        ("cooperative.expense", {"ref": "X3", "amount": 1, "purpose": "late"}),
        ("member.add", {"id": "M99", "name": "Ibu Baru"}),
        ("member.leave", {"id": "M06"}),
        (
            "policy.set",
            {
                "from": "2015-12-01",
                **{k: "25" for k in ("manager", "members", "savings", "cooperative")},
            },
        ),
    ]:
        fields = {"date": "2015-12-30", **fields} if op != "policy.set" else fields
        with pytest.raises(PeriodClosed, match="reopen 2015"):
            r(books, op, **fields)
    # a correction dated in an open year may reverse a 2015 transaction
    assert r(
        books, "correct", ref="C-2016", date="2016-02-01", reverses="ATK-1", reason="x"
    ).recorded
    with pytest.raises(PeriodClosed, match="already closed"):
        r(books, "close", year=2015, date="2016-03-01")
    with pytest.raises(PeriodClosed, match="not closed"):
        r(books, "reopen", year=2016, reason="x", date="2017-01-05")
    assert r(books, "reopen", year=2015, reason="late receipt", date="2016-03-01").recorded
    assert r(
        books, "cooperative.expense", ref="X3", date="2015-12-30", amount=1, purpose="late"
    ).recorded
    again = r(books, "close", year=2015, date="2016-03-02", reserve="50", social="0")
    assert again.recorded
    assert open_ledger(books).cooperative().closes(2015)[-1]["shu"] == close["shu"] - 1
    report = audit(books)
    assert report.ok, [c.detail for c in report.checks if not c.ok]
    pos = statements.position(open_ledger(books), _year(2016)[1])
    assert pos.balanced and pos.equity.as_json()["reserve"] > 0


def _year(y: int):
    import datetime as dt

    return dt.date(y, 1, 1), dt.date(y, 12, 31)


def test_close_rules(books: str) -> None:
    r = ledger.record
    with pytest.raises(ledger.Refused, match="not after the end of 2015"):
        r(books, "close", year=2015, date="2015-12-31")
    with pytest.raises(ledger.Refused, match="close 2015 before 2016"):
        r(books, "close", year=2016, date="2017-01-02")
    with pytest.raises(ledger.Refused, match="before the ledger started"):
        r(books, "close", year=2014, date="2016-01-02")
    with pytest.raises(InvalidInput, match="YEAR"):
        r(books, "close", year="15", date="2016-01-02")
    r(books, "close", year=2015, date="2016-01-02")
    r(books, "close", year=2016, date="2017-01-02")  # a year with no SHU: nothing appropriated
    with pytest.raises(PeriodClosed, match="reopen 2016 first"):
        r(books, "reopen", year=2015, reason="x", date="2017-02-01")
    with pytest.raises(ledger.Refused, match="before 2016 was closed"):
        r(books, "reopen", year=2016, reason="x", date="2017-01-01")


def test_a_loss_is_recorded_and_nothing_appropriated(tmp_path: Path) -> None:
    db = str(tmp_path / "loss.db")
    ledger.record(db, "init", name="K", date="2020-01-01")
    ledger.record(db, "cooperative.expense", ref="E", date="2020-05-01", amount=900, purpose="sewa")
    out = ledger.record(db, "close", year=2020, date="2021-01-05")
    assert "a loss of Rp 900" in out.detail
    report = statements.shu(open_ledger(db), 2020)
    assert report.shu == -900 and report.reserve == 0 and any("loss" in n for n in report.notes)
    assert (
        statements.position(open_ledger(db), _year(2021)[1]).equity.as_json()["shu_undistributed"]
        == -900
    )
    assert audit(db).ok


def test_export_and_import_carry_closes_and_reopens(books: str, tmp_path: Path) -> None:
    r = ledger.record
    r(books, "close", year=2015, date="2016-01-10")
    r(books, "reopen", year=2015, reason="late", date="2016-01-11")
    r(books, "close", year=2015, date="2016-01-11", jasa_usaha="30", jasa_modal="10")
    export = tmp_path / "e.jsonl"
    export.write_text("\n".join(ledger.export_jsonl(books)) + "\n")
    copy = str(tmp_path / "copy.db")
    ledger.import_file(copy, str(export))
    again = ledger.import_file(copy, str(export))  # re-running records nothing
    assert again.recorded == 0
    assert ledger.balance(copy).as_json() == ledger.balance(books).as_json()
    assert open_ledger(copy).cooperative().closes(2015) == open_ledger(books).cooperative().closes(
        2015
    )


def _tamper(db: str, topic: str, change) -> None:
    with sqlite3.connect(db) as c:
        for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
            c.execute(f"DROP TRIGGER {name}")
        rowid, state = c.execute(
            "SELECT rowid, state FROM stored_events WHERE topic LIKE ? ORDER BY rowid DESC LIMIT 1",
            (f"%{topic}",),
        ).fetchone()
        data = decode(state)
        change(data)
        c.execute("UPDATE stored_events SET state=? WHERE rowid=?", (encode(data), rowid))


def test_the_audit_catches_a_wrong_division_and_a_wrong_shu(books: str) -> None:
    ledger.record(books, "close", year=2015, date="2016-01-10")

    def shift(d):
        d["funds"]["reserve"] += 1
        d["funds"]["social"] -= 1

    _tamper(books, "Cooperative.YearClosed", shift)
    failed = {c.name: c.detail for c in audit(books).checks if not c.ok}
    assert "remainder" in failed["shu"] or "reserve" in failed["shu"]

    def inflate(d):
        d["shu"] += 10

    _tamper(books, "Cooperative.YearClosed", inflate)
    assert (
        "not the year's income less expenses"
        in {c.name: c.detail for c in audit(books).checks}["shu"]
    )


def test_the_audit_catches_an_entry_slipped_into_a_closed_year(books: str) -> None:
    ledger.record(books, "close", year=2015, date="2016-01-10")
    ledger.record(
        books,
        "savings.deposit",
        ref="LATE",
        date="2016-01-11",
        member="M01",
        kind="wajib",
        amount=5,
    )

    def backdate(d):
        d["date"] = d["date"].replace(year=2015)

    _tamper(books, "SavingsDeposit.Recorded", backdate)
    failed = {c.name: c.detail for c in audit(books).checks if not c.ok}
    assert "which was closed on 2016-01-10" in failed["closed-periods"]


# ------------------------------------------------------------------ the kerang command
def test_cli_close_reopen_and_reports(books: str) -> None:
    closed = kerang("close", "2015", "--date", "2016-01-15", "--json", db=books)
    assert closed.returncode == 0, closed.stderr
    assert json.loads(closed.stdout)["recorded"] is True
    late = kerang(
        "cooperative", "income", "--ref", "K1", "--date", "2015-12-01", "--amount", "1.000",
        "--purpose", "kios", "--json", db=books,
    )  # fmt: skip
    assert late.returncode == 2 and "reopen 2015" in late.stderr
    assert json.loads(late.stdout)["error"]["code"] == "closed_period"
    assert kerang("reopen", "2015", "--date", "2016-01-16", db=books).returncode == 2  # no reason
    assert (
        kerang("reopen", "2015", "--reason", "K1", "--date", "2016-01-16", db=books).returncode == 0
    )
    assert (
        kerang("close", "2015", "--date", "2016-01-16", "--reserve", "99", db=books).returncode == 2
    )
    assert kerang("close", "2015", "--date", "2016-01-16", db=books).returncode == 0

    shu = json.loads(kerang("report", "shu", "2015", "--json", db=books).stdout)
    assert shu["status"] == "closed" and shu["percentages"]["reserve"] == "40"
    assert sum(shu["funds"].values()) == shu["shu"] > 0
    assert shu["member_total"] == sum(m["total"] for m in shu["members"])
    assert (
        shu["reserve_total"]
        + shu["member_total"]
        + shu["funds"]["education"]
        + shu["funds"]["social"]
        == shu["shu"]
    )
    income = json.loads(
        kerang(
            "report", "income", "--from", "2015-01-01", "--to", "2015-12-31", "--json", db=books
        ).stdout
    )
    assert income["shu"] == shu["shu"] and all(
        isinstance(v, int) for v in income["harvest"].values()
    )
    position = json.loads(
        kerang("report", "position", "--as-of", "2016-01-31", "--json", db=books).stdout
    )
    assert position["balanced"] and position["equity"]["shu_undistributed"] == 0
    assert position["assets"]["total"] == position["liabilities_funds_and_equity"]
    infaq = json.loads(
        kerang(
            "report", "infaq", "--from", "2015-01-01", "--to", "2015-12-31", "--json", db=books
        ).stdout
    )
    assert (
        infaq["opening"] + infaq["received"]["total"] - infaq["disbursed"]["total"]
        == infaq["closing"]
    )
    assert infaq["closing"] == position["infaq_fund"]
    bad = kerang("report", "income", "--from", "2015-12-31", "--to", "2015-01-01", db=books)
    assert bad.returncode == 2 and "--to" in bad.stderr
    assert kerang("audit", db=books).returncode == 0


def test_golden_position(books: str) -> None:
    assert kerang("close", "2015", "--date", "2016-01-15", db=books).returncode == 0
    out = kerang("report", "position", "--as-of", "2016-01-15", db=books)
    assert out.returncode == 0, out.stderr
    golden = GOLDEN / "ledger_position.txt"
    if os.environ.get("KERANG_UPDATE_GOLDEN"):
        golden.write_text(out.stdout)
    assert out.stdout == golden.read_text()
