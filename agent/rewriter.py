"""The prompt rewriter: a ShotSpec's idea → the formula prompt, camera → scene → details, in
English and inside the text encoder's 226 tokens.

`FormulaRewriter` works offline from the vocabularies in agent/data; `agent.llm.LLMRewriter`
asks an OpenAI-compatible chat model and falls back to the formula. `rewriter_from_env`
picks one the way the environment says."""

from __future__ import annotations

import os
import secrets
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping, Protocol

from agent.formula import (MAX_TOKENS, TOKEN_BUDGET, Composition, compose, estimate_tokens,
                           match_hints)
from agent.consistency import Rules, load_rules
from agent.fidelity import Facts, facts_of, missing
from agent.glossary import Glossary, has_cjk, load_glossary
from agent.occasions import Occasions, load_occasions
from agent.places import load_gazetteer
from agent.chatter import SILENCE
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
        self._data: tuple[Vocabulary, Glossary, Replies, Rules, Occasions] | None = None

    def _loaded(self) -> tuple[Vocabulary, Glossary, Replies, Rules, Occasions]:
        with self._lock:
            if self._data is None:
                vocabulary = load_vocabulary(self.data_dir)
                places = load_gazetteer(self.data_dir / "places.toml",
                                        {e.id for e in vocabulary.entries["setting"]})
                self._data = (vocabulary,
                              load_glossary(vocabulary, self.data_dir / "glossary_zh.toml",
                                            places),
                              load_replies(self.data_dir / "conversation.toml"),
                              load_rules(self.data_dir / "consistency.toml"),
                              load_occasions(self.data_dir / "occasions.toml"))
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

    @property
    def rules(self) -> Rules:
        return self._loaded()[3]

    def read(self, idea: str, *, photo: bool = False) -> Brief:
        """The Brief of an idea (InputError when it names nothing to show; with a photo,
        camera or scene words alone are enough; NotUnderstood, a question, when its key
        words cannot be read)."""
        vocabulary, glossary, _, rules, occasions = self._loaded()
        return read_idea(idea, vocabulary, glossary, photo=photo, rules=rules,
                         occasions=occasions)

    def brief_facts(self, brief: Brief) -> Facts:
        """What a faithful prompt for a reading must and must not say."""
        return facts_of(brief, self.vocabulary, self.rules)

    def facts(self, spec: ShotSpec) -> Facts:
        """What a faithful prompt for the spec's idea must and must not say (empty Facts
        when the idea cannot be read offline: then nothing can be checked)."""
        try:
            return self.brief_facts(self.read_with_photo(spec))
        except InputError:
            return Facts()

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

    def compose(self, spec: ShotSpec, brief: Brief, hints: StyleHints | None = None,
                keep: Mapping[str, str] | None = None) -> Rewrite:
        """Write the prompt for a Brief (the conversation calls this after a refinement).
        A spec without a seed gets one, so the render and the prompt agree. `keep` (slot →
        id: the choices of the shot as it was) is preferred wherever it still fits, so a
        refinement changes only what it names."""
        vocabulary, _, replies, rules, _ = self._loaded()
        seed = spec.seed if spec.seed is not None else secrets.randbelow(2**31)
        hints = hints or StyleHints()
        photo = spec.source_image is not None
        matched = match_hints(hints.camera, hints.lighting, vocabulary, hints.reserve_tokens)
        if keep:
            matched = replace(matched, ids={**{slot: (entry_id,) for slot, entry_id
                                               in keep.items()}, **matched.ids})
        composition = compose(brief, vocabulary, seed=seed, photo=photo, hints=matched,
                              token_budget=self.token_budget, rules=rules)
        language = "zh" if brief.language == "zh" else spec.language
        filled = spec.with_changes(
            subject=brief.subject, action=composition.action,
            camera=spec.camera or composition.camera, scene=spec.scene or composition.scene,
            details=spec.details or composition.details, seed=seed, language=language,
            style=spec.style or composition.style, title=spec.title or composition.title,
            mood=spec.mood or brief.mood or composition.mood,
            music="none" if SILENCE & set(brief.avoid) else spec.music)
        warnings = []
        lost = missing(facts_of(brief, vocabulary, rules), filled.prompt)
        if lost:  # only a cut to fit the encoder can do this; the user should know
            warnings.append(replies.say(language, "unfaithful", problems="; ".join(lost)))
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
    """The rewriter the environment asks for.

    CLIPWRIGHT_REWRITER
      auto     (default) a chat endpoint when one is configured — CLIPWRIGHT_LLM_BASE_URL
               (+ _MODEL, _API_KEY), ZHIPUAI_API_KEY or OPENAI_API_KEY; else the local model
               CLIPWRIGHT_LLM_LOCAL names; else, on a CUDA host only, the first model of
               agent/data/local_llms.toml in the Hugging Face cache; else the offline formula
      llm      the same choice of model, but an error instead of the formula
      local    the local model only (CLIPWRIGHT_LLM_LOCAL, else the registry on a CUDA host)
      formula  the offline formula
    CLIPWRIGHT_LLM_LOCAL    a hub id (from the HF cache only, never downloaded) or a folder
    CLIPWRIGHT_LLM_TIMEOUT  seconds for a whole answer, either backend (default 20)
    Every LLM falls back to the formula, with a note, when it fails. Without CUDA and
    without settings this imports neither torch nor transformers."""
    from agent.llm import LLMConfig, LLMRewriter, timeout_from_env

    formula = formula or FormulaRewriter()
    mode = environ.get("CLIPWRIGHT_REWRITER", "auto").strip().lower() or "auto"
    if mode not in ("auto", "formula", "llm", "local"):
        raise InputError(f"CLIPWRIGHT_REWRITER must be auto, formula, llm or local; "
                         f"got '{mode}'")
    if mode == "formula":
        return formula
    config = LLMConfig.from_env(environ) if mode != "local" else None
    if config is not None:
        return LLMRewriter(config, fallback=formula)
    timeout = timeout_from_env(environ)
    from agent.llm_local import LocalChat, local_source

    source = local_source(environ)
    if source is not None:
        return LLMRewriter(LocalChat(source), fallback=formula, timeout=timeout)
    if mode == "llm":
        raise InputError("CLIPWRIGHT_REWRITER=llm needs CLIPWRIGHT_LLM_BASE_URL (with "
                         "CLIPWRIGHT_LLM_MODEL), ZHIPUAI_API_KEY, OPENAI_API_KEY or "
                         "CLIPWRIGHT_LLM_LOCAL")
    if mode == "local":
        raise InputError("CLIPWRIGHT_REWRITER=local needs CLIPWRIGHT_LLM_LOCAL (a Hugging "
                         "Face hub id in the cache, or a model folder), or a CUDA GPU with a "
                         "model of agent/data/local_llms.toml in the Hugging Face cache")
    return formula
