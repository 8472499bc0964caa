"""Driver accounts end to end: sign-up with a mailed verification link, sign-in sessions kept
apart from operator API keys, password reset, profile, and the driver's cards."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from kilowatt.domain.units import ContractId
from tests.conftest import RunningServer
from tests.driver_support import PASSWORD, mailed_links, sign_in, signed_up
from tests.support import stored_rows


async def test_a_driver_signs_up_verifies_the_address_and_signs_in(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kilowatt.adapters.mail")
    async with server.client(None) as anonymous:
        created = await anonymous.post(
            "/api/v1/driver/sign-up",
            json={"email": " Ada@Example.com", "password": PASSWORD, "name": "Ada"},
        )
        assert created.status_code == 201, created.text
        assert created.json()["email"] == "ada@example.com"
        assert created.json()["email_verified"] is False
        ContractId.parse(created.json()["contract_id"])

        not_yet = await sign_in(server, "ada@example.com")
        assert not_yet.status_code == 401
        assert "verify" in not_yet.json()["detail"]

        (link,) = mailed_links(caplog, "ada@example.com", "verify-email")
        verified = await anonymous.post("/api/v1/driver/verify-email", json={"token": link})
        assert verified.json()["email_verified"] is True
        again = await anonymous.post("/api/v1/driver/verify-email", json={"token": link})
        assert again.status_code == 422  # a link works once

    signed_in = await sign_in(server, "ADA@example.com")
    assert signed_in.status_code == 200, signed_in.text
    async with server.client(signed_in.json()["token"]) as driver:
        me = await driver.get("/api/v1/driver/me")
        assert me.status_code == 200
        assert me.json()["name"] == "Ada"


async def test_passwords_and_session_tokens_are_stored_hashed(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    url = server.settings.database_url
    (row,) = await stored_rows(url, "SELECT password_hash FROM drivers")
    assert row["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in row["password_hash"]
    digests = await stored_rows(url, "SELECT digest FROM driver_secrets")
    assert digests and all(ada.session_token not in r["digest"] for r in digests)


@pytest.mark.parametrize(
    ("email", "password", "status"),
    [
        ("ada@example.com", "wrong password!", 401),
        ("nobody@example.com", PASSWORD, 401),
    ],
)
async def test_wrong_credentials_do_not_sign_in(
    server: RunningServer, caplog: pytest.LogCaptureFixture, email: str, password: str, status: int
) -> None:
    await signed_up(server, caplog, "ada@example.com")
    response = await sign_in(server, email, password)
    assert response.status_code == status
    assert response.json()["detail"] == "wrong email or password"


async def test_an_address_has_one_account_and_bad_input_is_refused(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    await signed_up(server, caplog, "ada@example.com")
    async with server.client(None) as anonymous:
        twice = await anonymous.post(
            "/api/v1/driver/sign-up", json={"email": "ADA@example.com", "password": PASSWORD}
        )
        assert twice.status_code == 409
        not_an_email = await anonymous.post(
            "/api/v1/driver/sign-up", json={"email": "ada-at-example", "password": PASSWORD}
        )
        assert not_an_email.status_code == 422
        short = await anonymous.post(
            "/api/v1/driver/sign-up", json={"email": "bob@example.com", "password": "short"}
        )
        assert short.status_code == 422


async def test_two_sign_ups_racing_for_one_address_make_one_account_and_a_409(
    server: RunningServer,
) -> None:
    body = {"email": "race@example.com", "password": PASSWORD}
    async with server.client(None) as anonymous:
        answers = await asyncio.gather(
            *(anonymous.post("/api/v1/driver/sign-up", json=body) for _ in range(4))
        )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.text for a in answers]


async def test_driver_sessions_and_operator_keys_do_not_open_each_others_doors(
    server: RunningServer, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    assert (await api.get("/api/v1/driver/me")).status_code == 401  # the admin key
    async with ada.client(server) as driver:
        assert (await driver.get("/api/v1/tokens")).status_code == 401
        assert (await driver.get("/api/v1/driver/me")).status_code == 200
    async with server.client(None) as anonymous:
        assert (await anonymous.get("/api/v1/driver/me")).status_code == 401


async def test_signing_out_ends_the_session(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        assert (await driver.post("/api/v1/driver/sign-out")).status_code == 204
        assert (await driver.get("/api/v1/driver/me")).status_code == 401


async def test_a_password_reset_link_sets_a_new_password_and_ends_every_session(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with server.client(None) as anonymous:
        for email in ("ada@example.com", "nobody@example.com"):
            asked = await anonymous.post("/api/v1/driver/password-reset", json={"email": email})
            assert asked.status_code == 202  # the same answer: no account is revealed
        assert mailed_links(caplog, "nobody@example.com", "reset-password") == []
        (link,) = mailed_links(caplog, "ada@example.com", "reset-password")
        new = "a brand new passphrase"
        reset = await anonymous.post(
            "/api/v1/driver/password-reset/confirm", json={"token": link, "password": new}
        )
        assert reset.status_code == 200, reset.text
        reused = await anonymous.post(
            "/api/v1/driver/password-reset/confirm", json={"token": link, "password": new}
        )
        assert reused.status_code == 422
    async with ada.client(server) as old_session:
        assert (await old_session.get("/api/v1/driver/me")).status_code == 401
    assert (await sign_in(server, "ada@example.com")).status_code == 401
    assert (await sign_in(server, "ada@example.com", new)).status_code == 200


async def test_the_profile_can_be_changed_but_not_the_email(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        changed = await driver.patch("/api/v1/driver/me", json={"name": "Ada L.", "language": "nl"})
        assert changed.json()["name"] == "Ada L."
        assert (await driver.get("/api/v1/driver/me")).json()["language"] == "nl"
        email = await driver.patch("/api/v1/driver/me", json={"email": "eve@example.com"})
        assert email.status_code == 422


async def test_an_account_has_one_app_token_and_registers_blocks_and_replaces_cards(
    server: RunningServer, api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ada = await signed_up(server, caplog, "ada@example.com")
    async with ada.client(server) as driver:
        (app_token,) = (await driver.get("/api/v1/driver/tokens")).json()
        assert app_token["type"] == "APP_USER"
        assert app_token["contract_id"] == ada.contract_id

        card = await driver.post(
            "/api/v1/driver/cards", json={"uid": "04aa0001", "visual_number": "KWT-1"}
        )
        assert card.status_code == 201, card.text
        assert card.json() | {"created_at": None} == {
            "uid": "04AA0001",
            "type": "RFID",
            "status": "ACTIVE",
            "contract_id": ada.contract_id,
            "visual_number": "KWT-1",
            "created_at": None,
        }
        twice = await driver.post("/api/v1/driver/cards", json={"uid": "04AA0001"})
        assert twice.status_code == 409

        replaced = await driver.post(
            "/api/v1/driver/cards/04AA0001/replace", json={"uid": "04AA0002"}
        )
        assert replaced.status_code == 201, replaced.text
        statuses = {
            t["uid"]: t["status"] for t in (await driver.get("/api/v1/driver/tokens")).json()
        }
        assert statuses == {app_token["uid"]: "ACTIVE", "04AA0001": "BLOCKED", "04AA0002": "ACTIVE"}

        blocked = await driver.post("/api/v1/driver/cards/04AA0002/block")
        assert blocked.json()["status"] == "BLOCKED"
        app_block = await driver.post(f"/api/v1/driver/cards/{app_token['uid']}/block")
        assert app_block.status_code == 409  # the app token is not a card

    # the cards are ordinary ID tokens: the operator sees them, stations are refused them
    operator_view = await api.get("/api/v1/tokens/04AA0002")
    assert operator_view.json()["status"] == "BLOCKED"
    assert operator_view.json()["contract_id"] == ada.contract_id
