"""``kerang report pack``: one self-contained HTML file, checked in a real browser.

The pack of the demo ledger is opened by headless Chromium (``.ci/run`` installs Debian's
``chromium`` when it is missing): the page must log nothing to the console, its rendered
text must carry the key figures of the JSON reports, and it must print to a PDF of
several A4 pages and take a screenshot.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cli_helpers import kerang

from ledger import demo, figures

AS_OF = demo.CUTOFF.isoformat()


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "the pack is tested in a real browser: apt-get install -y chromium"
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--enable-logging=stderr",
            "--v=0",
            f"--user-data-dir={tmp / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def console_messages(stderr: str) -> list[str]:
    """What the page said on the browser's console (an error, a failed load, a log)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture(scope="module")
def pack(serang_demo, tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("pack")
    db = serang_demo.copy(folder)  # the demo ledger of demo.DEFAULT_SEED
    out = folder / "laporan.html"
    done = kerang(
        "report", "pack", "--out", str(out), "--as-of", AS_OF, "--runs", "100",
        "--member", "M30", "--lang", "id", db=db,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout and AS_OF in done.stdout
    return out, db


def test_the_pack_is_one_self_contained_file(pack):
    out, _ = pack
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<html lang="id">' in text
    assert "<script" not in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "nothing fetched"
    assert text.count("<svg") == 2  # the fan chart and the pentagon, inline
    assert "@media print" in text and "size: A4" in text
    assert not list(out.parent.glob(".*.kerang-tmp"))  # written through a renamed temp file


def test_the_browser_shows_the_key_figures_without_a_console_message(pack, tmp_path):
    out, db = pack
    shown = chromium("--dump-dom", out.as_uri(), tmp=tmp_path)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_messages(shown.stderr) == []
    dom = re.sub(r"<[^>]+>", " ", shown.stdout)
    summary = json.loads(kerang("summary", "--as-of", AS_OF, "--json", db=db).stdout)
    audit = json.loads(kerang("audit", "--json", db=db).stdout)
    wanted = [
        figures.rupiah(summary["savings"]["harvest"]),
        figures.rupiah(summary["infaq_fund"]),
        figures.rupiah(summary["gross"]),
        audit["head"],
        "Buku tabungan anggota",  # in Indonesian
        "saldo awal",  # M30's passbook line by line (--member M30)
        "survei contoh",  # the page says the SLIA scores are the demo survey
    ]
    missing = [w for w in wanted if w not in dom]
    assert not missing, missing


def test_the_pack_prints_to_a4_and_takes_a_screenshot(pack, tmp_path):
    out, _ = pack
    pdf, png = tmp_path / "laporan.pdf", tmp_path / "laporan.png"
    printed = chromium(
        "--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri(), tmp=tmp_path
    )
    assert printed.returncode == 0 and console_messages(printed.stderr) == []
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 8, pages  # a page per section at least
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", data)
    assert boxes and all(
        abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in boxes
    )  # A4: 595 x 842 points
    shot = chromium("--window-size=1240,1754", f"--screenshot={png}", out.as_uri(), tmp=tmp_path)
    assert shot.returncode == 0 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000  # a page with charts and tables, not a blank one


def test_the_console_check_would_see_an_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>undefinedFunction();</script></body></html>")
    shown = chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    assert any("undefinedFunction" in m for m in console_messages(shown.stderr))


def test_a_pack_to_a_bad_place_is_refused_before_any_work(pack, tmp_path):
    _, db = pack
    missing = tmp_path / "no" / "such" / "folder" / "x.html"
    done = kerang("report", "pack", "--out", str(missing), db=db)
    assert done.returncode == 2 and "does not exist" in done.stderr
    onto = kerang("report", "pack", "--out", db, db=db)
    assert onto.returncode == 2 and "ledger" in onto.stderr
