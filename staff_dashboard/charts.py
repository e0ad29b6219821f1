"""Home's per-day charts: core's series shaped by day, drawn from plain Vega-Lite specs.

st.line_chart and st.bar_chart build their specs through Altair, whose schema validation
took about 110 ms of each home run (README, "Console speed"); these specs are the same charts
written out once, handed to st.vega_lite_chart as they are.
"""

import datetime

import pandas as pd


def daily_series(rows: list[dict], columns: list[str], days: int,
                 today: datetime.date | None = None) -> pd.DataFrame:
    """One row per day of the window (days without data are zeros), with its "Day" column."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    index = pd.date_range(today - datetime.timedelta(days=days - 1), today, freq="D")
    frame = pd.DataFrame(rows, columns=["day", *columns])
    frame["day"] = pd.to_datetime(frame["day"].astype(str).str[:10])
    frame = frame.groupby("day")[columns].sum()
    return frame.reindex(index, fill_value=0).rename_axis("Day").reset_index()


def per_day_spec(mark: str, series: dict[str, str], y_title: str) -> dict:
    """A Vega-Lite chart of the `series` columns ({column: colour}) of a daily_series, one
    mark ("line" or "bar") a day and series, with a legend when there are several."""
    names = list(series)
    color = {"field": "Series", "type": "nominal", "title": None,
             "scale": {"domain": names, "range": list(series.values())},
             "legend": {"orient": "bottom"} if len(names) > 1 else None}
    return {
        "transform": [{"fold": names, "as": ["Series", "Count"]}],
        "mark": {"type": mark, "tooltip": True},
        "encoding": {
            "x": {"field": "Day", "type": "temporal", "title": None,
                  "axis": {"format": "%d %b"}},
            "y": {"field": "Count", "type": "quantitative", "title": y_title,
                  "scale": {"zero": True, "nice": True},
                  "axis": {"format": "~s", "tickMinStep": 1}},
            "color": color,
            "tooltip": [{"field": "Day", "type": "temporal", "format": "%d %b %Y"},
                        {"field": "Series", "type": "nominal", "title": "What"},
                        {"field": "Count", "type": "quantitative"}],
        },
    }
