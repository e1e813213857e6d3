"""Reading a Chinese idea: each word is looked up in the glossary and the English is rebuilt
by role — the subject phrase, its action and position, and clauses about a body part as
details ("身体微微起伏" → "its body gently rising and falling")."""

from __future__ import annotations

import re

from agent.clause_zh import read_clause
from agent.glossary import Glossary
from agent.phrase_zh import Phrase, noun_phrase, place_preposition
from agent.reading import CLAUSE_SPLIT, MAX_IDEA_WORDS, Brief, article
from agent.vocabulary import Noun, Vocabulary, pluralize
from errors import NotUnderstood


def read_chinese(text: str, vocabulary: Vocabulary, glossary: Glossary, *,
                 photo: bool = False) -> Brief:
    """Read a Chinese idea word by word (glossary, gazetteer, CC-CEDICT) and rebuild the
    English by role: subject phrase, action, place; body-part clauses become details. With
    a photo, the photo is the subject, so camera and scene words alone are a whole idea.
    NotUnderstood when a word that would name the subject or the place cannot be read."""
    pins: dict[str, tuple[str, ...]] = {}
    untranslated: list[str] = []
    key_unknown: list[str] = []
    main: list[Phrase] = []
    action: list[str] = []
    positions: list[str] = []
    details: list[str] = []
    spare_adjectives: list[str] = []
    avoid: list[str] = []
    place_settings: list[str] = []
    place_names: list[str] = []
    scene_nouns: list = []
    scene_action: list[str] = []
    look_words = ""
    setting_in_action = False
    clauses = [c for c in CLAUSE_SPLIT.split(text) if c.strip()]
    total = 0
    truncated = False
    read: list = []
    for clause in clauses:
        words = glossary.segment(clause)
        total += len(words)
        if total > MAX_IDEA_WORDS * 2:
            truncated = True
            break
        read.append(read_clause(words, vocabulary, pins))
    chosen = _main_clause(read, "movement" in pins)
    for index, c in enumerate(read):
        untranslated += c.unknown
        key_unknown += c.key_unknown if chosen is None or index <= chosen else []
        avoid += c.avoid
        place_settings += c.place_settings
        place_names += c.place_names
        scene_nouns += c.scene_nouns
        look_words = look_words or c.look_words
        if c.position_setting:
            setting_in_action = True
        if index == chosen:
            # "推镜头，慢慢靠近一朵玫瑰": a verb before the subject moves the camera
            verbs = [] if c.verb_first and "movement" in pins else c.verbs
            main, action, positions = c.phrases, verbs + action, positions + c.positions
            main[0].adjectives[:0] = spare_adjectives
            spare_adjectives = []
        elif c.phrases and _only_a_place(c.phrases, c.verbs) and (chosen is None or
                                                                   index < chosen):
            # "成都街头的茶馆里，老人在喝茶": a clause that only says where
            positions.append(f"in {noun_phrase(c.phrases)}")
        elif c.phrases and c.verb_first:  # "赏月": admiring the moon
            details.append(" ".join(filter(None, [*c.verbs, noun_phrase(c.phrases),
                                                   *c.positions])))
        elif c.phrases:
            details.append(" ".join(filter(None, [noun_phrase(c.phrases), *c.verbs,
                                                   *c.positions])))
        elif c.parts:
            detail = " and ".join("{pos} " + p for p in c.parts)
            details.append(" ".join(filter(None, [detail, *c.verbs, *c.positions])))
        elif c.verbs or c.positions:
            if c.had_terms and not c.positions:
                scene_action += c.verbs  # "霓虹灯闪烁": they describe the lighting named
                continue
            if c.had_terms and not c.verbs and (positions or chosen is not None and
                                                index > chosen):
                continue  # "窗外下着小雨": the weather is pinned; not a second place
            action += c.verbs
            positions += c.positions
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
    if not main and action and (scene_nouns or positions) and not photo:
        # "在海边散步": someone does it there (the verb says someone; a made-up subject would
        # say more than the user did)
        main = [Phrase(None, spare_adjectives, Noun(word="someone", kind="person",
                                                    plural="someone", name="someone"))]
        for word in scene_nouns:  # the place the scene word names stays in the user's words
            if word.setting and not positions:
                positions.append(f"{place_preposition(word)} {article(word.en)} {word.en}")
                place_settings.append(word.setting)
        setting_in_action = True
    if not main and scene_nouns:
        # "没有云的星空", "清晨的阳光洒进卧室": the scene word itself is what to show
        # "月光下的竹林": the place is what to show, its light only lights it
        first = next((w for w in scene_nouns if w.setting), scene_nouns[0])
        main = [Phrase(None, spare_adjectives, _scene_noun(first, vocabulary))]
        action = action or scene_action
        setting_in_action = setting_in_action or bool(first.setting)
        if first.setting:
            place_settings.append(first.setting)
    if not main:
        setting = pins.get("setting", ())
        subject_noun = vocabulary.get("setting", setting[0]).subject if setting else ""
        scene_only = bool({"weather", "lighting"} & set(pins))  # "下雪的视频": snow is a picture
        if not subject_noun and positions and not photo:
            # "夜市": a place alone is what to show ("a night market")
            main = [Phrase(None, spare_adjectives, _place_noun(positions[0]))]
            positions = positions[1:]
            setting_in_action = True
        elif not subject_noun and (photo or positions or scene_only) and (
                pins or details or positions):
            return Brief(subject="the scene", noun="", kind="generic", plural=False,
                         action=" ".join(filter(None, [" and ".join(action), *positions])),
                         details=tuple(details), pins=tuple(sorted(pins.items())),
                         setting_in_action=bool(positions), language="zh",
                         untranslated=unread, truncated=truncated,
                         place=" ".join(positions), place_setting=_last(place_settings),
                         avoid=tuple(dict.fromkeys(avoid)))
        elif not subject_noun:
            raise NotUnderstood("这段视频要拍什么？说说画面里的主角或景色吧（比如：猎豹卧在草地上）。")
        else:
            main = [Phrase(None, spare_adjectives, vocabulary.nouns[subject_noun])]
            setting_in_action = True
    plural = len(main) > 1 or any(p.det is not None and p.det.plural for p in main) or (
        main[0].noun.plural == main[0].noun.word and main[0].noun.word.endswith("s")
        and not main[0].noun.name)
    verbs = " and ".join(action)
    subject = noun_phrase(main)
    place = " ".join(positions) or (subject if place_names and main[0].noun.name else "")
    return Brief(subject=subject, noun=main[0].noun.word, kind=main[0].noun.kind,
                 plural=plural, action=" ".join(filter(None, [verbs, *positions])),
                 details=tuple(details), pins=tuple(sorted(pins.items())),
                 setting_in_action=setting_in_action or bool(place_names), language="zh",
                 untranslated=unread, truncated=truncated, place=place,
                 place_setting=_last(place_settings), avoid=tuple(dict.fromkeys(avoid)),
                 look_words=look_words, place_known=bool(place_names))


# Subjects that do things: a clause where one of these acts holds the subject of the video.
_ANIMATE = {"person", "crowd", "animal", "bird", "insect", "aquatic", "fantasy", "robot",
            "vehicle", "vessel", "aircraft"}


def _main_clause(clauses: list, camera_moves: bool) -> int | None:
    """Which clause holds the subject: the first where someone or something does
    something ("中秋节，赏月，一对老夫妻坐在阳台上" → the couple), else the first that names
    anything; a verb before the subject is the camera's when the idea moves the camera."""
    acting = [i for i, c in enumerate(clauses) if c.phrases and c.verbs and not c.verb_first
              and c.phrases[0].noun.kind in _ANIMATE]
    if acting:
        return acting[0]
    named = [i for i, c in enumerate(clauses) if c.phrases]
    things = [i for i in named if not _only_a_place(clauses[i].phrases, clauses[i].verbs)]
    return (things or named or [None])[0]


def _only_a_place(phrases, verbs) -> bool:
    """A clause that names only places (成都街头), no one and no action."""
    return not verbs and all(p.noun.kind in ("landscape", "city", "building", "water")
                             for p in phrases)


def _place_noun(position: str) -> Noun:
    """"at a night market" → the noun "night market" (a place, named as the user did)."""
    words = re.sub(r"^(?:in front of|on top of|in the middle of|deep in|across from|in|on|at|"
                   r"by|under|beside|near|inside|outside|above|below|behind|around|along|"
                   r"through|over|past|from|to|toward)\s+", "", position)
    bare = re.sub(r"^(?:a|an|the)\s+", "", words)
    return Noun(word=bare, kind="landscape", plural=pluralize(bare))


def _scene_noun(word, vocabulary: Vocabulary) -> Noun:
    """A scene word as the subject ("星空" a starry sky), of the kind its setting shows."""
    setting = vocabulary.get("setting", word.setting) if word.setting else None
    like = vocabulary.nouns.get(setting.subject) if setting and setting.subject else None
    if setting is None:  # light and weather are no countable things: "sunshine", not "a"
        return Noun(word=word.en, kind="landscape", plural=word.en)
    return Noun(word=word.en, kind=like.kind if like else "landscape",
                plural=word.en if word.en.endswith("s") else word.en + "s")


def _last(items: list[str]) -> str:
    return items[-1] if items else ""


