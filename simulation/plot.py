"""Fan charts as PNG or SVG (matplotlib, the ``plot`` extra; imported lazily)."""

from __future__ import annotations

from pathlib import Path

from ledger.charts import chart_target, tick_formatter
from ledger.errors import InvalidInput
from ledger.i18n import msg, tr
from simulation.forecast import Bands, Forecast


def save_fan_charts(f: Forecast, path: str | Path) -> Path:
    path = chart_target(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    years = list(range(f.years + 1))
    panels = [
        (tr("Standing bagan"), f.bagan, 1.0),
        (tr("Harvest savings fund (Rp million)"), f.fund, 1e-6),
        (
            tr("Mussel income per partner household per month (Rp million)"),
            f.household_income_monthly,
            1e-6,
        ),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, (title, b, scale) in zip(axes, panels, strict=True):
        _fan(ax, years, b, scale)
        ax.set_title(title)
        ax.set_xlabel(tr("year"))
        ax.grid(alpha=0.3)
    if f.target is not None:
        axes[0].axhline(
            f.target, color="tab:red", linestyle="--", label=tr("target {target}", target=f.target)
        )
        axes[0].legend(loc="best")
    fig.suptitle(
        tr(
            "kerang forecast: {runs:,} runs, seed {seed}, {engine} engine",
            runs=f.runs,
            seed=f.seed,
            engine=f.engine,
        )
    )
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as error:
        raise InvalidInput(
            "plot",
            msg(
                "--plot {path} cannot be written ({strerror}).", path=path, strerror=error.strerror
            ),
        ) from None
    finally:
        plt.close(fig)
    return path


def _fan(ax, years, b: Bands, scale: float) -> None:
    def s(values):
        return [v * scale for v in values]

    ax.fill_between(years, s(b.p5), s(b.p95), alpha=0.2, color="tab:blue", label="5–95 %")
    ax.fill_between(years, s(b.p25), s(b.p75), alpha=0.4, color="tab:blue", label="25–75 %")
    ax.plot(years, s(b.p50), color="tab:blue", label=tr("median"))
    ax.yaxis.set_major_formatter(tick_formatter(None if scale == 1.0 else 1))
    ax.legend(loc="best", fontsize="small")
