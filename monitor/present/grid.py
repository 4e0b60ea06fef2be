"""The two-column key/meaning layout the dashboard's and the review's help screens share."""

from __future__ import annotations

from rich.table import Table


def two_columns(rows: list[tuple[str, str]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for left, right in rows:
        table.add_row(left, right)
    return table
