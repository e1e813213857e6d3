"""What every rewriter speaks: a style's hints in (`StyleHints`), a `Rewrite` out, and the
`Rewriter` protocol the backends (agent/formula_rewriter.py, agent/llm.py) follow. A spec
whose three parts are already written passes through as it is (`given`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from agent.brief import Brief
from agent.formula import MAX_TOKENS, Composition, estimate_tokens
from agent.glossary import has_cjk
from agent.shot import ShotSpec


class Backend(StrEnum):
    """Who wrote a prompt: the offline formula, a language model, or the user (a spec whose
    three parts were given)."""

    FORMULA = "formula"
    LLM = "llm"
    GIVEN = "given"


BACKENDS = tuple(Backend)


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
    backend: Backend  # GIVEN when the spec already had its three parts
    reply: str = ""  # what was kept and chosen and why, in the user's language
    untranslated: tuple[str, ...] = ()  # Chinese words the formula did not understand
    warnings: tuple[str, ...] = ()  # notes for the user (a fallback, a cut, a long prompt)
    brief: Brief | None = None  # the formula's reading of the idea (for refinements)
    composition: Composition | None = None  # the formula's choices, slot by slot

    def __post_init__(self) -> None:
        object.__setattr__(self, "backend", Backend(self.backend))  # a typo fails here

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
