"""Home's per-day charts: every day of the window, zeros where nothing happened."""

import datetime

from staff_dashboard.charts import daily_series, per_day_spec


def test_every_day_of_the_window_is_there_with_zeros_for_quiet_days():
    today = datetime.date(2026, 3, 10)
    rows = [{"day": "2026-03-08", "invited": 3, "accepted": 1},
            {"day": datetime.date(2026, 3, 10), "invited": 2, "accepted": 0}]

    frame = daily_series(rows, ["invited", "accepted"], 5, today=today)

    assert [day.date().isoformat() for day in frame["Day"]] == [
        "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"]
    assert list(frame["invited"]) == [0, 0, 3, 0, 2]
    assert list(frame["accepted"]) == [0, 0, 1, 0, 0]


def test_the_chart_draws_each_series_in_its_colour_with_a_legend_only_for_several():
    two = per_day_spec("line", {"Invited": "#9aa5b1", "Accepted": "#2e7d32"}, "Contacts per day")
    one = per_day_spec("bar", {"Payments": "#1f6feb"}, "Payments per day")

    assert two["transform"] == [{"fold": ["Invited", "Accepted"], "as": ["Series", "Count"]}]
    assert two["encoding"]["color"]["scale"] == {"domain": ["Invited", "Accepted"],
                                                 "range": ["#9aa5b1", "#2e7d32"]}
    assert two["encoding"]["color"]["legend"] is not None
    assert one["encoding"]["color"]["legend"] is None
    assert (one["mark"]["type"], one["encoding"]["y"]["title"]) == ("bar", "Payments per day")
