"""The offline formula: a Brief and a seed → camera language, scene and details, picked from
the vocabularies and written with the sentence templates. Everything the user named is kept;
the seed decides the rest, one slot at a time, so changing one choice leaves the others.

The choices are agent/formula_choices.py's, the sentences agent/formula_text.py's; this
module puts them together and fits them to the text encoder's budget."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.brief import Brief
from agent.consistency import Rules
from agent.formula_choices import (Hints, Picker, Subject, choose_camera, choose_details,
                                   choose_scene)
from agent.formula_text import Draft, write
from agent.vocabulary import Vocabulary
from agent.wording import estimate_tokens, share_budget

MAX_TOKENS = 226  # what CogVideoX's T5 text encoder reads
TOKEN_BUDGET = 200  # the formula's own target, leaving room for a style's words
MAX_MOTIONS = 4


@dataclass(frozen=True)
class Composition:
    """The three prompt parts and what was decided for each slot."""

    camera: str
    scene: str
    details: str
    picks: tuple[tuple[str, str], ...]  # slot → entry id, for every slot used
    kept: tuple[str, ...]  # slots the user named
    hinted: tuple[str, ...]  # slots the style's hints decided
    action: str  # the action used (the user's, or one the formula added)
    mood: str
    title: str
    style: str | None  # the preset the user's look words select, if any
    shortened: bool = False  # even the shortest wording was over budget: parts were cut

    @property
    def prompt(self) -> str:
        return " ".join(p for p in (self.camera, self.scene, self.details) if p)

    def pick(self, slot: str) -> str:
        """The id picked for a slot, "" when unused."""
        return dict(self.picks).get(slot, "")


def match_hints(camera: tuple[str, ...], lighting: tuple[str, ...], vocabulary: Vocabulary,
                reserve_tokens: int = 0) -> Hints:
    """Turn a style's English hint phrases into slot ids (camera hints may set shot, angle,
    movement, pace and lens; lighting hints the lighting). Unmatched phrases stay as text."""
    ids: dict[str, tuple[str, ...]] = {}
    camera_text, lighting_text = [], []
    for phrase in camera:
        found = False
        for term in vocabulary.find_terms(phrase):
            if term.slot in ("shot", "angle", "movement", "lens", "speed"):
                ids[term.slot] = tuple(dict.fromkeys(ids.get(term.slot, ()) + term.ids))
                found = True
                pace = vocabulary.pace_before(phrase[:term.start])
                if term.slot == "movement" and pace:
                    ids["pace"] = tuple(dict.fromkeys(ids.get("pace", ()) + (pace[0],)))
        if not found:
            camera_text.append(phrase.strip())
    for phrase in lighting:
        terms = [t for t in vocabulary.find_terms(phrase) if t.slot == "lighting"]
        for term in terms:
            ids["lighting"] = tuple(dict.fromkeys(ids.get("lighting", ()) + term.ids))
        if not terms:
            lighting_text.append(phrase.strip())
    return Hints(ids=ids, camera_text=tuple(camera_text), lighting_text=tuple(lighting_text),
                 reserve_tokens=reserve_tokens)


def compose(brief: Brief, vocabulary: Vocabulary, *, seed: int, hints: Hints = Hints(),
            photo: bool = False, token_budget: int = TOKEN_BUDGET,
            rules: Rules | None = None) -> Composition:
    """Write the three parts for a Brief. With `photo`, describe motion for image-to-video:
    the camera movement, what moves and how — never a new scene. With `rules`, everything
    added agrees with the idea (its place, the action's energy, the subject), and a prompt
    whose light words clash (night and midday) is written again with other choices."""
    composition = _compose(brief, vocabulary, seed, hints, photo, token_budget, rules, 0)
    for salt in range(1, _RETRIES + 1):
        if rules is None or not rules.clashes_in(composition.prompt):
            break
        composition = _compose(brief, vocabulary, seed, hints, photo, token_budget, rules, salt)
    return composition


_RETRIES = 6


def _compose(brief: Brief, vocabulary: Vocabulary, seed: int, hints: Hints, photo: bool,
             token_budget: int, rules: Rules | None, salt: int) -> Composition:
    """One composition, as the formula reads: the camera, the scene and the details chosen
    slot by slot, then written as fully as the encoder's budget allows."""
    picker = Picker(brief, vocabulary, seed, hints, salt)
    subject = Subject.of(brief, vocabulary)
    camera = choose_camera(picker, subject, rules, photo)
    scene = choose_scene(picker, subject, rules, photo)
    details = choose_details(picker, subject, scene, photo)
    draft = Draft(picker=picker, subject=subject, camera=camera, scene=scene,
                  details=details, photo=photo)
    budget = min(token_budget, MAX_TOKENS - hints.reserve_tokens)
    parts, shortened = _within_budget(draft, budget)
    return _composition(draft, parts, shortened)


def _within_budget(draft: Draft, budget: int) -> tuple[tuple[str, str, str], bool]:
    """The parts written with enough small movements to read as a shot (60 words), then cut
    to the budget: movements first (never the user's), then the style's extra camera words,
    then the formula's backdrop and texture; last, each part gets a share of the budget.
    Also whether even the shortest wording was over it."""
    n_motions, with_extra = 3, True
    parts = write(draft, n_motions, with_extra)
    while len(" ".join(parts).split()) < 60 and n_motions < MAX_MOTIONS:
        n_motions += 1
        parts = write(draft, n_motions, with_extra)
    while estimate_tokens(" ".join(parts)) > budget and (n_motions > 1 or with_extra):
        if n_motions > 1:
            n_motions -= 1
        else:
            with_extra = False
        parts = write(draft, n_motions, with_extra)
    if estimate_tokens(" ".join(parts)) > budget:
        parts = write(draft, n_motions, with_extra, lean=True)
    shortened = estimate_tokens(" ".join(parts)) > budget
    return share_budget(parts, budget), shortened


def _composition(draft: Draft, parts: tuple[str, str, str], shortened: bool) -> Composition:
    """The Composition of written parts: what was picked for each slot, and the title."""
    brief, picker, look = draft.subject.brief, draft.picker, draft.camera.look
    action = draft.details.action
    camera, scene, details = parts
    subject_words = re.sub(r"^(?:a|an|the)\s+", "", brief.subject, flags=re.IGNORECASE)
    title = " ".join(f"{subject_words} {action}".split()[:8]).strip()
    return Composition(camera=camera, scene=scene, details=details,
                       picks=tuple((slot, e.id) for slot, e in picker.picks.items()),
                       kept=tuple(s for s, _ in brief.pins), hinted=tuple(picker.hinted),
                       action=action, mood=draft.scene.atmosphere.mood,
                       title=title[:1].upper() + title[1:],
                       style=(look.preset or None) if look else None, shortened=shortened)
