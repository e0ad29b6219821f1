"""Home's headline figures, written as one piece of HTML for st.html.

st.metric has the browser load and start ten scripts (number formatting, sparklines) before
the first figure shows: about 180 ms of every sign-in → home (README, "Console speed"). Here
each figure is a label, a value, an optional help text (a tooltip and what a screen reader
says) and an optional note under the value, in a grid that wraps on a narrow window.
"""

import html
from dataclasses import dataclass

_GRID = ("display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));"
         "gap:0.5rem 1rem;margin:0 0 1rem;padding:0")
_HELP = ("display:inline-block;width:1.1em;height:1.1em;line-height:1.1em;text-align:center;"
         "border:1px solid currentColor;border-radius:50%;font-size:0.7rem;opacity:0.75;"
         "margin-left:0.35rem;cursor:help;vertical-align:middle")


@dataclass(frozen=True)
class Figure:
    """One headline number: what it counts, its value, and optional help and note."""

    label: str
    value: int | str
    help: str = ""
    note: str = ""


def figure_row(figures: list[Figure]) -> str:
    """The figures as a definition list, numbers with thousands separators."""
    items = []
    for figure in figures:
        value = f"{figure.value:,}" if isinstance(figure.value, int) else figure.value
        help_mark = (f'<span role="img" aria-label="{html.escape(figure.help)}" '
                     f'title="{html.escape(figure.help)}" style="{_HELP}">?</span>'
                     if figure.help else "")
        note = (f'<dd style="margin:0;font-size:0.875rem;opacity:0.7">'
                f"{html.escape(figure.note)}</dd>" if figure.note else "")
        items.append(f'<div><dt style="font-size:0.875rem">{html.escape(figure.label)}'
                     f'{help_mark}</dt><dd style="margin:0;font-size:2.25rem;line-height:1.3">'
                     f'{html.escape(str(value))}</dd>{note}</div>')
    return f'<dl style="{_GRID}">{"".join(items)}</dl>'
