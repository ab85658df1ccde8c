"""A corpus of bad inputs: command lines, CSV files and JSON Lines files.

Every case must be refused with exit 2 and one sentence, no traceback, and leave the
ledger byte-identical. ``cases(folder, db)`` writes the files a case needs into
``folder`` and returns ``(name, argv)`` pairs; ``build(run, db)`` makes the small
ledger they run against. Kept free of pytest so that it can also be run against
another version of kerang (``python tests/fuzz_corpus.py ROOT``) to count its tracebacks.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import json
from pathlib import Path

DAY = "2020-03-01"

SETUP = [
    ["init", "--name", "Koperasi Fuzz", "--date", "2020-01-01"],
    ["member", "add", "M1", "--name", "Ibu Satu", "--date", "2020-01-01"],
    ["member", "add", "M2", "--name", "Ibu Dua", "--date", "2020-01-01"],
    ["bagan", "add", "B1", "--partners", "M1,M2", "--manager", "Pak Budi", "--date", "2020-01-01"],
    ["savings", "deposit", "--ref", "S0", "--date", "2020-01-02", "--member", "M1"]
    + ["--kind", "sukarela", "--amount", "100.000"],
]

BAD_AMOUNTS = [
    "10,000", "Rp20,000", "Rp 20,000", "1,5", "1.500,50", "1500000.5", "-5", "−5", "Rp -5",
    "+-5", "1e400", "1e3", "1E6", "NaN", "nan", "inf", "Infinity", "-Infinity",
    "9223372036854775807", "9223372036854775808", "1" + "0" * 16, "9" * 50, "9" * 5000,
    "٣٠٠", "３００", "߃", "१००", "1 000", "1\u00a0000", "0x10", "0b1", "1.5.0", ".5", "5.",
    ",5", "_1", "1__0", "1.50.000", "Rp", "", " ", "12abc", "1/2", "½", "١٬٠٠٠", "1e-5", "0",
    "00", "Rp 0", "\x1b[31m5", "5\x00", "10,000,0", "1.000,000,0", "Rp.", "IDR", "5%", "$5",
    "1,000.5", "10.000,5", "1_000.5",
]  # fmt: skip

BAD_KG = [
    "2.500", "2,500", "0,250", "0.001", "0", "-1", "1e30", "nan", "inf", "12.125", "12.1234",
    "1.000.001", "10000001", "1,2,3", "٢٥", "2.750,55,5", "", "1e400", "9" * 5000, "0,00",
]  # fmt: skip

BAD_DATES = [
    "2024-15-09", "09/15/2024", "31/02/2024", "2100-01-01", "9999-12-31", "99999-01-01",
    "0000-01-01", "1899-12-31", "2024-02-30", "2024/01/01", "01-02-2024", "20240101", "",
    "٢٠٢٤-٠١-٠١", "2024-1-1x", "yesterday", "2024-01-01T00:00", "32/01/2024", "00/01/2024",
    "29/02/2023", "2024-00-10",
]  # fmt: skip

BAD_REFS = [
    "S1\u200b", "S\u202e1", "S 1", "S\t1", "A" * 121, "A" * 100_000, "\x1b[31mR", "",
    "\u2028R", "\ufeffR", "R\u00ad", "R\u2066x", " ", "R\x7f",
]  # fmt: skip

BAD_NAMES = [
    "\x1b[2J", "Ibu\u202eSiti", "x" * 201, "x" * 1_000_000, "Ibu\nSiti", "Ibu\x07", "Ibu\u200b",
    "", "   ", "Ibu\u2029", "A\x00",
]  # fmt: skip

BAD_IDS = ["M 1", "M,1", "M;1", "M" * 41, "M\u200b1", "M\x1b", ""]


def _deposit(amount: str = "5.000", ref: str = "F1", date: str = DAY) -> list[str]:
    return ["savings", "deposit", "--ref", ref, "--date", date, "--member", "M1"] + [
        "--kind",
        "sukarela",
        "--amount",
        amount,
    ]


def _harvest(**over: str) -> list[str]:
    fields = {"ref": "H1", "date": DAY, "bagan": "B1", "kg": "1000", "price": "10.000"}
    fields.update(over)
    argv = ["harvest"]
    for k, v in fields.items():
        argv += [f"--{k}", v]
    return argv


def command_lines(folder: Path, db: str) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for i, a in enumerate(BAD_AMOUNTS):
        out.append((f"cli-amount-{i}", _deposit(a)))
    for i, a in enumerate(BAD_AMOUNTS[::3]):
        out.append((f"cli-price-{i}", _harvest(price=a)))
        out.append((f"cli-infaq-{i}", ["infaq", "receive", "--ref", "I1", "--date", DAY, "--amount", a]))  # fmt: skip
        out.append((f"cli-loan-{i}", ["loan", "disburse", "--ref", "L1", "--date", DAY, "--member", "M1", "--amount", a]))  # fmt: skip
    for i, a in enumerate(BAD_AMOUNTS[1::4]):
        out.append((f"cli-revenue-{i}", [*_harvest(), "--costs", a]))
        out.append((f"cli-repair-{i}", ["repair", "--ref", "R1", "--date", DAY, "--bagan", "B1", "--amount", a]))  # fmt: skip
    for i, kg in enumerate(BAD_KG):
        out.append((f"cli-kg-{i}", _harvest(kg=kg)))
    out.append(("cli-revenue-zero", ["harvest", "--ref", "H0", "--date", DAY, "--bagan", "B1", "--revenue", "0"]))  # fmt: skip
    out.append(("cli-gross-too-large", _harvest(kg="1000000", price="1.000.000.000.000")))
    for i, d in enumerate(BAD_DATES):
        out.append((f"cli-date-{i}", _deposit(date=d)))
    for i, d in enumerate(BAD_DATES[::2]):
        if d:  # an empty --date is the same as none (see member add)
            out.append((f"cli-member-date-{i}", ["member", "add", "M9", "--name", "Ibu", "--date", d]))  # fmt: skip
        out.append((f"cli-as-of-{i}", ["summary", "--as-of", d]))
        out.append((f"cli-statement-as-of-{i}", ["statement", "M1", "--as-of", d]))
        out.append((f"cli-income-from-{i}", ["report", "income", "--from", d, "--to", "2020-12-31"]))  # fmt: skip
    for i, r in enumerate(BAD_REFS):
        out.append((f"cli-ref-{i}", _deposit(ref=r)))
    for i, n in enumerate(BAD_NAMES):
        out.append((f"cli-name-{i}", ["member", "add", "M9", "--name", n, "--date", DAY]))
        out.append((f"cli-purpose-{i}", ["infaq", "disburse", "--ref", "D1", "--date", DAY, "--amount", "1", "--purpose", n]))  # fmt: skip
        out.append((f"cli-reason-{i}", ["correct", "--ref", "C1", "--date", DAY, "--reverses", "S0", "--reason", n]))  # fmt: skip
    for i, m in enumerate(BAD_IDS):
        out.append((f"cli-member-id-{i}", ["member", "add", m, "--name", "Ibu", "--date", DAY]))
        if m:  # an empty id between commas is left out, as a trailing comma is
            out.append((f"cli-partners-{i}", ["bagan", "add", "B9", "--partners", f"M1,{m}", "--manager", "Pak", "--date", DAY]))  # fmt: skip
    missing = folder / "missing" / "deeper"
    a_file = folder / "a-file.txt"
    a_file.write_text("not a folder\n")
    pg = "postgresql://postgres@127.0.0.1"
    out += [
        ("cli-unknown-command", ["frobnicate"]),
        ("cli-missing-option", ["savings", "deposit", "--ref", "X"]),
        ("cli-bad-lang", ["--lang", "fr", "summary"]),
        ("cli-lang-without-value", ["summary", "--lang"]),
        (
            "cli-bad-kind",
            [
                "savings",
                "deposit",
                "--ref",
                "K1",
                "--date",
                DAY,
                "--member",
                "M1",
                "--kind",
                "emas",
                "--amount",
                "5",
            ],
        ),  # fmt: skip
        (
            "cli-unknown-member",
            ["loan", "repay", "--ref", "L9", "--date", DAY, "--member", "M404", "--amount", "5"],
        ),  # fmt: skip
        ("cli-unknown-bagan", _harvest(bagan="B404")),
        (
            "cli-unknown-reverses",
            ["correct", "--ref", "C2", "--date", DAY, "--reverses", "NOPE", "--reason", "x"],
        ),  # fmt: skip
        ("cli-statement-unknown", ["statement", "M404"]),
        ("cli-ref-conflict", _deposit(amount="7", ref="S0", date="2020-01-02")),
        (
            "cli-withdraw-too-much",
            [
                "savings",
                "withdraw",
                "--ref",
                "W1",
                "--date",
                DAY,
                "--member",
                "M1",
                "--kind",
                "sukarela",
                "--amount",
                "1.000.000",
            ],
        ),  # fmt: skip
        ("cli-kg-and-revenue", [*_harvest(), "--revenue", "5"]),
        (
            "cli-policy-sum",
            ["policy", "set", "--from", DAY, "manager=30,members=60,savings=8,cooperative=3"],
        ),  # fmt: skip
        (
            "cli-policy-digits",
            ["policy", "set", "--from", DAY, "manager=٣٠,members=60,savings=8,cooperative=2"],
        ),  # fmt: skip
        ("cli-policy-junk", ["policy", "set", "--from", DAY, "manager"]),
        ("cli-export-to-folder", ["export", "--format", "jsonl", "--out", str(folder)]),
        (
            "cli-export-missing-folder",
            ["export", "--format", "jsonl", "--out", str(missing / "x.jsonl")],
        ),  # fmt: skip
        ("cli-export-onto-ledger", ["export", "--format", "jsonl", "--out", db]),
        (
            "cli-close-bylaws-folder",
            ["close", "2020", "--date", "2021-01-05", "--bylaws", str(folder)],
        ),  # fmt: skip
        (
            "cli-close-bylaws-missing",
            ["close", "2020", "--date", "2021-01-05", "--bylaws", str(missing)],
        ),  # fmt: skip
        ("cli-close-year-junk", ["close", "20x0", "--date", "2021-01-05"]),
        ("cli-close-year-huge", ["close", "9" * 400, "--date", "2021-01-05"]),
        ("cli-import-missing", ["import", str(missing / "x.csv")]),
        ("cli-import-folder", ["import", str(folder)]),
        ("cli-verify-missing", ["verify", str(missing / "x.jsonl")]),
        ("cli-forecast-scenario-missing", ["forecast", "--scenario", str(missing / "s.toml")]),
        ("cli-init-again", ["init", "--name", "Lagi", "--date", DAY]),
        ("cli-pg-bad-port", ["summary", "--db", f"{pg}:99999/test"]),
        ("cli-pg-port-text", ["summary", "--db", f"{pg}:abc/test"]),
        ("cli-pg-catalog", ["summary", "--db", f"{pg}:5432/test?schema=pg_catalog"]),
        ("cli-pg-schema-empty", ["summary", "--db", f"{pg}:5432/test?schema="]),
        ("cli-pg-closed-port", ["summary", "--db", f"{pg}:1/test"]),
        ("cli-db-is-folder", ["summary", "--db", str(folder)]),
        ("cli-db-is-text", ["summary", "--db", str(a_file)]),
        (
            "cli-init-missing-folder",
            ["init", "--name", "X", "--date", DAY, "--db", str(missing / "k.db")],
        ),  # fmt: skip
    ]
    return out


def _csv(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / f"{name}.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def _jsonl(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / f"{name}.jsonl"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


HEAD = "op;ref;date;member;kind;amount\n"


def csv_files(folder: Path) -> list[tuple[str, list[str]]]:
    files: list[tuple[str, Path]] = []
    for i, a in enumerate(BAD_AMOUNTS):
        cell = a if ";" not in a else f'"{a}"'
        files.append((f"csv-amount-{i}", _csv(folder, f"amount{i}", f"{HEAD}savings.deposit;F1;{DAY};M1;sukarela;{cell}\n")))  # fmt: skip
    for i, d in enumerate(BAD_DATES):
        files.append((f"csv-date-{i}", _csv(folder, f"date{i}", f"{HEAD}savings.deposit;F1;{d};M1;sukarela;5\n")))  # fmt: skip
    for i, r in enumerate(BAD_REFS[:10]):
        files.append((f"csv-ref-{i}", _csv(folder, f"ref{i}", f'{HEAD}savings.deposit;"{r}";{DAY};M1;sukarela;5\n')))  # fmt: skip
    for i, kg in enumerate(BAD_KG):
        files.append((f"csv-kg-{i}", _csv(folder, f"kg{i}", f'op;ref;date;bagan;kg;price\nharvest;H1;{DAY};B1;"{kg}";10.000\n')))  # fmt: skip
    line = f"savings.deposit;F1;{DAY};M1;sukarela;5\n"
    structural = {
        "unknown-column": f"op;ref;tangal;member;kind;amount\n{line}",
        "duplicate-column": f"op;ref;date;date;member;kind;amount\nsavings.deposit;F1;{DAY};{DAY};M1;sukarela;5\n",  # fmt: skip
        "alias-duplicate": f"op;ref;date;tanggal;member;kind;amount\nsavings.deposit;F1;{DAY};{DAY};M1;sukarela;5\n",  # fmt: skip
        "no-op-column": f"ref;date;member;kind;amount\nF1;{DAY};M1;sukarela;5\n",
        "unknown-op": f"{HEAD}savings.steal;F1;{DAY};M1;sukarela;5\n",
        "empty-op": f"{HEAD};F1;{DAY};M1;sukarela;5\n",
        "more-cells": f"{HEAD}savings.deposit;F1;{DAY};M1;sukarela;5;extra\n",
        "unnamed-column": f"op;ref;;date;member;kind;amount\nsavings.deposit;F1;x;{DAY};M1;sukarela;5\n",  # fmt: skip
        "missing-field": f"op;ref;date;member;kind\nsavings.deposit;F1;{DAY};M1;sukarela\n",
        "field-not-used": f"op;ref;date;member;kind;amount;kg\nsavings.deposit;F1;{DAY};M1;sukarela;5;3\n",  # fmt: skip
        "huge-field": HEAD + f'savings.deposit;F1;{DAY};M1;sukarela;"{"9" * 200_000}"\n',
        "long-line": HEAD + f"savings.deposit;F1;{DAY};M1;{'x' * 150_000};5\n",
        "open-quote": f'{HEAD}savings.deposit;"F1;{DAY};M1;sukarela;5\n',
        "header-only-junk": "\x01\x02;\x03\n" + line,
        "header-control": "op;ref\x1b;date;member;kind;amount\n" + line,
        "bad-kind": f"{HEAD}savings.deposit;F1;{DAY};M1;emas;5\n",
        "unknown-member": f"{HEAD}savings.deposit;F1;{DAY};M404;sukarela;5\n",
        "partners-bad": f"op;id;partners;manager;date\nbagan.add;B9;M1;M 2;Pak;{DAY}\n",
        "bagan-bad-id": f'op;id;partners;manager;date\nbagan.add;"B 9";"M1;M2";Pak;{DAY}\n',
        "name-control": f'op;id;name;date\nmember.add;M9;"Ibu\x1b[2J";{DAY}\n',
        "name-too-long": f"op;id;name;date\nmember.add;M9;{'x' * 300};{DAY}\n",
        "comma-separated-ambiguous": f'op,ref,date,member,kind,amount\nsavings.deposit,F1,{DAY},M1,sukarela,"10,000"\n',  # fmt: skip
        "tab-separated-bad": f"op\tref\tdate\tmember\tkind\tamount\nsavings.deposit\tF1\t{DAY}\tM1\tsukarela\t1,5\n",  # fmt: skip
    }
    for name, text in structural.items():
        files.append((f"csv-{name}", _csv(folder, name, text)))
    body = f"{HEAD}savings.deposit;F1;{DAY};M1;sukarela;5\n"
    encodings = {
        "cp1252-undefined-byte": HEAD.encode()
        + b"savings.deposit;F1;"
        + DAY.encode()
        + b";M1;sukarela;5\x81\n",  # fmt: skip
        "cp1252-en-dash-amount": HEAD.encode()
        + b"savings.deposit;F1;"
        + DAY.encode()
        + b";M1;sukarela;Rp 1.000\x96\n",  # fmt: skip
        "utf16-no-bom": body.encode("utf-16-le"),
        "utf16-odd-length": codecs.BOM_UTF16_LE + body.encode("utf-16-le") + b"\x00",
        "utf32-bom-bad": codecs.BOM_UTF32_LE + b"\x00\x00\x11\x00",
        "nul-bytes": HEAD.encode()
        + b"savings.deposit;F1\x00;"
        + DAY.encode()
        + b";M1;sukarela;5\n",  # fmt: skip
        "binary": bytes(range(256)) * 4,
        "utf8-bom-bad-amount": codecs.BOM_UTF8
        + f"{HEAD}savings.deposit;F1;{DAY};M1;sukarela;10,000\n".encode(),  # fmt: skip
        "utf16-bom-bad-amount": codecs.BOM_UTF16_LE
        + f"{HEAD}savings.deposit;F1;{DAY};M1;sukarela;10,000\n".encode("utf-16-le"),  # fmt: skip
        "gzip-magic": b"\x1f\x8b\x08\x00" + bytes(60),
        "lone-surrogate-utf8": HEAD.encode()
        + b"savings.deposit;F\xed\xa0\x80;"
        + DAY.encode()
        + b";M1;sukarela;5\n",  # fmt: skip
    }
    for name, data in encodings.items():
        files.append((f"csv-{name}", _csv(folder, name, data)))
    return [(name, ["import", str(path)]) for name, path in files]


def _line(**fields: object) -> str:
    base: dict[str, object] = {"op": "savings.deposit", "ref": "F1", "date": DAY, "member": "M1"}
    base.update({"kind": "sukarela", "amount": 5})
    base.update(fields)
    record = {k: v for k, v in base.items() if v is not ...}
    text = "".join(v for v in record.values() if isinstance(v, str))
    surrogate = any("\ud800" <= ch <= "\udfff" for ch in text)  # written only as an escape
    return json.dumps(record, ensure_ascii=surrogate) + "\n"


def jsonl_files(folder: Path) -> list[tuple[str, list[str]]]:
    texts: dict[str, str | bytes] = {}
    for i, a in enumerate(BAD_AMOUNTS):
        texts[f"amount-text-{i}"] = _line(amount=a)
    raw_amounts = {
        "nan": "NaN", "inf": "Infinity", "minus-inf": "-Infinity", "1e400": "1e400",
        "fraction": "1.5", "negative": "-5", "huge": "1" + "0" * 50, "giant": "9" * 5000,
        "zero": "0", "bool": "true", "null": "null", "list": "[5]", "object": '{"v": 5}',
        "tiny": "1e-400", "minus-zero": "-0", "exp-fraction": "2.5e0", "big-float": "1e16",
    }  # fmt: skip
    for name, raw in raw_amounts.items():
        texts[f"amount-raw-{name}"] = (
            f'{{"op": "savings.deposit", "ref": "F1", "date": "{DAY}", "member": "M1", '
            f'"kind": "sukarela", "amount": {raw}}}\n'
        )
    for i, d in enumerate(BAD_DATES):
        texts[f"date-{i}"] = _line(date=d)
    for i, r in enumerate(BAD_REFS):
        texts[f"ref-{i}"] = _line(ref=r)
    for name, value in {
        "ref-number-float": 1.5, "ref-list": ["F1"], "ref-null": None, "ref-bool": True,
        "ref-object": {"a": 1}, "ref-surrogate": "F\ud800",
    }.items():  # fmt: skip
        texts[name] = _line(ref=value)
    for i, kg in enumerate(BAD_KG):
        texts[f"kg-{i}"] = json.dumps({"op": "harvest", "ref": "H1", "date": DAY, "bagan": "B1", "kg": kg, "price": 10000}) + "\n"  # fmt: skip
    texts["kg-raw-nan"] = f'{{"op": "harvest", "ref": "H1", "date": "{DAY}", "bagan": "B1", "kg": NaN, "price": 10000}}\n'  # fmt: skip
    texts["kg-raw-1e30"] = f'{{"op": "harvest", "ref": "H1", "date": "{DAY}", "bagan": "B1", "kg": 1e30, "price": 10000}}\n'  # fmt: skip
    texts["kg-raw-negative"] = f'{{"op": "harvest", "ref": "H1", "date": "{DAY}", "bagan": "B1", "kg": -3, "price": 10000}}\n'  # fmt: skip
    texts["revenue-zero"] = json.dumps({"op": "harvest", "ref": "H0", "date": DAY, "bagan": "B1", "revenue": 0}) + "\n"  # fmt: skip
    for i, n in enumerate(BAD_NAMES):
        texts[f"name-{i}"] = json.dumps({"op": "member.add", "id": "M9", "name": n, "date": DAY}) + "\n"  # fmt: skip
    structure = {
        "duplicate-key": f'{{"op": "savings.deposit", "ref": "F1", "ref": "F2", "date": "{DAY}", "member": "M1", "kind": "sukarela", "amount": 5}}\n',  # fmt: skip
        "duplicate-amount": f'{{"op": "savings.deposit", "ref": "F1", "date": "{DAY}", "member": "M1", "kind": "sukarela", "amount": 5, "amount": 50000}}\n',  # fmt: skip
        "not-json": "this is not json\n",
        "truncated": '{"op": "savings.deposit", "ref": \n',
        "trailing-garbage": _line().rstrip("\n") + " x\n",
        "array": "[1, 2, 3]\n",
        "string": '"savings.deposit"\n',
        "number": "5\n",
        "null": "null\n",
        "deep-array": "[" * 100_000 + "]" * 100_000 + "\n",
        "deep-object": '{"a":' * 50_000 + "1" + "}" * 50_000 + "\n",
        "long-line": _line(purpose="x" * 200_000),
        "unknown-op": _line(op="savings.steal"),
        "op-missing": _line(op=...),
        "op-list": _line(op=["savings.deposit"]),
        "op-number": _line(op=7),
        "unknown-field": _line(amont=5),
        "field-not-used": _line(kg=3),
        "missing-member": _line(member=...),
        "member-unknown": _line(member="M404"),
        "member-list": _line(member=["M1"]),
        "kind-bad": _line(kind="emas"),
        "kind-number": _line(kind=1),
        "partners-string-bad": json.dumps(
            {"op": "bagan.add", "id": "B9", "partners": "M1;M 2", "manager": "Pak", "date": DAY}
        )
        + "\n",  # fmt: skip
        "partners-object": json.dumps(
            {"op": "bagan.add", "id": "B9", "partners": {"M1": 1}, "manager": "Pak", "date": DAY}
        )
        + "\n",  # fmt: skip
        "partners-nested": json.dumps(
            {"op": "bagan.add", "id": "B9", "partners": [["M1"]], "manager": "Pak", "date": DAY}
        )
        + "\n",  # fmt: skip
        "partners-empty": json.dumps(
            {"op": "bagan.add", "id": "B9", "partners": [], "manager": "Pak", "date": DAY}
        )
        + "\n",  # fmt: skip
        "policy-nan": f'{{"op": "policy.set", "from": "{DAY}", "manager": NaN, "members": 60, "savings": 8, "cooperative": 2}}\n',  # fmt: skip
        "policy-list": json.dumps(
            {
                "op": "policy.set",
                "from": DAY,
                "manager": [30],
                "members": 60,
                "savings": 8,
                "cooperative": 2,
            }
        )
        + "\n",  # fmt: skip
        "close-year-huge": json.dumps({"op": "close", "year": 10**30, "date": "2021-01-05"})
        + "\n",  # fmt: skip
        "close-year-text": json.dumps({"op": "close", "year": "twenty", "date": "2021-01-05"})
        + "\n",  # fmt: skip
        "correct-self": json.dumps(
            {"op": "correct", "ref": "C1", "date": DAY, "reverses": "C1", "reason": "x"}
        )
        + "\n",  # fmt: skip
        "chain-junk": _line(chain="junk", amount="10,000"),
    }
    texts.update({f"struct-{k}": v for k, v in structure.items()})
    texts["bytes-invalid-utf8"] = b'{"op": "savings.deposit", "ref": "F\x81\x8d"}\n'
    texts["bytes-utf16-no-bom"] = _line(amount="10,000").encode("utf-16-le")
    texts["bytes-nul"] = b'{"op": "savings.deposit",\x00 "ref": "F1"}\n'
    texts["bytes-bom-then-bad"] = codecs.BOM_UTF8 + _line(amount="1e400").encode()
    texts["bytes-utf16-bom-bad"] = codecs.BOM_UTF16_BE + _line(amount="NaN").encode("utf-16-be")
    return [
        (f"jsonl-{name}", ["import", str(_jsonl(folder, name.replace("/", "_"), text))])
        for name, text in texts.items()
    ]


def cases(folder: Path, db: str) -> list[tuple[str, list[str]]]:
    """Every bad input, as the command line that gives it to kerang."""
    folder.mkdir(parents=True, exist_ok=True)
    found = [*command_lines(folder, db), *csv_files(folder), *jsonl_files(folder)]
    names = [n for n, _ in found]
    assert len(names) == len(set(names)), "case names must be unique"
    return found


def settle(db: str) -> None:
    """Move everything written so far from the write-ahead log into the file itself, so
    that the bytes of the file and its log change only when something is written."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(db)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def ledger_digest(db: str) -> str:
    """The SHA-256 of the ledger file and its write-ahead log, byte for byte."""
    digest = hashlib.sha256()
    for suffix in ("", "-wal"):
        path = Path(db + suffix)
        digest.update(path.read_bytes() if path.exists() else b"")  # none = empty
    return digest.hexdigest()


def with_db(argv: list[str], db: str) -> list[str]:
    return argv if "--db" in argv else [*argv, "--db", db]


def run_in_process(argv: list[str]) -> tuple[int, str, str, bool]:
    """(exit status, stdout, stderr, whether a traceback escaped) of ``cli.main(argv)``:
    the console script's own entry, called in this process."""
    import io

    import cli

    out, err = io.StringIO(), io.StringIO()
    crashed = False
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 2
        except BaseException:  # noqa: BLE001 - what a user would see as a traceback
            code, crashed = -1, True
    text = err.getvalue()
    return code, out.getvalue(), text, crashed or "Traceback" in text


if __name__ == "__main__":  # count the tracebacks of a version of kerang: ROOT [OUT.json]
    import sys
    import tempfile

    sys.path.insert(0, str(Path(sys.argv[1]).resolve()))

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "fuzz.db")
        for argv in SETUP:
            assert run_in_process([*argv, "--db", db])[0] == 0, argv
        settle(db)
        digest = ledger_digest(db)
        results = {}
        for name, argv in cases(Path(tmp) / "files", db):
            code, _, _, traceback = run_in_process(with_db(argv, db))
            changed = ledger_digest(db) != digest
            results[name] = {"exit": code, "traceback": traceback, "changed": changed}
            if changed:
                digest = ledger_digest(db)
    tracebacks = sorted(n for n, r in results.items() if r["traceback"])
    print(f"{len(results)} inputs, {len(tracebacks)} tracebacks")
    print(f"not exit 2: {sum(r['exit'] != 2 for r in results.values())}")
    print(f"accepted (exit 0): {sum(r['exit'] == 0 for r in results.values())}")
    print(f"ledger changed: {sum(r['changed'] for r in results.values())}")
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(json.dumps(results, indent=1))
    for name in tracebacks:
        print("  traceback:", name)
