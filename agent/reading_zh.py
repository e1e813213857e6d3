"""Reading a Chinese idea: each word is looked up in the glossary and the English is rebuilt
by role — the subject phrase, its action and position, and clauses about a body part as
details ("身体微微起伏" → "its body gently rising and falling")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.brief import CLAUSE_SPLIT, MAX_IDEA_WORDS, Brief
from agent.camera_clause import then_move
from agent.camera_clause_zh import ZhCameraReading, read_camera_sentences_zh
from agent.clause_zh import Clause, read_clause
from agent.english import article
from agent.glossary import Glossary, Word
from agent.phrase_zh import Phrase, noun_phrase, place_preposition
from agent.vocabulary import Noun, Vocabulary, pluralize
from errors import NotUnderstood


def read_chinese(text: str, vocabulary: Vocabulary, glossary: Glossary, *,
                 photo: bool = False) -> Brief:
    """Read a Chinese idea word by word (glossary, gazetteer, CC-CEDICT) and rebuild the
    English by role: subject phrase, action, place; body-part clauses become details. With
    a photo, the photo is the subject, so camera and scene words alone are a whole idea.
    NotUnderstood when a word that would name the subject or the place cannot be read."""
    if _babble(text, glossary):  # "阿巴阿巴阿巴", "啊吧啊吧 嘟嘟 咕噜咕噜": sounds, no picture
        raise NotUnderstood("这段视频要拍什么？说说画面里的主角或景色吧（比如：猎豹卧在草地上）。")
    camera = read_camera_sentences_zh(_it_named(_none_at_all(text), glossary, vocabulary),
                                      vocabulary)
    reading = _Reading()  # the camera sentence's pins join once the clauses are read
    clauses = reading.read_clauses(camera.text, vocabulary, glossary)
    chosen = _main_clause(clauses, "movement" in reading.pins)
    for index, clause in enumerate(clauses):
        reading.take(clause, index, chosen)
    for slot, ids in camera.pins.items():
        reading.pins.setdefault(slot, ids)
    unread = reading.check_understood()
    if not reading.main:
        scene_only = reading.find_subject(vocabulary, photo, unread)
        if scene_only is not None:
            return _aimed(scene_only, camera, vocabulary, glossary)
    return _aimed(reading.brief(unread), camera, vocabulary, glossary)


def _aimed(brief: Brief, camera: ZhCameraReading, vocabulary: Vocabulary,
           glossary: Glossary) -> Brief:
    """The reading with what its camera sentence aimed at, in English."""
    target, unread = camera_aim_in_english(camera, vocabulary, glossary)
    return replace(brief, camera_target=target,
                   untranslated=tuple(dict.fromkeys((*brief.untranslated, *unread))))


_OWNERS = {"她的": "her", "他的": "his", "它的": "its", "他们的": "their", "她们的": "their",
           "它们的": "their"}


def _owned(words: str, english: str) -> str:
    """"她的脸" aimed at in a shot of her: "her face", not "a young woman's face"."""
    owner = next((o for o in _OWNERS if words.startswith(o)), None)
    if owner is None or "'s " not in english:
        return english
    return f"{_OWNERS[owner]} {english.split(chr(39) + 's ', 1)[1]}"


def camera_aim_in_english(camera: ZhCameraReading, vocabulary: Vocabulary,
                          glossary: Glossary) -> tuple[str, list[str]]:
    """What a Chinese camera sentence aimed at, in English ("from the sky", "to reveal a
    whole city"), and the words that could not be read (noted, never guessed)."""
    parts, unread = [], []
    moves = camera.pins.get("movement", ())
    for words, lead in ((camera.source, "from"), (camera.target, "to reveal" if camera.reveals
                                                  else None)):
        if not words:
            continue
        try:
            said = read_chinese(words, vocabulary, glossary)
        except NotUnderstood:
            unread.append(words)
            continue
        english = _owned(words, " ".join(filter(None, [said.subject, said.action])))
        if lead is None:
            lead = vocabulary.get("movement", moves[0]).prep if moves else "toward"
        parts.append(f"{lead} {english}")
    aim = " ".join(parts)
    for later in camera.later:  # "然后拉远，露出整座城市": "…, then a pull out to reveal …"
        later_aim, later_unread = camera_aim_in_english(later, vocabulary, glossary)
        aim, unread = then_move(aim, later.pins, later_aim, vocabulary), unread + later_unread
    return aim, unread


@dataclass
class _Reading:
    """What the clauses of a Chinese idea say, gathered by role as they are read: the
    subject's phrases (`main`), its action and positions, details, and the notes every
    clause adds (words not understood, exclusions, places, scene words, a style's name)."""

    pins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    truncated: bool = False
    untranslated: list[str] = field(default_factory=list)
    key_unknown: list[str] = field(default_factory=list)
    main: list[Phrase] = field(default_factory=list)
    action: list[str] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    spare_adjectives: list[str] = field(default_factory=list)  # said before any subject
    avoid: list[str] = field(default_factory=list)
    place_settings: list[str] = field(default_factory=list)
    place_names: list[str] = field(default_factory=list)
    scene_nouns: list[Word] = field(default_factory=list)
    scene_action: list[str] = field(default_factory=list)  # verbs of the scene words named
    look_words: str = ""
    setting_in_action: bool = False

    def read_clauses(self, text: str, vocabulary: Vocabulary, glossary: Glossary) -> list[Clause]:
        """Each clause read on its own (the pins they name gathered here), up to twice
        MAX_IDEA_WORDS words; more is cut and noted."""
        total = 0
        read: list[Clause] = []
        for clause in (c for c in CLAUSE_SPLIT.split(text) if c.strip()):
            words = glossary.segment(clause)
            total += len(words)
            if total > MAX_IDEA_WORDS * 2:
                self.truncated = True
                break
            read.append(read_clause(words, vocabulary, self.pins))
        return read

    def take(self, c: Clause, index: int, chosen: int | None) -> None:
        """Gather one clause by its role; `chosen` is the index of the subject's clause."""
        self._note(c, index, chosen)
        if self._take_role(c, index, chosen) and c.adjectives:
            if self.main:
                self.main[-1].adjectives += c.adjectives
            else:
                self.spare_adjectives += c.adjectives

    def _note(self, c: Clause, index: int, chosen: int | None) -> None:
        """What every clause adds, whatever its role."""
        self.untranslated += c.unknown
        # a word that cannot be read asks a question only where it would be the subject or
        # its place (the subject's clause); elsewhere it is reported with the prompt
        self.key_unknown += c.key_unknown if chosen is None or index == chosen else []
        self.avoid += c.avoid
        self.place_settings += c.place_settings
        self.place_names += c.place_names
        self.scene_nouns += c.scene_nouns
        self.look_words = self.look_words or c.look_words
        if c.position_setting:
            self.setting_in_action = True

    def _take_role(self, c: Clause, index: int, chosen: int | None) -> bool:
        """The clause as the subject's, a place, a detail or an action; False when its words
        only describe the scene it named (then its adjectives are not the subject's)."""
        if index == chosen:
            self._take_main(c)
        elif c.phrases and _only_a_place(c.phrases, c.verbs) and (chosen is None or
                                                                   index < chosen):
            # "成都街头的茶馆里，老人在喝茶": a clause that only says where
            self.positions.append(f"in {noun_phrase(c.phrases)}")
        elif c.phrases and c.verb_first:  # "赏月": admiring the moon
            self.details.append(" ".join(filter(None, [*c.verbs, noun_phrase(c.phrases),
                                                        *c.positions])))
        elif c.phrases:
            self.details.append(" ".join(filter(None, [noun_phrase(c.phrases), *c.verbs,
                                                        *c.positions])))
        elif c.parts:
            detail = " and ".join("{pos} " + p for p in c.parts)
            self.details.append(" ".join(filter(None, [detail, *c.verbs, *c.positions])))
        elif c.verbs or c.positions:
            return self._take_action(c, index, chosen)
        return True

    def _take_main(self, c: Clause) -> None:
        """The subject's clause: its phrases, verbs and positions (with the adjectives said
        before it)."""
        # "推镜头，慢慢靠近一朵玫瑰": a verb before the subject moves the camera
        verbs = [] if c.verb_first and "movement" in self.pins else c.verbs
        self.main, self.action = c.phrases, verbs + self.action
        self.positions = self.positions + c.positions
        self.main[0].adjectives[:0] = self.spare_adjectives
        self.spare_adjectives = []

    def _take_action(self, c: Clause, index: int, chosen: int | None) -> bool:
        """A clause of verbs and positions without a noun: the subject's action, unless it
        only animates the scene words named (False then)."""
        if c.had_terms and not c.positions and not c.in_setting:
            self.scene_action += c.verbs  # "霓虹灯闪烁": they describe the lighting named
            return False
        if c.had_terms and not c.verbs and (self.positions or chosen is not None and
                                            index > chosen):
            # "窗外下着小雨": the weather is pinned; not a second place. But a named place
            # keeps what is there: "断桥上有薄雾" → mist on the Broken Bridge
            named = [p for p in c.positions if re.search(r"\b[A-Z]", p)]
            if named and c.scene_nouns:
                self.details.append(" ".join([c.scene_nouns[0].en, *named]))
            return False
        self.action += c.verbs
        self.positions += c.positions
        return True

    def check_understood(self) -> tuple[str, ...]:
        """The words not understood; NotUnderstood when one of them would name the subject
        or the place, or when nothing else names a subject."""
        unread = tuple(dict.fromkeys(self.untranslated))
        if self.key_unknown or (not self.main and unread):
            words = tuple(dict.fromkeys(self.key_unknown or unread))
            raise NotUnderstood(f"我没看懂“{'、'.join(words)}”——"
                                f"它是什么，或者在哪里？换个说法告诉我吧。", words)
        return unread

    def find_subject(self, vocabulary: Vocabulary, photo: bool,
                     unread: tuple[str, ...]) -> Brief | None:
        """A subject when no clause named one: someone doing the action there, the scene
        word itself, the setting's subject or the place; the Brief of "the scene" when
        camera and scene words alone are the idea (None otherwise)."""
        if self.action and (self.scene_nouns or self.positions) and not photo:
            self._someone_there()
        elif self.scene_nouns:
            self._scene_word_as_subject(vocabulary)
        else:
            return self._setting_as_subject(vocabulary, photo, unread)
        return None

    def _someone_there(self) -> None:
        """"在海边散步": someone does it there (the verb says someone; a made-up subject would
        say more than the user did)."""
        self.main = [Phrase(None, self.spare_adjectives, Noun(word="someone", kind="person",
                                                              plural="someone",
                                                              name="someone"))]
        # the place the scene word names stays in the user's words
        for word in self.scene_nouns:
            if word.setting and not self.positions:
                self.positions.append(f"{place_preposition(word)} {article(word.en)} {word.en}")
                self.place_settings.append(word.setting)
        self.setting_in_action = True

    def _scene_word_as_subject(self, vocabulary: Vocabulary) -> None:
        """"没有云的星空", "清晨的阳光洒进卧室": the scene word itself is what to show;
        "月光下的竹林": the place is what to show, its light only lights it."""
        first = next((w for w in self.scene_nouns if w.setting), self.scene_nouns[0])
        self.main = [Phrase(None, self.spare_adjectives, _scene_noun(first, vocabulary))]
        self.action = self.action or self.scene_action
        self.setting_in_action = self.setting_in_action or bool(first.setting)
        if first.setting:
            self.place_settings.append(first.setting)

    def _setting_as_subject(self, vocabulary: Vocabulary, photo: bool,
                            unread: tuple[str, ...]) -> Brief | None:
        """The subject a pinned setting names, else a place alone ("夜市": a night market);
        "the scene" when only camera and scene words were said; NotUnderstood when nothing
        says what to show."""
        setting = self.pins.get("setting", ())
        subject_noun = vocabulary.get("setting", setting[0]).subject if setting else ""
        # "下雪的视频": snow is a picture
        scene_only = bool({"weather", "lighting"} & set(self.pins))
        if subject_noun:
            self.main = [Phrase(None, self.spare_adjectives, vocabulary.nouns[subject_noun])]
            self.setting_in_action = True
        elif self.positions and not photo:
            # "夜市": a place alone is what to show ("a night market")
            self.main = [Phrase(None, self.spare_adjectives, _place_noun(self.positions[0]))]
            self.positions = self.positions[1:]
            self.setting_in_action = True
        elif (photo or self.positions or scene_only) and (self.pins or self.details
                                                          or self.positions):
            return self._scene_brief(unread)
        else:
            raise NotUnderstood("这段视频要拍什么？"
                                "说说画面里的主角或景色吧（比如：猎豹卧在草地上）。")
        return None

    def _scene_brief(self, unread: tuple[str, ...]) -> Brief:
        """The Brief of an idea that names no subject, only what to do with the scene."""
        return Brief(subject="the scene", noun="", kind="generic", plural=False,
                     action=" ".join(filter(None, [" and ".join(self.action), *self.positions])),
                     details=tuple(self.details), pins=tuple(sorted(self.pins.items())),
                     setting_in_action=bool(self.positions), language="zh",
                     untranslated=unread, truncated=self.truncated,
                     place=" ".join(self.positions), place_setting=_last(self.place_settings),
                     avoid=tuple(dict.fromkeys(self.avoid)))

    def brief(self, unread: tuple[str, ...]) -> Brief:
        """The Brief of the subject found, its action, place and details."""
        main, head = self.main, self.main[0].noun
        plural = len(main) > 1 or any(p.det is not None and p.det.plural for p in main) or (
            head.plural == head.word and head.word.endswith("s") and not head.name)
        subject = noun_phrase(main)
        place = " ".join(self.positions) or (subject if self.place_names and head.name else "")
        return Brief(subject=subject, noun=head.word, kind=head.kind, plural=plural,
                     action=" ".join(filter(None, [" and ".join(self.action), *self.positions])),
                     details=tuple(self.details), pins=tuple(sorted(self.pins.items())),
                     setting_in_action=self.setting_in_action or bool(self.place_names),
                     language="zh", untranslated=unread, truncated=self.truncated, place=place,
                     place_setting=_last(self.place_settings),
                     avoid=tuple(dict.fromkeys(self.avoid)), look_words=self.look_words,
                     place_known=bool(self.place_names))


# Subjects that do things: a clause where one of these acts holds the subject of the video.
_ANIMATE = {"person", "crowd", "animal", "bird", "insect", "aquatic", "fantasy", "robot",
            "vehicle", "vessel", "aircraft"}


def _main_clause(clauses: list, camera_moves: bool) -> int | None:
    """Which clause holds the subject: the first where someone or something does
    something ("中秋节，赏月，一对老夫妻坐在阳台上" → the couple), else the first that names
    anything; a verb before the subject is the camera's when the idea moves the camera."""
    acting = [i for i, c in enumerate(clauses) if c.phrases and c.verbs and not c.verb_first
              and c.phrases[0].noun.kind in _ANIMATE]
    # "我的狗狗去世了，想做一个它在彩虹桥上奔跑的视频": the clause the video is of comes first
    acting.sort(key=lambda i: not clauses[i].wanted)
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


# "一个人都没有", "一朵云也没有": not a single one — said as "没有人", which the reader negates.
_NOT_ONE = re.compile(r"一[个只辆条位名艘朵片点丝]?([\u4e00-\u9fff]{1,3}?)(?:都|也)没有?")


def _none_at_all(text: str) -> str:
    return _NOT_ONE.sub(r"没有\1", text)


# 他/她 opening a clause, not an owner's ("，他在笑"; not "推近她的脸", which the camera reads)
_HE_SHE = re.compile(r"(?<=[，,。；;！!？?\s])[他她](?!的)")


def _it_named(text: str, glossary: Glossary, vocabulary: Vocabulary) -> str:
    """它 (it), and 他/她 opening a clause, said of what an earlier clause named ("我的狗狗去世
    了，想做一个它在彩虹桥上奔跑的视频"; "推到一个老人的脸上，他在笑"): the pronoun becomes
    that word (for 他/她, a person's), so its clause reads whole and says who."""
    for match in [*re.finditer("它们?", text), *_HE_SHE.finditer(text)][:1]:
        person = match.group(0) in "他她"
        named = [w.text for w in glossary.segment(text[:match.start()]) if w.role == "subject"
                 and (not person or _is_person(w.en, vocabulary))]
        if named:
            return text[:match.start()] + named[-1] + text[match.end():]
    return text


def _is_person(english: str, vocabulary: Vocabulary) -> bool:
    noun = vocabulary.nouns.get(english)
    return noun is not None and noun.kind in ("person", "crowd")


_REPEATED = re.compile(r"(.{1,2})\1+")


def _babble(text: str, glossary: Glossary) -> bool:
    """Only syllables said over and over, none of them a word the glossary lists ("星星"
    is stars, "阿巴阿巴" is nothing): baby talk or sounds, no picture to make."""
    runs = re.findall(r"[\u4e00-\u9fff]+", text)
    return bool(runs) and not re.search(r"[A-Za-z0-9]", text) and all(
        _REPEATED.fullmatch(run) and not glossary.curated(run)
        and not glossary.curated(_REPEATED.fullmatch(run).group(1)) for run in runs)
