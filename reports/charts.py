"""Charts drawn on the server as inline SVG: no script, no outside network.

Each function returns the geometry a template draws; the same figures are in a
table on the page, so a screen reader loses nothing.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass
class Bar:
    label: str
    value: float | None
    text: str
    y: int
    width: float
    href: str = ""


BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 180
PLOT_WIDTH = 420


def bar_chart(items: list[tuple[str, float | None, str]], *, maximum: float = 100.0):
    """Horizontal bars, one per (label, value, link); values in [0, maximum]."""
    top = max([maximum] + [v for _l, v, _h in items if v is not None]) or 1.0
    bars = []
    for index, (label, value, href) in enumerate(items):
        bars.append(
            Bar(
                label=label if len(label) <= 12 else label[:11] + "…",
                value=value,
                text="—" if value is None else f"{value:g}",
                y=index * (BAR_HEIGHT + BAR_GAP),
                width=0 if value is None else round(PLOT_WIDTH * value / top, 1),
                href=href,
            )
        )
    return {
        "bars": bars,
        "height": max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP),
        "label_width": LABEL_WIDTH,
        "plot_width": PLOT_WIDTH,
        "width": LABEL_WIDTH + PLOT_WIDTH + 60,
        "bar_height": BAR_HEIGHT,
        "text_dy": BAR_HEIGHT // 2 + 5,
    }


@dataclass
class Column:
    month: date
    value: Decimal
    x: float
    y: float
    height: float


TREND_HEIGHT = 160
TREND_COLUMN = 40


def month_columns(points: list[tuple[date, Decimal]]):
    """Vertical columns, one per month, scaled to the highest month."""
    top = max([value for _m, value in points] + [Decimal("0")]) or Decimal("1")
    columns = []
    for index, (month, value) in enumerate(points):
        height = float(value / top) * TREND_HEIGHT
        columns.append(
            Column(
                month=month,
                value=value,
                x=index * TREND_COLUMN + 6,
                y=TREND_HEIGHT - height + 16,
                height=height,
            )
        )
    return {
        "columns": columns,
        "width": max(1, len(columns)) * TREND_COLUMN + 12,
        "height": TREND_HEIGHT + 40,
        "column_width": TREND_COLUMN - 12,
        "base": TREND_HEIGHT + 16,
        "label_y": TREND_HEIGHT + 32,
    }
