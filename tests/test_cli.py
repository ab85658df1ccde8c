"""The ``kerang`` command through real subprocesses on real SQLite files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from backends import clone, exists, new_db, raw
from cli_helpers import kerang

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"
GOLDEN = Path(__file__).parent / "golden"


def store_state(db: str) -> tuple:
    """What is stored: counts and sizes of events, postings and refs."""
    with raw(db) as c:
        return tuple(
            tuple(
                c.execute(f"SELECT COUNT(*), COALESCE(SUM(LENGTH({col})), 0) FROM {t}").fetchone()
            )
            for t, col in (
                ("stored_events", "state"),
                ("kerang_postings", "ref"),
                ("kerang_refs", "command"),
            )
        )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = new_db(tmp_path_factory.mktemp("template"))
    kerang("init", "--name", "Koperasi Uji", "--date", "2015-01-01", db=db, check=True)
    kerang("member", "add", "M01", "--name", "Ibu Siti", "--date", "2015-01-01", db=db, check=True)
    kerang("member", "add", "M02", "--name", "Ibu Ani", "--date", "2015-01-01", db=db, check=True)
    kerang(
        "bagan",
        "add",
        "B01",
        "--partners",
        "M01,M02",
        "--manager",
        "Pak Budi",
        "--date",
        "2015-01-05",
        db=db,
        check=True,
    )
    return db


@pytest.fixture()
def ledger(template: str, tmp_path: Path) -> str:
    """A fresh copy of a small ledger (a real SQLite file or PostgreSQL schema)."""
    return clone(template, tmp_path)


def test_harvest_split_to_the_rupiah(ledger: str) -> None:
    done = kerang(
        "harvest",
        "--ref",
        "H1",
        "--date",
        "2015-07-01",
        "--bagan",
        "B01",
        "--kg",
        "1000,5",
        "--price",
        "9.999",
        "--costs",
        "1",
        "--json",
        db=ledger,
        check=True,
    )
    assert json.loads(done.stdout)["recorded"] is True
    s = json.loads(kerang("summary", "--json", db=ledger, check=True).stdout)
    assert s["gross"] == 10_004_000  # 1000.5 x 9999 = 10003999.5 -> half up
    assert s["net"] == 10_003_999 == sum(s["shares"].values())
    # floors 3001199.7 / 6002399.4 / 800319.92 / 200079.98: the 3 rupiah left go to .98, .92, .7
    assert s["shares"] == {
        "manager": 3001200,
        "members": 6002399,
        "savings": 800320,
        "cooperative": 200080,
    }
    m1 = json.loads(kerang("statement", "M01", "--json", db=ledger, check=True).stdout)
    m2 = json.loads(kerang("statement", "M02", "--json", db=ledger, check=True).stdout)
    assert (m1["income"], m2["income"]) == (3001200, 3001199)  # the odd rupiah to the lower ID
    assert (m1["savings"]["harvest"], m2["savings"]["harvest"]) == (400160, 400160)
    contract = {"member", "as_of", "income", "savings", "loan_outstanding", "infaq_given"}
    # the contract's keys, the passbook's lines and the peeling wages (her own income)
    assert set(m1) == contract | {"passbook", "peeling_wages"}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (
            (
                "savings",
                "deposit",
                "--ref",
                "S1",
                "--date",
                "2015-02-01",
                "--member",
                "M01",
                "--kind",
                "wajib",
                "--amount",
                "10.000,5",
            ),
            "--amount",
        ),
        (
            (
                "savings",
                "deposit",
                "--ref",
                "S1",
                "--date",
                "2015-02-01",
                "--member",
                "M09",
                "--kind",
                "wajib",
                "--amount",
                "10000",
            ),
            "--member",
        ),
        (
            (
                "savings",
                "deposit",
                "--ref",
                "S1",
                "--date",
                "2015-02-30",
                "--member",
                "M01",
                "--kind",
                "wajib",
                "--amount",
                "10000",
            ),
            "--date",
        ),
        (
            (
                "savings",
                "deposit",
                "--ref",
                "S1",
                "--date",
                "2015-02-01",
                "--member",
                "M01",
                "--kind",
                "emas",
                "--amount",
                "10000",
            ),
            "--kind",
        ),
        (
            (
                "savings",
                "withdraw",
                "--ref",
                "S2",
                "--date",
                "2015-02-01",
                "--member",
                "M01",
                "--kind",
                "sukarela",
                "--amount",
                "1",
            ),
            "--amount",
        ),
        (
            (
                "savings",
                "withdraw",
                "--ref",
                "S2",
                "--date",
                "2015-02-01",
                "--member",
                "M01",
                "--kind",
                "wajib",
                "--amount",
                "1",
            ),
            "wajib",
        ),
        (
            (
                "harvest",
                "--ref",
                "H9",
                "--date",
                "2015-07-01",
                "--bagan",
                "B07",
                "--revenue",
                "100",
            ),
            "--bagan",
        ),
        (
            (
                "harvest",
                "--ref",
                "H9",
                "--date",
                "2015-07-01",
                "--bagan",
                "B01",
                "--revenue",
                "100",
                "--costs",
                "101",
            ),
            "--costs",
        ),
        (
            ("harvest", "--ref", "H9", "--date", "2015-07-01", "--bagan", "B01", "--kg", "10"),
            "--price",
        ),
        (
            (
                "harvest",
                "--ref",
                "H9",
                "--date",
                "2014-07-01",
                "--bagan",
                "B01",
                "--revenue",
                "100",
            ),
            "--date",
        ),
        (
            (
                "loan",
                "repay",
                "--ref",
                "L1",
                "--date",
                "2015-02-01",
                "--member",
                "M01",
                "--amount",
                "1",
            ),
            "loan",
        ),
        (
            (
                "infaq",
                "disburse",
                "--ref",
                "I1",
                "--date",
                "2015-02-01",
                "--amount",
                "5",
                "--purpose",
                "x",
            ),
            "infaq fund",
        ),
        (
            ("repair", "--ref", "R1", "--date", "2015-02-01", "--bagan", "B01", "--amount", "2"),
            "harvest savings",
        ),
        (
            (
                "correct",
                "--ref",
                "C1",
                "--date",
                "2015-02-01",
                "--reverses",
                "NOPE",
                "--reason",
                "x",
            ),
            "--reverses",
        ),
        (
            (
                "policy",
                "set",
                "--from",
                "2016-01-01",
                "manager=30,members=60,savings=8,cooperative=3",
            ),
            "100",
        ),
        (("member", "add", "M01", "--name", "Someone Else"), "M01"),
        (("harvest", "--ref", "H9", "--date", "2015-07-01"), "--bagan"),
    ],
)
def test_refusals_exit_2_with_one_sentence_and_write_nothing(
    ledger: Path, args: tuple, field: str
) -> None:
    before = store_state(ledger)
    done = kerang(*args, db=ledger)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kerang: "), done.stderr
    assert field in lines[0]
    assert "Traceback" not in done.stderr
    assert store_state(ledger) == before
    as_json = kerang(*args, "--json", db=ledger)
    assert as_json.returncode == 2
    error = json.loads(as_json.stdout)["error"]
    assert set(error) >= {"code", "message"} and field in error["message"]


def test_ref_is_idempotent_and_conflicts_are_refused(ledger: str) -> None:
    args = (
        "savings",
        "deposit",
        "--ref",
        "S1",
        "--date",
        "2015-02-01",
        "--member",
        "M01",
        "--kind",
        "wajib",
    )
    kerang(*args, "--amount", "10000", db=ledger, check=True)
    before = store_state(ledger)
    again = kerang(*args, "--amount", "10.000", "--json", db=ledger, check=True)
    assert json.loads(again.stdout)["recorded"] is False
    assert store_state(ledger) == before
    other = kerang(*args, "--amount", "20000", db=ledger)
    assert other.returncode == 2 and "S1" in other.stderr and "amount" in other.stderr
    assert store_state(ledger) == before


def test_correction_reverses_every_effect_once(ledger: str) -> None:
    kerang(
        "harvest",
        "--ref",
        "H1",
        "--date",
        "2015-07-01",
        "--bagan",
        "B01",
        "--revenue",
        "10.000.000",
        db=ledger,
        check=True,
    )
    before = json.loads(
        kerang("statement", "M01", "--json", "--as-of", "2015-06-30", db=ledger, check=True).stdout
    )
    kerang(
        "correct",
        "--ref",
        "C1",
        "--date",
        "2015-07-02",
        "--reverses",
        "H1",
        "--reason",
        "wrong bagan",
        db=ledger,
        check=True,
    )
    after = json.loads(
        kerang("statement", "M01", "--json", "--as-of", "2015-07-02", db=ledger, check=True).stdout
    )
    assert {k: after[k] for k in ("income", "savings")} == {
        k: before[k] for k in ("income", "savings")
    }
    between = json.loads(
        kerang("statement", "M01", "--json", "--as-of", "2015-07-01", db=ledger, check=True).stdout
    )
    assert between["income"] == 3_000_000
    s = json.loads(kerang("summary", "--json", db=ledger, check=True).stdout)
    assert s["harvests"] == 0 and s["gross"] == 0 and s["shares"]["cooperative"] == 0
    twice = kerang(
        "correct",
        "--ref",
        "C2",
        "--date",
        "2015-07-03",
        "--reverses",
        "H1",
        "--reason",
        "again",
        db=ledger,
    )
    assert twice.returncode == 2 and "already reversed" in twice.stderr


def test_backdated_withdrawal_cannot_take_a_later_balance_below_zero(ledger: str) -> None:
    kerang(
        "savings",
        "deposit",
        "--ref",
        "D1",
        "--date",
        "2015-03-01",
        "--member",
        "M01",
        "--kind",
        "sukarela",
        "--amount",
        "100",
        db=ledger,
        check=True,
    )
    kerang(
        "savings",
        "withdraw",
        "--ref",
        "W1",
        "--date",
        "2015-04-01",
        "--member",
        "M01",
        "--kind",
        "sukarela",
        "--amount",
        "100",
        db=ledger,
        check=True,
    )
    late = kerang(
        "savings",
        "withdraw",
        "--ref",
        "W2",
        "--date",
        "2015-03-15",
        "--member",
        "M01",
        "--kind",
        "sukarela",
        "--amount",
        "1",
        db=ledger,
    )
    assert late.returncode == 2 and "below zero" in late.stderr


def test_member_leave_settles_pokok_and_wajib(ledger: str) -> None:
    kerang(
        "member", "add", "M03", "--name", "Ibu Nur", "--date", "2015-01-01", db=ledger, check=True
    )
    for ref, kind, amount in (
        ("P3", "pokok", "100000"),
        ("W3", "wajib", "30000"),
        ("S3", "sukarela", "5000"),
    ):
        kerang(
            "savings",
            "deposit",
            "--ref",
            ref,
            "--date",
            "2015-02-01",
            "--member",
            "M03",
            "--kind",
            kind,
            "--amount",
            amount,
            db=ledger,
            check=True,
        )
    kerang("member", "leave", "M03", "--date", "2015-12-31", db=ledger, check=True)
    st = json.loads(kerang("statement", "M03", "--json", db=ledger, check=True).stdout)
    assert st["savings"] == {"pokok": 0, "wajib": 0, "sukarela": 5000, "harvest": 0}
    partner = kerang("member", "leave", "M01", "--date", "2015-12-31", db=ledger)
    assert partner.returncode == 2 and "partner of bagan B01" in partner.stderr


def test_import_is_idempotent_and_export_rebuilds_an_equal_ledger(tmp_path: Path) -> None:
    db, copy, exported = new_db(tmp_path, "a"), new_db(tmp_path, "b"), tmp_path / "out.jsonl"
    first = json.loads(kerang("import", str(DEMO), "--json", db=db, check=True).stdout)
    lines = first["lines"]
    assert first["recorded"] == lines > 100
    before = store_state(db)
    again = json.loads(kerang("import", str(DEMO), "--json", db=db, check=True).stdout)
    assert (again["recorded"], again["already_recorded"]) == (0, lines)
    assert store_state(db) == before
    kerang("export", "--format", "jsonl", "--out", str(exported), db=db, check=True)
    kerang("import", str(exported), db=copy, check=True)
    for member in ("M01", "M02", "M03", "M04", "M05", "M06"):
        a = kerang("statement", member, "--json", "--as-of", "2015-12-31", db=db, check=True).stdout
        b = kerang(
            "statement", member, "--json", "--as-of", "2015-12-31", db=copy, check=True
        ).stdout
        assert a == b
    for report in ("summary", "balance"):
        assert (
            kerang(report, "--json", db=db, check=True).stdout
            == kerang(report, "--json", db=copy, check=True).stdout
        )

    def commands(text: str) -> list[dict]:
        return [
            {k: v for k, v in json.loads(line).items() if k != "chain"}
            for line in text.splitlines()
        ]

    # the same commands; each export carries its own ledger's chain
    again = kerang("export", "--format", "jsonl", db=copy, check=True).stdout
    assert commands(exported.read_text()) == commands(again)


def test_import_stops_at_first_bad_line_and_resumes(tmp_path: Path) -> None:
    db, path = new_db(tmp_path), tmp_path / "in.jsonl"
    good = DEMO.read_text().splitlines()[:20]
    bad = {
        "op": "savings.deposit",
        "ref": "X",
        "date": "2015-02-01",
        "member": "M01",
        "kind": "wajib",
        "amount": "12,5",
    }
    path.write_text("\n".join([*good[:10], json.dumps(bad), *good[10:]]) + "\n")
    check = kerang("import", str(path), "--check", db=db)
    assert check.returncode == 2 and "line 11" in check.stderr
    assert not exists(db)
    done = kerang("import", str(path), "--json", db=db)
    assert done.returncode == 2 and "line 11: column 'amount'" in done.stderr
    assert json.loads(done.stdout)["error"]["line"] == 11
    assert json.loads(done.stdout)["recorded"] == 10
    bad["amount"] = "12.500"
    path.write_text("\n".join([*good[:10], json.dumps(bad), *good[10:]]) + "\n")
    resumed = json.loads(kerang("import", str(path), "--json", db=db, check=True).stdout)
    assert (resumed["recorded"], resumed["already_recorded"]) == (11, 10)


def test_check_writes_nothing(ledger: str) -> None:
    before = store_state(ledger)
    path = Path(tempfile.mkdtemp()) / "more.jsonl"
    path.write_text(
        json.dumps({"op": "member.add", "id": "M03", "name": "Ibu Nur", "date": "2015-01-01"})
        + "\n"
    )
    done = json.loads(
        kerang("import", str(path), "--check", "--json", db=ledger, check=True).stdout
    )
    assert done["recorded"] == 1 and done["check"] is True
    assert store_state(ledger) == before


def test_a_spreadsheet_csv_goes_in(tmp_path: Path) -> None:
    db, path = new_db(tmp_path), tmp_path / "buku.csv"
    rows = [
        "op;id;name;date;partners;manager;ref;bagan;kg;price;member;kind;amount",
        "init;;Koperasi CSV;01/01/2015;;;;;;;;;",
        "member.add;M01;Ibu Siti;01/01/2015;;;;;;;;;",
        "member.add;M02;Ibu Ani;2015-01-01;;;;;;;;;",
        "bagan.add;B01;;05/01/2015;M01;M02;Pak Budi;;;;;;;",
        "harvest;;;18/06/2015;;;NOTA-1;B01;2.500,5;Rp 10.000;;;",
        ";;;;;;;;;;;;",
        "savings.deposit;;;20/06/2015;;;KW-1;;;;M02;wajib;10.000",
    ]
    rows[4] = 'bagan.add;B01;;05/01/2015;"M01;M02";Pak Budi;;;;;;;'
    path.write_bytes(("\ufeff" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    done = json.loads(kerang("import", str(path), "--json", db=db, check=True).stdout)
    assert done["recorded"] == 6
    s = json.loads(kerang("summary", "--json", "--as-of", "2015-12-31", db=db, check=True).stdout)
    assert s["gross"] == 25_005_000 and s["savings"]["wajib"] == 10_000 and s["bagan"] == 1


def test_missing_ledger_and_usage_errors(tmp_path: Path) -> None:
    none = new_db(tmp_path, "none")
    missing = kerang("summary", db=none)
    assert missing.returncode == 2 and "no ledger" in missing.stderr
    assert not exists(none)
    usage = kerang("harvest", "--ref", "x", db=none)
    assert usage.returncode == 2 and "required" in usage.stderr


@pytest.mark.parametrize("report", ["summary", "statement M01", "balance"])
def test_golden_reports(tmp_path: Path, report: str) -> None:
    db = new_db(tmp_path, "demo")
    kerang("import", str(DEMO), db=db, check=True)
    out = kerang(*report.split(), "--as-of", "2015-12-31", db=db, check=True).stdout
    golden = GOLDEN / f"ledger_{report.split()[0]}.txt"
    if os.environ.get("KERANG_UPDATE_GOLDEN"):
        golden.write_text(out)
    assert out == golden.read_text()
