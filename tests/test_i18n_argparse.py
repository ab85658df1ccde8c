"""argparse's own errors follow --lang too; English stays the default."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kerang(*args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("kerang")
    command = [str(script)] if script.exists() else [sys.executable, str(ROOT / "cli.py")]
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=ROOT)


def test_usage_errors_in_bahasa_indonesia() -> None:
    missing = kerang("--lang", "id", "harvest", "--ref", "X")
    assert missing.returncode == 2 and "argumen berikut wajib diisi: --date, --bagan" in missing.stderr
    choice = kerang("export", "--format", "pdf", "--lang", "id")
    assert choice.returncode == 2 and "tidak sah" in choice.stderr
    english = kerang("harvest", "--ref", "X")
    assert english.returncode == 2 and "the following arguments are required" in english.stderr
