"""The conversation's turns that go through a language model: a refinement asked of the
model, and the check that holds its answer to the shot as the user has it (a new idea to
that idea's facts, a refinement to the shot as the rules would refine it)."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Protocol

from agent.brief import Brief
from agent.fidelity import missing
from agent.intents import scan_refinement
from agent.rewriter import Rewrite
from agent.shot import ShotSpec
from errors import InputError

PARTS = ("camera", "scene", "details")


# The conversation (agent/conversation.py) mixes these turns in; they know its Session and
# Reply only by these shapes (SessionLike, ReplyLike), so that this module does not import the
# one that imports it.
class SessionLike(Protocol):
    """What these turns read and write of a chat's Session."""

    spec: ShotSpec | None
    brief: Brief | None
    style: str | None
    language: str
    history: list[tuple[str, str]]


class ReplyLike(Protocol):
    """The conversation's answer to one turn, as these turns hand it back."""

    intent: str
    text: str
    spec: ShotSpec | None


class LLMTurns:
    """Mixed into Conversation, which provides llm, formula, intents, hints_for, _reply,
    _said and _refine_by_rules (its Session and Reply have the shapes above)."""

    def _refine_with_llm(self, session: SessionLike, text: str) -> ReplyLike:
        spec = session.spec
        request = {"task": "refine", "message": text,
                   "current": {part: getattr(spec, part) for part in PARTS}}
        rewrite, note = self._llm_turn(session, request, spec, allow_new=True)
        if rewrite is None:
            return self._refine_by_rules(session, text, notes=(note,))
        if rewrite.spec.idea != spec.idea:  # the model read it as a new idea
            try:
                session.brief = settled(self.formula.read(text), rewrite.spec)
            except InputError:
                session.brief = None
            session.spec = rewrite.spec
            return self._reply("new_idea", session, rewrite, PARTS,
                               self.formula.replies.say(session.language, "new_idea"))
        changed = tuple(p for p in PARTS if getattr(rewrite.spec, p) != getattr(spec, p))
        session.spec = rewrite.spec
        if session.brief is not None:  # remember what was named, for offline turns later
            found = scan_refinement(text, self.formula, self.intents)
            for slot, ids in found.pins:
                session.brief = session.brief.with_pin(slot, ids)
        return self._reply("refine", session, rewrite, changed, rewrite.reply)

    def _llm_turn(self, session: SessionLike, request: dict, spec: ShotSpec,
                  allow_new: bool = False) -> tuple[Rewrite | None, str]:
        """Ask the LLM: (its rewrite, "") or (None, a note saying why it was not used)."""
        from agent.llm import LLMUnavailable

        request = {**request, "photo": spec.source_image is not None,
                   "language": session.language}
        request.setdefault("current", {part: getattr(session.spec, part) for part in PARTS})
        # An answer that takes the message as a new idea is held to that idea's facts; a
        # refinement to the shot as the rules would refine it ("make it night" after "a cat
        # on a sofa at dawn": still the cat and the sofa, and now the night).
        new_idea = (self.llm.guard(spec.with_changes(idea=request["message"]),
                                   new_idea_only=True)
                    if allow_new and request.get("message") else None)
        refined = self._refined_facts(session, request.get("message", ""))
        guard = _either(new_idea, refined)
        try:
            fields, notes = self.llm.exchange(request, self.hints_for(session.style),
                                              style=session.style, history=session.history[:-1],
                                              guard=guard)
        except LLMUnavailable as exc:
            return None, self.formula.replies.say(session.language, "fallback",
                                                  reason=str(exc))
        if allow_new and fields["intent"] == "new_idea":
            spec = spec.with_changes(idea=request.get("message", spec.idea),
                                     seed=secrets.randbelow(2**31))
        return self.llm.filled(spec, fields, notes, session.language), ""

    def _refined_facts(self, session: SessionLike, text: str):
        """A check of a refined answer: the facts of the session's reading after the rules
        apply the message (None when there is no reading, or the message is a new idea)."""
        if session.brief is None:
            return None
        found = scan_refinement(text, self.formula, self.intents) if text else None
        brief = session.brief
        if found is not None:
            if found.is_new_idea(brief):
                return None
            picks = dict(self._said(session.spec.camera))
            brief = found.apply(brief, picks, self.formula.vocabulary, session.language,
                                self.formula.replies)[0]
        facts = self.formula.brief_facts(brief)
        if not facts:
            return None

        def check(fields: dict[str, str]) -> tuple[str, ...]:
            if fields.get("intent") == "new_idea":
                return ()
            return missing(facts, " ".join(fields[k] for k in PARTS))

        return check


def _either(*guards):
    """One check made of several (each looks only at the answers it is for)."""
    present = [g for g in guards if g is not None]
    if not present:
        return None
    return lambda fields: tuple(p for g in present for p in g(fields))


def settled(brief: Brief | None, spec: ShotSpec) -> Brief | None:
    """The brief with the action the prompt used, so that a new seed keeps it."""
    if brief is None or brief.action or not spec.action:
        return brief
    return replace(brief, action=spec.action)
