"""The conversation: one chat turn at a time, against a per-session state.

A turn is a new idea, a refinement ("make it night", "closer", "换成油画风格", "加点雨") that
changes only what it names, draw again (a new seed, same subject and action), a music
change, generate, or share. Commands are read by rules (agent/data/conversation.toml); ideas
and refinements by the LLM when one is configured, else by rules over the vocabularies.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Callable

from agent.conversation_llm import LLMTurns, settled
from agent.glossary import has_cjk
from agent.intents import Intents, Refinement, load_intents, scan_refinement
from agent.looks import relook
from agent.reading import Brief
from agent.replies import label
from agent.rewriter import FormulaRewriter, Rewrite, StyleHints
from agent.shot import ShotSpec
from errors import InputError


class Intent(StrEnum):
    """What a chat turn asks for; the caller acts on GENERATE, DRAW_AGAIN (render the new
    spec), SHARE and CHANGE_MUSIC."""

    NEW_IDEA = "new_idea"
    REFINE = "refine"
    DRAW_AGAIN = "draw_again"
    CHANGE_MUSIC = "change_music"
    GENERATE = "generate"
    SHARE = "share"
    UNCLEAR = "unclear"


INTENTS = tuple(Intent)
PARTS = ("camera", "scene", "details")
_CAMERA_SLOTS = {"shot", "angle", "movement", "pace", "lens", "speed", "look"}
_HISTORY = 40  # turns kept for the LLM's context and for saving


@dataclass
class Session:
    """One chat's state: the current shot, how the formula reads it, and the turns so far.
    Owned by the caller (one per browser session); save it with to_state/from_state."""

    spec: ShotSpec | None = None
    brief: Brief | None = None  # the formula's reading, with everything the user pinned
    style: str | None = None
    language: str = "en"
    image: Path | None = None
    history: list[tuple[str, str]] = field(default_factory=list)  # (role, text)

    def to_state(self) -> dict:
        """A JSON-safe dict (store/ keeps it per session)."""
        spec = self.spec.to_dict() if self.spec is not None else None
        return {"spec": spec, "brief": self.brief.to_state() if self.brief else None,
                "style": self.style, "language": self.language,
                "image": str(self.image) if self.image else None,
                "history": [list(item) for item in self.history[-_HISTORY:]]}

    @classmethod
    def from_state(cls, state: dict | None) -> "Session":
        """The session saved by to_state; an empty or unreadable state gives a new one."""
        if not state:
            return cls()
        try:
            spec = ShotSpec.from_dict(state["spec"]) if state.get("spec") else None
            brief = Brief.from_state(state["brief"]) if state.get("brief") else None
            return cls(spec=spec, brief=brief, style=state.get("style"),
                       language=state.get("language", "en"),
                       image=Path(state["image"]) if state.get("image") else None,
                       history=[(str(r), str(t)) for r, t in state.get("history", [])])
        except (KeyError, TypeError, ValueError, AttributeError):
            return cls()


@dataclass(frozen=True)
class Reply:
    """The agent's answer to one turn.

    intent   an Intent (given as its value or the member)
    text     the message to show, in the user's language (plain text, line breaks)
    spec     the current shot after the turn (None until there is an idea)
    changed  which prompt parts changed: a subset of ("camera", "scene", "details")
    music    for change_music: "none", "next" (another track) or a mood id
    """

    intent: Intent
    text: str
    spec: ShotSpec | None = None
    rewrite: Rewrite | None = None
    changed: tuple[str, ...] = ()
    music: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "intent", Intent(self.intent))  # an unknown intent fails here

    @property
    def parts(self) -> dict[str, str]:
        """The prompt's three parts, for showing the formula."""
        if self.spec is None:
            return {}
        return {"camera": self.spec.camera, "scene": self.spec.scene,
                "details": self.spec.details}


class Conversation(LLMTurns):
    """Turns a user's message into a Reply, updating the Session it is given."""

    def __init__(self, rewriter=None,
                 hints_for: Callable[[str | None], StyleHints | None] = lambda style: None):
        """rewriter: a FormulaRewriter or an agent.llm.LLMRewriter (None: the formula).
        hints_for: a style id → the style's StyleHints (None when it has none)."""
        from agent.llm import LLMRewriter

        self.llm = rewriter if isinstance(rewriter, LLMRewriter) else None
        self.formula: FormulaRewriter = (self.llm.fallback if self.llm else
                                         rewriter if isinstance(rewriter, FormulaRewriter)
                                         else FormulaRewriter())
        self.hints_for = hints_for
        self._intents: Intents | None = None

    @property
    def intents(self) -> Intents:
        if self._intents is None:
            self._intents = load_intents(self.formula.data_dir / "conversation.toml")
        return self._intents

    def turn(self, session: Session, text: str, *, image: Path | None = None,
             style: str | None = None) -> Reply:
        """Handle one user message (and an optional photo or style pick) and answer it."""
        text = " ".join((text or "").split())
        if has_cjk(text):
            session.language = "zh"
        elif any(c.isascii() and c.isalpha() for c in text):
            session.language = "en"
        if text:
            session.history.append(("user", text))
        reply = self._answer(session, text, image, style)
        session.history.append(("assistant", reply.text))
        del session.history[:-_HISTORY]
        return reply

    # --- the kinds of turn -------------------------------------------------------------------

    def _answer(self, session: Session, text: str, image: Path | None,
                style: str | None) -> Reply:
        lang = session.language
        say = self.formula.replies.say
        restyled = style is not None and style != session.style
        if style is not None:
            session.style = style or None
            if session.spec is not None and text:  # the pick applies to what comes next
                session.spec = session.spec.with_changes(style=session.style)
        if image is not None:
            session.image = image
        command = self.intents.command(text)
        if command in ("generate", "share", "draw_again") and session.spec is None:
            return Reply("unclear", say(lang, "need_idea"))
        if command == "generate":
            return Reply("generate", say(lang, "generate"), session.spec)
        if command == "share":
            return Reply("share", say(lang, "share"), session.spec)
        if command == "draw_again":
            return self._draw_again(session)
        music = self.intents.music(text)
        if music is not None:
            return self._change_music(session, music)
        if not text:
            if session.spec is not None and (restyled or image is not None):
                return self._refresh(session, restyled)
            return Reply("unclear", say(lang, "need_idea"))
        if session.spec is None:
            return self._new_idea(session, text)
        if self.llm is not None:
            return self._refine_with_llm(session, text)
        return self._refine_by_rules(session, text)

    def _new_idea(self, session: Session, text: str, notes: tuple[str, ...] = ()) -> Reply:
        spec = ShotSpec(idea=text, style=session.style, source_image=session.image,
                        seed=secrets.randbelow(2**31), language=session.language)
        hints = self.hints_for(session.style)
        if self.llm is not None:
            rewrite = self.llm.rewrite(spec, hints)
            try:
                brief = rewrite.brief or self.formula.read(text)
            except InputError:
                brief = None  # the LLM understood what the glossary did not
        else:
            try:
                rewrite = self.formula.rewrite(spec, hints)
            except InputError as exc:
                return Reply("unclear", "\n\n".join([*filter(None, notes), str(exc)]),
                             session.spec)
            brief = rewrite.brief
        if notes:
            rewrite = replace(rewrite, warnings=(*filter(None, notes), *rewrite.warnings))
        session.spec, session.brief = rewrite.spec, settled(brief, rewrite.spec)
        return self._reply("new_idea", session, rewrite, PARTS,
                           self.formula.replies.say(session.language, "new_idea"))

    def _draw_again(self, session: Session) -> Reply:
        """A new seed: same subject and action, fresh camera and scene choices."""
        seed = secrets.randbelow(2**31)
        spec = session.spec.with_changes(seed=seed, camera="", scene="", details="")
        hints = self.hints_for(session.style)
        rewrite, note = None, ""
        if self.llm is not None:
            rewrite, note = self._llm_turn(session, {"task": "draw_again"}, spec)
        if rewrite is None and session.brief is not None:
            rewrite = self.formula.compose(spec, session.brief, hints)
        if rewrite is None:  # the LLM failed and the formula cannot read the idea
            rewrite = Rewrite(spec=session.spec.with_changes(seed=seed), backend="given")
        session.spec = rewrite.spec
        items = self.formula.replies.join(session.language, [
            self.formula.replies.say(session.language, part) for part in PARTS])
        head = self.formula.replies.say(session.language, "draw_again", seed=seed, items=items)
        if note:
            rewrite = replace(rewrite, warnings=(note, *rewrite.warnings))
        return self._reply("draw_again", session, rewrite, PARTS, head)

    def _change_music(self, session: Session, music: str) -> Reply:
        lang = session.language
        say = self.formula.replies.say
        if session.spec is not None:
            changes = {"music": "none"} if music == "none" else {"music": "auto"}
            if music not in ("none", "next"):
                changes["mood"] = music
            session.spec = session.spec.with_changes(**changes)
        if music == "none":
            text = say(lang, "music_none")
        elif music == "next":
            text = say(lang, "music_next")
        else:
            text = say(lang, "music_mood", mood=self.intents.mood_name(music, lang))
        return Reply("change_music", text, session.spec, music=music)

    def relook(self, camera: str, style: str | None) -> str:
        """The camera text with its look words matching `style` (agent/looks.py)."""
        return relook(camera, style, self.formula.vocabulary)

    def _refresh(self, session: Session, restyled: bool) -> Reply:
        """A new style or photo without words: rewrite the current shot for it."""
        spec = session.spec.with_changes(style=session.style, source_image=session.image)
        if restyled:
            spec = spec.with_changes(camera=self.relook(spec.camera, session.style))
        photo_changed = spec.source_image != session.spec.source_image
        if photo_changed and session.brief is not None:
            rewrite = self.formula.compose(spec.with_changes(camera="", scene="", details=""),
                                           session.brief, self.hints_for(session.style))
            changed = PARTS
        else:
            rewrite = Rewrite(spec=spec, backend="given")
            changed = ("camera",) if spec.camera != session.spec.camera else ()
        session.spec = rewrite.spec
        style_name = self._style_name(session.style, session.language) if session.style else "—"
        head = self.formula.replies.say(session.language, "refined",
                                        parts=self.formula.replies.say(session.language,
                                                                       "style"),
                                        items=self.formula.replies.say(
                                            session.language, "style_changed",
                                            style=style_name)) if restyled else ""
        return self._reply("refine", session, rewrite, changed, head)

    # --- refinements -------------------------------------------------------------------------

    def _said(self, camera: str) -> dict[str, str]:
        """The shot size and pace the camera text actually names (an LLM or the user may
        have written it), so that "closer" steps from what the user sees."""
        vocabulary = self.formula.vocabulary
        said: dict[str, str] = {}
        for term in vocabulary.find_terms(camera):
            if term.slot == "shot" and "shot" not in said:
                said["shot"] = term.ids[0]
            if term.slot == "movement" and "pace" not in said:
                pace = vocabulary.pace_before(camera[:term.start])
                if pace:
                    said["pace"] = pace[0]
        return said

    def _refine_by_rules(self, session: Session, text: str, notes: tuple[str, ...] = ()) -> Reply:
        """Offline: pin what the message names, step what it asks to step, swap or add a
        subject — then rewrite only the parts those touch."""
        lang = session.language
        replies = self.formula.replies
        found = scan_refinement(text, self.formula, self.intents)
        brief = session.brief
        if brief is None or (found.is_new_idea(brief) and found.idea is not None):
            return self._new_idea(session, text, notes)
        spec = session.spec
        hints = self.hints_for(session.style)
        picks = self._current_picks(found, spec, brief, hints)
        new_brief, slots, items, style = found.apply(brief, picks, self.formula.vocabulary,
                                                     lang, replies)
        if not slots:
            return self._nothing_refined(found, spec, notes, lang)
        affected = self._affected_parts(slots, style)
        if style:  # the new style's hints shape this very turn, camera and light alike
            session.style = style
            spec = spec.with_changes(style=style)
            hints = self.hints_for(style)
        # Every choice the message did not name stays as it was wherever it still fits.
        keep = {slot: entry_id for slot, entry_id in picks.items() if slot not in slots}
        rewrite = self.formula.compose(spec.with_changes(**{p: "" for p in affected}),
                                       new_brief, hints, keep=keep)
        session.spec, session.brief = rewrite.spec, new_brief
        items = [*items, *self._followed(rewrite, keep, lang)]
        changed = tuple(p for p in PARTS if p in affected)
        parts = replies.join(lang, [replies.say(lang, p).lower() for p in changed])
        head = replies.say(lang, "refined", parts=parts, items=replies.join(lang, items))
        rewrite = replace(rewrite, warnings=tuple(n for n in notes if n) + rewrite.warnings)
        return self._reply("refine", session, rewrite, changed, head)

    def _current_picks(self, found: Refinement, spec: ShotSpec, brief: Brief,
                       hints: StyleHints | None) -> dict[str, str]:
        """The choices the shot has now, for a message that names or steps any: the
        formula's, and the shot size and pace its camera text names ({} for no such message)."""
        if found.empty:
            return {}
        current = self.formula.compose(spec.with_changes(camera="", scene="", details=""),
                                       brief, hints)
        return {**dict(current.composition.picks), **self._said(spec.camera)}

    def _nothing_refined(self, found: Refinement, spec: ShotSpec, notes: tuple[str, ...],
                         lang: str) -> Reply:
        """A message that changed nothing: unclear (with the words no dictionary knows), or a
        refinement of what the shot already has."""
        replies = self.formula.replies
        if found.empty:
            message = replies.say(lang, "unclear")
            if found.untranslated:
                message += "\n" + replies.untranslated(lang, found.untranslated)
        else:
            message = replies.say(lang, "refined_nothing")
        return Reply("unclear" if found.empty else "refine",
                     "\n\n".join([*filter(None, notes), message]), spec)

    @staticmethod
    def _affected_parts(slots: set[str], style: str | None) -> set[str]:
        """The prompt parts a refinement rewrites: the camera for camera choices and a new
        subject, the scene for the rest and a new style, the details for a new subject."""
        affected = set()
        if slots & _CAMERA_SLOTS or "subject" in slots:
            affected.add("camera")
        if slots - _CAMERA_SLOTS - {"subject"} or style:
            affected.add("scene")
        if "subject" in slots:
            affected.add("details")
        return affected

    def _followed(self, rewrite: Rewrite, keep: dict[str, str], lang: str) -> list[str]:
        """A choice that no longer fits what changed (a 24mm lens on a closer shot, sunlight
        at night) had to change too: its new labels, so that "everything else stays" is
        true."""
        return [label(self.formula.vocabulary, slot, entry_id, lang, rewrite.composition)
                for slot, entry_id in rewrite.composition.picks
                if slot in keep and keep[slot] != entry_id and slot not in ("pace",)]

    def _style_name(self, style: str, language: str) -> str:
        """A style's display name in the user's language (its id when it has none)."""
        hints = self.hints_for(style)
        return (hints.name(language) if hints else None) or style

    def _reply(self, intent: str, session: Session, rewrite: Rewrite,
               changed: tuple[str, ...], head: str) -> Reply:
        """The message: what happened, the formula in three parts, why, and any notes."""
        replies = self.formula.replies
        lang = session.language
        spec = rewrite.spec
        blocks = [head, replies.formula(lang, spec.camera, spec.scene, spec.details)]
        if spec.style:
            blocks.append(f"{replies.say(lang, 'style')}: {self._style_name(spec.style, lang)}")
        if rewrite.reply and intent in ("new_idea", "draw_again"):
            blocks.append(rewrite.reply)
        blocks += list(rewrite.warnings)
        return Reply(intent, "\n\n".join(b for b in blocks if b), spec, rewrite,
                     changed=changed)
