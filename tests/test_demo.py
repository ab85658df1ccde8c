"""The Serang demo: the seeded generator, the ledger it builds, and ``kerang demo``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cli_helpers import kerang

import ledger
from ledger import demo
from ledger.errors import InvalidInput

ROOT = Path(__file__).resolve().parent.parent
SEED = demo.DEFAULT_SEED


@pytest.fixture(scope="module")
def demo_db(serang_demo, tmp_path_factory) -> str:
    # built once for the run by demo.build_ledger(an empty file, SEED) (conftest.py)
    assert serang_demo.recorded == serang_demo.lines > 5000
    return serang_demo.copy(tmp_path_factory.mktemp("serang"))


def test_the_generator_is_deterministic():
    lines = demo.demo_lines(SEED)
    assert lines == demo.demo_lines(SEED)
    assert lines != demo.demo_lines(SEED + 1)
    json.dumps(lines)  # import lines: plain JSON values only


@pytest.mark.parametrize("seed", range(12))
def test_every_seed_lands_on_the_reports_figures(seed):
    # the generator keeps the ledger's arithmetic and asserts both targets itself
    lines = demo.demo_lines(seed)
    ops = [line["op"] for line in lines]
    assert ops.count("member.add") == 50 and ops.count("bagan.add") == 90
    assert {"harvest", "repair", "correct", "loan.disburse", "loan.repay"} <= set(ops)
    kinds = {line["kind"] for line in lines if line["op"] == "savings.deposit"}
    assert {"pokok", "wajib", "sukarela"} <= kinds


def test_the_summary_on_2019_01_31_has_the_reports_figures(demo_db):
    s = ledger.summary(demo_db, demo.CUTOFF)
    assert s.savings["harvest"] == 29_311_200 == demo.HARVEST_SAVINGS_TARGET
    assert s.infaq_fund == 2_292_175 == demo.INFAQ_TARGET
    assert (s.members, s.bagan) == (50, 90)
    assert s.loans_outstanding > 0
    assert all(s.savings[k] > 0 for k in ("pokok", "wajib", "sukarela"))


def test_50_members_36_partners_90_bagan(demo_db):
    books = ledger.read_books(demo_db, demo.CUTOFF)
    assert len(books.members) == 50
    assert len(books.bagan) == 90
    assert len({p for b in books.bagan for p in b.partners}) == 36
    assert max(h.date for h in ledger.read_books(demo_db).harvests) > demo.CUTOFF


def test_the_audit_holds(demo_db):
    report = ledger.audit_ledger(demo_db)
    assert report.ok, [c for c in report.checks if not c.ok]


def test_mussel_income_per_partner_household_is_2_to_3_million_a_month(demo_db):
    # DOMAIN.md: mussel harvests add Rp 2-3 million a month on average per household.
    # A partner's income is her share of the 60 % members' share; 2016-2018 is 36 months.
    books = ledger.read_books(demo_db, demo.CUTOFF)
    partners = sorted({p for b in books.bagan for p in b.partners})
    start, end = dt.date(2015, 12, 31), dt.date(2018, 12, 31)
    monthly = [
        (
            ledger.statement(demo_db, p, end).statement.income
            - ledger.statement(demo_db, p, start).statement.income
        )
        / 36
        for p in partners
    ]
    mean = sum(monthly) / len(monthly)
    assert 2_000_000 <= mean <= 3_000_000, mean
    assert all(2_000_000 <= m <= 3_000_000 for m in monthly), (min(monthly), max(monthly))


def test_building_again_records_nothing_and_a_foreign_db_is_refused(demo_db, tmp_path):
    again = demo.build_ledger(demo_db, SEED)
    assert again.recorded == 0 and again.already_recorded == again.lines
    with pytest.raises(InvalidInput, match="another seed"):
        demo.build_ledger(demo_db, SEED + 1)
    foreign = tmp_path / "foreign.db"
    foreign.write_bytes(b"not a ledger")
    with pytest.raises(InvalidInput, match="is not (the demo|a kerang) ledger"):
        demo.build_ledger(str(foreign), SEED)
    assert foreign.read_bytes() == b"not a ledger"


def test_kerang_demo_builds_prints_and_draws(tmp_path):
    db, out = tmp_path / "demo.db", tmp_path / "charts"
    done = kerang("demo", "--db", str(db), "--out", str(out), "--runs", "200", "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["summary"]["savings"]["harvest"] == 29_311_200
    assert doc["summary"]["infaq_fund"] == 2_292_175
    assert doc["audit"]["ok"] is True
    assert doc["assessment"]["ledger"] is not None
    charts = [out / "forecast-fan.png", out / "slia-radar.png"]
    assert doc["charts"] == [str(c) for c in charts]
    assert all(c.stat().st_size > 1000 for c in charts)

    again = kerang("demo", "--db", str(db), "--out", str(out), "--runs", "200")
    assert again.returncode == 0, again.stderr
    for text in (
        "recorded 0",
        "Rp 29.311.200",
        "Rp 2.292.175",
        "The books hold",
        "kerang forecast",
    ):
        assert text in again.stdout
    assert "SLIA" in again.stdout

    refused = kerang("demo", "--db", str(db), "--seed", "1", "--out", str(out))
    assert refused.returncode == 2 and "not the demo ledger of seed 1" in refused.stderr


def test_the_cooperative_never_pays_out_cash_it_does_not_hold(demo_db):
    # peeling wages come out of the peeling house's sales: the operating cash, like
    # any till, stays at zero or above at every month's end
    for year, month in ((y, m) for y in range(2015, 2019) for m in range(1, 13)):
        day = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
        accounts = ledger.balance(demo_db, day).as_json()["accounts"]
        assert accounts.get("Assets:Cash:Operating", 0) >= 0, day
