"""A local SMTP catcher for trying Doorstep without a mail server.

    python -m portal_site.mail.catcher --port 1025 [--dir instance/mail]

Listens on 127.0.0.1 only, keeps every message it receives as a timestamp-named .eml file and
prints one line per message. The console's Mail page reads the files back
(staff_dashboard/caught_mail.py).
"""

import argparse
import datetime
import email
import email.policy
import itertools
import signal
import sys
import threading
from pathlib import Path


class SavingHandler:
    """An aiosmtpd handler that writes each message to `directory` as an .eml file."""

    def __init__(self, directory: Path, announce=print):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.announce = announce
        self._sequence = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Keep the message and acknowledge it."""
        received = datetime.datetime.now()
        name = f"{received:%Y%m%d-%H%M%S-%f}-{next(self._sequence):05d}.eml"
        path = self.directory / name
        partial = path.with_suffix(".part")
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(path)  # readers never see half a message
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        self.announce(f"{received:%H:%M:%S} {envelope.mail_from} -> "
                      f"{', '.join(envelope.rcpt_tos)}  {parsed.get('Subject', '')}  ({path})",
                      flush=True)
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> int:
    """Run the catcher until SIGTERM or Ctrl-C."""
    from aiosmtpd.controller import Controller

    from core.config import load_settings

    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m portal_site.mail.catcher",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.smtp_catcher_port)
    parser.add_argument("--dir", type=Path, default=settings.instance_dir / "mail",
                        help="where to keep the messages (default: instance/mail)")
    args = parser.parse_args(argv)

    handler = SavingHandler(args.dir)
    controller = Controller(handler, hostname="127.0.0.1", port=args.port,
                            enable_SMTPUTF8=True)
    controller.start()
    print(f"SMTP catcher on 127.0.0.1:{args.port}, keeping mail in {args.dir.resolve()}",
          flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
