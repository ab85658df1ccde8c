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
from ledger.money import format_percent
from ledger.split import DEFAULT_POLICY, SHARES, Policy


@attrs.frozen
class Param:
    key: str  # "section.name" as written in the TOML file
    default: int | float
    unit: str
    low: int | float
    high: int | float
    doc: str

    @property
    def field(self) -> str:
        return self.key.replace(".", "_")

    @property
    def integer(self) -> bool:
        return isinstance(self.default, int)


PARAMS: tuple[Param, ...] = (
    Param(
        "start.bagan",
        90,
        "bagan",
        0,
        5000,
        "standing bagan at the start (replaced by the books with --from-ledger)",
    ),
    Param(
        "start.fund",
        29_311_200,
        "Rp",
        0,
        10**12,
        "harvest savings fund at the start (DOMAIN: Rp 29,311,200 in Jan 2019)",
    ),
    Param(
        "start.members",
        36,
        "members",
        1,
        10_000,
        "partners sharing the members' share (DOMAIN: 36 partners)",
    ),
    Param(
        "start.month",
        1,
        "calendar month",
        1,
        12,
        "calendar month of the start (for the seasonal price)",
    ),
    Param(
        "harvest.cycle_months",
        6,
        "months",
        4,
        8,
        "grow-out cycle from seeding to harvest",
    ),
    Param(
        "harvest.yield_kg",
        3000.0,
        "kg/bagan/harvest",
        500.0,
        10_000.0,
        "mean shell-on yield of one bagan's harvest",
    ),
    Param(
        "harvest.yield_cv",
        0.35,
        "ratio",
        0.05,
        1.5,
        "spread of the yield (standard deviation / mean, gamma distributed)",
    ),
    Param(
        "harvest.costs",
        0.30,
        "share of bagan cost",
        0.0,
        0.7,
        "costs per harvest (bamboo replaced after each harvest), deducted "
        "before the split like the ledger's --costs",
    ),
    Param(
        "harvest.wipeout_probability",
        0.15,
        "per harvest",
        0.0,
        0.5,
        "chance that weather or pollution ruins a month's harvests in the bay",
    ),
    Param(
        "harvest.wipeout_loss",
        0.5,
        "fraction",
        0.3,
        1.0,
        "share of the catch lost when that happens",
    ),
    Param(
        "price.median",
        10_000,
        "Rp/kg",
        7_000,
        15_000,
        "median farm-gate price of shell-on mussels",
    ),
    Param(
        "price.volatility",
        0.15,
        "log-sd",
        0.0,
        0.5,
        "spread of the price around its seasonal median (log scale)",
    ),
    Param(
        "price.persistence",
        0.8,
        "per month",
        0.0,
        0.99,
        "month-to-month autocorrelation of price deviations",
    ),
    Param(
        "price.seasonal_amplitude",
        0.05,
        "log",
        0.0,
        0.3,
        "seasonal swing of the log price (assumed; no Banten data)",
    ),
    Param(
        "price.peak_month",
        1,
        "calendar month",
        1,
        12,
        "month of the seasonal price peak (west monsoon: rough seas, less supply)",
    ),
    Param(
        "bagan.cost",
        12_000_000,
        "Rp",
        8_000_000,
        25_000_000,
        "cost of a new bagan (~120 bamboo poles + ~200 kg rope)",
    ),
    Param(
        "bagan.build_months",
        1,
        "months",
        0,
        6,
        "build delay before a new bagan starts its first grow-out",
    ),
    Param(
        "bagan.service_life_years",
        2.0,
        "years",
        1.0,
        3.0,
        "structure life from the first grow-out; then the bagan is retired",
    ),
    Param(
        "bagan.reserve",
        6_000_000,
        "Rp",
        0,
        10**11,
        "fund kept back: a bagan is built when fund >= cost + reserve",
    ),
    Param(
        "bagan.build_capacity",
        4,
        "bagan/month",
        1,
        50,
        "most bagan the cooperative can build in one month",
    ),
    Param(
        "bagan.repair_probability",
        0.02,
        "per bagan-month",
        0.0,
        0.5,
        "chance a standing bagan needs a repair in a month",
    ),
    Param(
        "bagan.repair_cost",
        0.10,
        "share of bagan cost",
        0.0,
        0.7,
        "cost of one repair, paid from the harvest savings fund",
    ),
    Param(
        "storms.probability",
        0.02,
        "per month",
        0.0,
        0.2,
        "chance of a destructive storm in the bay in a month (assumed)",
    ),
    Param(
        "storms.destroyed",
        0.25,
        "fraction",
        0.0,
        1.0,
        "chance each standing bagan is destroyed by such a storm",
    ),
)
PARAM_BY_KEY = {p.key: p for p in PARAMS}
SECTIONS = ("start", "harvest", "price", "bagan", "storms", "policy")


def _scenario_class() -> type:
    fields = {p.field: attrs.field(default=p.default) for p in PARAMS}
    fields["policy"] = attrs.field(default=DEFAULT_POLICY)
    return attrs.make_class("Scenario", fields, frozen=True)


Scenario = _scenario_class()
Scenario.__doc__ = "All parameters of a forecast, in the units of PARAMS; see scenario_toml()."
Scenario.__module__ = __name__


def service_life_months(scenario) -> int:
    return max(1, round(12 * scenario.bagan_service_life_years))


def check(scenario) -> None:
    """Refuse any parameter outside its range, naming the key."""
    for p in PARAMS:
        _check_value(p, getattr(scenario, p.field))
    if service_life_months(scenario) < scenario.harvest_cycle_months:
        raise InvalidInput(
            "bagan.service_life_years",
            msg(
                "bagan.service_life_years must last at least one harvest cycle ({harvest_cycle_months} months).",
                harvest_cycle_months=scenario.harvest_cycle_months,
            ),
        )


def _check_value(p: Param, value: Any) -> int | float:
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
            raise InvalidInput("policy", getattr(error, "message", str(error))) from None
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
        "# Money is whole rupiah (underscores are allowed: 12_000_000).",
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
