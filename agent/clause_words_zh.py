"""The words that tie a Chinese clause together and the English they become: what opens a
place (在/从/穿过…) and its preposition, a verb's particle (落进: into), the adverb of a
word before 地 (慵懒地: languidly), a position's adjectives (粉色的樱花树下: under a pink
cherry tree). The clause reader (clause_zh.py) reads with them."""

from __future__ import annotations

import re

from agent.dictionary_zh import DIRECTIONS
from agent.english import article
from agent.glossary import Word
from agent.vocabulary import Entry

# Words that open a place: the noun phrase after them says where ("在火车站台上"), and the
# English preposition each one means ("": the place decides, "in a forest").
AT = {"在": "", "于": "", "从": "from", "到": "to", "往": "toward", "朝": "toward",
      "向": "toward", "沿着": "along", "穿过": "through", "越过": "over", "经过": "past",
      "来到": "to", "飞过": "over", "掠过": "over"}
# Those that are also a movement: "鸽子飞过天空" flies over the sky, it is not only over it.
MOVING = {"穿过": "passing", "越过": "crossing", "经过": "passing", "来到": "arriving",
          "飞过": "flying", "掠过": "skimming"}
# Adverbs English says after the verb ("互相泼水": splashing water at each other).
AFTER_VERB = {"at each other"}
OBJECT_PRONOUN = {"他": "him", "她": "her", "它": "it", "他们": "them", "她们": "them",
                   "它们": "them"}
BA = {"把", "将"}  # they put a verb's object before it
POSSESSIVE = {"他": "his", "她": "her", "它": "its", "他们": "their", "她们": "their",
               "它们": "their"}
VIDEO = {"视频", "短片", "片子", "短视频", "动画", "小视频"}  # "做一个…的视频": what to show
# Verbs that take their object after a preposition ("看流星雨": looking at a meteor shower).
OBJECT_PREPOSITIONS = {"looking": "at", "staring": "at", "gazing": "at", "glancing": "at",
                       "smiling": "at", "waving": "at", "barking": "at", "listening": "to",
                       "waiting": "for", "searching": "for", "hunting": "for",
                       "back": "to"}  # "跑回主人身边": running back to the owner
# Looks too general to replace one already pinned ("黑白电影": black and white, still).
GENERIC_LOOKS = {"cinematic", "photoreal"}
# "从书架上跳下来": off the bookshelf, not on it.
FROM = {"on": "off", "in": "out of", "inside": "out of", "under": "from under",
        "behind": "from behind", "beside": "from beside", "above": "from above"}
# The English particles of a verb's direction (落进: "falling into"): a place after one is
# the verb's object ("falling into the lake").
PARTICLES = tuple(f" {p}" for p in DIRECTIONS.values())


def names_place(following: Word | None) -> bool:
    """Whether the next word makes a scene word a place: a locative, a noun, or the scene
    word of a place ("沙漠公路")."""
    return following is not None and (following.role in ("locative", "noun", "subject") or (
        following.role == "scene" and "setting:" in following.en))


def scene_noun(w: Word, setting: Entry | None) -> Word:
    """A scene word as a noun in the user's own words ("麦田": a wheat field)."""
    return Word(w.text, "noun", w.gloss, setting=setting.id if setting else "")


def after_verb(words: list[Word], i: int) -> bool:
    """Whether the word at i follows a verb (across 的: "挂满了古镇的街道")."""
    before = [w for w in words[:i] if w.text != "的"]
    return bool(before) and before[-1].role == "action"


def adverb(adjective: str) -> str:
    """"languid" → "languidly", "lazy" → "lazily", "gentle" → "gently"."""
    word = adjective.split()[-1]
    if word.endswith("ly"):
        return word
    if word.endswith("y"):
        return word[:-1] + "ily"
    if word.endswith("le"):
        return word[:-1] + "y"
    return word + "ly"


def with_adjectives(position: str, adjectives: list[str]) -> str:
    """"under a cherry tree" + pink → "under a pink cherry tree"."""
    if not adjectives:
        return position
    words = " ".join(dict.fromkeys(adjectives))
    return re.sub(r"\b(a|an|the)\s+", lambda m: ("the " if m.group(1) == "the" else
                                                 f"{article(words)} ") + f"{words} ",
                  position, count=1) if re.search(r"\b(?:a|an|the)\s", position) else \
        f"{position} ({words})"


def with_preposition(verb: str, obj: str) -> str:
    """The object as the verb takes it: "熊猫吃竹子" eating bamboo, "看流星雨" looking at a
    meteor shower (nothing added when the verb already ends in its preposition)."""
    last = verb.split()[-1] if verb.split() else ""
    preposition = OBJECT_PREPOSITIONS.get(last)
    return f"{preposition} {obj}" if preposition else obj
