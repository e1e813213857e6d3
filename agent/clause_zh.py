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
from agent.phrase_zh import Phrase, compound, one_phrase, place_preposition
from agent.reading import article
from agent.vocabulary import Vocabulary


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
    return _ClauseReader(words, vocabulary, pins).read()


class _ClauseReader:
    """The state of one clause being read; each kind of word has a method of its own."""

    def __init__(self, words: list[Word], vocabulary: Vocabulary, pins: dict):
        self.vocabulary, self.pins = vocabulary, pins
        self.c = Clause([], [], [], [], [], [], False, False)
        self.words = [w for w in words if w.role != "ignore" or w.text in _AT or
                      w.text in "的地"]
        self.adverbs: list[str] = []
        self.skip: Word | None = None  # a word already read with the one before it
        self._start_phrase()

    def _start_phrase(self) -> None:
        self.det: Word | None = None
        self.adjectives: list[str] = []
        self.pending: list[Word] = []  # the nouns of the phrase being read
        self.at = False  # a 在 came before the phrase being read
        self.through = ""  # the English of the word that opened the place (穿过: through)
        self.owner = ""  # "一个人的脸": the owner before 的, for the noun after it
        self.negated = False
        self.plural = False  # 们 followed the nouns
        self.relative = ""  # a verb phrase before 的, for the noun after it

    # --- the loop -------------------------------------------------------------------------
    def read(self) -> Clause:
        c = self.c
        for i, w in enumerate(self.words):
            following = self.words[i + 1] if i + 1 < len(self.words) else None
            if w is not self.skip:
                self._word(i, w, following)
        self.flush()
        if self.adverbs and c.verbs:
            c.verbs[-1] += " " + " ".join(self.adverbs)
        elif self.adverbs and c.phrases:  # "行人匆忙": pedestrians moving hurriedly
            c.verbs.append("moving " + " ".join(self.adverbs))
        if self.adjectives:
            if c.phrases:
                c.phrases[-1].adjectives += self.adjectives
            else:
                c.adjectives = self.adjectives
        return c

    def _word(self, i: int, w: Word, following: Word | None) -> None:
        """One word: English inside Chinese first, then the particles that join words, then
        the word's own role."""
        if w.role == "english":
            w = self._english(w, following)
            if w is None:
                return
        w = self._verb_sense(w, following)
        if w.text == "的":
            self._de(i, following)
        elif w.text in DIRECTIONS and self.c.verbs and i and \
                self.words[i - 1].role == "action":
            self.c.verbs[-1] += f" {DIRECTIONS[w.text]}"  # "落" "进" → falling into
        elif w.text == "地":
            self._di()
        elif w.text in _AT and w.role in ("ignore", "action", "noun", "position"):
            self._at(w)
        elif w.role in ("camera", "scene"):
            self._scene(i, w, following)
        else:
            getattr(self, f"_on_{w.role}", self._on_other)(w, following)

    def _english(self, w: Word, following: Word | None) -> Word | None:
        """An English word inside Chinese: a noun the vocabulary knows is a subject; the
        number before 度 and a camera term are read here (None: nothing more to read)."""
        if w.text.lower() in self.vocabulary.nouns:
            return Word(w.text, "subject", w.text.lower())
        if w.text.isdigit() and following is not None and following.text == "度":
            self.skip = following  # "360度环绕": the degrees belong to the camera move
            return None
        if terms := self.vocabulary.find_terms(w.text):
            for term in terms:  # "POV，一只猫在跑": English camera words inside Chinese
                self.pins[term.slot] = term.ids
            self.c.had_terms = True
            return None
        return w

    def _verb_sense(self, w: Word, following: Word | None) -> Word:
        """A noun with a verb sense, read as the verb where a verb goes: after an adverb, or
        after the subject with an object next ("慢慢靠近": approaching, not "near")."""
        c = self.c
        object_next = following is not None and following.role in (
            "subject", "noun", "place", "count", "adjective")
        if w.role == "noun" and w.verb and (self.adverbs or (c.phrases or self.pending)
                                            and not c.verbs and object_next):
            return Word(w.text, "action", w.verb)
        return w

    # --- the kinds of word ----------------------------------------------------------------
    def _on_cue(self, w: Word, following: Word | None) -> None:
        if w.en == "remove":  # "不要人物": nothing of it in the shot
            self.flush()
            self.negated = True

    def _on_plural(self, w: Word, following: Word | None) -> None:
        self.plural = True

    def _on_negation(self, w: Word, following: Word | None) -> None:
        self.flush()
        if w.en:
            self.c.avoid += [w.en]
        else:
            self.negated = True

    def _on_count(self, w: Word, following: Word | None) -> None:
        self.flush()
        self.det = w

    def _on_adjective(self, w: Word, following: Word | None) -> None:
        if self.pending:
            self.flush()
        self.adjectives.append(w.en)

    _on_english = _on_adjective

    def _on_subject(self, w: Word, following: Word | None) -> None:
        self.pending.append(w)

    _on_noun = _on_place = _on_subject

    def _on_locative(self, w: Word, following: Word | None) -> None:
        self.flush(w.en)

    def _on_position(self, w: Word, following: Word | None) -> None:
        self.flush()
        self.at = False
        self.c.positions.append(_with_adjectives(w.en, self.adjectives))  # "粉色的樱花树下"
        self.adjectives = []
        if w.setting:
            self.c.place_settings.append(w.setting)
        self.c.position_setting = True

    def _on_adverb(self, w: Word, following: Word | None) -> None:
        self.flush()
        if w.pace and following is not None and following.en.startswith("movement:"):
            self.pins["pace"] = (w.pace,)
        else:
            self.adverbs.append(w.en)

    def _on_action(self, w: Word, following: Word | None) -> None:
        c = self.c
        self.flush()
        self.at = False  # "老人在喝茶": 在 before a verb is "is doing", not a place
        if not c.phrases and not c.verbs:
            c.verb_first = True  # no subject before it: a camera's move, or a 的-clause
        c.verbs.append(" ".join([*self.adverbs, w.en]))
        self.adverbs = []

    def _on_part(self, w: Word, following: Word | None) -> None:
        if self.owner or self.at:  # "一个人的脸": a person's face; "照在脸上": on the face
            self.pending.append(Word(w.text, "noun", w.en))
        else:
            self.flush()
            self.c.parts.append(w.en)

    def _on_look(self, w: Word, following: Word | None) -> None:
        self.flush()
        if not ("look" in self.pins and w.en in _GENERIC_LOOKS):  # "黑白电影": black and white
            self.pins["look"] = (w.en,)
        if w.gloss:
            self.c.look_words = w.gloss  # "宫崎骏风格": in the style of Miyazaki Hayao
        self.c.had_terms = True

    def _on_unknown(self, w: Word, following: Word | None) -> None:
        c = self.c
        c.unknown.append(w.text)
        if self.at or self.pending or following is not None and following.role == "locative" \
                or (not c.phrases and not c.verbs and not c.positions):
            c.key_unknown.append(w.text)  # it stands where the subject or place goes

    def _on_other(self, w: Word, following: Word | None) -> None:
        pass  # particles and what the glossary lists as nothing to show

    def _di(self) -> None:
        """地: the word before it says how ("慵懒地躺": lying languidly)."""
        if self.adjectives or self.pending:
            how = self.adjectives.pop() if self.adjectives else self.pending.pop().en
            self.adverbs.append(_adverb(how))

    def _at(self, w: Word) -> None:
        """在 / 从 / 穿过…: what follows is a place (and 穿过 is also a movement)."""
        c = self.c
        self.flush()
        if w.text in _MOVING and (c.phrases or c.verbs) and not (c.verbs and not c.phrases):
            c.verbs.append(_MOVING[w.text])
        self.at, self.through = True, _AT[w.text]

    def _de(self, i: int, following: Word | None) -> None:
        """的: it ends a negation, turns a verb phrase into a description, or an owner."""
        c = self.c
        if self.negated and self.pending:  # "没有车的高速公路": the negation ends at 的
            kept = self.det
            self.flush()
            self.det = kept
            return
        placed = i and self.words[i - 1].role in ("locative", "position")
        if c.verbs and not c.phrases and not self.relative and (
                c.verb_first or not self.pending) and not (
                "movement" in self.pins and c.verb_first) and not placed:
            # "穿白衬衫的男人": the verb phrase describes the man (a man wearing …); not so
            # "推到桌上的信" (the camera's verb) or "打翻了桌上的花瓶" (the vase on the table)
            obj = one_phrase(Phrase(None, self.adjectives,
                                    compound(self.pending, self.vocabulary))) \
                if self.pending else ""
            self.relative = " ".join(filter(None, [c.verbs.pop(), obj]))
            self.pending, self.adjectives = [], []
        elif self.pending and following is not None and following.role in (
                "subject", "noun", "part") and all(p.role != "place" for p in self.pending) \
                and not re.match(r"(?:in|on|at|during)\s", self.pending[-1].en):
            # "一个人的脸": the owner of what follows ("a person's face")
            self.owner = one_phrase(Phrase(self.det, self.adjectives,
                                           compound(self.pending, self.vocabulary)))
            self.det, self.adjectives, self.pending = None, [], []

    def _scene(self, i: int, w: Word, following: Word | None) -> None:
        """A camera or scene word: pinned; and where the user's own word names a thing or a
        place (麦田, 红色灯笼, 阳光下), that word stays in the prompt too."""
        c, pins = self.c, self.pins
        refs = [ref.partition(":") for ref in w.en.split(",")]
        for slot, _, entry_id in refs:
            pins[slot] = (entry_id,)
        c.had_terms = True
        setting = next((self.vocabulary.get("setting", i) for slot, _, i in refs
                        if slot == "setting"), None)
        lit = any(slot in ("lighting", "weather") for slot, _, _ in refs)
        if self.negated and any(slot == "weather" for slot, _, _ in refs):
            pins["weather"] = ("clear",)  # "不要下雨": a clear sky, and no rain
            c.avoid += [w.gloss or next(i for slot, _, i in refs if slot == "weather")]
            self.negated = False
            return
        if w.gloss and self.negated and any(slot == "lighting" for slot, _, _ in refs):
            c.avoid.append(w.gloss)  # "没有灯光的房间": a dark room
            del pins["lighting"]
            self.adjectives.append("dark")
            self.negated = False
            return
        if w.gloss and (setting is not None or lit) and (self.adjectives or self.pending) \
                and w.role == "scene":  # "红色灯笼", "沙漠公路": the user's words are the noun
            self.pending.append(Word(w.text, "noun", w.gloss,
                                     setting=setting.id if setting else ""))
            return
        self.flush()
        was_at = self.at
        place_next = self.at or (following is not None and (
            following.role in ("locative", "noun", "subject") or (
                following.role == "scene" and "setting:" in following.en)))
        # "在竹林": a place's scene word is the place itself; "在凌晨的办公室": a time is not
        self.at = self.at and (w.role == "camera" or setting is None)
        if w.gloss and (setting is not None or lit):
            c.scene_nouns.append(Word(w.text, "noun", w.gloss,
                                      setting=setting.id if setting else ""))
        if w.gloss and lit and c.verbs and following is not None and \
                following.role == "locative":
            c.verbs[-1] += f" {following.en} the {w.gloss}"  # "躺在阳光下"
            self.skip = following
        elif w.gloss and setting is not None and place_next:
            # "在麦田里", "沙漠公路": the user's own words for the place stay
            self.pending.append(Word(w.text, "noun", w.gloss, setting=setting.id))
            self.at = was_at or (following is not None and following.role == "locative")
        elif w.gloss and c.verbs and _after_verb(self.words, i):
            c.verbs[-1] += f" {article(w.gloss)} {w.gloss}"  # "围着篝火": around a campfire

    # --- a noun phrase is complete --------------------------------------------------------
    def flush(self, locative: str = "") -> None:
        """The noun phrase read so far goes where it belongs: what the user excludes, a
        place, a verb's object, or a phrase of the clause."""
        c = self.c
        if not self.pending:
            if locative:
                self.at = False  # "在竹林里": the place was a scene word, already pinned
            return
        det = self.det
        if self.plural and (det is None or not det.plural):
            det = Word("", "count", det.en if det and det.en != "a" else "", plural=True)
        noun = compound(self.pending, self.vocabulary)
        if self.owner:  # "一个人的脸" → "a person's face"
            noun = replace(noun, word=f"{self.owner}'s {noun.word}",
                           plural=f"{self.owner}'s {noun.plural}",
                           name=f"{self.owner}'s {noun.word}")
        phrase = Phrase(det, self.adjectives, noun, post=self.relative)
        places = [w for w in self.pending if w.role == "place" or w.setting]
        if self.negated:
            c.avoid += [phrase.noun.word, phrase.noun.plural]
        elif (locative or self.at) and c.verbs and c.verbs[-1].endswith(_PARTICLES):
            c.verbs[-1] += f" the {one_phrase(phrase).split(' ', 1)[-1]}" if \
                phrase.det is None and not phrase.noun.name else f" {one_phrase(phrase)}"
        elif locative or self.at:
            preposition = _FROM.get(locative, f"from {locative}") if self.through == "from" \
                and locative else locative or self.through or place_preposition(self.pending[-1])
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
        self._start_phrase()


_GENERIC_LOOKS = {"cinematic", "photoreal"}
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
