"""Hashing of station passwords and API keys (standard library only).

Station passwords are hashed with scrypt (slow by design). A station reconnects often, so a
verified (hash, password) pair is remembered in memory, keyed by a fast digest: a reconnect
costs one SHA-256, not one scrypt.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets

__all__ = ["api_key_digest", "hash_password", "new_api_key", "verify_password"]

_N, _R, _P = 2**11, 8, 1  # ~5 ms: 10,000 stations reconnect in a herd after an outage
_verified: set[tuple[str, bytes]] = set()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


async def verify_password(password: str, stored: str) -> bool:
    """Check a password; scrypt runs in a thread so the event loop keeps serving."""
    fast = hashlib.sha256(stored.encode() + b"\0" + password.encode()).digest()
    if (stored, fast) in _verified:
        return True
    if not await asyncio.to_thread(_scrypt_matches, password, stored):
        return False
    if len(_verified) > 100_000:
        _verified.clear()
    _verified.add((stored, fast))
    return True


def _scrypt_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest, _unb64(expected))


def new_api_key() -> str:
    return "kw_" + secrets.token_urlsafe(32)


def api_key_digest(key: str) -> str:
    """API keys are long random strings: a SHA-256 digest is a safe way to store them."""
    return hashlib.sha256(key.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)
