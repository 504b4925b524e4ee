"""Request dependencies every router shares: a database session and the calling school (tenant).

A caller is a school by its API key (``X-API-Key``, the LMS) or a signed-in staff member by a session token
(``Authorization: Bearer``, the dashboard); either way every lesson query is scoped by that tenant.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from edcontrol.service.store import Tenant, User, UserSession, hash_key, now


def db(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as s:
        yield s


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def signed_in_user(s: Session, token: str) -> User | None:
    return s.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_key(token), UserSession.expires_at > now())
    )


def admin(request: Request, x_admin_key: Annotated[str | None, Header()] = None) -> None:
    """The operator's key (EDCONTROL_ADMIN_KEY) for creating schools and their staff accounts."""
    expected = request.app.state.settings.admin_key
    if not expected or not x_admin_key or not hmac.compare_digest(x_admin_key, expected):
        raise HTTPException(403, "admin key required")


def tenant(
    x_api_key: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
    s: Session = Depends(db),
) -> Tenant:
    token = bearer_token(authorization)
    if token is not None:
        user = signed_in_user(s, token)
        if user is None:
            raise HTTPException(401, "the session has expired or was signed out: sign in again")
        return s.get(Tenant, user.tenant_id)  # type: ignore[return-value]
    if not x_api_key:
        raise HTTPException(401, "missing X-API-Key header (or Authorization: Bearer session token)")
    found = s.scalar(select(Tenant).where(Tenant.key_hash == hash_key(x_api_key)))
    if found is None:
        raise HTTPException(401, "unknown API key")
    return found
