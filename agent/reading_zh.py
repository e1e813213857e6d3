"""Reading a Chinese idea: each word is looked up in the glossary and the English is rebuilt
by role — the subject phrase, its action and position, and clauses about a body part as
details ("身体微微起伏" → "its body gently rising and falling")."""

from __future__ import annotations

from dataclasses import dataclass

from agent.glossary import Glossary, Word
from agent.reading import CLAUSE_SPLIT, MAX_IDEA_WORDS, Brief, article
from agent.vocabulary import Noun, Vocabulary
from errors import InputError


@dataclass
class _Phrase:
    """A noun phrase being read from Chinese."""

    det: Word | None
    adjectives: list[str]
    noun: Noun


def read_chinese(text: str, vocabulary: Vocabulary, glossary: Glossary, *,
                 photo: bool = False) -> Brief:
    """Translate word by word with the glossary and rebuild the English by role: subject
    phrase, action, position; body-part clauses become details. With a photo, the photo
    is the subject, so camera and scene words alone ("镜头缓慢推近") are a whole idea."""
    pins: dict[str, tuple[str, ...]] = {}
    untranslated: list[str] = []
    main: list[_Phrase] = []
    action: list[str] = []
    positions: list[str] = []
    details: list[str] = []
    spare_adjectives: list[str] = []
    setting_in_action = False
    clauses = [c for c in CLAUSE_SPLIT.split(text) if c.strip()]
    total = 0
    truncated = False
    for clause in clauses:
        words = glossary.segment(clause)
        total += len(words)
        if total > MAX_IDEA_WORDS * 2:
            truncated = True
            break
        c = _read_clause(words, vocabulary, pins)
        untranslated += c.unknown
        if c.position_setting:
            setting_in_action = True
        if c.phrases and not main:
            main, action, positions = c.phrases, c.verbs, c.positions
            main[0].adjectives[:0] = spare_adjectives
            spare_adjectives = []
        elif c.phrases:
            details.append(" ".join(filter(None, [_noun_phrase(c.phrases), *c.verbs,
                                                   *c.positions])))
        elif c.parts:
            detail = " and ".join("{pos} " + p for p in c.parts)
            details.append(" ".join(filter(None, [detail, *c.verbs, *c.positions])))
        elif c.verbs or c.positions:
            if c.had_terms and not c.positions:
                continue  # "霓虹灯闪烁": the verbs describe the lighting named
            if main:
                action += c.verbs
                positions += c.positions
            else:
                action, positions = c.verbs, c.positions
        if c.adjectives:
            if main:
                main[-1].adjectives += c.adjectives
            else:
                spare_adjectives += c.adjectives

    if not main:
        setting = pins.get("setting", ())
        subject_noun = vocabulary.get("setting", setting[0]).subject if setting else ""
        if not subject_noun and photo and (pins or details):
            return Brief(subject="the scene", noun="", kind="generic", plural=False,
                         action=" ".join(filter(None, [" and ".join(action), *positions])),
                         details=tuple(details), pins=tuple(sorted(pins.items())),
                         setting_in_action=False, language="zh",
                         untranslated=tuple(dict.fromkeys(untranslated)), truncated=truncated)
        if not subject_noun:
            if untranslated:
                raise InputError(
                    f"I could not understand {'、'.join(dict.fromkeys(untranslated))}; "
                    f"try simpler words, or set up an LLM backend (CLIPWRIGHT_LLM_*) for "
                    f"free text")
            raise InputError("say what the video should show (e.g. 猎豹卧在草地上)")
        main = [_Phrase(None, spare_adjectives, vocabulary.nouns[subject_noun])]
        setting_in_action = True
    plural = len(main) > 1 or any(p.det is not None and p.det.plural for p in main) or (
        main[0].noun.plural == main[0].noun.word and main[0].noun.word.endswith("s"))
    verbs = " and ".join(action)
    return Brief(subject=_noun_phrase(main), noun=main[0].noun.word, kind=main[0].noun.kind,
                 plural=plural, action=" ".join(filter(None, [verbs, *positions])),
                 details=tuple(details), pins=tuple(sorted(pins.items())),
                 setting_in_action=setting_in_action, language="zh",
                 untranslated=tuple(dict.fromkeys(untranslated)), truncated=truncated)


@dataclass
class _Clause:
    phrases: list[_Phrase]
    verbs: list[str]
    parts: list[str]
    positions: list[str]
    adjectives: list[str]
    unknown: list[str]
    had_terms: bool
    position_setting: bool


def _read_clause(words: list[Word], vocabulary: Vocabulary, pins: dict) -> _Clause:
    c = _Clause([], [], [], [], [], [], False, False)
    det: Word | None = None
    adjectives: list[str] = []
    adverbs: list[str] = []
    meaningful = [w for w in words if w.role != "ignore"]
    for i, w in enumerate(meaningful):
        following = meaningful[i + 1] if i + 1 < len(meaningful) else None
        if w.role == "english" and w.text.lower() in vocabulary.nouns:
            w = Word(w.text, "subject", w.text.lower())
        if w.role == "count":
            det = w
        elif w.role in ("adjective", "english"):
            adjectives.append(w.en)
        elif w.role == "subject" and c.phrases and c.verbs:
            # a noun after the verb is its object: "熊猫吃竹子" → "eating bamboo"
            c.verbs[-1] += " " + _one_phrase(_Phrase(det, adjectives, vocabulary.nouns[w.en]))
            det, adjectives = None, []
        elif w.role == "subject":
            c.phrases.append(_Phrase(det, adjectives, vocabulary.nouns[w.en]))
            det, adjectives = None, []
        elif w.role == "adverb":
            if w.pace and following is not None and following.en.startswith("movement:"):
                pins["pace"] = (w.pace,)
            else:
                adverbs.append(w.en)
        elif w.role == "action":
            c.verbs.append(" ".join([*adverbs, w.en]))
            adverbs = []
        elif w.role == "part":
            c.parts.append(w.en)
        elif w.role == "position":
            c.positions.append(w.en)
            if w.setting:
                pins["setting"] = (w.setting,)
                c.position_setting = True
        elif w.role in ("camera", "scene"):
            for ref in w.en.split(","):
                slot, _, entry_id = ref.partition(":")
                pins[slot] = (entry_id,)
            c.had_terms = True
        elif w.role == "look":
            pins["look"] = (w.en,)
            c.had_terms = True
        elif w.role == "unknown":
            c.unknown.append(w.text)
    if adverbs:
        c.verbs = c.verbs[:-1] + [c.verbs[-1] + " " + " ".join(adverbs)] if c.verbs else \
            c.verbs
    if adjectives:
        if c.phrases:
            c.phrases[-1].adjectives += adjectives
        else:
            c.adjectives = adjectives
    return c


def _noun_phrase(phrases: list[_Phrase]) -> str:
    return " and ".join(_one_phrase(p) for p in phrases)


def _one_phrase(p: _Phrase) -> str:
    plural = p.det is not None and p.det.plural
    noun = p.noun.plural if plural else p.noun.word
    if p.noun.name and not p.adjectives and p.det is None:
        return p.noun.name
    if p.noun.name and p.noun.name[0].isupper():
        noun = p.noun.name
    adjectives = list(dict.fromkeys(p.adjectives))
    body = " ".join([*adjectives, noun])
    if p.det is not None and p.det.en and p.det.en != "a":
        return f"{p.det.en} {body}"
    if plural or p.noun.plural == p.noun.word or (p.noun.name and p.noun.name[0].isupper()):
        return body
    return f"{article(body)} {body}"
