"""Reading an idea: English or Chinese words → a Brief — the subject and action in English,
the user's own details, and every camera, scene and look choice they named. The formula
rewriter keeps all of it and fills in only what is missing. The language's own reader
(agent/reading_en.py, agent/reading_zh.py) does the reading; this one takes out what no
reader reads (emoji, other scripts), an occasion, chatter and negations, and checks that
the result names something to show."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from agent.brief import Brief
from agent.chatter import FEELING_OF, without_chatter, without_negations
from agent.english import DETERMINERS, WORDS
from agent.glossary import CJK, Glossary, has_cjk
from agent.occasions import read_occasion
from agent.place_en import with_english_place
from agent.reading_en import read_english
from agent.reading_zh import read_chinese
from agent.vocabulary import Vocabulary
from agent.wording import estimate_tokens
from errors import InputError, NotUnderstood

MAX_IDEA_CHARS = 4000
MAX_WORD_TOKENS = 12  # a word worth more tokens (50 letters, 13 digits) is no word at all
_WORD_OR_SIGNS = re.compile(rf"[^\s{CJK.pattern[1:-1]}]+")  # Chinese is read by the glossary


def read_idea(idea: str, vocabulary: Vocabulary, glossary: Glossary, *,
              photo: bool = False, rules=None, occasions=None) -> Brief:
    """Understand an idea in English or Chinese. InputError when nothing in it says what
    the video should show (with a photo, camera or scene words alone are enough);
    NotUnderstood, a question for the user, when its key words cannot be read. `rules`
    (agent.consistency.Rules) tell a place from other phrases after "in"/"on"/"at"."""
    text = " ".join(idea.replace("{", "(").replace("}", ")").split())[:MAX_IDEA_CHARS]
    if not text:
        raise InputError("the idea is empty; describe what the video should show")
    text, unreadable = without_unreadable(emoji_as_words(text))
    if not text:
        raise InputError(f"I cannot read {', '.join(unreadable)}: the offline rewriter reads "
                         f"English and Chinese words; write the idea in one of them")
    scene = None if photo or occasions is None else read_occasion(text, occasions)
    if scene is not None:  # "希望": the scene pictured for it (words it cannot read noted)
        return _noting_unreadable(occasion_brief(scene, text, vocabulary), unreadable)
    if has_cjk(text):
        brief = read_chinese(text, vocabulary, glossary, photo=photo)
    else:
        text, avoid = without_negations(without_chatter(text))
        nostalgic = FEELING_OF.match(text) is not None
        text = FEELING_OF.sub("", text)
        brief = read_english(f"make the photo move, {text}" if photo else text, vocabulary)
        if nostalgic:  # the thing itself, in warm, faded light and a wistful mood
            brief = replace(brief, mood="melancholic",
                            details=(*brief.details, "warm, faded light like an old memory"))
        brief = with_english_place(brief, vocabulary, rules, glossary.places)
        if avoid:
            brief = replace(brief, avoid=avoid)
    if rules is not None and brief.language == "zh" and not brief.place and \
            rules.is_place(brief.subject):  # "一条没有车的高速公路": the place is the subject
        brief = replace(brief, place=brief.subject, setting_in_action=True)
    if rules is not None and brief.avoid:
        brief = _apply_exclusions(brief, rules, vocabulary)
    check_understood(brief, glossary, vocabulary)
    return _noting_unreadable(brief, unreadable)


def _noting_unreadable(brief: Brief, unreadable) -> Brief:
    """Words no reader can read are left out and reported, as the glossary does with
    Chinese it lacks."""
    if not unreadable:
        return brief
    return replace(brief, untranslated=tuple(dict.fromkeys((*brief.untranslated,
                                                            *unreadable))))


# Subjects that say nothing about the picture: the idea names no subject at all.
_VAGUE = {"video", "videos", "clip", "clips", "thing", "things", "something", "stuff", "it",
          "this", "that", "one", "footage", "film", "movie", "content", "shot", "scene",
          "whatever", "anything", "idea", "ones", "same", "before", "better", "again",
          "yesterday", "today", "tomorrow", "time", "last time", "上次",
          "视频", "东西"}


def occasion_brief(scene, text: str, vocabulary: Vocabulary) -> Brief:
    """The Brief of an occasion or a feeling (agent/occasions.py): the concrete scene it
    stands for, with what was assumed said in the reply and the mood it names."""
    found = vocabulary.find_nouns(scene.subject)
    noun = found[0][0] if found else None
    zh = has_cjk(text)
    person = scene.kind == "occasion" or bool(scene.person)
    return Brief(subject=scene.subject, noun=noun.word if noun else "",
                 kind=noun.kind if noun else ("person" if person else "generic"),
                 plural=bool(found and found[0][3]),
                 action=" ".join(filter(None, [scene.action, scene.place])),
                 details=tuple(scene.details), setting_in_action=bool(scene.place),
                 language="zh" if zh else "en", place=scene.place,
                 assumed=scene.assumed_zh if zh else scene.assumed_en, mood=scene.mood)


# Places that are things (a door, a bench): "no people" does not make them "empty".
_THINGS_NOT_SPACES = (r"\b(?:door|doorway|doorstep|window|windowsill|bench|gate|fence|steps|"
                      r"stairs|table|desk|sofa|couch|bed|counter|shelf|wall)s?\b")


def _apply_exclusions(brief: Brief, rules, vocabulary: Vocabulary) -> Brief:
    """"Without a single cloud", "不要下雨": excluding the weather asks for a clear sky; an
    empty place ("no people" on a street) is said to be empty."""
    said = " ".join(brief.avoid)
    weather = [t for t in vocabulary.find_terms(said) if t.slot == "weather"]
    if re.search(r"\bclouds?\b|\brain\b|\bsnow\b|\bfog\b|\bmist\b", said) or weather:
        clear = next((e.id for e in vocabulary.entries["weather"] if e.id == "clear"), None)
        if clear and brief.pinned("weather") != (clear,):
            brief = brief.with_pin("weather", (clear,))
    busy = rules.excluded(("people", "car"))
    if any(w in busy for w in brief.avoid) and brief.place and not rules.names_place(
            brief.subject) and "empty" not in brief.place and not re.search(
            _THINGS_NOT_SPACES, brief.place):
        # "一个人在空荡荡的地铁站": the user's own place is the empty one
        emptied = re.sub(r"\b(a|an|the)\s+(?=\w)", lambda m: ("the " if m.group(1) == "the"
                                                          else "an ") + "empty ",
                         brief.place, count=1)
        brief = replace(brief, place=emptied, action=brief.action.replace(brief.place, emptied))
    if any(w in busy for w in brief.avoid) and rules.is_place(brief.subject) and not re.search(
            r"\b(?:empty|deserted|quiet|abandoned)\b", brief.subject):
        brief = replace(brief, subject=re.sub(r"^(a|an|the)\s+", lambda m: (
            "an " if m.group(1) != "the" else "the ") + "empty ", brief.subject, count=1)
            if re.match(r"^(a|an|the)\s", brief.subject) else f"an empty {brief.subject}")
    return brief


_SMALL_WORDS = {"to", "of", "in", "on", "at", "by", "up", "as", "is", "or", "if", "so", "be",
                "do", "go", "no", "me", "us", "we", "he", "it", "ox", "tv", "pc"}


def check_understood(brief: Brief, glossary: Glossary, vocabulary: Vocabulary) -> None:
    """NotUnderstood — one short question, in the user's language — when the subject says
    nothing ("the thing from yesterday", "做一个那个视频") or its English head word is no
    word the dictionaries know ("a zorblax dancing"). A made-up subject is never replaced
    by a default one."""
    zh = brief.language == "zh"
    if brief.subject == "the scene" or brief.noun in vocabulary.nouns:
        return
    head = re.split(r"\b(?:from|in|on|at|with|for|about|by|near|under|that|who|which)\b",
                    brief.subject, maxsplit=1, flags=re.IGNORECASE)[0]
    words = [w for w in WORDS.findall(head)
             if w.lower() not in DETERMINERS | {"of", "and", "with"} and not w.isdigit()]
    if not words or words[-1].lower() in _VAGUE or _ELSEWHERE.match(brief.subject):
        raise NotUnderstood("这段视频要拍什么？说说画面里的主角或景色吧。" if zh else
                            "What should the video show? Tell me the subject in a few words "
                            "(e.g. \"a cheetah lying in the grass\").")
    if zh:  # the English came from the dictionaries, not from the user's typing
        return
    words = [re.sub(r"['’]s$", "", w) for w in words if w.lower() not in _SMALL_WORDS]
    unknown = [w for w in words if w[0].islower() and w.lower() not in vocabulary.nouns and (
        len(w) < 3 or not _known_english(w, glossary))]  # "x" is a letter, no thing
    unknown = list(dict.fromkeys(unknown))  # "hjkl hjkl": said once
    if unknown and words[-1] in unknown:
        quoted = ", ".join(f"'{w}'" for w in unknown)
        raise NotUnderstood(f"我不认识 {quoted} 这个词——它是什么？换个说法告诉我吧。" if zh else
                            f"I don't know the word {quoted} — what is it? Describe it in "
                            f"other words and I'll write the shot.", tuple(unknown))


# "make the one i showed you but longer": something only the user has seen
_ELSEWHERE = re.compile(r"(?:an?\s+)?(?:make|do|redo|show|give me)?\s*(?:the|that)\s+(?:same\s+)?"
                        r"(?:one|thing|video|clip)\b(?!\s+(?:of|with|in|on)\b)", re.I)


def _known_english(word: str, glossary: Glossary) -> bool:
    """A word of the dictionaries; a hyphenated one when each part is ("mid-dunk")."""
    parts = [p for p in word.split("-") if p]
    return glossary.dictionary.knows_english(word) or (
        len(parts) > 1 and all(glossary.dictionary.knows_english(p) for p in parts))


_EMOJI_NOISE = {"face", "heavy", "black", "white", "medium", "sign", "symbol", "emoji"}
_DECORATION = re.compile(r"[\U0001F600-\U0001F64F\U0001F44D\U0001F44E\U0001F44F\u2764\u2665"
                         r"\U0001F493-\U0001F49F\u200d\ufe0f\U0001F3FB-\U0001F3FF]")


def emoji_as_words(text: str) -> str:
    """Emoji read as the words they stand for ("🐱 on a roof under the 🌙" → "cat on a roof
    under the crescent moon"); faces, hearts and thumbs are decoration and go."""
    text = _DECORATION.sub(" ", text)
    out = []
    for char in text:
        if ord(char) >= 0x2600 and unicodedata.category(char) == "So":
            words = [w for w in unicodedata.name(char, "").lower().split()
                     if w not in _EMOJI_NOISE]
            before = "".join(out).split()[-len(words):] if words else []
            if [w.lower() for w in before] == words:  # "a cat 🐱" is one cat, not "cat cat"
                words = []
            out.append(f" {' '.join(words)} " if words else " ")
        else:
            out.append(char)
    return " ".join("".join(out).split())


def without_unreadable(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without the words the formula reads neither as English nor as Chinese —
    letters of other scripts (Arabic, Cyrillic, Thai…) and "words" worth more than
    MAX_WORD_TOKENS tokens (a run of letters, digits or signs that would crowd the subject
    out of the encoder's 226 tokens) — and those words as shown in a note (shortened)."""
    runs: list[list[str]] = []  # [script, characters]
    for char in text:
        script = _script(char)
        if unicodedata.category(char).startswith("M") and runs and runs[-1][0]:
            script = runs[-1][0]  # a vowel sign or accent belongs to the letter before it
        if runs and runs[-1][0] == script:
            runs[-1][1] += char
        else:
            runs.append([script, char])
    unreadable: list[str] = []

    def leave_out(piece: str) -> str:
        unreadable.append(piece if len(piece) <= 24 else piece[:20] + "…")
        return " "

    kept = "".join(leave_out(piece) if script == "other" else piece for script, piece in runs)
    kept = _WORD_OR_SIGNS.sub(lambda m: leave_out(m.group()) if estimate_tokens(m.group()) - 1
                              > MAX_WORD_TOKENS else m.group(), kept)
    return " ".join(kept.split()), tuple(dict.fromkeys(unreadable))


def _script(char: str) -> str:
    """"latin", "cjk" or "other" for a letter; "" for anything else (digits, spaces, marks,
    emoji), which the reading takes as it is."""
    if not char.isalpha():
        return ""
    if char.isascii() or unicodedata.name(char, "").startswith("LATIN"):
        return "latin"
    return "cjk" if CJK.match(char) else "other"
