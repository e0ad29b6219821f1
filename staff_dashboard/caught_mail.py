"""Read the emails the local SMTP catcher kept (a developer's tool, not a business rule)."""

import email
import email.policy
import re
from dataclasses import dataclass
from pathlib import Path

from core.config import load_settings

LINK = re.compile(r"""https?://[^\s<>"')\]]+""")


@dataclass(frozen=True)
class CaughtMail:
    """One caught message, ready to show."""

    file: str
    subject: str
    sender: str
    recipient: str
    date: str
    text: str
    links: list


def mail_folder() -> Path:
    """Where the catcher keeps messages: instance/mail/."""
    return load_settings().instance_dir / "mail"


def read_caught_mail(folder: Path | None = None, limit: int = 50) -> list[CaughtMail] | None:
    """The newest caught messages, newest first; None when there is no catcher folder."""
    folder = folder or mail_folder()
    if not folder.is_dir():
        return None
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    return [read_message(path) for path in files[:limit]]


def read_message(path: Path) -> CaughtMail:
    """Parse one .eml file: headers, the text part (else the HTML part) and its links."""
    with path.open("rb") as file:
        message = email.message_from_binary_file(file, policy=email.policy.default)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    text = text_part.get_content() if text_part is not None else ""
    html = html_part.get_content() if html_part is not None else ""
    links = list(dict.fromkeys(LINK.findall(text) + LINK.findall(html)))
    return CaughtMail(path.name, str(message.get("Subject", "")), str(message.get("From", "")),
                      str(message.get("To", "")), str(message.get("Date", "")),
                      text or html, links)
