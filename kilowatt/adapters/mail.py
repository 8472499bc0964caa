"""Mail to drivers (verification and reset links): logged, or sent through SMTP when
``KILOWATT_SMTP_URL`` is configured (``smtp://user:password@host:port?from=noreply@...``)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from kilowatt.ports import Mail

__all__ = ["LoggingMailer", "SmtpMailer"]

log = logging.getLogger(__name__)


class LoggingMailer:
    """Writes each mail to the log: for development and tests, where no mail server runs."""

    async def send(self, mail: Mail) -> None:
        log.info("mail to %s: %s\n%s", mail.to, mail.subject, mail.body)


class SmtpMailer:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("KILOWATT_SMTP_URL looks like smtp://user:password@host:port")
        self._tls = parts.scheme == "smtps"
        self._host, self._port = parts.hostname, parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = parse_qs(parts.query).get("from", [f"kilowatt@{self._host}"])[0]

    async def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, mail.to, mail.subject
        message.set_content(mail.body)
        await asyncio.to_thread(self._deliver, message)

    def _deliver(self, message: EmailMessage) -> None:
        smtp_class = smtplib.SMTP_SSL if self._tls else smtplib.SMTP
        with smtp_class(self._host, self._port, timeout=10) as smtp:
            if self._user and self._password:
                smtp.login(self._user, self._password)
            smtp.send_message(message)
