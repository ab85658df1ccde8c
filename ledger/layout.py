"""Tables that never cut a figure, at any width.

A report's table is built as usual with rich, marking the columns whose cells must stay
whole (amounts, dates, ids) with ``no_wrap=True``. ``fit(table)`` wraps it in a renderable
that decides, at the width it is given (a terminal, a panel inside it, or a pipe):

1. the table as it is, when its whole columns and the longest word of each text column
   fit: rich then narrows and wraps only the text columns;
2. else the same table without the columns that may be dropped (a drawn fan or bar);
3. else a vertical layout: one block per row, the first cell as its heading and every
   other cell under its column's name, so each figure still stands whole on a line.

Headers of whole columns wrap on their own (``bagan low`` over two lines), so a header is
never the reason a figure is cut.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text


def _plain(cell: RenderableType) -> str:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return Text.from_markup(cell).plain
    return ""


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


def _widest_line(text: str) -> int:
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _header(column: Column) -> Text:
    header = column.header
    text = header.copy() if isinstance(header, Text) else Text.from_markup(str(header))
    text.no_wrap = False  # a whole column's header may still wrap at its spaces
    text.overflow = "fold"
    return text


class Fit:
    """A table that chooses its layout by the width it is rendered at (see the module)."""

    def __init__(self, table: Table, drop: Iterable[int] = ()) -> None:
        self.table = table
        self.drop = tuple(drop)
        for column in table.columns:
            if column.no_wrap:
                cells = [_widest_line(_plain(c)) for c in column._cells]
                column.min_width = max([_longest_word(_plain(column.header)), *cells, 1])
                column.width = column.min_width
                column.header = _header(column)
            else:
                column.overflow = "fold"

    def _minimum(self, table: Table) -> int:
        """The narrowest the table can be without cutting a whole cell or a word."""
        total = table._extra_width
        for column in table.columns:
            pad = table._get_padding_width(column._index)
            if column.no_wrap:
                total += (column.width or 0) + pad
            else:
                words = [_longest_word(_plain(c)) for c in column._cells]
                words.append(_longest_word(_plain(column.header)))
                total += max(words) + pad
        return total

    def _without_dropped(self) -> Table | None:
        if not self.drop:
            return None
        t = self.table
        keep = [i for i in range(len(t.columns)) if i not in self.drop]
        narrow = Table(
            title=t.title,
            title_justify=t.title_justify,
            box=t.box,
            show_edge=t.show_edge,
            pad_edge=t.pad_edge,
            show_header=t.show_header,
        )
        for i in keep:
            c = t.columns[i]
            narrow.add_column(
                c.header,
                justify=c.justify,
                no_wrap=c.no_wrap,
                width=c.width,
                min_width=c.min_width,
                style=c.style,
                overflow=c.overflow,
            )
        rows = len(t.rows)
        for r in range(rows):
            narrow.add_row(*(t.columns[i]._cells[r] for i in keep), style=t.rows[r].style)
            if t.rows[r].end_section:
                narrow.add_section()
        return narrow

    def _vertical(self, width: int) -> Group:
        t = self.table
        parts: list[RenderableType] = []
        if t.title:
            parts.append(Text.from_markup(str(t.title)) if isinstance(t.title, str) else t.title)
        names = [_plain(c.header).replace("\n", " ") for c in t.columns]
        shown = [i for i in range(1, len(t.columns)) if i not in self.drop]
        label = min(max((cell_len(names[i]) for i in shown), default=0) + 2, width // 3)
        for r in range(len(t.rows)):
            cells = [c._cells[r] for c in t.columns]
            block = Table.grid(padding=(0, 1))
            block.add_column(no_wrap=True, width=label, overflow="fold")
            block.add_column(overflow="fold")
            for i in shown:
                if not _plain(cells[i]).strip():
                    continue
                value = cells[i]
                if t.columns[i].no_wrap:  # a figure, a date or an id: whole, on one line
                    value = value.copy() if isinstance(value, Text) else Text.from_markup(value)
                    value.no_wrap, value.overflow = True, "ignore"
                block.add_row(Text("  " + names[i], style="dim"), value)
            style = t.rows[r].style or ""
            parts.append(Text(_plain(cells[0]).strip() or " ", style=f"bold {style}".strip()))
            parts.append(block)
        return Group(*parts)

    def choose(self, width: int) -> RenderableType:
        if self._minimum(self.table) <= width:
            return self.table
        narrow = self._without_dropped()
        if narrow is not None and self._minimum(narrow) <= width:
            return narrow
        return self._vertical(width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.choose(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.choose(options.max_width))


def fit(table: Table, drop: Iterable[int] = ()) -> Fit:
    return Fit(table, drop)
