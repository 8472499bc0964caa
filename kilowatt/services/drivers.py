"""Driver accounts: sign-up with email verification, sign-in sessions, password reset, profile.

Passwords are hashed with argon2id (in a thread: it is slow on purpose). Link tokens and
session tokens are random; only their SHA-256 digests are stored::

    driver = await drivers.sign_up(SignUp("ada@example.com", "correct horse"), dctx)
    # a verification link is mailed (or logged); the driver opens it:
    await drivers.verify_email(token_from_link, dctx)
    session_token = await drivers.sign_in("ada@example.com", "correct horse", dctx)
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kilowatt.domain import events
from kilowatt.domain.drivers import (
    Driver,
    DriverSecret,
    SecretPurpose,
    contract_id_for,
    normalize_email,
    require_password_rules,
)
from kilowatt.domain.errors import AccessDenied, AlreadyExists, InvalidValue
from kilowatt.domain.tokens import IdToken, TokenType, WhitelistType
from kilowatt.ports import Mail, Mailer, UnitOfWork
from kilowatt.services.context import ServiceContext

__all__ = [
    "DriverContext",
    "DriverPolicy",
    "SignUp",
    "authenticate",
    "digest",
    "request_password_reset",
    "reset_password",
    "sign_in",
    "sign_out",
    "sign_up",
    "update_profile",
    "verify_email",
]

_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 "low memory" profile


@dataclass(frozen=True, slots=True)
class DriverPolicy:
    session_ttl_s: float = 30 * 24 * 3600.0
    link_ttl_s: float = 24 * 3600.0
    public_url: str = "http://127.0.0.1:8180"  # where the links in mails point


@dataclass(frozen=True, slots=True)
class DriverContext:
    """What the driver use cases need besides the service context."""

    ctx: ServiceContext
    mailer: Mailer
    policy: DriverPolicy = DriverPolicy()


@dataclass(frozen=True, slots=True)
class SignUp:
    email: str
    password: str
    name: str | None = None
    language: str | None = None


def digest(secret: str) -> str:
    """Secrets are long random strings: SHA-256 is a safe way to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def sign_up(form: SignUp, dctx: DriverContext) -> Driver:
    """A new account with its app token (APP_USER) and contract id; a verification link is
    sent. The account may sign in once the email address is verified."""
    email = normalize_email(form.email)
    require_password_rules(form.password)
    password_hash = await asyncio.to_thread(_hasher.hash, form.password)
    ctx, now = dctx.ctx, dctx.ctx.clock.now()
    async with ctx.uow() as uow:
        if await uow.drivers.by_email(email) is not None:
            raise AlreadyExists(f"an account for {email} already exists")
        contract_id = await _new_contract_id(uow, ctx)
        driver = Driver(str(uuid.uuid4()), email, password_hash, contract_id, now, now)
        driver = dataclasses.replace(driver, name=form.name, language=form.language)
        uow.drivers.add(driver)
        app_token = _app_token(driver, ctx)
        uow.tokens.add(app_token)
        uow.drivers.link_token(driver.id, app_token.uid, now)
        uow.record(events.TokenChanged(app_token.uid))  # roaming partners get the app token
        link = _new_secret(uow, driver, SecretPurpose.VERIFY_EMAIL, dctx)
        await uow.commit()
    await ctx.events.publish(uow.collect_events())
    await _mail_link(driver, "Verify your email address", f"driver/verify-email?token={link}", dctx)
    return driver


async def verify_email(token: str, dctx: DriverContext) -> Driver:
    return await _use_link(token, SecretPurpose.VERIFY_EMAIL, dctx, _mark_verified)


async def sign_in(email: str, password: str, dctx: DriverContext) -> str:
    """A new session token (shown once); AccessDenied for a wrong email or password, or an
    address not verified yet (the same message either way for the first two)."""
    async with dctx.ctx.uow() as uow:
        driver = await uow.drivers.by_email(email.strip().lower())
    if driver is None or not await _password_matches(password, driver.password_hash):
        raise AccessDenied("wrong email or password")
    if not driver.email_verified:
        raise AccessDenied("verify your email address first: we sent you a link")
    async with dctx.ctx.uow() as uow:
        token = _new_secret(uow, driver, SecretPurpose.SESSION, dctx)
        await uow.commit()
    return token


async def authenticate(session_token: str, dctx: DriverContext) -> Driver | None:
    """The driver signed in with ``session_token``, or None (unknown, expired, signed out)."""
    async with dctx.ctx.uow() as uow:
        secret = await uow.drivers.secret(digest(session_token))
        if secret is None or not secret.usable(SecretPurpose.SESSION, dctx.ctx.clock.now()):
            return None
        return await uow.drivers.get(secret.driver_id)


async def sign_out(session_token: str, dctx: DriverContext) -> None:
    async with dctx.ctx.uow() as uow:
        secret = await uow.drivers.secret(digest(session_token))
        if secret is not None:
            secret.used_at = dctx.ctx.clock.now()
            uow.drivers.save_secret(secret)
            await uow.commit()


async def request_password_reset(email: str, dctx: DriverContext) -> None:
    """Mail a reset link if there is such an account; the answer is the same either way, so
    nobody learns who has an account."""
    async with dctx.ctx.uow() as uow:
        driver = await uow.drivers.by_email(email.strip().lower())
        if driver is None:
            return
        link = _new_secret(uow, driver, SecretPurpose.RESET_PASSWORD, dctx)
        await uow.commit()
    await _mail_link(driver, "Reset your password", f"driver/reset-password?token={link}", dctx)


async def reset_password(token: str, new_password: str, dctx: DriverContext) -> Driver:
    """Set a new password with a reset link; every signed-in session is ended."""
    require_password_rules(new_password)
    password_hash = await asyncio.to_thread(_hasher.hash, new_password)

    def change(driver: Driver, uow: UnitOfWork) -> None:
        driver.password_hash = password_hash
        # the link reached the mailbox, so the address is verified too
        driver.email_verified_at = driver.email_verified_at or driver.updated_at
        uow.drivers.revoke_sessions(driver.id)

    return await _use_link(token, SecretPurpose.RESET_PASSWORD, dctx, change)


async def update_profile(driver_id: str, changes: Mapping[str, Any], dctx: DriverContext) -> Driver:
    """Change the name or language (email and password have their own flows)."""
    if set(changes) - {"name", "language"}:
        raise InvalidValue("only name and language can be changed here")
    async with dctx.ctx.uow() as uow:
        driver = await uow.drivers.get(driver_id)
        if driver is None:
            raise AccessDenied("no such account")
        updated = dataclasses.replace(driver, **changes, updated_at=dctx.ctx.clock.now())
        uow.drivers.save(updated)
        await uow.commit()
    return updated


async def _use_link(token: str, purpose: SecretPurpose, dctx: DriverContext, change: Any) -> Driver:
    now = dctx.ctx.clock.now()
    async with dctx.ctx.uow() as uow:
        secret = await uow.drivers.secret(digest(token))
        if secret is None or not secret.usable(purpose, now):
            raise InvalidValue("this link is unknown, used or expired: ask for a new one")
        driver = await uow.drivers.get(secret.driver_id)
        if driver is None:
            raise InvalidValue("this link is unknown, used or expired: ask for a new one")
        secret.used_at = now
        uow.drivers.save_secret(secret)
        driver.updated_at = now
        change(driver, uow)
        uow.drivers.save(driver)
        await uow.commit()
    return driver


def _mark_verified(driver: Driver, uow: UnitOfWork) -> None:
    driver.email_verified_at = driver.updated_at


def _new_secret(
    uow: UnitOfWork, driver: Driver, purpose: SecretPurpose, dctx: DriverContext
) -> str:
    now = dctx.ctx.clock.now()
    ttl_s = (
        dctx.policy.session_ttl_s if purpose is SecretPurpose.SESSION else dctx.policy.link_ttl_s
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=ttl_s)
    uow.drivers.add_secret(DriverSecret(digest(token), driver.id, purpose, now, expires_at))
    return token


async def _mail_link(driver: Driver, subject: str, path: str, dctx: DriverContext) -> None:
    url = f"{dctx.policy.public_url.rstrip('/')}/{path}"
    body = f"Hello{' ' + driver.name if driver.name else ''},\n\nOpen this link: {url}\n"
    await dctx.mailer.send(Mail(driver.email, subject, body))


async def _password_matches(password: str, stored: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


async def _new_contract_id(uow: UnitOfWork, ctx: ServiceContext) -> str:
    billing = ctx.billing
    while True:  # 10^8 numbers: a clash is rare, and then we draw again
        contract_id = contract_id_for(billing.country_code, billing.party_id, _draw())
        if await uow.drivers.by_contract_id(contract_id) is None:
            return contract_id


def _draw() -> int:
    return secrets.randbelow(10**8)


def _app_token(driver: Driver, ctx: ServiceContext) -> IdToken:
    """The account's one APP_USER token: what the app starts sessions with. Its uid fits an
    OCPP 1.6 idTag (20 characters at most): "APP" and 64 random bits."""
    return IdToken(
        uid="APP" + secrets.token_hex(8).upper(),
        type=TokenType.APP_USER,
        created_at=driver.created_at,
        updated_at=driver.created_at,
        contract_id=driver.contract_id,
        issuer=ctx.billing.party_id,
        whitelist=WhitelistType.NEVER,
        country_code=ctx.billing.country_code,
        party_id=ctx.billing.party_id,
    )
