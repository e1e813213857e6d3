"""What a chat message asks the page to do beyond showing the reply.

The application reads a message's intent (studio.session.Turn: `intent`, and `music` for a
music change); most intents only get a reply, four make the page act: start a render, draw
the latest video again, share it, or change its music. `ChatAction` is that request as one
typed value, made from the turn once and read by the step that follows the message.

It is kept in a gr.State, which stays on the server: nothing of it crosses the browser, so
it needs no text form. The follow-up step still checks what it gets (`ChatAction.check`), so
a stray value is logged and ignored, never a crash in the middle of a chat.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, get_args

log = logging.getLogger(__name__)

ChatActionKind = Literal["generate", "draw_again", "share", "change_music"]
KINDS: tuple[str, ...] = get_args(ChatActionKind)
RENDERS: tuple[str, ...] = ("generate", "draw_again")  # the kinds that start a render
NEXT_TRACK = "next"  # change_music's music when the message named no mood: another track


@dataclass(frozen=True)
class ChatAction:
    """One thing the page does after a chat reply.

    music is change_music's only: "none" (remove it), "next" (the next best track) or a
    mood id (the best track of that mood), as studio.Studio.retrack takes it."""

    kind: ChatActionKind
    music: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown chat action {self.kind!r}; one of {', '.join(KINDS)}")
        if (self.kind == "change_music") != bool(self.music):
            raise ValueError(f"music goes with change_music only, and it needs one: {self!r}")

    @classmethod
    def from_turn(cls, intent: str, music: str | None = None) -> ChatAction | None:
        """The action a chat turn's intent asks for; None for a turn that only gets a reply
        (a new idea, a refinement, an unclear message)."""
        # The kind as this module spells it, also for an intent given as a str enum member.
        kind = next((kind for kind in KINDS if kind == intent), None)
        if kind is None:
            return None
        if kind == "change_music":
            return cls("change_music", music or NEXT_TRACK)
        return cls(kind)  # type: ignore[arg-type]  # one of KINDS

    @staticmethod
    def check(value: object) -> ChatAction | None:
        """`value` if it is an action, else None (logged when it was something): what the
        follow-up step reads from its state."""
        if value is not None and not isinstance(value, ChatAction):
            log.warning("ignored a chat action that is not one: %r", value)
            return None
        return value

    @property
    def renders(self) -> bool:
        """Whether this action starts a render (which the page then follows)."""
        return self.kind in RENDERS
