"""Signed heads and offline verification against an adversary.

``verify`` must refuse every way of rearranging or padding an honest export; a signed
head statement must hold against a forger who has the database but not the signing key.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from backends import clone, new_db
from cli_helpers import kerang

import ledger

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "ledger" / "data" / "demo-2015.jsonl"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = new_db(tmp_path_factory.mktemp("heads"), "demo")
    ledger.import_file(db, str(DEMO))
    return db


@pytest.fixture(scope="module")
def exported(demo: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("export") / "demo.jsonl"
    kerang("export", "--format", "jsonl", "--out", str(out), db=demo, check=True)
    return out.read_text(encoding="utf-8").splitlines()


@pytest.fixture()
def keys(monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    private, public = ledger.new_signing_key()
    monkeypatch.setenv("KERANG_SIGNING_KEY", private)
    return private, public


def verify(tmp_path: Path, lines: list[str], *extra: str, name: str = "v.jsonl") -> dict:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    done = kerang("verify", str(path), "--json", *extra)
    doc = json.loads(done.stdout)
    assert done.returncode == (0 if doc["ok"] else 1), done
    return doc


def line_of(lines: list[str], op: str, start: int = 0) -> int:
    return next(i for i, text in enumerate(lines) if i >= start and json.loads(text)["op"] == op)


def adversarial(lines: list[str]) -> dict[str, list[str]]:
    """Each way an honest export may be bent, without recomputing any link."""
    k = line_of(lines, "savings.deposit", 20)
    j = line_of(lines, "infaq.receive", k + 1)
    line, other = json.loads(lines[k]), json.loads(lines[j])
    empty = {**line, "ref": "FORGED-1", "chain": {"events": [], "link": line["chain"]["link"]}}
    another_command = {**line, "amount": line["amount"] + 1_000_000}
    borrowed = {**{key: v for key, v in other.items() if key != "chain"}, "chain": line["chain"]}
    as_none = {"op": "none", "chain": line["chain"]}
    renamed = {**line, "ref": line["ref"] + "-X"}
    return {
        "empty events": lines[: k + 1] + [json.dumps(empty)] + lines[k + 1 :],
        "empty events at the end": lines
        + [
            json.dumps(
                {**empty, "chain": {"events": [], "link": json.loads(lines[-1])["chain"]["link"]}}
            )
        ],
        "duplicated line": lines[: k + 1] + [lines[k]] + lines[k + 1 :],
        "duplicated last line": lines + [lines[-1]],
        "reordered lines": lines[:k] + [lines[k + 1], lines[k]] + lines[k + 2 :],
        "events of another line": lines[:k] + [json.dumps(borrowed)] + lines[k + 1 :],
        "valid link, another command": lines[:k] + [json.dumps(another_command)] + lines[k + 1 :],
        "valid link, another ref": lines[:k] + [json.dumps(renamed)] + lines[k + 1 :],
        "a line turned into op none": lines[:k] + [json.dumps(as_none)] + lines[k + 1 :],
        "a line dropped": lines[:k] + lines[k + 1 :],
        "the first line dropped": lines[1:],
        "not an export (an import file)": [
            json.dumps({key: v for key, v in json.loads(t).items() if key != "chain"})
            for t in lines
        ],
        "not an export (empty)": [],
        "not an export (text)": ["hello", "world"],
    }


def test_an_honest_export_verifies(tmp_path: Path, exported: list[str], demo: str) -> None:
    doc = verify(tmp_path, exported)
    assert doc["ok"] and doc["lines"] == len(exported)
    assert doc["head"] == ledger.audit_ledger(demo).head


def test_every_bent_export_fails_verify(tmp_path: Path, exported: list[str]) -> None:
    cases = adversarial(exported)
    passed = [
        name
        for name, lines in cases.items()
        if verify(tmp_path, lines, name=f"{len(name)}.jsonl")["ok"]
    ]
    assert len(cases) == 14
    assert not passed, f"verify accepted: {passed}"


def test_an_empty_event_list_is_named(tmp_path: Path, exported: list[str]) -> None:
    doc = verify(tmp_path, adversarial(exported)["empty events"])
    assert any("carries no events" in p for p in doc["problems"])


def test_a_forged_empty_line_cannot_be_imported_unseen(tmp_path: Path, exported: list[str]) -> None:
    """The attack of issue 15: an empty-event line that would record a deposit on import."""
    head = verify(tmp_path, exported[:30])["head"]
    doc = verify(tmp_path, adversarial(exported)["empty events"], "--head", head)
    assert not doc["ok"]


def test_verify_says_how_many_lines_come_after_a_head(tmp_path: Path, exported: list[str]) -> None:
    early = verify(tmp_path, exported[:40], name="early.jsonl")
    doc = verify(tmp_path, exported, "--head", early["head"])
    assert doc["ok"] and doc["extends_head"] and doc["lines_after_head"] == len(exported) - 40
    done = kerang("verify", str(tmp_path / "v.jsonl"), "--head", early["head"])
    assert done.returncode == 0 and f"{len(exported) - 40} lines" in done.stdout


# ------------------------------------------------------------------ signed heads
def test_a_signed_head_holds_and_a_later_book_extends_it(
    demo: str, tmp_path: Path, keys: tuple[str, str], capsys: pytest.CaptureFixture
) -> None:
    db = clone(demo, tmp_path)
    statement = tmp_path / "head.json"
    done = kerang("head", "--sign", db=db, capsys=capsys)
    statement.write_text(done.stdout)
    doc = json.loads(done.stdout)
    assert doc["events"] == ledger.audit_ledger(db).events and doc["signature"]
    assert doc["head"] == ledger.audit_ledger(db).head and doc["cooperative"]
    ledger.record(db, "infaq.receive", ref="LATER-1", date="2015-12-30", amount="5000")
    public = keys[1]
    ok = kerang("audit", "--head", str(statement), "--public-key", public, db=db, capsys=capsys)
    assert ok.returncode == 0, ok.stdout
    out = tmp_path / "later.jsonl"
    kerang("export", "--format", "jsonl", "--out", str(out), db=db, capsys=capsys)
    v = kerang(
        "verify",
        str(out),
        "--head",
        str(statement),
        "--public-key",
        public,
        "--json",
        capsys=capsys,
    )
    assert v.returncode == 0 and json.loads(v.stdout)["lines_after_head"] == 1
    # the public key as a file, in base64
    import base64

    key_file = tmp_path / "coop.pub"
    key_file.write_text(base64.b64encode(bytes.fromhex(public)).decode() + "\n")
    assert (
        kerang(
            "audit", "--head", str(statement), "--public-key", str(key_file), db=db, capsys=capsys
        ).returncode
        == 0
    )


def test_a_forger_without_the_key_fails_against_a_signed_head(
    demo: str, tmp_path: Path, keys: tuple[str, str], capsys: pytest.CaptureFixture
) -> None:
    """The forger has the database: exports it, changes a deposit, and rebuilds a ledger
    whose chain, read models and audit are all consistent. Only the signed head tells."""
    db = clone(demo, tmp_path)
    statement = tmp_path / "head.json"
    statement.write_text(kerang("head", "--sign", db=db, capsys=capsys).stdout)
    public = keys[1]
    export = tmp_path / "honest.jsonl"
    kerang("export", "--format", "jsonl", "--out", str(export), db=db, capsys=capsys)
    lines = export.read_text().splitlines()
    k = line_of(lines, "savings.withdraw")
    line = json.loads(lines[k])
    line["amount"] = 1
    forged_import = tmp_path / "forged-import.jsonl"
    forged_import.write_text(  # without the chain: the lines are recorded anew
        "".join(
            json.dumps(
                {f: v for f, v in (json.loads(t) if i != k else line).items() if f != "chain"}
            )
            + "\n"
            for i, t in enumerate(lines)
        )
    )
    forged = new_db(tmp_path, "forged")
    ledger.import_file(forged, str(forged_import))
    assert ledger.audit_ledger(forged).ok  # consistent in itself
    bad = kerang(
        "audit",
        "--head",
        str(statement),
        "--public-key",
        public,
        "--json",
        db=forged,
        capsys=capsys,
    )
    assert bad.returncode == 1
    assert {c["name"] for c in json.loads(bad.stdout)["checks"] if not c["ok"]} == {"earlier-head"}
    # the forger's export of it fails verify against the signed head too
    out = tmp_path / "forged.jsonl"
    kerang("export", "--format", "jsonl", "--out", str(out), db=forged, capsys=capsys)
    assert (
        kerang(
            "verify", str(out), "--head", str(statement), "--public-key", public, capsys=capsys
        ).returncode
        == 1
    )
    # a statement the forger makes for the forged books does not hold with the cooperative's key
    other_private, _ = ledger.new_signing_key()
    own = tmp_path / "own.json"
    forged_head = ledger.head(forged)
    from ledger import heads

    own.write_text(heads.sign(forged_head, heads.signing_key(other_private)).statement())
    assert (
        kerang(
            "audit", "--head", str(own), "--public-key", public, db=forged, capsys=capsys
        ).returncode
        == 1
    )
    # nor does the honest statement with its head edited to the forged one
    doc = json.loads(statement.read_text())
    doc["head"] = forged_head.head
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc))
    assert (
        kerang(
            "audit", "--head", str(edited), "--public-key", public, db=forged, capsys=capsys
        ).returncode
        == 1
    )


def test_head_statements_are_refused_when_malformed_or_unsigned_with_a_key(
    demo: str, tmp_path: Path, keys: tuple[str, str], capsys: pytest.CaptureFixture
) -> None:
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(kerang("head", "--json", db=demo, capsys=capsys).stdout)
    assert kerang("audit", "--head", str(unsigned), db=demo, capsys=capsys).returncode == 0
    # a key given for an unsigned statement: nothing the cooperative signed
    assert (
        kerang(
            "audit", "--head", str(unsigned), "--public-key", keys[1], db=demo, capsys=capsys
        ).returncode
        == 1
    )
    signed = tmp_path / "signed.json"
    signed.write_text(kerang("head", "--sign", db=demo, capsys=capsys).stdout)
    assert kerang("audit", "--head", str(signed), db=demo, capsys=capsys).returncode == 2
    junk = tmp_path / "junk.json"
    junk.write_text('{"kind": "something else"}')
    assert kerang("audit", "--head", str(junk), db=demo, capsys=capsys).returncode == 2
    assert (
        kerang(
            "audit", "--head", str(signed), "--public-key", "abc", db=demo, capsys=capsys
        ).returncode
        == 2
    )


def test_keygen_signing_prints_a_pair_and_head_without_key_is_refused(
    demo: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    out = kerang("keygen", "--signing", capsys=capsys).stdout.splitlines()
    assert out[0].startswith("KERANG_SIGNING_KEY=") and out[1].startswith("KERANG_PUBLIC_KEY=")
    monkeypatch.delenv("KERANG_SIGNING_KEY", raising=False)
    done = kerang("head", "--sign", db=demo, capsys=capsys)
    assert done.returncode == 2 and "KERANG_SIGNING_KEY" in done.stderr
