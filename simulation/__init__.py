"""Forecasting bagan expansion: a SimPy reference model and a fast numpy engine.

from simulation import load_scenario, run_forecast
forecast = run_forecast(load_scenario("my.toml"), years=10, runs=2000, seed=1)
"""

from simulation.books import Calibration, calibrate, start_from_books
from simulation.forecast import (
    Bands,
    Comparison,
    Forecast,
    Tornado,
    compare,
    run_forecast,
    sensitivity,
    simulate,
)
from simulation.model import Paths, Start, start_from_scenario
from simulation.scenario import PARAMS, Scenario, load_scenario, scenario_toml

__all__ = [
    "PARAMS",
    "Bands",
    "Calibration",
    "Comparison",
    "Forecast",
    "Paths",
    "Scenario",
    "Start",
    "Tornado",
    "calibrate",
    "compare",
    "load_scenario",
    "run_forecast",
    "scenario_toml",
    "sensitivity",
    "simulate",
    "start_from_books",
    "start_from_scenario",
]
