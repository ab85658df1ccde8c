"""What the PNG and SVG charts share: where they may be written, and numbers on their axes.

matplotlib is the ``plot`` extra; it is imported only when a chart is drawn. A chart's
path is checked before any work (a forecast takes seconds), and its tick labels follow the
chosen language like every other number (``1.000``, ``2,5`` in Indonesian).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger import figures
from ledger.errors import InvalidInput
from ledger.i18n import msg

FORMATS = (".png", ".svg")
INSTALL = "pip install 'kerang[plot]'"


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def chart_target(out: str | Path, *, db: str | None = None, field: str = "plot") -> Path:
    """Refuse a chart path that cannot be written (bad suffix, no folder, a ledger, no
    matplotlib) before anything is computed; return it as a ``Path``."""
    from ledger.files import guard_output

    path = Path(out)
    if path.suffix.lower() not in FORMATS:
        raise InvalidInput(
            field,
            msg(
                "--{field} must name a .png or .svg file, not {name!r}.",
                field=field,
                name=path.name,
            ),
        )
    guard_output(str(out), db=db, field=field)
    if not have_matplotlib():
        raise InvalidInput(
            field, msg("--{field} needs matplotlib: {install}.", field=field, install=INSTALL)
        )
    return path


def tick_formatter(decimals: int | None = None) -> Any:
    """A matplotlib formatter writing tick values the chosen language's way."""
    from matplotlib.ticker import FuncFormatter

    def label(value: float, _position: int) -> str:
        if decimals is None:
            return figures.count(round(value, 1))
        return figures.number(value, decimals)

    return FuncFormatter(label)
