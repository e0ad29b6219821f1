"""Home's per-day charts: core's series by day, drawn as HTML bars on the server.

A Vega-Lite chart (st.line_chart, st.vega_lite_chart) has the browser load and start about
sixty scripts before it shows, and inline SVG needs Markdown's raw-HTML parser (three more):
about 130 ms of every sign-in → home (README, "Console speed"). These are plain boxes that
st.html shows with the scripts the console has loaded already: a column a day with its
tooltip, the count axis rounded up to a whole tick, a legend when there are several series,
and a summary for screen readers.
"""

import datetime
import html
import math
from dataclasses import dataclass

HEIGHT_PX = 150  # the plot's height
X_LABELS = 6  # about this many day labels along the bottom
Y_STEPS = 4  # at most this many steps up the count axis
_MUTED = "opacity:0.7;font-size:0.75rem"


@dataclass(frozen=True)
class DailySeries:
    """Counts per day of a window, oldest day first, one list per series name."""

    days: list[datetime.date]
    counts: dict[str, list[int]]


def per_day(rows: list[dict], columns: dict[str, str]) -> DailySeries:
    """core's rows for a chart (one a day, every day of its window) as series: the `columns`
    ({key in the rows: series name}) in day order."""
    return DailySeries([row["day"] for row in rows],
                       {name: [row[key] for row in rows] for key, name in columns.items()})


def count_axis(highest: int) -> tuple[int, int]:
    """(step, top) of the count axis: a step of 1, 2 or 5 times a power of ten, at most
    Y_STEPS of them, and the top the first whole step at or above `highest` (nothing drawn
    past the top)."""
    power = 1
    while True:
        for step in (power, 2 * power, 5 * power):
            if math.ceil(highest / step) <= Y_STEPS:
                return step, max(step, math.ceil(highest / step) * step)
        power *= 10


def _day_label(day: datetime.date) -> str:
    return f"{day.day} {day:%b}"


def _percent(count: int, top: int) -> str:
    return f"{100 * count / top:.2f}%"


def per_day_chart(daily: DailySeries, colours: dict[str, str], *, label: str) -> str:
    """The series of `daily` ({name: colour}) as columns, one a day with a bar for each
    series side by side; `label` says what it shows (it opens the screen readers' summary)."""
    days, names = daily.days, list(colours)
    step, top = count_axis(max((max(daily.counts[name], default=0) for name in names),
                               default=0))
    totals = ", ".join(f"{name} {sum(daily.counts[name]):,}" for name in names)
    axis, grid, columns, ticks = [], [], [], []
    for tick in range(0, top + 1, step):
        at = _percent(tick, top)
        axis.append(f'<span style="position:absolute;right:0.4rem;bottom:{at};'
                    f'transform:translateY(50%);{_MUTED}">{tick:,}</span>')
        grid.append(f'<div style="position:absolute;left:0;right:0;bottom:{at};'
                    'border-top:1px solid rgba(128,128,128,0.2)"></div>')
    bar_width = f"{80 / len(names):.1f}%"
    every = max(1, math.ceil(len(days) / X_LABELS))
    for index, day in enumerate(days):
        said = " · ".join(f"{name}: {daily.counts[name][index]:,}" for name in names)
        bars = "".join(
            f'<div style="width:{bar_width};height:{_percent(daily.counts[name][index], top)};'
            f'background:{colours[name]}"></div>' for name in names)
        columns.append(f'<div title="{day.day} {day:%b %Y} · {html.escape(said)}" '
                       'style="flex:1;height:100%;display:flex;align-items:flex-end;'
                       f'justify-content:center">{bars}</div>')
        if (len(days) - 1 - index) % every == 0:  # today always has its label
            ticks.append(f'<span style="position:absolute;left:{(index + 0.5) / len(days):.2%};'
                         f'transform:translateX(-50%);white-space:nowrap;{_MUTED}">'
                         f"{_day_label(day)}</span>")
    legend = ""
    if len(names) > 1:
        legend = ('<div style="display:flex;gap:1rem;margin:0.5rem 0 0 2.5rem;'
                  'font-size:0.75rem">' + "".join(
                      f'<span><span style="display:inline-block;width:0.7rem;height:0.7rem;'
                      f'background:{colours[name]};margin-right:0.3rem"></span>'
                      f"{html.escape(name)}</span>" for name in names) + "</div>")
    summary = html.escape(f"{label}. In all: {totals}.")
    return (f'<div role="img" aria-label="{summary}" style="margin:0.5rem 0 0.25rem">'
            f'<div style="display:flex;height:{HEIGHT_PX}px">'
            f'<div style="position:relative;width:2.5rem">{"".join(axis)}</div>'
            '<div style="position:relative;flex:1">' + "".join(grid)
            + '<div style="position:absolute;inset:0;display:flex;gap:1px">'
            + "".join(columns) + "</div></div></div>"
            '<div style="position:relative;height:1.2rem;margin:0.25rem 0 0 2.5rem">'
            + "".join(ticks) + f"</div>{legend}</div>")
