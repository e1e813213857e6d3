"""The grammar of one Chinese clause: which words make the subject's noun phrase, its action,
its place and its object — rebuilt as English word order. Neighbouring nouns are one
compound ("火车站台" → "a train platform"); a noun phrase before a locative (上/里/下…) or
after 在 is a place; a verb phrase before 的 describes the noun after it ("穿白衬衫的男人" →
"a man wearing a white shirt"); a noun after a verb is its object."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.dictionary_zh import DIRECTIONS
from agent.glossary import Word
from agent.reading import article
from agent.vocabulary import Noun, Vocabulary, pluralize


@dataclass
class Phrase:
    """A noun phrase read from Chinese."""

    det: Word | None
    adjectives: list[str]
    noun: Noun
    post: str = ""  # what follows the noun in English ("wearing a white shirt")


@dataclass
class Clause:
    phrases: list[Phrase]
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
    verb_first: bool = False  # a verb came before any subject in the clause
    scene_nouns: list[Word] = field(default_factory=list)  # scene words, as nouns (星空)
    look_words: str = ""  # a style's own name (宫崎骏 → Miyazaki Hayao)


# Words that open a place: the noun phrase after them says where ("在火车站台上").
# Words that open a place, and the English preposition each one means ("" : by the place).
_AT = {"在": "", "于": "", "从": "from", "到": "to", "往": "toward", "朝": "toward",
       "向": "toward", "沿着": "along", "穿过": "through", "越过": "over", "经过": "past",
       "来到": "to", "飞过": "over", "掠过": "over"}
# Those that are also a movement: "鸽子飞过天空" flies over the sky, it is not only over it.
_MOVING = {"穿过": "passing", "越过": "crossing", "经过": "passing", "来到": "arriving",
           "飞过": "flying", "掠过": "skimming"}
_ROLE_NOUNS = ("subject", "noun", "place")


def read_clause(words: list[Word], vocabulary: Vocabulary, pins: dict) -> Clause:
    """One clause, left to right. Neighbouring nouns make one compound ("火车站台" → "a train
    platform"); a noun phrase before a locative (上/里/下/旁…) or after 在 is a place; a
    noun phrase after a verb is its object; a negation removes what follows it."""
    c = Clause([], [], [], [], [], [], False, False)
    det: Word | None = None
    adjectives: list[str] = []
    adverbs: list[str] = []
    pending: list[Word] = []  # the nouns of the phrase being read
    at = False  # a 在 came before the phrase being read
    through = ""  # the English preposition of the word that opened the place (穿过: through)
    owner = ""  # "一个人的脸": the owner before 的, for the noun after it
    negated = False
    plural = False  # 们 followed the nouns
    relative = ""  # a verb phrase before 的, for the noun after it
    meaningful = [w for w in words if w.role != "ignore" or w.text in _AT or w.text in "的地"]

    def flush(locative: str = "") -> None:
        nonlocal det, adjectives, pending, at, negated, plural, relative, through, owner
        if not pending:
            if locative:
                at = False  # "在竹林里": the place was a scene word, already pinned
            return
        if plural and (det is None or not det.plural):
            det = Word("", "count", det.en if det and det.en != "a" else "", plural=True)
        noun = _compound(pending, vocabulary)
        if owner:  # "一个人的脸" → "a person's face"
            noun = replace(noun, word=f"{owner}'s {noun.word}", plural=f"{owner}'s {noun.plural}",
                           name=f"{owner}'s {noun.word}")
        phrase = Phrase(det, adjectives, noun, post=relative)
        places = [w for w in pending if w.role == "place" or w.setting]
        if negated:
            c.avoid += [phrase.noun.word, phrase.noun.plural]
        elif (locative or at) and c.verbs and c.verbs[-1].endswith(_PARTICLES):
            c.verbs[-1] += f" the {one_phrase(phrase).split(' ', 1)[-1]}" if \
                phrase.det is None and not phrase.noun.name else f" {one_phrase(phrase)}"
        elif locative or at:
            preposition = _FROM.get(locative, f"from {locative}") if through == "from" and \
                locative else locative or through or place_preposition(pending[-1])
            if preposition == "toward" and phrase.noun.kind == "person":
                preposition = "to"  # "向女孩告白": confessing to a girl
            c.positions.append(f"{preposition} {one_phrase(phrase)}")
            c.position_setting = True
            c.place_settings += [w.setting for w in places if w.setting]
            c.place_names += [w.en for w in places if w.role == "place"]
        elif c.phrases and c.verbs:
            c.verbs[-1] += " " + one_phrase(phrase)  # "熊猫吃竹子" → "eating bamboo"
        else:
            c.phrases.append(phrase)
            c.place_settings += [w.setting for w in places if w.setting]
            c.place_names += [w.en for w in places if w.role == "place"]
        det, adjectives, pending, at, negated, plural, relative, through, owner = (
            None, [], [], False, False, False, "", "", "")

    skip: Word | None = None  # a word already read with the one before it
    for i, w in enumerate(meaningful):
        following = meaningful[i + 1] if i + 1 < len(meaningful) else None
        if w is skip:
            continue
        if w.role == "english" and w.text.lower() in vocabulary.nouns:
            w = Word(w.text, "subject", w.text.lower())
        if w.role == "english" and w.text.isdigit() and following is not None and \
                following.text == "度":
            skip = following  # "360度环绕": the degrees belong to the camera move
            continue
        if w.role == "english" and (terms := vocabulary.find_terms(w.text)):
            for term in terms:  # "POV，一只猫在跑": English camera words inside Chinese
                pins[term.slot] = term.ids
            c.had_terms = True
            continue
        object_next = following is not None and following.role in (
            "subject", "noun", "place", "count", "adjective")
        if w.role == "noun" and w.verb and (adverbs or (c.phrases or pending) and not c.verbs
                                            and object_next):
            w = Word(w.text, "action", w.verb)  # "慢慢靠近": the verb sense, not "near"
        if w.text == "的":
            if negated and pending:  # "没有车的高速公路": the negation ends at 的
                kept = det
                flush()
                det = kept
                continue
            placed = i and meaningful[i - 1].role in ("locative", "position")
            if c.verbs and not c.phrases and not relative and (c.verb_first or not pending) \
                    and not ("movement" in pins and c.verb_first) and not placed:
                # ("推到桌上的信": the camera's verb; "打翻了桌上的花瓶": the vase on the table)
                # "穿白衬衫的男人": the verb phrase describes the man (a man wearing …)
                obj = one_phrase(Phrase(None, adjectives, _compound(pending, vocabulary))) \
                    if pending else ""
                relative = " ".join(filter(None, [c.verbs.pop(), obj]))
                pending, adjectives = [], []
            elif pending and following is not None and following.role in (
                    "subject", "noun", "part") and all(p.role != "place" for p in pending) \
                    and not re.match(r"(?:in|on|at|during)\s", pending[-1].en):
                # "一个人的脸": the owner of what follows ("a person's face")
                owner = one_phrase(Phrase(det, adjectives, _compound(pending, vocabulary)))
                det, adjectives, pending = None, [], []
            continue
        if w.text in DIRECTIONS and c.verbs and i and meaningful[i - 1].role == "action":
            c.verbs[-1] += f" {DIRECTIONS[w.text]}"  # "落" "进" → falling into
            continue
        if w.text == "地":  # "慵懒地躺": the word before 地 says how
            if adjectives or pending:
                how = adjectives.pop() if adjectives else pending.pop().en
                adverbs.append(_adverb(how))
            continue
        if w.text in _AT and w.role in ("ignore", "action", "noun", "position"):
            flush()
            if w.text in _MOVING and (c.phrases or c.verbs) and not (
                    c.verbs and not c.phrases):
                c.verbs.append(_MOVING[w.text])
            at, through = True, _AT[w.text]
        elif w.role == "cue" and w.en == "remove":  # "不要人物": nothing of it in the shot
            flush()
            negated = True
        elif w.role == "plural":
            plural = True
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
            c.positions.append(_with_adjectives(w.en, adjectives))  # "粉色的樱花树下"
            adjectives = []
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
            at = False  # "老人在喝茶": 在 before a verb is "is doing", not a place
            if not c.phrases and not c.verbs:
                c.verb_first = True  # no subject before it: a camera's move, or a 的-clause
            c.verbs.append(" ".join([*adverbs, w.en]))
            adverbs = []
        elif w.role == "part" and (owner or at):  # "照在脸上": on the face
            pending.append(Word(w.text, "noun", w.en))  # "一个人的脸": a person's face
        elif w.role == "part":
            flush()
            c.parts.append(w.en)
        elif w.role in ("camera", "scene"):
            refs = [ref.partition(":") for ref in w.en.split(",")]
            for slot, _, entry_id in refs:
                pins[slot] = (entry_id,)
            c.had_terms = True
            setting = next((vocabulary.get("setting", i) for slot, _, i in refs
                            if slot == "setting"), None)
            lit = any(slot in ("lighting", "weather") for slot, _, _ in refs)
            if negated and any(slot == "weather" for slot, _, _ in refs):
                pins["weather"] = ("clear",)  # "不要下雨": a clear sky, and no rain
                c.avoid += [w.gloss or next(i for slot, _, i in refs if slot == "weather")]
                negated = False
                continue
            if w.gloss and negated and any(slot == "lighting" for slot, _, _ in refs):
                c.avoid.append(w.gloss)  # "没有灯光的房间": a dark room
                del pins["lighting"]
                adjectives.append("dark")
                negated = False
                continue
            if w.gloss and (setting is not None or lit) and (adjectives or pending) and \
                    w.role == "scene":  # "红色灯笼", "沙漠公路": the user's words are the noun
                pending.append(Word(w.text, "noun", w.gloss,
                                    setting=setting.id if setting else ""))
                continue
            flush()
            was_at = at
            place_next = at or (following is not None and (
                following.role in ("locative", "noun", "subject") or (
                    following.role == "scene" and "setting:" in following.en)))
            # "在竹林": a place's scene word is the place itself; "在凌晨的办公室": a time is not
            at = at and (w.role == "camera" or setting is None)
            if w.gloss and (setting is not None or lit):
                c.scene_nouns.append(Word(w.text, "noun", w.gloss,
                                          setting=setting.id if setting else ""))
            if w.gloss and lit and c.verbs and following is not None and \
                    following.role == "locative":
                c.verbs[-1] += f" {following.en} the {w.gloss}"  # "躺在阳光下"
                skip = following
            elif w.gloss and setting is not None and place_next:
                # "在麦田里", "沙漠公路": the user's own words for the place stay
                pending.append(Word(w.text, "noun", w.gloss, setting=setting.id))
                at = was_at or (following is not None and following.role == "locative")
            elif w.gloss and c.verbs and _after_verb(meaningful, i):
                c.verbs[-1] += f" {article(w.gloss)} {w.gloss}"  # "围着篝火": around a campfire
        elif w.role == "look":
            flush()
            if not ("look" in pins and w.en in _GENERIC_LOOKS):  # "黑白电影": black and white
                pins["look"] = (w.en,)
            if w.gloss:
                c.look_words = w.gloss  # "宫崎骏风格": in the style of Miyazaki Hayao
            c.had_terms = True
        elif w.role == "unknown":
            c.unknown.append(w.text)
            if at or pending or following is not None and following.role == "locative" or (
                    not c.phrases and not c.verbs and not c.positions):
                c.key_unknown.append(w.text)  # it stands where the subject or place goes
    flush()
    if adverbs and c.verbs:
        c.verbs[-1] += " " + " ".join(adverbs)
    elif adverbs and c.phrases:  # "行人匆忙": pedestrians moving hurriedly
        c.verbs.append("moving " + " ".join(adverbs))
    if adjectives:
        if c.phrases:
            c.phrases[-1].adjectives += adjectives
        else:
            c.adjectives = adjectives
    return c


# English puts size before colour: "a small green train".
_GENERIC_LOOKS = {"cinematic", "photoreal"}
_SIZES = {"small", "little", "tiny", "big", "large", "huge", "giant", "tall", "short", "long"}
# "从书架上跳下来": off the bookshelf, not on it.
_FROM = {"on": "off", "in": "out of", "inside": "out of", "under": "from under",
         "behind": "from behind", "beside": "from beside", "above": "from above"}
_PARTICLES = tuple(f" {p}" for p in DIRECTIONS.values())


def _after_verb(words: list[Word], i: int) -> bool:
    """Whether the word at i follows a verb (across 的: "挂满了古镇的街道")."""
    before = [w for w in words[:i] if w.text != "的"]
    return bool(before) and before[-1].role == "action"


def _adverb(adjective: str) -> str:
    """"languid" → "languidly", "lazy" → "lazily", "gentle" → "gently"."""
    word = adjective.split()[-1]
    if word.endswith("ly"):
        return word
    if word.endswith("y"):
        return word[:-1] + "ily"
    if word.endswith("le"):
        return word[:-1] + "y"
    return word + "ly"


def _with_adjectives(position: str, adjectives: list[str]) -> str:
    """"under a cherry tree" + pink → "under a pink cherry tree"."""
    if not adjectives:
        return position
    words = " ".join(dict.fromkeys(adjectives))
    return re.sub(r"\b(a|an|the)\s+", lambda m: ("the " if m.group(1) == "the" else
                                                 f"{article(words)} ") + f"{words} ",
                  position, count=1) if re.search(r"\b(?:a|an|the)\s", position) else \
        f"{position} ({words})"


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
            name = f"{name} {place_preposition(outer)} {outer.en}"
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
    adjectives = sorted(dict.fromkeys(p.adjectives), key=lambda a: a not in _SIZES)
    body = " ".join([*adjectives, noun, p.post]).strip()
    if p.det is not None and p.det.en and p.det.en != "a":
        return f"{p.det.en} {body}"
    if plural or p.noun.plural == p.noun.word or (p.noun.name and p.noun.name[0].isupper()):
        return body
    return f"{article(body)} {body}"
