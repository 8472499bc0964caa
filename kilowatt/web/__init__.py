"""The driver web app (issue 7): mobile-first pages served by Kilowatt under ``/app``.

Pages are HTML shells; their data comes from the driver REST API (``/api/v1/driver``) and the
app's own JSON, SSE and PDF endpoints (``/app/api``), always with the driver's session token
in the Authorization header (set by the page's JavaScript, so no cookie can be forged: CSRF
cannot happen).
"""

from __future__ import annotations

from kilowatt.web.app import WebBackend, create_web
from kilowatt.web.live import LiveFeed

__all__ = ["LiveFeed", "WebBackend", "create_web"]
