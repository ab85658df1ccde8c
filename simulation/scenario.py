"""A forecast scenario: every parameter with its unit, range and default.

Defaults come from the programme report (DOMAIN.md: 90 bagan, 36 partners, a
harvest savings fund of Rp 29,311,200 in January 2019) and the parameter table
in notes/forecast.md. Ranges are the real ranges reported for green-mussel
culture; a scenario outside them is refused naming the key at fault.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ledger.errors import InvalidInput
from ledger.i18n import msg
from ledger.money import format_percent, parse_rupiah
from ledger.split import DEFAULT_POLICY, SHARES, Policy

SOURCES = ("books", "report", "literature", "assumed")


@attrs.frozen
class Param:
    key: str  # "section.name" as written in the TOML file
    default: int | float
    unit: str
    low: int | float
    high: int | float
    doc: str
    source: str = "assumed"  # where the default comes from: one of SOURCES
    basis: str = ""  # which document or figure, in a few words

    @property
    def field(self) -> str:
        return self.key.replace(".", "_")

    @property
    def integer(self) -> bool:
        return isinstance(self.default, int)


REPORT = "programme report (LAZ Dompet Dhuafa, Serang 2015-2021)"
P = Param
PARAMS: tuple[Param, ...] = (
    P("start.bagan", 90, "bagan", 0, 5000,
      "standing bagan at the start (replaced by the books with --from-ledger)",
      "report", f"{REPORT}: 90 bagan"),
    P("start.fund", 29_311_200, "Rp", 0, 10**12,
      "harvest savings fund at the start",
      "report", f"{REPORT}: Rp 29,311,200 in January 2019"),
    P("start.members", 36, "households", 1, 10_000,
      "partner households sharing the members' share",
      "report", f"{REPORT}: 36 partners"),
    P("start.managed_in_household", 1.0, "share of bagan", 0.0, 1.0,
      "bagan whose manager belongs to a partner's household (his 30 % is household income)",
      "report", f"{REPORT}: the partner's husband or family is appointed manager"),
    P("start.month", 1, "calendar month", 1, 12,
      "calendar month of the start (for the seasonal price)"),
    P("harvest.cycle_months", 6, "months", 4, 8,
      "grow-out cycle from seeding to harvest",
      "literature", "Rejeki et al. 2020 (Aquaculture Research); Kasemen 5, Karangantu 6 months"),
    P("harvest.yield_kg", 750.0, "kg/bagan/harvest", 100.0, 10_000.0,
      "mean shell-on yield of one bagan's harvest in a normal season",
      "literature", "Lampung 0.7-1 t per unit in a good season"),
    P("harvest.yield_cv", 0.3, "ratio", 0.05, 1.5,
      "spread of the yield (standard deviation / mean, gamma distributed)"),
    P("harvest.season_sd", 0.15, "log-sd", 0.0, 1.0,
      "spread of a year's mean yield around the mean: good and bad seasons",
      "assumed", "Lampung: 0.7-1 t a unit in a good season, 0.1 t in a bad one"),
    P("harvest.yield_uncertainty", 0.0, "log-sd", 0.0, 0.5,
      "uncertainty of the mean yield itself, drawn once per run (from the books: its standard error)"),
    P("harvest.costs", 570_000, "Rp/harvest", 0, 10_000_000,
      "costs of one bagan's harvest (boat, fuel, crew), deducted before the split",
      "assumed", "the Serang demo books: Rp 0.52-0.57 M a harvest"),
    P("harvest.loss_probability", 0.08, "per harvest", 0.0, 0.5,
      "chance that weather, a bad spat fall or pollution spoils a harvest"),
    P("harvest.loss_fraction", 0.5, "fraction", 0.0, 1.0,
      "share of that harvest lost"),
    P("price.median", 10_000, "Rp/kg", 5_000, 30_000,
      "median farm-gate price of shell-on mussels at the start",
      "literature", "Lampung Rp 10-12k/kg, Karangantu 2024 up to Rp 15k"),
    P("price.volatility", 0.15, "log-sd", 0.0, 0.5,
      "spread of the price around its seasonal median (log scale)"),
    P("price.persistence", 0.8, "per month", 0.0, 0.99,
      "month-to-month autocorrelation of price deviations"),
    P("price.seasonal_amplitude", 0.05, "log", 0.0, 0.3,
      "seasonal swing of the log price (no Banten data)"),
    P("price.peak_month", 1, "calendar month", 1, 12,
      "month of the seasonal price peak (west monsoon: rough seas, less supply)"),
    P("price.trend", 0.0, "log/year", -0.2, 0.2,
      "yearly growth of the price and, with it, of every cost (books: a log-linear fit)"),
    P("price.uncertainty", 0.0, "log-sd", 0.0, 0.5,
      "uncertainty of the median price, drawn once per run"),
    P("price.trend_uncertainty", 0.0, "log/year", 0.0, 0.2,
      "uncertainty of the trend, drawn once per run"),
    P("bagan.cost", 12_000_000, "Rp", 8_000_000, 25_000_000,
      "cost of a new bagan (~120-200 bamboo poles + rope)",
      "literature", "Panimbang 12x8 m bagan: ~200 poles, 800 kg rope"),
    P("bagan.rebuild_cost", 12_000_000, "Rp", 1_000_000, 25_000_000,
      "cost of rebuilding a retired bagan on its site (no rebuild recorded: a new one's)"),
    P("bagan.build_months", 1, "months", 0, 6,
      "build delay before a new bagan starts its first grow-out"),
    P("bagan.life_years", 200.0, "years", 0.5, 200.0,
      "mean life of a bagan kept up from the repair fund (retirement hazard 1/life)",
      "report", f"{REPORT}: all 90 bagan of 2015 still harvesting in late 2018, "
      "0 retired in ~300 bagan-years"),
    P("bagan.unmaintained_life_years", 3.0, "years", 0.5, 20.0,
      "mean life of a bagan whose repairs the fund cannot pay",
      "assumed", "one low-authority source: 'umur teknis 3 tahun' of a bamboo bagan"),
    P("bagan.repair_probability", 0.9, "per harvest", 0.0, 1.0,
      "chance a bagan needs a repair (bamboo, rope) after a harvest",
      "assumed", "the Serang demo books: a repair after about 9 of 10 harvests"),
    P("bagan.repair_cost", 500_000, "Rp/repair", 0, 25_000_000,
      "cost of one repair, paid first from the harvest savings fund"),
    P("bagan.reserve", 6_000_000, "Rp", 0, 10**11,
      "savings fund kept back: the fund builds a bagan only above cost + reserve"),
    P("bagan.build_capacity", 4, "bagan/month", 1, 50,
      "most bagan the cooperative can build (or rebuild) in one month"),
    P("finance.reinvest_share", 0.0, "share of income", 0.0, 0.5,
      "share of the partners' 60 % set aside to build bagan"),
    P("finance.shu_share", 0.0, "share of SHU", 0.0, 1.0,
      "share of the cooperative's yearly 2 % (its SHU from harvests) spent on bagan"),
    P("finance.capital_per_year", 0, "Rp/year", 0, 10**10,
      "outside capital raised each January to build bagan"),
)  # fmt: skip
PARAM_BY_KEY = {p.key: p for p in PARAMS}
SECTIONS = ("start", "harvest", "price", "bagan", "finance", "policy")


def _scenario_class() -> type:
    fields = {p.field: attrs.field(default=p.default) for p in PARAMS}
    fields["policy"] = attrs.field(default=DEFAULT_POLICY)
    return attrs.make_class("Scenario", fields, frozen=True)


Scenario = _scenario_class()
Scenario.__doc__ = "All parameters of a forecast, in the units of PARAMS; see scenario_toml()."
Scenario.__module__ = __name__


def check(scenario) -> None:
    """Refuse any parameter outside its range, naming the key."""
    for p in PARAMS:
        _check_value(p, getattr(scenario, p.field))


def _check_value(p: Param, value: Any) -> int | float:
    if p.unit.startswith("Rp") and isinstance(value, str):
        # money as text reads as on the command line: "Rp 12.000.000" (one reading or refused)
        value = parse_rupiah(value, p.key)
    wanted = "a whole number" if p.integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(
            p.key,
            msg(
                "{key} must be {wanted} of {unit}, not {value!r}.",
                key=p.key,
                wanted=wanted,
                unit=p.unit,
                value=value,
            ),
        )
    if p.integer and isinstance(value, float):
        if not value.is_integer():
            raise InvalidInput(
                p.key,
                msg(
                    "{key} must be {wanted} of {unit}, not {value!r}.",
                    key=p.key,
                    wanted=wanted,
                    unit=p.unit,
                    value=value,
                ),
            )
        value = int(value)
    if not (p.low <= value <= p.high):
        raise InvalidInput(
            p.key,
            msg(
                "{key} = {value} is outside its range {low}..{high} ({unit}).",
                key=p.key,
                value=value,
                low=p.low,
                high=p.high,
                unit=p.unit,
            ),
        )
    return value


def scenario_from_mapping(data: Mapping[str, Any], base=None):
    """A scenario from parsed TOML: sections of keys; anything unknown is refused."""
    values: dict[str, Any] = {}
    for section, table in data.items():
        if section not in SECTIONS:
            raise InvalidInput(
                section,
                msg(
                    "unknown section [{section}]; use {names}.",
                    section=section,
                    names=", ".join(SECTIONS),
                ),
            )
        if not isinstance(table, Mapping):
            raise InvalidInput(
                section, msg("{section} must be a [{section}] table.", section=section)
            )
        for name, value in table.items():
            key = f"{section}.{name}"
            if section == "policy":
                continue
            if key not in PARAM_BY_KEY:
                raise InvalidInput(key, msg("unknown scenario key {key}.", key=key))
            p = PARAM_BY_KEY[key]
            value = _check_value(p, value)
            values[p.field] = value if p.integer else float(value)
    if "policy" in data:
        try:
            values["policy"] = Policy.from_percentages(
                {k: _percent_text(k, v) for k, v in data["policy"].items()}
            )
        except InvalidInput as error:
            raise InvalidInput(f"policy.{error.field}", error.message) from None
        except Exception as error:  # PolicyError: shares do not add up
            reason = getattr(error, "message", None) or msg("{message}", message=str(error))
            raise InvalidInput("policy", reason) from None
    scenario = attrs.evolve(base or Scenario(), **values)
    check(scenario)
    return scenario


def _percent_text(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(
            f"policy.{name}",
            msg("policy.{name} must be a percentage, not {value!r}.", name=name, value=value),
        )
    return repr(value) if isinstance(value, float) else str(value)


def load_scenario(path: str | Path | None = None):
    """Read a TOML scenario file (standard library tomllib); None gives the defaults."""
    if path is None:
        return Scenario()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(
            "scenario",
            msg(
                "scenario file {path} cannot be read ({strerror}).",
                path=path,
                strerror=error.strerror,
            ),
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(
            "scenario",
            msg("scenario file {path} is not valid TOML ({error}).", path=path, error=error),
        ) from None
    return scenario_from_mapping(data)


def scenario_toml(scenario=None) -> str:
    """The scenario as a commented TOML file (the defaults when None)."""
    scenario = scenario or Scenario()
    lines = [
        "# kerang forecast scenario. Every key is optional: a missing key keeps",
        "# its default.",
        "# Each line: value, then unit, allowed range and meaning.",
        '# Money is whole rupiah: 12_000_000, or as text "Rp 12.000.000".',
    ]
    for section in SECTIONS[:-1]:
        lines += ["", f"[{section}]"]
        for p in PARAMS:
            if not p.key.startswith(section + "."):
                continue
            value = getattr(scenario, p.field)
            text = f"{value:_}" if p.integer and value >= 10_000 else repr(value)
            name = p.key.split(".", 1)[1]
            lines.append(f"# {p.doc}")
            lines.append(f"{name} = {text}  # {p.unit}, {p.low}..{p.high}")
    lines += [
        "",
        "[policy]",
        "# shares of each harvest's net proceeds, percent; they add up to 100",
    ]
    for name, points in zip(SHARES, scenario.policy.points(), strict=True):
        lines.append(f"{name} = {format_percent(points)}")
    return "\n".join(lines) + "\n"
