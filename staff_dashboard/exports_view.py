"""Download buttons for an export of a list as filtered: CSV and XLSX, made when clicked."""

import datetime
from collections.abc import Callable

import streamlit as st

from core import db
from core.queries.exports import FORMATS, Export, as_file


def export_buttons(name: str, make_export: Callable[[], Export], *, key: str,
                   where=None) -> None:
    """A CSV and an XLSX button; the file is read from core when clicked (on Streamlit's
    download thread, so it opens its own connection), not on every run of the page."""
    area = where or st
    left, right = area.columns(2)
    stamp = datetime.date.today().isoformat()
    for column, fmt in ((left, "csv"), (right, "xlsx")):

        def build(fmt: str = fmt) -> bytes:
            with db.connection():
                return as_file(make_export(), fmt)

        column.download_button(f"Export {fmt.upper()}", data=build, mime=FORMATS[fmt],
                               file_name=f"{name}-{stamp}.{fmt}", key=f"{key}_{fmt}",
                               icon=":material/download:", on_click="ignore")
