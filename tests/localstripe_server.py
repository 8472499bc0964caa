"""Run localstripe (a stateful fake Stripe server) on 127.0.0.1 only, from an empty store:

    python -m tests.localstripe_server PORT

Its own CLI binds all interfaces and reloads a pickled store; this never does either.
"""

from __future__ import annotations

import sys

from aiohttp import web
from localstripe.server import app

if __name__ == "__main__":
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
