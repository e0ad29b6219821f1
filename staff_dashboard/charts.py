"""Shape the per-day series of core's chart queries for st.line_chart / st.bar_chart."""

import datetime

import pandas as pd


def daily_series(rows: list[dict], columns: list[str], days: int,
                 today: datetime.date | None = None) -> pd.DataFrame:
    """One row per day of the window (days without data are zeros), indexed by date."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    index = pd.date_range(today - datetime.timedelta(days=days - 1), today, freq="D")
    frame = pd.DataFrame(rows, columns=["day", *columns])
    frame["day"] = pd.to_datetime(frame["day"].astype(str).str[:10])
    frame = frame.groupby("day")[columns].sum()
    return frame.reindex(index, fill_value=0).rename_axis("Day")
