"""Reading a Chinese idea: each word is looked up in the glossary and the English is rebuilt
by role — the subject phrase, its action and position, and clauses about a body part as
details ("身体微微起伏" → "its body gently rising and falling")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.glossary import Glossary, Word
from agent.reading import CLAUSE_SPLIT, MAX_IDEA_WORDS, Brief, article
from agent.vocabulary import Noun, Vocabulary, pluralize
from errors import NotUnderstood


@dataclass
class _Phrase:
    """A noun phrase being read from Chinese."""

    det: Word | None
    adjectives: list[str]
    noun: Noun


def read_chinese(text: str, vocabulary: Vocabulary, glossary: Glossary, *,
                 photo: bool = False) -> Brief:
    """Read a Chinese idea word by word (glossary, gazetteer, CC-CEDICT) and rebuild the
    English by role: subject phrase, action, place; body-part clauses become details. With
    a photo, the photo is the subject, so camera and scene words alone are a whole idea.
    NotUnderstood when a word that would name the subject or the place cannot be read."""
    pins: dict[str, tuple[str, ...]] = {}
    untranslated: list[str] = []
    key_unknown: list[str] = []
    main: list[_Phrase] = []
    action: list[str] = []
    positions: list[str] = []
    details: list[str] = []
    spare_adjectives: list[str] = []
    avoid: list[str] = []
    place_settings: list[str] = []
    place_names: list[str] = []
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
        key_unknown += c.key_unknown if not main else []
        avoid += c.avoid
        place_settings += c.place_settings
        place_names += c.place_names
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

    unread = tuple(dict.fromkeys(untranslated))
    if key_unknown or (not main and unread):
        raise NotUnderstood(
            f"我没看懂“{'、'.join(dict.fromkeys(key_unknown or unread))}”——"
            f"它是什么，或者在哪里？换个说法告诉我吧。", tuple(dict.fromkeys(key_unknown or unread)))
    if not main:
        setting = pins.get("setting", ())
        subject_noun = vocabulary.get("setting", setting[0]).subject if setting else ""
        if not subject_noun and (photo or positions) and (pins or details or positions):
            return Brief(subject="the scene", noun="", kind="generic", plural=False,
                         action=" ".join(filter(None, [" and ".join(action), *positions])),
                         details=tuple(details), pins=tuple(sorted(pins.items())),
                         setting_in_action=bool(positions), language="zh",
                         untranslated=unread, truncated=truncated,
                         place=" ".join(positions), place_setting=_last(place_settings),
                         avoid=tuple(dict.fromkeys(avoid)))
        if not subject_noun:
            raise NotUnderstood("这段视频要拍什么？说说画面里的主角或景色吧（比如：猎豹卧在草地上）。")
        main = [_Phrase(None, spare_adjectives, vocabulary.nouns[subject_noun])]
        setting_in_action = True
    plural = len(main) > 1 or any(p.det is not None and p.det.plural for p in main) or (
        main[0].noun.plural == main[0].noun.word and main[0].noun.word.endswith("s")
        and not main[0].noun.name)
    verbs = " and ".join(action)
    subject = _noun_phrase(main)
    place = " ".join(positions) or (subject if place_names and main[0].noun.name else "")
    return Brief(subject=subject, noun=main[0].noun.word, kind=main[0].noun.kind,
                 plural=plural, action=" ".join(filter(None, [verbs, *positions])),
                 details=tuple(details), pins=tuple(sorted(pins.items())),
                 setting_in_action=setting_in_action or bool(place_names), language="zh",
                 untranslated=unread, truncated=truncated, place=place,
                 place_setting=_last(place_settings), avoid=tuple(dict.fromkeys(avoid)))


def _last(items: list[str]) -> str:
    return items[-1] if items else ""


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
    avoid: list[str] = field(default_factory=list)
    place_settings: list[str] = field(default_factory=list)
    place_names: list[str] = field(default_factory=list)
    key_unknown: list[str] = field(default_factory=list)  # unknown words where a noun goes


# Words that open a place: the noun phrase after them says where ("在火车站台上").
_AT = {"在", "于", "从", "到", "往", "朝", "向", "沿着", "穿过", "越过", "经过", "来到"}
_ROLE_NOUNS = ("subject", "noun", "place")


def _read_clause(words: list[Word], vocabulary: Vocabulary, pins: dict) -> _Clause:
    """One clause, left to right. Neighbouring nouns make one compound ("火车站台" → "a train
    platform"); a noun phrase before a locative (上/里/下/旁…) or after 在 is a place; a
    noun phrase after a verb is its object; a negation removes what follows it."""
    c = _Clause([], [], [], [], [], [], False, False)
    det: Word | None = None
    adjectives: list[str] = []
    adverbs: list[str] = []
    pending: list[Word] = []  # the nouns of the phrase being read
    at = False  # a 在 came before the phrase being read
    negated = False
    meaningful = [w for w in words if w.role != "ignore" or w.text in _AT]

    def flush(locative: str = "") -> None:
        nonlocal det, adjectives, pending, at, negated
        if not pending:
            if locative:
                at = False  # "在竹林里": the place was a scene word, already pinned
            return
        phrase = _Phrase(det, adjectives, _compound(pending, vocabulary))
        places = [w for w in pending if w.role == "place" or w.setting]
        if negated:
            c.avoid += [phrase.noun.word, phrase.noun.plural]
        elif locative or at:
            preposition = locative or _place_preposition(pending[-1])
            c.positions.append(f"{preposition} {_one_phrase(phrase)}")
            c.position_setting = True
            c.place_settings += [w.setting for w in places if w.setting]
            c.place_names += [w.en for w in places if w.role == "place"]
        elif c.phrases and c.verbs:
            c.verbs[-1] += " " + _one_phrase(phrase)  # "熊猫吃竹子" → "eating bamboo"
        else:
            c.phrases.append(phrase)
            c.place_settings += [w.setting for w in places if w.setting]
            c.place_names += [w.en for w in places if w.role == "place"]
        det, adjectives, pending, at, negated = None, [], [], False, False

    for i, w in enumerate(meaningful):
        following = meaningful[i + 1] if i + 1 < len(meaningful) else None
        if w.role == "english" and w.text.lower() in vocabulary.nouns:
            w = Word(w.text, "subject", w.text.lower())
        if w.text in _AT and w.role in ("ignore", "action", "noun"):
            flush()
            at = True
        elif w.role == "negation":
            flush()
            if w.en:
                c.avoid += [w.en]
            else:
                negated = True
        elif w.role == "count":
            flush()
            det = w
        elif w.role in ("adjective", "english"):
            if pending:
                flush()
            adjectives.append(w.en)
        elif w.role in _ROLE_NOUNS:
            pending.append(w)
        elif w.role == "locative":
            flush(w.en)
        elif w.role == "position":
            flush()
            at = False
            c.positions.append(w.en)
            if w.setting:
                c.place_settings.append(w.setting)
            c.position_setting = True
        elif w.role == "adverb":
            flush()
            if w.pace and following is not None and following.en.startswith("movement:"):
                pins["pace"] = (w.pace,)
            else:
                adverbs.append(w.en)
        elif w.role == "action":
            flush()
            c.verbs.append(" ".join([*adverbs, w.en]))
            adverbs = []
        elif w.role == "part":
            flush()
            c.parts.append(w.en)
        elif w.role in ("camera", "scene"):
            flush()
            at = at and w.role == "camera"  # "在竹林": a scene word is the place itself
            for ref in w.en.split(","):
                slot, _, entry_id = ref.partition(":")
                pins[slot] = (entry_id,)
            c.had_terms = True
        elif w.role == "look":
            flush()
            pins["look"] = (w.en,)
            c.had_terms = True
        elif w.role == "unknown":
            c.unknown.append(w.text)
            if at or pending or following is not None and following.role == "locative" or (
                    not c.phrases and not c.verbs and not c.positions):
                c.key_unknown.append(w.text)  # it stands where the subject or place goes
    flush()
    if adverbs:
        c.verbs = c.verbs[:-1] + [c.verbs[-1] + " " + " ".join(adverbs)] if c.verbs else \
            c.verbs
    if adjectives:
        if c.phrases:
            c.phrases[-1].adjectives += adjectives
        else:
            c.adjectives = adjectives
    return c


def _compound(words: list[Word], vocabulary: Vocabulary) -> Noun:
    """One English noun for neighbouring Chinese nouns: the last is the head, the others
    modify it ("火车" "站台" → "train platform"); places join as "X on the Y" ("黄河"
    "壶口瀑布" → "the Hukou Waterfall on the Yellow River")."""
    nouns = [_noun(w, vocabulary) for w in words]
    head = nouns[-1]
    if len(nouns) == 1:
        return head
    if all(w.role == "place" for w in words):
        name = head.name
        for outer in reversed(words[:-1]):
            name = f"{name} {_place_preposition(outer)} {outer.en}"
        return replace(head, word=name, plural=name, name=name)
    modifiers = " ".join(n.name if n.name and n.name[0].isupper() else n.word
                         for n in nouns[:-1])
    return replace(head, word=f"{modifiers} {head.word}", plural=f"{modifiers} {head.plural}",
                   name="")


def _noun(w: Word, vocabulary: Vocabulary) -> Noun:
    """The Noun of a subject, dictionary or place word (one the vocabulary lacks gets the
    kind of its last English word when that is a known noun, else generic)."""
    if w.role == "subject" or w.en in vocabulary.nouns:
        return vocabulary.nouns[w.en]
    if w.role == "place":  # a waterfall is water, a city a city: its setting's subject says
        setting = vocabulary.get("setting", w.setting) if vocabulary.has("setting", w.setting) \
            else None
        like = vocabulary.nouns.get(setting.subject) if setting and setting.subject else None
        return Noun(word=w.en, kind=like.kind if like else "landscape", plural=w.en, name=w.en)
    last = vocabulary.nouns.get(w.en.rsplit(" ", 1)[-1])
    kind = last.kind if last else ("person" if _names_person(w) else "generic")
    if w.en[:1].isupper():  # a name: "Venice", "Beethoven"
        return Noun(word=w.en, kind=kind, plural=w.en, name=w.en)
    return Noun(word=w.en, kind=kind, plural=pluralize(w.en))


# A dictionary noun names a person when both languages say so: a Chinese ending for people
# (宇航员, 牛仔, 老师) and an English one (astronaut, cowboy, teacher).
_PERSON_ZH = tuple("员者师手匠兵士仔童娘女男夫妇客僧侣官长工")
_PERSON_EN = re.compile(r"(?:man|woman|men|women|boy|girl|er|or|ist|ian|ant|ent|ee|ess|"
                        r"naut|ier|yer|smith|maid|guard|child|kid|chef|cook|monk|nun|"
                        r"priest|king|queen|prince|princess|knight|hero|heroine)$")


def _names_person(w: Word) -> bool:
    return w.text.endswith(_PERSON_ZH) and _PERSON_EN.search(w.en.split()[-1]) is not None


def _place_preposition(w: Word) -> str:
    """"on" a river, lake or sea, "at" a landmark, "in" a city or a region."""
    if w.setting in ("river", "lake", "ocean", "beach", "lotus-pond", "glacier", "snowfield"):
        return "on"
    if w.role == "place" and w.setting not in ("city-skyline", "city-street", "neon-city",
                                               "water-town", "old-town", "village",
                                               "countryside", "mountains", "desert",
                                               "savanna", "forest", "rainforest", "island"):
        return "at"
    return "in"


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
