"""The LLM rewriter: any OpenAI-compatible chat endpoint (OpenAI, Zhipu GLM, a local server)
writes the formula prompt as JSON; the answer is checked, asked for once more when it is
not usable, and on a timeout or a second bad answer the offline formula takes over — and the
user is told so."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from agent.formula import MAX_TOKENS, estimate_tokens
from agent.glossary import has_cjk
from agent.limits import first_bad_character
from agent.rewriter import FormulaRewriter, Rewrite, StyleHints, given, parts_given
from agent.shot import ShotSpec
from agent.vocabulary import DATA_DIR, MOTION_PHRASES
from errors import InputError

log = logging.getLogger("clipwright.llm")

ZHIPU_BASE_URL = "https://open.bigmodel.cn/api/paas/v4/"
ZHIPU_MODEL = "glm-4-flash"
OPENAI_MODEL = "gpt-4o-mini"
DEFAULT_TIMEOUT = 20.0
# The soundtrack moods of music/moods.toml (the selector takes one as a hint).
MOODS = ("calm", "dreamy", "uplifting", "epic", "tense", "playful", "romantic", "melancholic",
         "lo-fi", "corporate-bright", "chinese-traditional", "nature-ambient")
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


@dataclass(frozen=True)
class LLMConfig:
    """Where the chat model is and how long to wait for it."""

    base_url: str | None  # None: OpenAI's own endpoint
    api_key: str
    model: str
    timeout: float = DEFAULT_TIMEOUT
    provider: str = "custom"  # "custom", "zhipu" or "openai"

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "LLMConfig | None":
        """CLIPWRIGHT_LLM_BASE_URL (+ _API_KEY, _MODEL) for any endpoint; else
        ZHIPUAI_API_KEY → Zhipu GLM; else OPENAI_API_KEY → OpenAI; else None."""
        get = lambda name: (environ.get(name) or "").strip()  # noqa: E731
        timeout_text = get("CLIPWRIGHT_LLM_TIMEOUT") or str(DEFAULT_TIMEOUT)
        try:
            timeout = float(timeout_text)
        except ValueError:
            timeout = -1.0
        if not 0 < timeout <= 600:
            raise InputError(f"CLIPWRIGHT_LLM_TIMEOUT must be seconds between 0 and 600; "
                             f"got '{timeout_text}'")
        base_url, key, model = (get("CLIPWRIGHT_LLM_BASE_URL"), get("CLIPWRIGHT_LLM_API_KEY"),
                                get("CLIPWRIGHT_LLM_MODEL"))
        if base_url:
            if not re.match(r"https?://", base_url):
                raise InputError(f"CLIPWRIGHT_LLM_BASE_URL must start with http:// or "
                                 f"https://; got '{base_url}'")
            if not model:
                raise InputError("CLIPWRIGHT_LLM_BASE_URL is set; set CLIPWRIGHT_LLM_MODEL "
                                 "to the model name the endpoint serves")
            # Local servers often need no key; the client insists on one.
            return cls(base_url, key or "not-needed", model, timeout, "custom")
        if get("ZHIPUAI_API_KEY"):
            return cls(ZHIPU_BASE_URL, key or get("ZHIPUAI_API_KEY"), model or ZHIPU_MODEL,
                       timeout, "zhipu")
        if get("OPENAI_API_KEY"):
            return cls(None, key or get("OPENAI_API_KEY"), model or OPENAI_MODEL, timeout,
                       "openai")
        return None

    @property
    def where(self) -> str:
        """The endpoint's host, for messages (never the key)."""
        host = re.sub(r"^https?://", "", self.base_url or "api.openai.com").split("/")[0]
        return f"{self.model} at {host}"


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


class LLMRewriter:
    """Rewrites through a chat model; the formula rewriter stands by as the fallback."""

    name = "llm"

    def __init__(self, config: LLMConfig, fallback: FormulaRewriter | None = None):
        self.config = config
        self.fallback = fallback or FormulaRewriter()
        self._system = system_prompt()
        self._echo = instruction_runs(self._system)
        self._client = None
        self._lock = threading.Lock()

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
            fields, notes = self.exchange(request, hints, style=spec.style)
        except LLMUnavailable as exc:
            return self.fall_back(spec, hints, str(exc), language)
        return self.filled(spec, fields, notes, language)

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
                 style: str | None = None,
                 history: list[tuple[str, str]] = ()) -> tuple[dict[str, str], tuple[str, ...]]:
        """Send one request (a JSON-able dict: task, idea or message, current parts…) and
        return the checked answer and notes for the user. A second unusable answer, a timeout
        or a transport error raises LLMUnavailable with the reason."""
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
        # The style's template takes its words from the 226 the encoder reads.
        token_limit = MAX_TOKENS - (hints.reserve_tokens if hints else 0)
        for attempt in (1, 2):
            try:
                answer = self._complete(messages)
            except Exception as exc:  # noqa: BLE001 - any transport failure means: fall back
                reason = _describe_failure(exc, self.config)
                log.warning("LLM rewrite failed: %s", reason)
                raise LLMUnavailable(reason) from exc
            try:
                return parse_answer(answer, photo=bool(request.get("photo")),
                                    token_limit=token_limit, echo=self._echo), tuple(notes)
            except LLMOutputError as exc:
                log.info("LLM answer %d unusable: %s", attempt, exc)
                if attempt == 2:
                    raise LLMUnavailable(f"twice an unusable answer: {exc}") from exc
                notes.append(f"the language model's first answer was unusable ({exc}); it "
                             f"was asked again")
                messages += [{"role": "assistant", "content": answer[:4000]},
                             {"role": "user", "content":
                              f"That answer was not usable: {exc}. Answer again with only "
                              f"the JSON object described in the instructions."}]
        raise AssertionError("unreachable")

    def fall_back(self, spec: ShotSpec, hints: StyleHints | None, reason: str,
                  language: str) -> Rewrite:
        """The formula's rewrite, with a note saying why the model was not used."""
        rewrite = self.fallback.rewrite(spec.with_changes(camera="", scene="", details=""),
                                        hints)
        note = self.fallback.replies.say(language, "fallback", reason=reason)
        return Rewrite(spec=rewrite.spec, backend=rewrite.backend, reply=rewrite.reply,
                       untranslated=rewrite.untranslated, warnings=(note, *rewrite.warnings),
                       brief=rewrite.brief, composition=rewrite.composition)

    def _complete(self, messages: list[dict]) -> str:
        """The model's answer within `config.timeout` in all. The client's own timeout is per
        read, so a server that trickles a byte now and then would hold it for hours; the
        request runs in a helper thread, left to finish on its own if the time runs out."""
        outcome: dict = {}

        def ask() -> None:
            try:
                outcome["answer"] = self._ask(messages)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                outcome["error"] = exc

        helper = threading.Thread(target=ask, name="clipwright-llm", daemon=True)
        helper.start()
        helper.join(self.config.timeout)
        if helper.is_alive():
            raise TimeoutError(f"no whole answer within {self.config.timeout:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["answer"]

    def _ask(self, messages: list[dict]) -> str:
        client = self._get_client()
        response = client.chat.completions.create(model=self.config.model, messages=messages,
                                                  temperature=0.7, max_tokens=900)
        choices = getattr(response, "choices", None)
        if not isinstance(choices, list) or not choices:
            return ""
        content = getattr(getattr(choices[0], "message", None), "content", None)
        return content if isinstance(content, str) else ""  # a server may send anything

    def _get_client(self):
        with self._lock:
            if self._client is None:
                from openai import OpenAI  # imported on first use: it is slow to import

                self._client = OpenAI(api_key=self.config.api_key,
                                      base_url=self.config.base_url or None,
                                      timeout=self.config.timeout, max_retries=0)
            return self._client


def _describe_failure(exc: Exception, config: LLMConfig) -> str:
    name = type(exc).__name__
    if "Timeout" in name:
        return f"no answer from {config.where} within {config.timeout:g} s"
    if "Connection" in name:
        return f"could not reach {config.where}"
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return f"{config.where} refused the API key (HTTP {status})"
    if status is not None:
        return f"{config.where} answered HTTP {status}"
    return f"{config.where} failed ({name})"


def parse_answer(text: str, *, photo: bool = False, token_limit: int = MAX_TOKENS,
                 echo: frozenset[tuple[str, ...]] | None = None) -> dict[str, str]:
    """The model's JSON, checked before any of it is used: three English parts inside the
    token limit, every text field a string of sensible length with no control characters,
    markup or links, nothing that repeats the instructions (`echo`: their word runs), a known
    mood. LLMOutputError says what is wrong."""
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
    _check_text_fields(data, _default_runs() if echo is None else echo)
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
