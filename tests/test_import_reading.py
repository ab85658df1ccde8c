"""What import reads: encodings, Indonesian columns, every bad line under --check."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from backends import new_db
from cli_helpers import kerang

HEAD = "op;ref;tanggal;anggota;jenis;jumlah\n"


@pytest.fixture()
def db(tmp_path: Path, capsys) -> str:
    db = new_db(tmp_path)
    for argv in (
        ["init", "--name", "Koperasi Baca", "--date", "2020-01-01"],
        ["member", "add", "M1", "--name", "Ibu Satu", "--date", "2020-01-01"],
    ):
        kerang(*argv, db=db, capsys=capsys, check=True)
    return db


def _import(path: Path, db: str, capsys, *extra: str) -> tuple[int, dict, str]:
    code, out, err = kerang("import", str(path), "--json", *extra, db=db, capsys=capsys)
    return code, json.loads(out), err


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8", (HEAD + "savings.deposit;K1;01/02/2020;M1;sukarela;Rp 1.000,-\n").encode()),
        (
            "utf-8",
            codecs.BOM_UTF8 + (HEAD + "savings.deposit;K1;01/02/2020;M1;sukarela;1.000\n").encode(),
        ),  # fmt: skip
        ("utf-16", (HEAD + "savings.deposit;K1;01/02/2020;M1;sukarela;1.000\n").encode("utf-16")),
        (
            "utf-16",
            codecs.BOM_UTF16_BE
            + (HEAD + "savings.deposit;K1;01/02/2020;M1;sukarela;1.000\n").encode("utf-16-be"),
        ),  # fmt: skip
    ],
)
def test_utf8_and_utf16_files_go_in(tmp_path: Path, db: str, capsys, encoding: str, data: bytes):
    path = tmp_path / "kas.csv"
    path.write_bytes(data)
    code, doc, _ = _import(path, db, capsys)
    assert code == 0 and doc["recorded"] == 1 and doc["encoding"] == encoding


def test_what_excel_on_windows_writes_is_read_as_cp1252_and_said(tmp_path: Path, db, capsys):
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"op;ref;date;amount;purpose\n"
        b"infaq.receive;I1;02/02/2020;5.000;\n"
        b"infaq.disburse;I2;03/02/2020;1.000;Caf\xe9 \x96 anak yatim\n"
    )
    code, doc, _ = _import(path, db, capsys)
    assert code == 0 and doc["encoding"] == "cp1252" and doc["recorded"] == 2
    code, out, _ = kerang("import", str(path), db=db, capsys=capsys)
    assert code == 0 and "read as cp1252" in out
    export = kerang("export", "--format", "jsonl", db=db, capsys=capsys, check=True).stdout
    assert "Café – anak yatim" in export


def test_bytes_that_are_no_text_are_refused_naming_the_line(tmp_path: Path, db, capsys):
    path = tmp_path / "rusak.csv"
    path.write_bytes(HEAD.encode() + b"savings.deposit;K1;01/02/2020;M1;sukarela;5\x81\n")
    code, out, err = kerang("import", str(path), db=db, capsys=capsys)
    assert code == 2 and err.startswith("kerang: line 2: byte 0x81 is not text")


def test_indonesian_columns_and_a_guess_for_an_unknown_one(tmp_path: Path, db, capsys):
    path = tmp_path / "kolom.csv"
    path.write_text("operasi;no_bukti;tgl;anggota;jenis_simpanan;nominal\n"
                    "savings.deposit;K1;01/02/2020;M1;wajib;10.000\n")  # fmt: skip
    assert _import(path, db, capsys)[1]["recorded"] == 1
    path.write_text("op;ref;tangal;anggota;jenis;jumlah\n")
    code, out, err = kerang("import", str(path), db=db, capsys=capsys)
    assert code == 2 and "'tangal' is not an import field" in err
    assert "amount, bagan" in err and "Did you mean 'date'?" in err
    path.write_text("op;ref;date;tanggal;anggota;jenis;jumlah\n")
    code, out, err = kerang("import", str(path), db=db, capsys=capsys)
    assert code == 2 and "the columns 'date' and 'tanggal' both give date" in err


def test_duplicate_json_keys_and_non_numbers_are_refused(tmp_path: Path, db, capsys):
    path = tmp_path / "dupe.jsonl"
    path.write_text(
        '{"op": "savings.deposit", "ref": "K1", "date": "2020-02-01", "member": "M1", '
        '"kind": "sukarela", "amount": 5, "amount": 50000}\n'
    )
    code, out, err = kerang("import", str(path), db=db, capsys=capsys)
    assert code == 2 and "the key 'amount' appears twice" in err
    path.write_text(
        '{"op": "savings.deposit", "ref": "K1", "date": "2020-02-01", "member": "M1", '
        '"kind": "sukarela", "amount": NaN}\n'
    )
    code, out, err = kerang("import", str(path), db=db, capsys=capsys)
    assert code == 2 and "NaN is not a number" in err


def _many_bad(path: Path, bad: int) -> None:
    lines = [HEAD.rstrip("\n")]
    for i in range(bad):
        lines.append(f"savings.deposit;G{i};01/02/2020;M1;sukarela;10,000")
        lines.append(f"savings.deposit;K{i};01/02/2020;M1;sukarela;1.000")
    path.write_text("\n".join(lines) + "\n")


def test_check_lists_every_bad_line_and_writes_nothing(tmp_path: Path, db: str, capsys):
    path = tmp_path / "buku.csv"
    path.write_text(
        HEAD + "savings.deposit;K1;01/02/2020;M1;sukarela;1.000\n"
        "savings.deposit;K2;09/15/2020;M1;sukarela;1.000\n"
        "savings.deposit;K3;01/02/2020;M9;sukarela;1.000\n"
        "savings.deposit;K4;01/02/2020;M1;sukarela;1.000\n"
        "savings.deposit;K5;01/02/2020;M1;sukarela;10,000\n"
    )
    before = kerang("export", "--format", "jsonl", db=db, capsys=capsys, check=True).stdout
    code, doc, err = _import(path, db, capsys, "--check")
    assert code == 2 and doc["refused"] == 3 and doc["lines"] == 5
    assert [(e["line"], e["field"]) for e in doc["errors"]] == [
        (3, "date"),
        (4, "member"),
        (6, "amount"),
    ]
    assert err.splitlines()[1:] == [
        "line 3: column 'date' '09/15/2020' is not a real date (there is no month 15).",
        "line 4: column 'member' 'M9' is not a member.",
        "line 6: column 'amount' '10,000' has two readings, Rp 10 or Rp 10.000; write the one "
        "you mean as shown.",
    ]
    code, out, err = kerang("import", str(path), "--check", "--lang", "id", db=db, capsys=capsys)
    assert code == 2 and "baris 4: kolom 'member' 'M9' bukan anggota." in err.splitlines()
    assert "dari 5 baris akan ditolak" in err
    after = kerang("export", "--format", "jsonl", db=db, capsys=capsys, check=True).stdout
    assert after == before
    # a plain import stops at the first bad line; the line before it stays recorded
    code, out, err = kerang("import", str(path), "--json", db=db, capsys=capsys)
    assert code == 2 and json.loads(out)["recorded"] == 1 and json.loads(out)["error"]["line"] == 3


def test_check_names_the_first_hundred_then_counts(tmp_path: Path, db: str, capsys):
    path = tmp_path / "banyak.csv"
    _many_bad(path, 130)
    code, doc, err = _import(path, db, capsys, "--check")
    assert code == 2 and doc["refused"] == 130 and len(doc["errors"]) == 100
    assert doc["errors"][0]["line"] == 2 and doc["errors"][-1]["line"] == 200
    assert err.splitlines()[-1] == "… and 30 more refused lines."
    assert len(err.splitlines()) == 102
