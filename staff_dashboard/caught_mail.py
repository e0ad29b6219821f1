"""Read the emails the local development SMTP catcher kept, only the signed-in admin's
organization's (a developer's tool, not a business rule)."""

import email
import email.policy
import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path

from core.audit import Actor
from core.config import load_settings
from core.guards import require_admin
from core.queries.staff import get_caught_mail_recipients

LINK = re.compile(r"""https?://[^\s<>"')\]]+""")
SCAN_LIMIT = 2000  # newest files looked at; older ones are the catcher folder's history
_BATCH = 200


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


def _envelope(path: Path) -> tuple[str, str]:
    """(Message-ID, To) of a caught file; empty when either is missing or given twice."""
    try:
        with path.open("rb") as file:
            headers = BytesHeaderParser(policy=email.policy.default).parse(file)
    except OSError:
        return "", ""
    ids, recipients = headers.get_all("Message-ID") or [], headers.get_all("To") or []
    if len(ids) != 1 or len(recipients) != 1:
        return "", ""  # a message that names two ids or two recipients is nobody's
    return str(ids[0]).strip(), str(recipients[0]).strip().lower()


def read_caught_mail(actor: Actor, folder: Path | None = None,
                     limit: int = 50) -> list[CaughtMail] | None:
    """The newest messages the catcher kept for the actor's organization, newest first; None
    when there is no catcher folder. Admins only (PermissionDeniedError otherwise)."""
    require_admin(actor)  # before reading any file
    folder = folder or mail_folder()
    if not folder.is_dir():
        return None
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime,
                   reverse=True)[:SCAN_LIMIT]
    kept: list[CaughtMail] = []
    for start in range(0, len(files), _BATCH):
        batch = [(path, *_envelope(path)) for path in files[start:start + _BATCH]]
        ours = get_caught_mail_recipients(actor, [message_id for _, message_id, _ in batch])
        for path, message_id, recipient in batch:
            # Sent by this organization's outbox, to the address that row names.
            if message_id in ours and ours[message_id].lower() == recipient:
                kept.append(read_message(path))
                if len(kept) == limit:
                    return kept
    return kept


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
