"""The Chinese glossary: words of an idea, found with jieba and looked up in
agent/data/glossary_zh.toml. Words it cannot find are reported, never passed on as Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

import datafiles
from agent.dictionary_zh import DIRECTIONS, LOCATIVES, Dictionary, read_count, split_known
from agent.vocabulary import CAMERA_SLOTS, DATA_DIR, SCENE_SLOTS, Vocabulary
from datafiles import AnyText, Flag, Schema, Text, fail, one_of

ROLES = ("subject", "noun", "count", "adjective", "action", "adverb", "part", "position",
         "camera", "scene", "look", "cue", "negation", "ignore")
CUES = ("change", "add", "make", "more", "remove")
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_BACK_AND_FORTH = re.compile(r"(.{1,2})来\1去")
_PARTICLES = "在着了过"  # after a verb: at (a place follows), -ing, done, ever
_DEGREE = "全很超好真太最挺更特"  # before an adjective: how much
# A personal name as people write one: 小明, 老王, 阿花, or a common surname and a given name.
_NAME = re.compile(r"^(?:[小老阿][\u4e00-\u9fff]{1,2}|[王李张刘陈杨赵吴周徐孙朱胡郭何罗郑梁谢宋唐"
                   r"许韩冯邓曹彭曾肖董袁潘蒋蔡余杜魏吕丁沈姚卢姜崔钟谭陆汪廖贾韦邹孟秦邱"
                   r"薛闫段侯郝龚邵覃][\u4e00-\u9fff]{1,2})$")
_COLOUR = re.compile(r"[a-z]+(?:[ -][a-z]+)? colou?r")
_COLOUR_WORDS = {"gold": "golden", "golden-yellow": "golden", "light": "pale"}
_LATIN_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


@dataclass(frozen=True)
class Word:
    """One word of a Chinese idea and what the glossary says it is.

    role is one of ROLES, or "english" (Latin text kept as typed) or "unknown".
    """

    text: str
    role: str
    en: str = ""
    plural: bool = False
    pace: str = ""
    setting: str = ""
    verb: str = ""  # a dictionary noun's verb sense ("靠近": near / approaching)
    gloss: str = ""  # a scene word's plain English noun ("篝火": campfire), for objects


def has_cjk(text: str) -> bool:
    """Whether the text contains Chinese (or other CJK) characters."""
    return CJK.search(text) is not None


class Glossary:
    """Chinese → English word lookup: the curated glossary first, then the gazetteer of
    places, then CC-CEDICT (agent/dictionary_zh.py). Segmentation loads on first use."""

    def __init__(self, words: dict[str, Word], places=None, dictionary=None):
        self.words = words
        self.places = places  # an agent.places.Gazetteer, or None
        names = tuple(places.chinese_names()) if places is not None else ()
        self.dictionary = dictionary or Dictionary(
            tuple(w for w in words if has_cjk(w) and " " not in w) + names)

    def __len__(self) -> int:
        return len(self.words)

    def known(self, word: str) -> bool:
        """Whether any of the three sources gives the word a meaning."""
        return word in self.words or self._place(word) is not None or (
            self.dictionary.meaning(word) is not None)

    def curated(self, word: str) -> bool:
        """Whether the glossary or the gazetteer lists the word as it is."""
        return word in self.words or self._place(word) is not None

    def segment(self, clause: str) -> list[Word]:
        """The words of one clause (no punctuation inside), each with its role."""
        out: list[Word] = []
        start = 0
        for match in _BACK_AND_FORTH.finditer(clause):  # cut across by jieba ("滚来|滚|去")
            repeated = self._back_and_forth(match.group(0))
            if repeated is not None:
                out += self._cut(clause[start:match.start()]) + [repeated]
                start = match.end()
        return _merge_unknown(out + self._cut(clause[start:]))

    def _cut(self, text: str) -> list[Word]:
        out: list[Word] = []
        for token in self.dictionary.cut(text, self.known, self.curated):
            token = token.strip()
            if not token:
                continue
            if has_cjk(token):
                out.extend(self.lookup(token))
            else:
                out.extend(Word(m.group(0), "english", m.group(0))
                           for m in _LATIN_RUN.finditer(token))
        return out

    def lookup(self, token: str) -> list[Word]:
        """The Word(s) for one Chinese token. A token no source knows is split only into
        known words of two or more characters; failing that it is one unknown word —
        never read character by character ("牛仔" is not "牛" + "仔")."""
        found = self._one(token)
        if found is not None:
            return [found]
        pieces = split_known(token, self.known) if len(token) > 2 else None
        if pieces:
            return [w for piece in pieces if (w := self._one(piece)) is not None]
        if _NAME.match(token) and not self.dictionary.listed(token):
            return [Word(token, "unknown")]  # "小明": a name, never "little" + "bright"
        modified = self._modified_noun(token)
        if modified:
            return modified
        moved = self._directed(token)
        if moved is not None:
            return [moved]
        repaired = self._with_particle(token) or self._after_one_char(token)
        if repaired is not None:
            return repaired
        # A word jieba lists is read by its known parts ("坐在" sit + at, "北京城" Beijing +
        # city). A run no dictionary lists is read by its parts only where each character
        # read alone is one the glossary knows (or a particle): never a dictionary sense of
        # one character inside an unknown word, and a name stays whole and unknown.
        listed = self.dictionary.listed(token)
        if listed or not _NAME.match(token):
            parts = split_known(token, self.known, shortest=1, prefer=self.curated)
            if parts and (listed or all(len(p) > 1 or self.curated(p) or p in LOCATIVES
                                        for p in parts)):
                return [w for piece in parts if (w := self._one(piece)) is not None]
        return [Word(token, "unknown")]

    def _directed(self, token: str) -> Word | None:
        """A verb with a direction after it ("落进" falling into, "飞起" flying up)."""
        for size in (2, 1):
            verb, direction = token[:-size], token[-size:]
            if len(verb) >= 1 and direction in DIRECTIONS:
                found = self._found(verb)
                if found is not None and found.role == "action":
                    return Word(token, "action", f"{found.en} {DIRECTIONS[direction]}")
        return None

    def _back_and_forth(self, token: str) -> Word | None:
        """"滚来滚去", "飞来飞去": a verb said twice around 来…去 is done all around
        (rolling around), not a coming and a going."""
        match = _BACK_AND_FORTH.fullmatch(token)
        found = self._found(match.group(1)) if match else None
        if found is None or found.role != "action":
            return None
        return Word(token, "action", f"{found.en} around")

    def _with_particle(self, token: str) -> list[Word] | None:
        """A verb with 在, 着, 了 or 过 after it, cut as one unlisted word ("漂在" floating +
        在, "趴着" lying on the front): the verb read on its own, 在 kept to open the place
        that follows."""
        verb, particle = token[:-1], token[-1]
        if not verb or particle not in _PARTICLES:
            return None
        found = self._found(verb)
        if found is None or found.role != "action":
            return None
        return [found, Word(particle, "ignore")] if particle == "在" else [found]

    def _after_one_char(self, token: str) -> list[Word] | None:
        """A word of degree before an adjective ("全黄", "很红": the adjective itself), or a
        locative jieba cut together with the verb after it ("摇椅|上织|毛衣": on + knitting)."""
        found = self._found(token[1:]) if len(token) > 1 else None
        if found is None:
            return None
        if token[0] in _DEGREE and found.role == "adjective":
            return [found]
        if token[0] in LOCATIVES and found.role == "action":
            return [Word(token[0], "locative", LOCATIVES[token[0]]), found]
        return None

    def _modified_noun(self, token: str) -> list[Word] | None:
        """"白猫" = "白" + "猫": single characters are read only as adjectives or counts
        in front of a noun the glossary lists — the one pattern where a character inside an
        unlisted word keeps its own meaning."""
        words = [self.words.get(char) for char in token]
        if words[-1] is None and len(token) == 2:  # "旧信": an old letter (信, a dictionary noun)
            meaning = self.dictionary.meaning(token[-1])
            if meaning is not None and meaning.role == "noun":
                words[-1] = Word(token[-1], "noun", meaning.en)
        if any(w is None for w in words) or words[-1].role not in ("subject", "noun"):
            return None
        if not all(w.role in ("adjective", "count") for w in words[:-1]):
            return None
        return words

    def _one(self, token: str) -> Word | None:
        word = self._found(token)
        if word is not None and word.role == "scene" and not word.gloss:
            meaning = self.dictionary.meaning(token)
            # a feeling keeps its adjective ("紧张": nervous), said of the subject as well
            wanted = "adjective" if word.en.startswith("atmosphere:") else "noun"
            if meaning is not None and meaning.role == wanted:
                word = replace(word, gloss=meaning.en)
        if word is not None and word.role == "look" and not word.gloss:
            # "宫崎骏风格": a style named after someone keeps the name (Miyazaki Hayao)
            name = self.dictionary.meaning(re.sub(r"(?:风格|风|式|画风|的风格)$", "", token))
            if name is not None and name.role == "noun" and name.en[:1].isupper():
                word = replace(word, gloss=name.en)
        return word

    def _found(self, token: str) -> Word | None:
        if token in LOCATIVES:
            return Word(token, "locative", LOCATIVES[token])
        if token == "们":
            return Word(token, "plural")
        place = self._place(token)  # "故宫" is the Forbidden City before it is "a palace"
        if place is not None:
            return Word(token, "place", place.en, setting=place.setting)
        if token in self.words:
            return self.words[token]
        count = read_count(token)
        if count is not None:
            return Word(token, "count", count[0], plural=count[1])
        meaning = self.dictionary.meaning(token)
        if meaning is not None and meaning.role == "noun" and _COLOUR.fullmatch(meaning.en):
            return Word(token, "adjective", _COLOUR_WORDS.get(
                meaning.en.split()[0], meaning.en.split()[0]))  # "金黄色" gold color → golden
        if meaning is not None and meaning.role == "adjective":
            return Word(token, "adjective", meaning.en)
        if meaning is not None:
            return Word(token, "noun" if meaning.role == "noun" else "action", meaning.en,
                        verb=meaning.verb)
        return None

    def _place(self, token: str):
        return self.places.chinese(token) if self.places is not None else None


def _merge_unknown(words: list[Word]) -> list[Word]:
    """Join neighbouring unknown words so the user is told about whole words."""
    merged: list[Word] = []
    for word in words:
        if word.role == "unknown" and merged and merged[-1].role == "unknown":
            merged[-1] = Word(merged[-1].text + word.text, "unknown")
        else:
            merged.append(word)
    return merged


def _chinese_word(text: str) -> str:
    if not text.strip() or _CJK_RUN.fullmatch(text.replace("3D", "")) is None:
        raise ValueError("must be a Chinese word")
    return text


def _nothing(value: str) -> str:
    if value != "":
        raise ValueError('must be "" (an ignored word means nothing)')
    return value


def _words(meaning) -> type:
    """A [role] table: Chinese word → its meaning; at least one word."""
    return Annotated[dict[Annotated[str, AfterValidator(_chinese_word)], meaning],
                     Field(min_length=1)]


def _en_or_table(table: type) -> type:
    """A meaning written as its English text, or as a table with more to say."""
    return Annotated[table, BeforeValidator(
        lambda value: {"en": value} if isinstance(value, str) else value)]


class _Count(Schema):
    en: Text
    plural: Flag = False


class _Adverb(Schema):
    en: Text
    pace: Text = ""  # a pace id of camera.toml


class _Position(Schema):
    en: Text
    setting: Text = ""  # a setting id of scene.toml


# camera and scene words name vocabulary entries: "slot:id", or a list of them
_Refs = Annotated[Text, BeforeValidator(lambda value: ",".join(value) if isinstance(
    value, list) and all(isinstance(v, str) for v in value) else value)]


class _GlossaryFile(Schema):
    """glossary_zh.toml: one table per role (ROLES, in this order), and [gloss]."""

    subject: _words(Text)  # a noun of subjects.toml
    noun: _words(Text)
    count: _words(_en_or_table(_Count))
    adjective: _words(Text)
    action: _words(Text)
    adverb: _words(_en_or_table(_Adverb))
    part: _words(Text)
    position: _words(_en_or_table(_Position))
    camera: _words(_Refs)
    scene: _words(_Refs)
    look: _words(Text)  # a look id of camera.toml
    cue: _words(one_of(*CUES))
    negation: _words(AnyText)  # "": negates the noun that follows; else the English excluded
    ignore: _words(Annotated[AnyText, AfterValidator(_nothing)])
    gloss: dict[str, Text] = {}  # plain English nouns for [scene] words CC-CEDICT lacks


def load_glossary(vocabulary: Vocabulary, path: Path = DATA_DIR / "glossary_zh.toml",
                  places=None) -> Glossary:
    """Read and check the glossary; a word is in one table only, and every reference names
    a vocabulary entry."""
    data, file = datafiles.load(path, _GlossaryFile), datafiles.shown(path)
    words: dict[str, Word] = {}
    for role in ROLES:
        for text, value in getattr(data, role).items():
            if text in words:
                raise fail(file, f"[{role}] '{text}'", "", f"the word is also in "
                           f"[{words[text].role}]; each word may appear once")
            words[text] = _word(role, text, value)
            _check_references(file, words[text], vocabulary)
    for text, gloss in data.gloss.items():
        if text not in words or words[text].role != "scene":
            raise fail(file, f"[gloss] '{text}'", "", "only a [scene] word takes a gloss")
        words[text] = replace(words[text], gloss=gloss)
    return Glossary(words, places)


def _word(role: str, text: str, value) -> Word:
    """The Word for one checked glossary entry."""
    if isinstance(value, Schema):  # a count, an adverb or a position
        return Word(text, role, value.en, plural=getattr(value, "plural", False),
                    pace=getattr(value, "pace", ""), setting=getattr(value, "setting", ""))
    return Word(text, role, value.strip() if role == "negation" else value)


def _check_references(file: str, word: Word, vocabulary: Vocabulary) -> None:
    """DataFileError when a word names a noun, an entry, a pace or a setting that the
    vocabulary does not have."""
    where = f"[{word.role}] '{word.text}'"
    if word.pace and not vocabulary.has("pace", word.pace):
        raise fail(file, where, "pace", f"names unknown pace '{word.pace}'")
    if word.setting and not vocabulary.has("setting", word.setting):
        raise fail(file, where, "setting", f"names unknown setting '{word.setting}'")
    if word.role == "subject" and word.en not in vocabulary.nouns:
        raise fail(file, where, "", f"'{word.en}' is not a noun in subjects.toml [nouns]")
    slots = CAMERA_SLOTS if word.role == "camera" else SCENE_SLOTS
    for ref in (word.en.split(",") if word.role in ("camera", "scene") else ()):
        slot, _, entry_id = ref.partition(":")
        if slot not in slots or not vocabulary.has(slot, entry_id):
            raise fail(file, where, "", f"'{ref}' must be slot:id of an entry "
                                        f"(slots: {', '.join(slots)})")
    if word.role == "look" and not vocabulary.has("look", word.en):
        raise fail(file, where, "", f"'{word.en}' is not a look id in camera.toml")
