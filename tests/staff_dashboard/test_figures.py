"""Home's headline figures: numbers with separators, help a screen reader can say, escaped."""

from staff_dashboard.figures import Figure, figure_row


def test_a_figure_shows_its_number_with_separators_and_its_help_as_a_labelled_mark():
    html = figure_row([Figure("Contacts active", 56405),
                       Figure("Not accepted", 7, help="Invited more than 7 days ago.")])

    assert ">Contacts active</dt>" in html and ">56,405</dd>" in html
    assert 'role="img" aria-label="Invited more than 7 days ago."' in html
    assert html.count("<span") == 1  # no help, no mark


def test_a_note_stands_under_its_value_and_every_text_is_escaped():
    html = figure_row([Figure("<Payments>", "1 & 2", note="12.00 EUR · <b>")])

    assert "&lt;Payments&gt;" in html and "1 &amp; 2" in html
    assert ">12.00 EUR · &lt;b&gt;</dd>" in html and "<b>" not in html
