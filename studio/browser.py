"""Who is on the page: a browser session's id and language, and how the job queue names it
as an owner."""

from __future__ import annotations

from dataclasses import dataclass

SESSION_OWNER = "session:"  # the job queue's owner prefix for a browser session


@dataclass(frozen=True)
class SessionInfo:
    """Who is on the page: their session id and UI language."""

    session_id: str
    language: str

    @property
    def owner(self) -> str:
        """The job queue's owner string for this browser."""
        return SESSION_OWNER + self.session_id
