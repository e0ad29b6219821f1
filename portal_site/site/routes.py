"""The organization's stylesheet (its accent colour) and the portal root."""

import re

from flask import Response, g

from portal_site.site import bp

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_ACCENT = "#1f6feb"


def _text_on(color: str) -> str:
    """Black or white, whichever reads better on `color` (WCAG relative luminance)."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if luminance > 0.179 else "#ffffff"


def _darker(color: str, factor: float = 0.55) -> str:
    """The colour darkened: accent text on white stays readable whatever the brand colour."""
    channels = [int(int(color[i:i + 2], 16) * factor) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in channels)


@bp.get("/theme.css")
def theme():
    """The organization's accent colour as CSS custom properties."""
    accent = g.org.accent_color if _COLOR.match(g.org.accent_color or "") else DEFAULT_ACCENT
    # Links sit on the grey page canvas too: even a dark accent is darkened a little (4.5:1).
    ink = _darker(accent, 0.8) if _text_on(accent) == "#ffffff" else _darker(accent)
    css = (":root {\n"
           f"  --accent: {accent};\n"
           f"  --on-accent: {_text_on(accent)};\n"
           f"  --accent-ink: {ink};\n"
           "}\n")
    return Response(css, mimetype="text/css", headers={"Cache-Control": "public, max-age=300"})
