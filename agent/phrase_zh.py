"""Chinese noun phrases in English: a compound of neighbouring nouns ("火车站台" → "a train
platform"), a dictionary word's noun (its kind, plural and article), the preposition a place
takes, and the phrase with its count, adjectives and what follows it."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from agent.english import article
from agent.glossary import Word
from agent.vocabulary import Noun, Vocabulary, pluralize


@dataclass
class Phrase:
    """A noun phrase read from Chinese."""

    det: Word | None
    adjectives: list[str]
    noun: Noun
    post: str = ""  # what follows the noun in English ("wearing a white shirt")


# English puts size before colour: "a small green train".
_SIZES = {"small", "little", "tiny", "big", "large", "huge", "giant", "tall", "short", "long"}
_COLOURS = {"red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black",
            "grey", "gray", "brown", "golden", "silver", "gold", "crimson", "scarlet", "ginger",
            "tabby", "violet", "beige", "turquoise", "navy", "teal", "cyan", "amber"}


def compound(words: list[Word], vocabulary: Vocabulary) -> Noun:
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
            name = f"{name} {place_preposition(outer)} {outer.en}"
        return replace(head, word=name, plural=name, name=name)
    if all(w.role == "place" for w in words[:-1]) and words[-2].en.startswith("the "):
        # "丽江古城的屋顶": a roof in the Old Town of Lijiang (a "the …" name is no modifier)
        where = f"{place_preposition(words[-2])} {words[-2].en}"
        return replace(head, word=f"{head.word} {where}", plural=f"{head.plural} {where}")
    modifiers = " ".join(_ETHNIC.sub("", n.name if n.name and n.name[0].isupper() else n.word)
                         for n in nouns[:-1])
    if head.word in _YOUNG and nouns[-2].kind in _ANIMALS:
        # "熊猫宝宝": a baby panda (an animal, not a person), "小狗幼崽": a puppy's young
        return replace(nouns[-2], word=f"baby {modifiers}", plural=f"baby {nouns[-2].plural}",
                       name="")
    return replace(head, word=f"{modifiers} {head.word}", plural=f"{modifiers} {head.plural}",
                   name="")


# "傣族姑娘": Dai young women, not "Dai race young women"
_ETHNIC = re.compile(r"\s+(?:ethnic group|race|nationality|people)$")
_YOUNG = {"baby", "young", "cub", "offspring"}  # 宝宝, 幼崽 after an animal
_ANIMALS = {"animal", "bird", "insect", "aquatic"}


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
    if w.en in _SOMEONE:  # "有人": someone, with no article
        return Noun(word=w.en, kind="person", plural=w.en, name=w.en)
    head, _, last_word = w.en.rpartition(" ")
    last = vocabulary.nouns.get(last_word)
    kind = last.kind if last else ("person" if _names_person(w) else "generic")
    if w.en[:1].isupper() or re.match(r"the [A-Z]", w.en):  # a name: "Venice", "the Bund"
        return Noun(word=w.en, kind=kind, plural=w.en, name=w.en)
    if last is not None:  # "middle-aged woman" → "middle-aged women"
        return Noun(word=w.en, kind=kind, plural=f"{head} {last.plural}".strip(),
                    pronoun=last.pronoun)
    if re.search(r"[^su]s$", last_word) or last_word in _MASS:  # "noodles", "snow": no "a"
        return Noun(word=w.en, kind=kind, plural=w.en)
    return Noun(word=w.en, kind=kind, plural=pluralize(w.en))


# Things one does not count: "seeing snow", not "a snow".
_MASS = {"snow", "rain", "water", "milk", "tea", "coffee", "juice", "wine", "beer", "soup",
         "rice", "bread", "sand", "grass", "fog", "mist", "smoke", "steam", "light", "sunlight",
         "sunshine", "moonlight", "wind", "fire", "ice", "mud", "dust", "money", "music", "hair",
         "furniture", "luggage", "traffic", "honey", "sugar", "salt", "oil", "paper", "foam"}
_SOMEONE = {"someone", "somebody", "everyone", "everybody", "people", "nobody"}
# A dictionary noun names a person when both languages say so: a Chinese ending for people
# (宇航员, 牛仔, 老师) and an English one (astronaut, cowboy, teacher).
_PERSON_ZH = tuple("员者师手匠兵士仔童娘女男夫妇客僧侣官长工")
_PERSON_EN = re.compile(r"(?:man|woman|men|women|boy|girl|er|or|ist|ian|ant|ent|ee|ess|"
                        r"naut|ier|yer|smith|maid|guard|child|kid|chef|cook|monk|nun|"
                        r"priest|king|queen|prince|princess|knight|hero|heroine)$")


def _names_person(w: Word) -> bool:
    return w.text.endswith(_PERSON_ZH) and _PERSON_EN.search(w.en.split()[-1]) is not None


def place_preposition(w: Word) -> str:
    """"on" a river, lake or sea, "at" a landmark, "in" a city or a region."""
    if w.setting in ("river", "lake", "ocean", "beach", "lotus-pond", "glacier", "snowfield"):
        return "on"
    if w.role == "place" and w.setting not in ("city-skyline", "city-street", "neon-city",
                                               "water-town", "old-town", "village",
                                               "countryside", "mountains", "desert",
                                               "savanna", "forest", "rainforest", "island"):
        return "at"
    return "in"


def noun_phrase(phrases: list[Phrase]) -> str:
    return " and ".join(one_phrase(p) for p in phrases)


def one_phrase(p: Phrase) -> str:
    if p.det is not None and p.det.en == "a pair of" and p.noun.word.endswith("couple"):
        p = replace(p, det=None)  # "一对老夫妻": an elderly couple, not a pair of couples
    plural = p.det is not None and p.det.plural
    noun = p.noun.plural if plural else p.noun.word
    if p.noun.name and not p.adjectives and p.det is None:
        return " ".join(filter(None, [p.noun.name, p.post]))
    if p.noun.name and p.noun.name[0].isupper():
        noun = p.noun.name
    # English order: opinion, size, …, colour next to the noun ("a funny little orange cat")
    adjectives = sorted(dict.fromkeys(p.adjectives),
                        key=lambda a: (a in _SIZES) + 2 * (a.split()[-1] in _COLOURS))
    body = " ".join([*adjectives, noun, p.post]).strip()
    if p.det is not None and p.det.en and p.det.en != "a":
        return f"{p.det.en} {body}"
    if plural or p.noun.plural == p.noun.word or (p.noun.name and p.noun.name[0].isupper()):
        return body
    return f"{article(body)} {body}"
