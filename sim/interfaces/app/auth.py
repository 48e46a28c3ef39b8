"""Roles of a browser session: trainer (may change the exercise) or viewer (read-only).

With ``--share`` the server has a token (``secrets.token_urlsafe``); a session is the trainer
only after presenting it (``?token=...`` in the URL or typed into the page). Without
``--share`` there is no token and the local user is the trainer. Every state-changing action
of the page goes through :func:`require_trainer` in the server process, so a viewer cannot
act by re-enabling a button in the browser.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

TRAINER = "trainer"
VIEWER = "viewer"
TOKEN_BYTES = 24
"""Entropy of generated tokens (bytes; 32 URL-safe characters)."""


class ReadOnlyError(PermissionError):
    """A viewer tried a trainer action; the message is fit for display."""


def new_token() -> str:
    """A fresh trainer token (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def role_for(presented: str | None, server_token: str | None) -> str:
    """Role of a session that presented ``presented`` to a server holding ``server_token``.

    No server token (local use): trainer. Otherwise trainer only on an exact match
    (constant-time comparison), else viewer.
    """
    if not server_token:
        return TRAINER
    if not presented:
        return VIEWER
    ok = secrets.compare_digest(presented.strip().encode(), server_token.encode())
    return TRAINER if ok else VIEWER


def token_from_query(search: str | None) -> str | None:
    """The ``token`` parameter of a URL query string (``a=1&token=xyz``), or None."""
    if not search:
        return None
    values = parse_qs(search.lstrip("?")).get("token")
    return values[0] if values else None


def require_trainer(role: str, action: str) -> None:
    """Raise unless ``role`` is the trainer.

    Raises:
        ReadOnlyError: the session is read-only; the message names the action.
    """
    if role != TRAINER:
        raise ReadOnlyError(
            f"read-only session: {action} needs the trainer token "
            "(open the link with ?token=... or type the token in the Trainer box)"
        )
