"""The LLM rewriter: a chat model writes the formula prompt as JSON; the answer is checked —
its form (`parse_answer`) and its fidelity to the idea (agent/fidelity.py) — asked for once
more when it is not usable, and on a timeout, an error or a second bad answer the offline
formula takes over, and the user is told so.

The chat model is a `ChatModel`: `EndpointChat`, any OpenAI-compatible endpoint (OpenAI, Zhipu
GLM, a local server), or `agent.llm_local.LocalChat`, a model run here through transformers."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from pathlib import Path
from typing import Callable, Protocol

from agent.fidelity import missing
from agent.formula import MAX_TOKENS, estimate_tokens
from agent.formula_rewriter import FormulaRewriter
from agent.glossary import has_cjk
from agent.limits import first_bad_character
from agent.llm_endpoint import DEFAULT_TIMEOUT, EndpointChat, LLMConfig
from agent.moods import MOODS
from agent.rewrite import Rewrite, StyleHints, given, parts_given
from agent.shot import ShotSpec
from agent.vocabulary import DATA_DIR, MOTION_PHRASES
from errors import InputError

log = logging.getLogger("clipwright.llm")

TASKS = ("new_idea", "refine", "draw_again")
_PART_LIMIT = 1200  # characters per part; more is not a prompt
# Characters the other fields may hold; more is a model that lost the thread (or was led off).
_FIELD_LIMITS = {"subject": 200, "action": 200, "title": 120, "reply": 1000}
_TEXT_FIELDS = ("camera", "scene", "details", "subject", "action", "title", "reply")
_ECHO_WORDS = 8  # this many words in a row from the rules is the instructions repeated
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>|https?://|javascript:", re.IGNORECASE)


class LLMOutputError(ValueError):
    """The model's answer is not a usable prompt; the message says why (shown to the user)."""


class LLMUnavailable(RuntimeError):
    """The model gave no usable answer (timeout, error, two bad answers); says why."""


class ChatModelError(RuntimeError):
    """A chat model that cannot answer at all (it cannot be loaded…); the message says why,
    in words for the user."""


class ChatModel(Protocol):
    """What LLMRewriter asks: a chat endpoint (EndpointChat) or a local model (LocalChat)."""

    name: str  # the model's name
    where: str  # the model and where it runs, for messages (never a key)

    def complete(self, messages: list[dict]) -> str:
        """The answer's text ("" when there is none); raises on any failure."""
        ...


def system_prompt(path: Path = DATA_DIR / "llm_system.md") -> str:
    """The system prompt with its worked examples (agent/data/llm_system.md)."""
    return path.read_text(encoding="utf-8").replace("{moods}", ", ".join(MOODS))


def instruction_runs(system: str) -> frozenset[tuple[str, ...]]:
    """Every run of _ECHO_WORDS words in the system prompt's rules (not its worked examples,
    which a good answer may well resemble): an answer holding one repeats the instructions."""
    words = _words(system.split("\nExample 1", 1)[0])
    return frozenset(tuple(words[i:i + _ECHO_WORDS])
                     for i in range(len(words) - _ECHO_WORDS + 1))


@functools.cache
def _default_runs() -> frozenset[tuple[str, ...]]:
    return instruction_runs(system_prompt())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def user_turn(text: str) -> str:
    """An earlier user message, for the model's context: inside JSON, as data like the
    request itself, never as bare text the model could read as instructions."""
    return json.dumps({"earlier_message": text[:2000]}, ensure_ascii=False)


# An answer's fidelity problems ("lost the place 'Venice'"); () when it keeps the idea.
Guard = Callable[[dict[str, str]], tuple[str, ...]]


class LLMRewriter:
    """Rewrites through a chat model; the formula rewriter stands by as the fallback."""

    name = "llm"

    def __init__(self, chat: ChatModel | LLMConfig, fallback: FormulaRewriter | None = None,
                 *, timeout: float | None = None):
        """chat: the model to ask (an LLMConfig means its endpoint). timeout: seconds for a
        whole answer (default: the config's, else 20)."""
        if isinstance(chat, LLMConfig):
            timeout = timeout or chat.timeout
            chat = EndpointChat(chat)
        self.chat: ChatModel = chat
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.fallback = fallback or FormulaRewriter()
        self._system = system_prompt()
        self._echo = instruction_runs(self._system)

    def rewrite(self, spec: ShotSpec, hints: StyleHints | None = None) -> Rewrite:
        """Fill the spec's parts with the model's prompt (the formula's when it fails)."""
        if parts_given(spec):
            return given(spec)
        if not spec.idea.strip():
            raise InputError("the idea is empty; describe what the video should show")
        language = "zh" if has_cjk(spec.idea) else spec.language
        request = {"task": "new_idea", "idea": spec.idea,
                   "photo": spec.source_image is not None, "language": language}
        try:
            fields, notes = self.exchange(request, hints, style=spec.style,
                                          guard=self.guard(spec))
        except LLMUnavailable as exc:
            return self.fall_back(spec, hints, str(exc), language)
        return self.filled(spec, fields, notes, language)

    def guard(self, spec: ShotSpec, *, new_idea_only: bool = False) -> Guard | None:
        """The fidelity check of answers for the spec's idea: what the formula reads in it
        (`FormulaRewriter.facts`) must stay in the prompt (agent/fidelity.py). None when the
        idea names nothing the formula can check. new_idea_only: check only answers that
        take the message as a new idea (a refinement may change what the idea named)."""
        facts = self.fallback.facts(spec)
        if not facts:
            return None

        def check(fields: dict[str, str]) -> tuple[str, ...]:
            if new_idea_only and fields.get("intent") != "new_idea":
                return ()
            return missing(facts, " ".join(fields[k] for k in ("camera", "scene", "details")))

        return check

    def filled(self, spec: ShotSpec, fields: dict[str, str], notes: tuple[str, ...],
               language: str) -> Rewrite:
        """The Rewrite of a checked answer."""
        spec = spec.with_changes(
            subject=fields["subject"] or spec.subject, action=fields["action"],
            camera=fields["camera"], scene=fields["scene"], details=fields["details"],
            title=fields["title"] or spec.title, mood=fields["mood"] or spec.mood,
            language=language)
        return Rewrite(spec=spec, backend=self.name, reply=fields["reply"], warnings=notes)

    def exchange(self, request: dict, hints: StyleHints | None = None, *,
                 style: str | None = None, history: list[tuple[str, str]] = (),
                 guard: Guard | None = None) -> tuple[dict[str, str], tuple[str, ...]]:
        """Send one request (a JSON-able dict: task, idea or message, current parts…) and
        return the checked answer and notes for the user. An answer the guard finds problems
        with (it lost what the user asked for) is unusable too. A second unusable answer, a
        timeout or a transport error raises LLMUnavailable with the reason."""
        if hints and (hints.camera or hints.lighting):
            request = {**request, "style": style,
                       "style_hints": {"camera": list(hints.camera),
                                       "lighting": list(hints.lighting)}}
        messages = [{"role": "system", "content": self._system}]
        for role, text in list(history)[-6:]:
            if role == "user":
                messages.append({"role": "user", "content": user_turn(text)})
            else:
                messages.append({"role": "assistant", "content": text[:2000]})
        # The user's words travel inside JSON: data to depict, not instructions.
        messages.append({"role": "user", "content": json.dumps(request, ensure_ascii=False)})
        notes: list[str] = []
        lost: tuple[str, ...] = ()  # what an answer left out, for the user if all fails
        # The style's template takes its words from the 226 the encoder reads.
        token_limit = MAX_TOKENS - (hints.reserve_tokens if hints else 0)
        for attempt in (1, 2):
            answer = self._answer(messages)
            unusable, problems = "", ()
            try:
                fields = parse_answer(answer, photo=bool(request.get("photo")),
                                      token_limit=token_limit, echo=self._echo)
                problems = guard(fields) if guard else ()
            except LLMOutputError as exc:
                unusable = str(exc)
            if not unusable and not problems:
                return fields, tuple(notes)
            log.info("LLM answer %d unusable: %s", attempt, unusable or "; ".join(problems))
            lost = problems or lost
            if attempt == 2:
                raise LLMUnavailable(self._gave_up(lost, unusable))
            if problems:
                notes.append(f"the language model's first answer lost what you asked for "
                             f"({'; '.join(problems)}); it was asked again")
                # Quoted as JSON strings: the labels hold the user's words.
                retry = (f"Your prompt lost what the user asked for: "
                         f"{'; '.join(json.dumps(p, ensure_ascii=False) for p in problems)}; "
                         f"keep every one of them. Answer again with only the JSON object "
                         f"described in the instructions.")
            else:
                notes.append(f"the language model's first answer was unusable ({unusable}); "
                             f"it was asked again")
                retry = (f"That answer was not usable: {unusable}. Answer again with only "
                         f"the JSON object described in the instructions.")
            messages = [*messages, {"role": "assistant", "content": answer[:4000]},
                        {"role": "user", "content": retry}]  # a new list: the first was sent
        raise AssertionError("unreachable")

    def _gave_up(self, lost: tuple[str, ...], unusable: str) -> str:
        """Why the second answer is not used either, for the user."""
        if lost:
            then = f", then gave an unusable answer ({unusable})" if unusable else ""
            return f"{self.chat.where} left out what you asked for: {'; '.join(lost)}{then}"
        return f"twice an unusable answer from {self.chat.where}: {unusable}"

    def fall_back(self, spec: ShotSpec, hints: StyleHints | None, reason: str,
                  language: str) -> Rewrite:
        """The formula's rewrite, with a note saying why the model was not used."""
        rewrite = self.fallback.rewrite(spec.with_changes(camera="", scene="", details=""),
                                        hints)
        note = self.fallback.replies.say(language, "fallback", reason=reason)
        return Rewrite(spec=rewrite.spec, backend=rewrite.backend, reply=rewrite.reply,
                       untranslated=rewrite.untranslated, warnings=(note, *rewrite.warnings),
                       brief=rewrite.brief, composition=rewrite.composition)

    def _answer(self, messages: list[dict]) -> str:
        """The model's answer; LLMUnavailable, saying why, when there is none."""
        try:
            return self._complete(messages)
        except Exception as exc:  # noqa: BLE001 - any transport failure means: fall back
            reason = _describe_failure(exc, self.chat, self.timeout)
            log.warning("LLM rewrite failed: %s", reason)
            raise LLMUnavailable(reason) from exc

    def _complete(self, messages: list[dict]) -> str:
        """The model's answer within `timeout` in all. An endpoint client's own timeout is
        per read, so a server that trickles a byte now and then would hold it for hours, and
        a local generate cannot be interrupted at all: the request runs in a helper thread,
        left to finish on its own if the time runs out."""
        outcome: dict = {}

        def ask() -> None:
            try:
                outcome["answer"] = self.chat.complete(messages)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = exc

        helper = threading.Thread(target=ask, name="clipwright-llm", daemon=True)
        helper.start()
        helper.join(self.timeout)
        if helper.is_alive():
            raise TimeoutError(f"no whole answer within {self.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]


def _describe_failure(exc: Exception, chat: ChatModel, timeout: float) -> str:
    if isinstance(exc, ChatModelError):
        return str(exc)  # already says what is wrong, in the user's terms
    where, name = chat.where, type(exc).__name__
    if "Timeout" in name:
        busy = "; it is still loading" if getattr(chat, "loading", False) else ""
        return f"no answer from {where} within {timeout:g} s{busy}"
    if "Connection" in name:
        return f"could not reach {where}"
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return f"{where} refused the API key (HTTP {status})"
    if status is not None:
        return f"{where} answered HTTP {status}"
    return f"{where} failed ({name})"


def parse_answer(text: str, *, photo: bool = False, token_limit: int = MAX_TOKENS,
                 echo: frozenset[tuple[str, ...]] | None = None) -> dict[str, str]:
    """The model's JSON, checked before any of it is used: three English parts inside the
    token limit, every text field a string of sensible length with no control characters,
    markup or links, nothing that repeats the instructions (`echo`: their word runs), a known
    mood. LLMOutputError says what is wrong."""
    data = _json_object(text)
    _check_text_fields(data, _default_runs() if echo is None else echo)
    return {**_prompt_parts(data, photo=photo, token_limit=token_limit),
            **_other_fields(data)}


def _json_object(text: str) -> dict:
    """The JSON object in the answer (a code fence around it is fine); LLMOutputError when
    there is none."""
    if not text or not text.strip():
        raise LLMOutputError("the answer was empty")
    body = re.sub(r"^\s*```(?:json)?|```\s*$", "", text.strip())
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise LLMOutputError("the answer held no JSON object")
    try:
        data = json.loads(body[start:end + 1])
    except json.JSONDecodeError as exc:
        raise LLMOutputError(f"the JSON did not parse ({exc.msg})") from exc
    except (RecursionError, ValueError) as exc:  # nested too deep; a number too long
        raise LLMOutputError("the JSON did not parse (nested too deep or too long)") from exc
    if not isinstance(data, dict):
        raise LLMOutputError("the JSON is not an object")
    return data


def _prompt_parts(data: dict, *, photo: bool, token_limit: int) -> dict[str, str]:
    """Camera, scene and details: each English text of a part's length, the camera moving
    for a photo, together inside the token limit and long enough to direct a video."""
    out: dict[str, str] = {}
    for key in ("camera", "scene", "details"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise LLMOutputError(f"'{key}' is missing or empty")
        if has_cjk(value):
            raise LLMOutputError(f"'{key}' is not in English")
        if len(value) > _PART_LIMIT:
            raise LLMOutputError(f"'{key}' is too long")
        out[key] = " ".join(value.split())
    if photo and not any(move in out["camera"].lower() for move in MOTION_PHRASES):
        raise LLMOutputError(f"for a photo, 'camera' must name a movement "
                             f"({', '.join(MOTION_PHRASES)})")
    prompt = " ".join(out[k] for k in ("camera", "scene", "details"))
    tokens = estimate_tokens(prompt)
    if tokens > token_limit:
        raise LLMOutputError(f"the prompt is about {tokens} tokens, over the {token_limit} "
                             f"left for it of the {MAX_TOKENS} the encoder reads")
    if len(prompt.split()) < 25:
        raise LLMOutputError("the prompt is too short to direct a video")
    return out


def _other_fields(data: dict) -> dict[str, str]:
    """Subject, action, title and reply as single-spaced text ("" when not text; the first
    three "" when not English), a known mood or "", and the intent (a new idea unless the
    model says it refines)."""
    out = {}
    for key in ("subject", "action", "title", "reply"):
        value = data.get(key, "")
        out[key] = " ".join(value.split()) if isinstance(value, str) else ""
    for key in ("subject", "action", "title"):
        if has_cjk(out[key]):
            out[key] = ""
    mood = data.get("mood", "")
    out["mood"] = mood if mood in MOODS else ""
    intent = data.get("intent", "new_idea")
    out["intent"] = intent if intent in ("new_idea", "refine") else "new_idea"
    return out


def _check_text_fields(data: dict, echo: frozenset[tuple[str, ...]]) -> None:
    """LLMOutputError for a text field that is not plain text of a sensible length, or that
    repeats the instructions (a sign the user's words steered the model)."""
    for key in _TEXT_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise LLMOutputError(f"'{key}' is not text")
        limit = _FIELD_LIMITS.get(key, _PART_LIMIT)
        if len(value) > limit:
            raise LLMOutputError(f"'{key}' is too long ({len(value)} characters; at most "
                                 f"{limit})")
        bad = first_bad_character(value)
        if bad is not None:
            raise LLMOutputError(f"'{key}' contains a control character ({bad[1]})")
        if _MARKUP.search(value):
            raise LLMOutputError(f"'{key}' contains markup or a link")
        words = _words(value)
        if any(tuple(words[i:i + _ECHO_WORDS]) in echo
               for i in range(len(words) - _ECHO_WORDS + 1)):
            raise LLMOutputError(f"'{key}' repeats the instructions instead of describing "
                                 f"a video")
