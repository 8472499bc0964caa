"""The credentials module (both roles) and the version information endpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from kilowatt.domain.roaming import OCPI_VERSION
from kilowatt.ocpi.deps import CallerDep, OcpiBackendDep, RegisteredDep, token_candidates
from kilowatt.ocpi.envelope import ok
from kilowatt.services import roaming

__all__ = ["MODULES", "router"]

router = APIRouter()

# (module identifier, interface role, path below the base URL)
MODULES = [
    ("credentials", "SENDER", f"/{OCPI_VERSION}/credentials"),
    ("credentials", "RECEIVER", f"/{OCPI_VERSION}/credentials"),
    ("locations", "SENDER", f"/cpo/{OCPI_VERSION}/locations"),
    ("tariffs", "SENDER", f"/cpo/{OCPI_VERSION}/tariffs"),
    ("sessions", "SENDER", f"/cpo/{OCPI_VERSION}/sessions"),
    ("cdrs", "SENDER", f"/cpo/{OCPI_VERSION}/cdrs"),
    ("tokens", "RECEIVER", f"/cpo/{OCPI_VERSION}/tokens"),
    ("commands", "RECEIVER", f"/cpo/{OCPI_VERSION}/commands"),
    ("locations", "RECEIVER", f"/emsp/{OCPI_VERSION}/locations"),
    ("tariffs", "RECEIVER", f"/emsp/{OCPI_VERSION}/tariffs"),
    ("sessions", "RECEIVER", f"/emsp/{OCPI_VERSION}/sessions"),
    ("cdrs", "RECEIVER", f"/emsp/{OCPI_VERSION}/cdrs"),
    ("tokens", "SENDER", f"/emsp/{OCPI_VERSION}/tokens"),
    ("commands", "SENDER", f"/emsp/{OCPI_VERSION}/commands"),
]

CredentialsBody = Annotated[dict[str, Any], Body(description="An OCPI Credentials object")]


@router.get("/versions")
async def versions(_: CallerDep, backend: OcpiBackendDep) -> JSONResponse:
    return ok([{"version": OCPI_VERSION, "url": f"{backend.base_url}/{OCPI_VERSION}"}])


@router.get(f"/{OCPI_VERSION}")
async def version_details(_: CallerDep, backend: OcpiBackendDep) -> JSONResponse:
    endpoints = [
        {"identifier": identifier, "role": role, "url": backend.base_url + path}
        for identifier, role, path in MODULES
    ]
    return ok({"version": OCPI_VERSION, "endpoints": endpoints})


@router.get(f"/{OCPI_VERSION}/credentials")
async def get_credentials(
    request: Request, caller: RegisteredDep, backend: OcpiBackendDep
) -> JSONResponse:
    """Our credentials, with the token the caller uses with us (token C): we keep only its
    digest, so it is the one in the caller's own header."""
    candidates = token_candidates(request.headers.get("Authorization"))
    token = next(t for t in candidates if roaming.token_digest(t) == caller.our_token_digest)
    return ok(roaming.our_credentials(backend.roaming, token))


@router.post(f"/{OCPI_VERSION}/credentials")
async def post_credentials(
    caller: CallerDep, body: CredentialsBody, backend: OcpiBackendDep
) -> JSONResponse:
    return ok(await roaming.accept_registration(backend.roaming, caller, body))


@router.put(f"/{OCPI_VERSION}/credentials")
async def put_credentials(
    caller: CallerDep, body: CredentialsBody, backend: OcpiBackendDep
) -> JSONResponse:
    return ok(await roaming.update_registration(backend.roaming, caller, body))


@router.delete(f"/{OCPI_VERSION}/credentials")
async def delete_credentials(caller: CallerDep, backend: OcpiBackendDep) -> JSONResponse:
    await roaming.end_registration(backend.roaming, caller)
    return ok()
