"""The offline rewriter: reads a ShotSpec's idea (agent/reading.py) and writes the formula
prompt, camera → scene → details, in English and inside the text encoder's 226 tokens
(agent/formula.py), with the reply that says what was kept and chosen."""

from __future__ import annotations

import secrets
import threading
from dataclasses import replace
from pathlib import Path
from typing import Mapping

from agent.brief import Brief
from agent.chatter import SILENCE
from agent.consistency import Rules, load_rules
from agent.fidelity import Facts, facts_of, missing
from agent.formula import MAX_TOKENS, TOKEN_BUDGET, compose, match_hints
from agent.glossary import Glossary, load_glossary
from agent.occasions import Occasions, load_occasions
from agent.places import load_gazetteer
from agent.reading import read_idea
from agent.replies import Replies, load_replies
from agent.rewrite import Rewrite, StyleHints, given, parts_given
from agent.shot import ShotSpec
from agent.vocabulary import DATA_DIR, Vocabulary, load_vocabulary
from errors import InputError


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
