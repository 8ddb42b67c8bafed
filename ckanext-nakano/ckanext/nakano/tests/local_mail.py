"""The local SMTP server of scripts/services.sh (``start mail``) as tests read it: its
Maildir, and a burst of the job worker that delivers queued mail."""
from __future__ import annotations

import mailbox
import os
import socket
import subprocess
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Callable

import pytest

import ckan.plugins.toolkit as tk

ROOT = Path(__file__).resolve().parents[4]
MAILDIR = Path(os.environ.get("NAKANO_LOCAL", ROOT / ".local")) / "mail"


def run_worker(**env: str) -> subprocess.CompletedProcess[str]:
    """Run the queued jobs (mail delivery among them) once, as the portal's worker does."""
    return subprocess.run([str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ROOT / "test.ini"), "jobs", "worker",
                           "--burst"], capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def open_inbox() -> Callable[[], list[EmailMessage]]:
    """A reader of the messages delivered from now on; fails (never skips) without the server."""
    host, port = tk.config["smtp.server"].rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError:
        pytest.fail(f"no SMTP server on {tk.config['smtp.server']}: make test starts it (scripts/services.sh start mail)",
                    pytrace=False)
    box = mailbox.Maildir(MAILDIR, create=False)
    seen = set(box.keys())

    def new_messages() -> list[EmailMessage]:
        return [BytesParser(policy=policy.default).parsebytes(box.get_bytes(k)) for k in box.keys() if k not in seen]

    return new_messages
