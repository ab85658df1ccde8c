"""`kerang forecast`: JSON document, refusals, plot, compare, sensitivity, and
a golden rich report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import attrs
import pytest
from cli_helpers import kerang
from rich.console import Console

import cli
from ledger.split import Policy
from simulation import Scenario, run_forecast
from simulation.report import render_forecast

GOLDEN = Path(__file__).parent / "golden" / "forecast_report.txt"
KEYS = ("p5", "p25", "p50", "p75", "p95", "mean")


def test_json_document(capsys):
    code, out, err = kerang(
        "forecast",
        "--json",
        "--years",
        "3",
        "--runs",
        "300",
        "--seed",
        "5",
        "--target-bagan",
        "85",
        capsys=capsys,
    )
    doc = json.loads(out)
    assert code == 0 and err == ""
    assert (doc["years"], doc["runs"], doc["seed"], doc["engine"]) == (
        3,
        300,
        5,
        "fast",
    )
    for name in ("bagan", "fund", "member_income_monthly", "household_income_monthly"):
        assert set(doc[name]) == set(KEYS)
        for key in KEYS:
            assert len(doc[name][key]) == 4
        assert doc[name]["p5"][1] <= doc[name]["p50"][1] <= doc[name]["p95"][1]
    assert doc["bagan"]["p50"][0] == 90 and doc["fund"]["mean"][0] == 29_311_200
    assert doc["p_target"][0] == 1.0 and len(doc["p_target"]) == 4
    assert all(isinstance(v, int) for v in doc["fund"]["p50"])
    params = doc["parameters"]
    assert params["start.bagan"] == {
        "unit": "bagan",
        "value": 90,
        "source": "report",
        "basis": params["start.bagan"]["basis"],
    }
    assert {p["source"] for p in params.values()} <= {"books", "report", "literature", "assumed"}
    drivers = doc["drivers"]
    assert set(drivers["built"]) == {"capital", "cooperative", "partners", "savings"}
    assert set(drivers["retired"]) == {"kept_up", "run_down"}
    assert len(drivers["top_parameters"]) == 3
    assert 0 <= doc["p_more_bagan"] <= 1
    code, out, _ = kerang("forecast", "--json", "--years", "2", "--runs", "50", capsys=capsys)
    assert json.loads(out)["p_target"] is None


def test_same_seed_same_document_and_simpy_engine(capsys):
    _, a, _ = kerang(
        "forecast", "--json", "--years", "2", "--runs", "200", "--seed", "8", capsys=capsys
    )
    _, b, _ = kerang(
        "forecast",
        "--json",
        "--years",
        "2",
        "--runs",
        "200",
        "--seed",
        "8",
        "--workers",
        "2",
        capsys=capsys,
    )
    a, b = json.loads(a), json.loads(b)
    assert (a.pop("workers"), b.pop("workers")) == (1, 2)
    assert a == b
    code, out, _ = kerang(
        "forecast", "--json", "--years", "1", "--runs", "5", "--engine", "simpy", capsys=capsys
    )
    assert code == 0 and json.loads(out)["engine"] == "simpy"


def test_print_scenario_then_use_it(capsys, tmp_path):
    code, out, _ = kerang("forecast", "--print-scenario", capsys=capsys)
    assert code == 0 and out.startswith("#")
    path = tmp_path / "s.toml"
    path.write_text(out.replace("cost = 12_000_000", "cost = 9_000_000"))
    code, out, _ = kerang(
        "forecast",
        "--scenario",
        str(path),
        "--json",
        "--years",
        "2",
        "--runs",
        "100",
        capsys=capsys,
    )
    assert code == 0 and json.loads(out)["bagan"]["p50"][0] == 90


def test_a_bad_scenario_exits_2_naming_the_key(capsys, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[price]\nmedian = 50_000\n")
    code, out, err = kerang("forecast", "--scenario", str(path), "--json", capsys=capsys)
    assert code == 2 and "price.median" in err
    assert json.loads(out)["error"]["code"] == "invalid_input"
    code, _, err = kerang("forecast", "--years", "0", capsys=capsys)
    assert code == 2 and "--years" in err


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_plot(capsys, tmp_path, suffix):
    pytest.importorskip("matplotlib")
    path = tmp_path / f"fan.{suffix}"
    code, _, _ = kerang(
        "forecast", "--years", "2", "--runs", "100", "--plot", str(path), "--json", capsys=capsys
    )
    assert code == 0 and path.stat().st_size > 1000
    code, _, err = kerang(
        "forecast",
        "--years",
        "2",
        "--runs",
        "100",
        "--plot",
        str(tmp_path / "x.gif"),
        capsys=capsys,
    )
    assert code == 2 and "--plot" in err


def test_compare_uses_common_random_numbers(capsys, tmp_path):
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text("[bagan]\ncost = 12_000_000\n")
    b.write_text("[bagan]\ncost = 10_000_000\n")
    code, out, _ = (
        cli.main(
            [
                "forecast",
                "compare",
                str(a),
                str(b),
                "--json",
                "--years",
                "3",
                "--runs",
                "1000",
            ]
        ),
        *capsys.readouterr(),
    )
    doc = json.loads(out)
    assert code == 0 and doc["a"] == str(a)
    fund = doc["fund"]
    assert fund["diff"][0] == 0 and fund["se"][0] == 0
    y = 1
    assert fund["diff"][y] == pytest.approx(fund["b"][y] - fund["a"][y], abs=1)
    income = doc["household_income_monthly"]
    assert 0 < income["se"][y] < income["se_independent"][y] / 3  # CRN pays off
    bagan = doc["bagan"]
    assert bagan["diff"][3] > 0  # cheaper bagan: more of them


def test_sensitivity_tornado(capsys):
    code, out, _ = kerang(
        "forecast", "sensitivity", "--json", "--years", "2", "--runs", "200", capsys=capsys
    )
    doc = json.loads(out)
    assert code == 0
    keys = [p["key"] for p in doc["parameters"]]
    assert "harvest.yield_kg" in keys and "policy.savings" in keys
    base = doc["base"]

    def weight(p):  # the larger relative swing of the two headlines
        return max(
            abs(p["bagan"]["high"] - p["bagan"]["low"]) / base["bagan"],
            abs(p[k]["high"] - p[k]["low"]) / base[k],
        )

    k = "household_income_monthly"
    swings = [weight(p) for p in doc["parameters"]]
    assert swings == sorted(swings, reverse=True) and swings[0] > 0
    code, out, _ = kerang("forecast", "sensitivity", "--years", "1", "--runs", "50", capsys=capsys)
    assert code == 0 and "harvest.yield_kg" in out


def test_golden_report():
    growing = attrs.evolve(
        Scenario(), start_bagan=20, start_fund=0, policy=Policy(3000, 5000, 1800, 200)
    )
    f = run_forecast(growing, years=4, runs=400, seed=3, target=30)
    with open(os.devnull, "w") as sink:
        console = Console(width=100, color_system=None, record=True, file=sink)
        render_forecast(f, console)
        text = console.export_text()
    if os.environ.get("KERANG_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()
