"""The grammar of one Chinese clause: which words make the subject's noun phrase, its action,
its place and its object — rebuilt as English word order. Neighbouring nouns are one
compound ("火车站台" → "a train platform"); a noun phrase before a locative (上/里/下…) or
after 在 is a place; a verb phrase before 的 describes the noun after it ("穿白衬衫的男人" →
"a man wearing a white shirt"); a noun after a verb is its object."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.clause_scene_zh import SceneWords
from agent.clause_words_zh import (AFTER_VERB, AT, BA, FROM, GENERIC_LOOKS, MOVING, OBJECT_PRONOUN,
                                   PARTICLES, POSSESSIVE, VIDEO, adverb, with_adjectives,
                                   with_preposition)
from agent.dictionary_zh import DIRECTIONS
from agent.glossary import Word
from agent.phrase_zh import Phrase, compound, one_phrase, place_preposition
from agent.vocabulary import Noun, Vocabulary


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
    wanted: bool = False  # the clause says what the video should show ("…奔跑的视频")
    in_setting: bool = False  # 在 + a setting, then a verb: where someone does something
    scene_nouns: list[Word] = field(default_factory=list)  # scene words, as nouns (星空)
    look_words: str = ""  # a style's own name (宫崎骏 → Miyazaki Hayao)


def read_clause(words: list[Word], vocabulary: Vocabulary, pins: dict) -> Clause:
    """One clause, left to right. Neighbouring nouns make one compound ("火车站台" → "a train
    platform"); a noun phrase before a locative (上/里/下/旁…) or after 在 is a place; a
    noun phrase after a verb is its object; a negation removes what follows it."""
    return _ClauseReader(words, vocabulary, pins).read()


class _ClauseReader(SceneWords):
    """The state of one clause being read; each kind of word has a method of its own."""

    def __init__(self, words: list[Word], vocabulary: Vocabulary, pins: dict):
        self.vocabulary, self.pins = vocabulary, pins
        self.c = Clause([], [], [], [], [], [], False, False,
                        wanted=any(w.text in VIDEO for w in words))
        self.words = [w for w in words if w.role != "ignore" or w.text in AT or
                      w.text in "的地"]
        self.adverbs: list[str] = []
        self.skip: Word | None = None  # a word already read with the one before it
        self.index = 0  # of the word being read
        self.setting_at = False  # 在 + a setting was read ("在雪地里"): a verb after it is done there
        self.ba = False  # 把 came: the next noun phrase is the object of the verb after it
        self.ba_object = ""
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
            self.index = i
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
        elif w.text in AT and w.role in ("ignore", "action", "noun", "position"):
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
        elif w.text in BA and (self.pending or self.c.phrases) and not self.c.verbs:
            self.flush()  # "同学把帽子抛向天空": the students; the hats are what is thrown
            self.ba = True

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
        self.c.positions.append(with_adjectives(w.en, self.adjectives))  # "粉色的樱花树下"
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
        c.in_setting = c.in_setting or self.setting_at  # "在雪地里打滚", not "挂在山间"
        # "互相泼水": splashing water at each other — some adverbs follow the verb in English
        before = [a for a in self.adverbs if a not in AFTER_VERB]
        after = [a for a in self.adverbs if a in AFTER_VERB and "each other" not in w.en]
        verb = w.en
        if self.ba_object:  # "把帽子抛向天空": throwing hats toward (the sky)
            head, particle = (verb.rsplit(" ", 1) if verb.endswith(PARTICLES) else (verb, ""))
            verb, self.ba_object = " ".join(filter(None, [head, self.ba_object, particle])), ""
        c.verbs.append(" ".join([*before, verb, *after]))
        self.adverbs = []

    def _on_part(self, w: Word, following: Word | None) -> None:
        # "一个人的脸": a person's face; "照在脸上": on the face; "戴红围巾的男孩": what the
        # verb before 的 takes (a boy wearing a red scarf), not a part of the boy
        if self.owner or self.at or self._describes_what_follows():
            self.pending.append(Word(w.text, "noun", w.en))
        else:
            self.flush()
            self.c.parts.append(w.en)

    def _describes_what_follows(self) -> bool:
        """Inside a verb phrase that opens the clause and ends in 的 ("穿红裙子的…")."""
        c = self.c
        return bool(c.verbs) and c.verb_first and not c.phrases and any(
            w.text == "的" for w in self.words[self.index + 1:])

    def _on_look(self, w: Word, following: Word | None) -> None:
        self.flush()
        if following is not None and following.text == "风":
            self.skip = following  # "动漫风": in the anime style, no breeze
        if not ("look" in self.pins and w.en in GENERIC_LOOKS):  # "黑白电影": black and white
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
            self.adverbs.append(adverb(how))

    def _at(self, w: Word) -> None:
        """在 / 从 / 穿过…: what follows is a place (and 穿过 is also a movement)."""
        c = self.c
        self.flush()
        if w.text in MOVING and (c.phrases or c.verbs) and not (c.verbs and not c.phrases):
            c.verbs.append(MOVING[w.text])
        self.at, self.through = True, AT[w.text]

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
            c.verb_first = c.verb_first and bool(c.verbs)  # that verb described; none was first
        elif self.pending and following is not None and following.role in (
                "subject", "noun", "part") and all(p.role != "place" for p in self.pending) \
                and not re.match(r"(?:in|on|at|during)\s", self.pending[-1].en):
            # "一个人的脸": the owner of what follows ("a person's face"); "他的手": his hands
            pronoun = "".join(w.text for w in self.pending)
            self.owner = POSSESSIVE.get(pronoun) or one_phrase(Phrase(
                self.det, self.adjectives, compound(self.pending, self.vocabulary)))
            self.det, self.adjectives, self.pending = None, [], []

    # --- a noun phrase is complete --------------------------------------------------------
    def flush(self, locative: str = "") -> None:
        """The noun phrase read so far goes where it belongs: what the user excludes, a
        place, a verb's object, or a phrase of the clause."""
        c = self.c
        if not self.pending:
            if locative:
                self.at = False  # "在竹林里": the place was a scene word, already pinned
            return
        phrase = Phrase(self._determiner(), self.adjectives, self._noun(), post=self.relative)
        placed = locative or self.at
        if self.ba and not placed:  # what 把 names waits for its verb
            self.ba, self.ba_object = False, one_phrase(phrase)
            self._start_phrase()
            return
        if self.negated:
            c.avoid += [phrase.noun.word, phrase.noun.plural]
        elif placed and c.verbs and c.verbs[-1].endswith(PARTICLES):
            c.verbs[-1] += " " + with_preposition(c.verbs[-1], (
                f"the {one_phrase(phrase).split(' ', 1)[-1]}" if phrase.det is None
                and not phrase.noun.name else one_phrase(phrase)))
        elif placed:
            c.positions.append(f"{self._preposition(locative, phrase)} {one_phrase(phrase)}")
            c.position_setting = True
            self._note_places()
        elif c.phrases and c.verbs:  # "熊猫吃竹子" → eating bamboo; "抱住他" → hugging him
            said = OBJECT_PRONOUN.get("".join(w.text for w in self.pending)) or one_phrase(phrase)
            c.verbs[-1] += " " + with_preposition(c.verbs[-1], said)
        else:
            c.phrases.append(phrase)
            self._note_places()
        self._start_phrase()

    def _determiner(self) -> Word | None:
        """The phrase's count; 们 after the nouns makes it plural ("孩子们": children)."""
        det = self.det
        if self.plural and (det is None or not det.plural):
            return Word("", "count", det.en if det and det.en != "a" else "", plural=True)
        return det

    def _noun(self) -> Noun:
        """The phrase's nouns as one compound, with its owner ("一个人的脸": a person's face)."""
        noun = compound(self.pending, self.vocabulary)
        if not self.owner:
            return noun
        if self.owner in POSSESSIVE.values():  # "his hands": a name, no article, no 's
            return replace(noun, word=f"{self.owner} {noun.word}",
                           plural=f"{self.owner} {noun.plural}", name=f"{self.owner} {noun.word}")
        return replace(noun, word=f"{self.owner}'s {noun.word}",
                       plural=f"{self.owner}'s {noun.plural}",
                       name=f"{self.owner}'s {noun.word}")

    def _preposition(self, locative: str, phrase: Phrase) -> str:
        """How the phrase is a place: its locative, the word that opened it (穿过: through),
        or what the place is ("in a forest", "on a beach")."""
        if self.through == "from" and locative:
            preposition = FROM.get(locative, f"from {locative}")  # "从书架上": off
        else:
            preposition = locative or self.through or place_preposition(self.pending[-1])
        if preposition == "toward" and phrase.noun.kind == "person":
            return "to"  # "向女孩告白": confessing to a girl
        return preposition

    def _note_places(self) -> None:
        """The settings and place names among the phrase's nouns, for the clause."""
        places = [w for w in self.pending if w.role == "place" or w.setting]
        self.c.place_settings += [w.setting for w in places if w.setting]
        self.c.place_names += [w.en for w in places if w.role == "place"]
