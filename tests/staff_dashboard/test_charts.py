"""Home's per-day charts: drawn to scale, a tooltip a day, a legend for several series."""

import datetime
import re

from staff_dashboard.charts import DailySeries, count_axis, per_day, per_day_chart

TODAY = datetime.date(2026, 3, 10)


def test_core_rows_become_one_series_a_column_in_day_order():
    rows = [{"day": TODAY - datetime.timedelta(days=1), "invited": 3, "accepted": 1},
            {"day": TODAY, "invited": 0, "accepted": 2}]

    daily = per_day(rows, {"invited": "Invited", "accepted": "Accepted"})

    assert daily.days == [TODAY - datetime.timedelta(days=1), TODAY]
    assert daily.counts == {"Invited": [3, 0], "Accepted": [1, 2]}


def test_the_count_axis_ends_on_a_whole_step_at_or_above_the_highest_count():
    assert count_axis(0) == (1, 1)
    assert count_axis(3) == (1, 3)
    assert count_axis(7) == (2, 8)
    assert count_axis(17) == (5, 20)
    assert count_axis(41) == (20, 60)
    assert count_axis(1234) == (500, 1500)


def _days(count: int) -> list[datetime.date]:
    return [TODAY - datetime.timedelta(days=back) for back in range(count - 1, -1, -1)]


def _bar_heights(html: str, colour: str) -> list[float]:
    return [float(height) for height in
            re.findall(rf'height:([\d.]+)%;background:{colour}"', html)]


def test_each_day_is_a_column_with_bars_to_scale_and_its_tooltip():
    daily = DailySeries(_days(4), {"Payments": [0, 2, 0, 3]})

    chart = per_day_chart(daily, {"Payments": "#1f6feb"}, label="Payments per day")

    # Highest 3: the axis goes to 3 in steps of 1, so 3 fills the plot and 2 two thirds.
    assert _bar_heights(chart, "#1f6feb") == [0.0, 66.67, 0.0, 100.0]
    assert re.findall(r'title="([^"]+)"', chart) == [
        "7 Mar 2026 · Payments: 0", "8 Mar 2026 · Payments: 2", "9 Mar 2026 · Payments: 0",
        "10 Mar 2026 · Payments: 3"]
    assert 'aria-label="Payments per day. In all: Payments 5."' in chart
    assert "Payments</span>" not in chart  # one series: no legend


def test_several_series_stand_side_by_side_in_their_colours_with_a_legend():
    daily = DailySeries(_days(3), {"Invited": [1, 4, 0], "Accepted": [0, 1, 2]})

    chart = per_day_chart(daily, {"Invited": "#9aa5b1", "Accepted": "#2e7d32"},
                          label="Contacts per day")

    assert _bar_heights(chart, "#9aa5b1") == [25.0, 100.0, 0.0]
    assert _bar_heights(chart, "#2e7d32") == [0.0, 25.0, 50.0]
    assert "Invited</span>" in chart and "Accepted</span>" in chart
    assert 'title="9 Mar 2026 · Invited: 4 · Accepted: 1"' in chart


def test_the_last_day_is_always_labelled_and_labels_stay_few():
    chart = per_day_chart(DailySeries(_days(60), {"Payments": [1] * 60}), {"Payments": "#000"},
                          label="Payments per day")

    labels = re.findall(r"white-space:nowrap;[^>]*>([^<]+)</span>", chart)
    assert labels[-1] == "10 Mar" and 4 <= len(labels) <= 7


def test_names_are_escaped_in_the_chart():
    daily = DailySeries(_days(1), {"<b>&": [1]})

    chart = per_day_chart(daily, {"<b>&": "#000"}, label='"Quoted" <label>')

    assert "<b>" not in chart and "&lt;b&gt;&amp;" in chart
    assert 'aria-label="&quot;Quoted&quot; &lt;label&gt;. In all:' in chart
