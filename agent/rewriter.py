"""The prompt rewriter: a ShotSpec's idea → the formula prompt, camera → scene → details, in
English and inside the text encoder's 226 tokens.

`FormulaRewriter` works offline from the vocabularies in agent/data; `agent.llm.LLMRewriter`
asks an OpenAI-compatible chat model and falls back to the formula. `rewriter_from_env`
picks one the way the environment says."""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol

from agent.formula import (MAX_TOKENS, TOKEN_BUDGET, Composition, compose, estimate_tokens,
                           match_hints)
from agent.glossary import Glossary, has_cjk, load_glossary
from agent.reading import Brief, read_idea
from agent.replies import Replies, load_replies
from agent.shot import ShotSpec
from agent.vocabulary import DATA_DIR, Vocabulary, load_vocabulary
from errors import InputError

BACKENDS = ("formula", "llm", "given")


@dataclass(frozen=True)
class StyleHints:
    """What a style preset suggests to the rewriter (English phrases, e.g. cinematic:
    camera=("slow dolly in", "shallow depth of field")). The user's own words always win."""

    camera: tuple[str, ...] = ()
    lighting: tuple[str, ...] = ()
    reserve_tokens: int = 0  # tokens the style's template adds around the prompt
    names: tuple[tuple[str, str], ...] = ()  # (language, display name), for replies

    def name(self, language: str) -> str | None:
        """The style's name in a language (English when it has none in that one)."""
        found = dict(self.names)
        return found.get(language) or found.get("en")


@dataclass(frozen=True)
class Rewrite:
    """A rewriter's answer: the spec with its prompt parts filled, and what to tell the user."""

    spec: ShotSpec
    backend: str  # one of BACKENDS; "given" when the spec already had its three parts
    reply: str = ""  # what was kept and chosen and why, in the user's language
    untranslated: tuple[str, ...] = ()  # Chinese words the formula did not understand
    warnings: tuple[str, ...] = ()  # notes for the user (a fallback, a cut, a long prompt)
    brief: Brief | None = None  # the formula's reading of the idea (for refinements)
    composition: Composition | None = None  # the formula's choices, slot by slot

    @property
    def prompt(self) -> str:
        return self.spec.prompt

    def to_dict(self) -> dict:
        """A JSON-safe summary (the CLI's `rewrite --json`)."""
        spec = self.spec
        return {"prompt": spec.prompt, "camera": spec.camera, "scene": spec.scene,
                "details": spec.details, "subject": spec.subject, "action": spec.action,
                "title": spec.title, "mood": spec.mood, "style": spec.style, "seed": spec.seed,
                "language": spec.language, "backend": self.backend, "reply": self.reply,
                "untranslated": list(self.untranslated), "warnings": list(self.warnings),
                "words": len(spec.prompt.split()), "tokens": estimate_tokens(spec.prompt)}


class Rewriter(Protocol):
    """Anything that fills a spec's prompt parts."""

    name: str

    def rewrite(self, spec: ShotSpec, hints: StyleHints | None = None) -> Rewrite: ...


def parts_given(spec: ShotSpec) -> bool:
    """Whether the spec already has all three parts (edited by the user, or rewritten)."""
    return all(part.strip() for part in (spec.camera, spec.scene, spec.details))


def given(spec: ShotSpec) -> Rewrite:
    """The spec as it is, with a warning when the encoder would not read all of it."""
    warnings = []
    tokens = estimate_tokens(spec.prompt)
    if tokens > MAX_TOKENS:
        warnings.append(f"the prompt is about {tokens} tokens; the text encoder reads "
                        f"{MAX_TOKENS}, so its end will be cut")
    if has_cjk(spec.prompt):
        warnings.append("the prompt contains Chinese; CogVideoX's text encoder reads English")
    return Rewrite(spec=spec, backend="given", warnings=tuple(warnings))


class FormulaRewriter:
    """The offline rewriter: reads the idea (English, or Chinese through the glossary) and
    writes the formula from the vocabularies. Data loads on first use; thread-safe."""

    name = "formula"

    def __init__(self, data_dir: Path = DATA_DIR, token_budget: int = TOKEN_BUDGET):
        self.data_dir = Path(data_dir)
        self.token_budget = token_budget
        self._lock = threading.Lock()
        self._data: tuple[Vocabulary, Glossary, Replies] | None = None

    def _loaded(self) -> tuple[Vocabulary, Glossary, Replies]:
        with self._lock:
            if self._data is None:
                vocabulary = load_vocabulary(self.data_dir)
                self._data = (vocabulary,
                              load_glossary(vocabulary, self.data_dir / "glossary_zh.toml"),
                              load_replies(self.data_dir / "conversation.toml"))
            return self._data

    @property
    def vocabulary(self) -> Vocabulary:
        return self._loaded()[0]

    @property
    def glossary(self) -> Glossary:
        return self._loaded()[1]

    @property
    def replies(self) -> Replies:
        return self._loaded()[2]

    def read(self, idea: str, *, photo: bool = False) -> Brief:
        """The Brief of an idea (InputError when it names nothing to show; with a photo,
        camera or scene words alone are enough)."""
        vocabulary, glossary, _ = self._loaded()
        return read_idea(idea, vocabulary, glossary, photo=photo)

    def rewrite(self, spec: ShotSpec, hints: StyleHints | None = None) -> Rewrite:
        """Fill the parts the spec lacks; keep those it has."""
        if not spec.idea.strip() and not parts_given(spec):
            raise InputError("the idea is empty; describe what the video should show")
        if parts_given(spec):
            return given(spec)
        return self.compose(spec, self.read_with_photo(spec), hints)

    def read_with_photo(self, spec: ShotSpec) -> Brief:
        """Read the idea; with a photo, the photo itself is the subject, so an idea of camera
        or scene words alone ("slow push in", "at dusk") is a whole request."""
        try:
            return self.read(spec.idea)
        except InputError as original:
            if spec.source_image is None:
                raise
            try:
                return self.read(spec.idea, photo=True)
            except InputError:
                raise original from None

    def compose(self, spec: ShotSpec, brief: Brief, hints: StyleHints | None = None) -> Rewrite:
        """Write the prompt for a Brief (the conversation calls this after a refinement).
        A spec without a seed gets one, so the render and the prompt agree."""
        vocabulary, _, replies = self._loaded()
        seed = spec.seed if spec.seed is not None else secrets.randbelow(2**31)
        hints = hints or StyleHints()
        photo = spec.source_image is not None
        composition = compose(brief, vocabulary, seed=seed, photo=photo,
                              hints=match_hints(hints.camera, hints.lighting, vocabulary,
                                                hints.reserve_tokens),
                              token_budget=self.token_budget)
        language = "zh" if brief.language == "zh" else spec.language
        filled = spec.with_changes(
            subject=brief.subject, action=composition.action,
            camera=spec.camera or composition.camera, scene=spec.scene or composition.scene,
            details=spec.details or composition.details, seed=seed, language=language,
            style=spec.style or composition.style, title=spec.title or composition.title,
            mood=spec.mood or composition.mood)
        warnings = []
        if brief.untranslated:
            warnings.append(replies.untranslated(language, brief.untranslated))
        if brief.truncated:
            warnings.append(replies.say(language, "too_long", words=60))
        if composition.shortened:
            warnings.append(replies.say(language, "shortened", tokens=MAX_TOKENS))
        return Rewrite(spec=filled, backend=self.name,
                       reply=replies.explain(language, brief, composition, vocabulary, photo),
                       untranslated=brief.untranslated, warnings=tuple(warnings), brief=brief,
                       composition=composition)


def rewriter_from_env(environ: Mapping[str, str] = os.environ,
                      formula: FormulaRewriter | None = None) -> Rewriter:
    """The rewriter the environment asks for: CLIPWRIGHT_REWRITER=formula|llm|auto (auto:
    the LLM when one is configured — CLIPWRIGHT_LLM_BASE_URL, ZHIPUAI_API_KEY or
    OPENAI_API_KEY — else the offline formula)."""
    from agent.llm import LLMConfig, LLMRewriter

    formula = formula or FormulaRewriter()
    mode = environ.get("CLIPWRIGHT_REWRITER", "auto").strip().lower() or "auto"
    if mode not in ("auto", "formula", "llm"):
        raise InputError(f"CLIPWRIGHT_REWRITER must be auto, formula or llm; got '{mode}'")
    if mode == "formula":
        return formula
    config = LLMConfig.from_env(environ)
    if config is None:
        if mode == "llm":
            raise InputError("CLIPWRIGHT_REWRITER=llm needs CLIPWRIGHT_LLM_BASE_URL (with "
                             "CLIPWRIGHT_LLM_MODEL), ZHIPUAI_API_KEY or OPENAI_API_KEY")
        return formula
    return LLMRewriter(config, fallback=formula)
