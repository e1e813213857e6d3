"""Reading an idea: English or Chinese words → a Brief — the subject and action in English,
the user's own details, and every camera, scene and look choice they named. The formula
rewriter keeps all of it and fills in only what is missing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from agent.glossary import CJK, Glossary, has_cjk
from agent.occasions import read_occasion
from agent.vocabulary import Noun, Vocabulary
from errors import InputError, NotUnderstood

MAX_IDEA_WORDS = 60  # more than this is cut (with a note): the encoder reads 226 tokens
MAX_IDEA_CHARS = 4000
MAX_WORD_TOKENS = 12  # a word worth more tokens (50 letters, 13 digits) is no word at all

_DETERMINERS = {"a", "an", "the", "one", "two", "three", "four", "five", "some", "many",
                "several", "few", "a few", "my", "his", "her", "its", "our", "their", "this",
                "that", "these", "those", "every", "each", "no", "lots", "dozens"}
# Words that may stand between a camera phrase and the rest ("with a slow push in", "a close-up
# shot of"); they go when the phrase goes.
_LEFT_GLUE = {"a", "an", "the", "with", "in", "on", "from", "at", "using", "as", "shot",
              "filmed", "captured", "taken", "via", "through"}
_RIGHT_GLUE = {"shot", "shots", "view", "angle", "lens", "perspective", "camera", "of", "style",
               "look", "aesthetic", "effect"}
_PREPOSITIONS = {"at", "in", "on", "during", "under", "by", "before", "after", "around",
                 "through", "amid", "beneath", "as", "into", "late", "early"}
# Words that carry no picture once the vocabulary phrases around them are taken out.
_FILLER = {"a", "an", "the", "and", "with", "of", "in", "on", "at", "during", "under", "by",
           "very", "some", "it", "is", "are", "its", "shot", "view", "to", "for", "from",
           "into", "feeling", "feel", "mood", "atmosphere", "vibe", "vibes", "style", "look",
           "lighting", "light", "weather", "time", "scene", "background", "setting", "please",
           "video", "clip", "very", "super", "really", "kind", "ultra", "high", "quality", "hd",
           "4k", "8k", "detailed"}
_EDGE_WORDS = {"and", "with", "of", "in", "on", "at", "then", "while", "the", "a", "an", "is",
               "are", "that", "who", "which", "by", "to", "as", "shot", "view", "from", "just"}
_LEAD = re.compile(
    r"^\s*(?:please\s+)?(?:(?:make|create|generate|render|show|give|film|shoot|draw)\s+"
    r"(?:me\s+)?)?(?:(?:a|an|the)\s+)?(?:(?:short|quick|little|beautiful|cool|nice)\s+)?"
    r"(?:video|clip|film|footage|animation|movie|scene|shot|gif)\s+(?:of|about|showing|where|"
    r"with|in\s+which)\s+", re.IGNORECASE)
_SHOW_ME = re.compile(r"^\s*(?:please\s+)?(?:show\s+me|i\s+want(?:\s+to\s+see)?|imagine)\s+",
                      re.IGNORECASE)
_MAKE = re.compile(r"^\s*(?:please\s+)?(?:make|let|have|get)\s+", re.IGNORECASE)
_BASE_VERBS = {"move", "blow", "sway", "dance", "smile", "blink", "wave", "turn", "walk", "run",
               "fly", "flow", "ripple", "fall", "swim", "breathe", "laugh", "nod", "flutter",
               "spin", "rotate", "glow", "shine", "sparkle", "drift", "float", "rise", "jump",
               "look", "flicker", "shimmer", "bloom", "open", "close", "sing", "wink", "shake",
               "tremble", "wag", "roar", "sleep", "eat", "drink", "twinkle", "rain", "snow",
               "burn", "melt", "grow", "wiggle", "bounce", "stretch", "yawn", "cry", "come",
               "play", "sit", "stand", "lie", "rock", "swing", "twirl", "splash"}
_OWNERS = {"her": "she", "his": "he", "their": "people", "its": "animal"}
_OWNER_PART = re.compile(r"^(her|his|their|its)\s+(?:long\s+|short\s+|curly\s+)?(?:hair|face|eyes|"
                         r"dress|skirt|scarf|coat|hands?|fur|tail|ears|wings|mane|smile|"
                         r"feathers|body|head|clothes)\b", re.IGNORECASE)
CLAUSE_SPLIT = re.compile(r"[，,。．;；!！?？、：\n]+|\.(?:\s+|$)")
_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_WORD_OR_SIGNS = re.compile(rf"[^\s{CJK.pattern[1:-1]}]+")  # Chinese is read by the glossary


@dataclass(frozen=True)
class Brief:
    """What the user asked for: subject and action (English), their own details, and the
    vocabulary choices they named (`pins`: slot → allowed ids)."""

    subject: str
    noun: str = ""  # the subjects.toml noun behind the subject, "" when unknown
    kind: str = "generic"
    plural: bool = False
    action: str = ""
    details: tuple[str, ...] = ()  # may hold "{pos}" for the subject's possessive
    pins: tuple[tuple[str, tuple[str, ...]], ...] = ()
    setting_in_action: bool = False  # the user's words already say where it is
    language: str = "en"
    untranslated: tuple[str, ...] = ()
    truncated: bool = False
    place: str = ""  # the user's own place in English ("on a windowsill in Venice"), "" if none
    place_setting: str = ""  # the scene.toml setting that place is like (its light, its env)
    avoid: tuple[str, ...] = ()  # what the user excluded ("children"): never in the prompt
    assumed: str = ""  # for an occasion or a feeling: the scene pictured for it (for replies)
    mood: str = ""  # a soundtrack mood the idea itself names (an occasion's, a feeling's)
    look_words: str = ""  # the user's own style words when the look's name lacks them
    place_known: bool = False  # the place is in the gazetteer: its setting pictures it

    def pinned(self, slot: str) -> tuple[str, ...]:
        """The ids the user allowed for a slot; empty when they named none."""
        return dict(self.pins).get(slot, ())

    def pinned_slots(self) -> set[str]:
        """The slots the user named."""
        return {slot for slot, _ in self.pins}

    def with_pin(self, slot: str, ids: tuple[str, ...]) -> "Brief":
        """A copy with one slot pinned (or unpinned when ids is empty)."""
        pins = {**dict(self.pins), slot: tuple(ids)}
        return replace(self, pins=tuple(sorted((s, i) for s, i in pins.items() if i)))

    def to_state(self) -> dict:
        """A JSON-safe dict (for saving a chat session)."""
        return {"subject": self.subject, "noun": self.noun, "kind": self.kind,
                "plural": self.plural, "action": self.action, "details": list(self.details),
                "pins": {slot: list(ids) for slot, ids in self.pins},
                "setting_in_action": self.setting_in_action, "language": self.language,
                "untranslated": list(self.untranslated), "place": self.place,
                "place_setting": self.place_setting, "avoid": list(self.avoid),
                "assumed": self.assumed, "mood": self.mood, "look_words": self.look_words,
                "place_known": self.place_known}

    @classmethod
    def from_state(cls, state: dict) -> "Brief":
        """The Brief saved by `to_state`."""
        return cls(subject=str(state["subject"]), noun=str(state.get("noun", "")),
                   kind=str(state.get("kind", "generic")), plural=bool(state.get("plural")),
                   action=str(state.get("action", "")),
                   details=tuple(str(d) for d in state.get("details", ())),
                   pins=tuple(sorted((str(s), tuple(str(i) for i in ids))
                                     for s, ids in dict(state.get("pins", {})).items() if ids)),
                   setting_in_action=bool(state.get("setting_in_action")),
                   language=str(state.get("language", "en")),
                   untranslated=tuple(str(w) for w in state.get("untranslated", ())),
                   place=str(state.get("place", "")),
                   place_setting=str(state.get("place_setting", "")),
                   avoid=tuple(str(w) for w in state.get("avoid", ())),
                   assumed=str(state.get("assumed", "")), mood=str(state.get("mood", "")),
                   look_words=str(state.get("look_words", "")),
                   place_known=bool(state.get("place_known")))


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
    if scene is not None:
        return occasion_brief(scene, text, vocabulary)
    if has_cjk(text):
        from agent.reading_zh import read_chinese

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
            rules.names_place(brief.subject):  # "一条没有车的高速公路": the place is the subject
        brief = replace(brief, place=brief.subject, setting_in_action=True)
    if rules is not None and brief.avoid:
        brief = _clear_sky_for(brief, rules, vocabulary)
    check_understood(brief, glossary, vocabulary)
    if unreadable:  # left out and reported, as the glossary does with Chinese it lacks
        brief = replace(brief, untranslated=tuple(dict.fromkeys((*brief.untranslated,
                                                                 *unreadable))))
    return brief


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
                 kind=noun.kind if noun else ("person" if person else "generic"), plural=bool(found and found[0][3]),
                 action=" ".join(filter(None, [scene.action, scene.place])),
                 details=tuple(scene.details), setting_in_action=bool(scene.place),
                 language="zh" if zh else "en", place=scene.place,
                 assumed=scene.assumed_zh if zh else scene.assumed_en, mood=scene.mood)


def _clear_sky_for(brief: Brief, rules, vocabulary: Vocabulary) -> Brief:
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
            brief.subject) and "empty" not in brief.place:
        # "一个人在空荡荡的地铁站": the user's own place is the empty one
        emptied = re.sub(r"\b(a|an|the)\s+(?=\w)", lambda m: ("the " if m.group(1) == "the"
                                                          else "an ") + "empty ",
                         brief.place, count=1)
        brief = replace(brief, place=emptied, action=brief.action.replace(brief.place, emptied))
    if any(w in busy for w in brief.avoid) and rules.names_place(brief.subject) and not re.search(
            r"\b(?:empty|deserted|quiet|abandoned)\b", brief.subject):
        brief = replace(brief, subject=re.sub(r"^(a|an|the)\s+", lambda m: (
            "an " if m.group(1) != "the" else "the ") + "empty ", brief.subject, count=1)
            if re.match(r"^(a|an|the)\s", brief.subject) else f"an empty {brief.subject}")
    return brief


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
    words = [w for w in _WORDS.findall(head)
             if w.lower() not in _DETERMINERS | {"of", "and", "with"}]
    if not words or words[-1].lower() in _VAGUE:
        raise NotUnderstood("这段视频要拍什么？说说画面里的主角或景色吧。" if zh else
                            "What should the video show? Tell me the subject in a few words "
                            "(e.g. \"a cheetah lying in the grass\").")
    unknown = [w for w in words if w[0].islower() and not glossary.dictionary.knows_english(w)
               and w.lower() not in vocabulary.nouns]
    if unknown and words[-1] in unknown:
        quoted = ", ".join(f"'{w}'" for w in unknown)
        raise NotUnderstood(f"我不认识 {quoted} 这个词——它是什么？换个说法告诉我吧。" if zh else
                            f"I don't know the word {quoted} — what is it? Describe it in "
                            f"other words and I'll write the shot.", tuple(unknown))


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
            out.append(f" {' '.join(words)} " if words else " ")
        else:
            out.append(char)
    return " ".join("".join(out).split())


def without_unreadable(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without the words the formula reads neither as English nor as Chinese —
    letters of other scripts (Arabic, Cyrillic, Thai…) and "words" worth more than
    MAX_WORD_TOKENS tokens (a run of letters, digits or signs that would crowd the subject
    out of the encoder's 226 tokens) — and those words as shown in a note (shortened)."""
    from agent.formula import estimate_tokens  # formula imports this module

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


# --- English --------------------------------------------------------------------------------

# How people chat to an app, around the idea itself: "can u make my dog surfing lol".
_CHATTER_LEAD = re.compile(
    r"^\s*(?:(?:so|ok|okay|hey|hi|hello|um+|well)\b[\s,]*)*(?:basically\s+)?(?:"
    r"(?:can|could|would|will)\s+(?:you|u|ya)\s+(?:please\s+|pls\s+|plz\s+)?|"
    r"i\s*(?:'d|would)\s+like\s+(?:you\s+to\s+)?|i\s+want\s+(?:you\s+to\s+)?|"
    r"i\s+need\s+|let'?s\s+(?:see|have)\s+|there'?s\s+this\s+)+", re.IGNORECASE)
# "For our company's annual party opening: a fast shot …", "a short scene for my travel
# vlog: …", "honestly just want something relaxing: …": what the video is for, before it.
_FOR_OCCASION = re.compile(
    r"^\s*(?:[^:：.]{0,40}\b(?:for|as|want|need|like|video|vlog|clip|reel|post|instagram|"
    r"tiktok|channel|story|ad|advert|commercial|intro|opening)\b[^:：.]{0,60}|(?:for|as)\s+"
    r"[^:：.]{3,80})[:：]\s*(?=\S+\s+\S+\s+\S+)", re.IGNORECASE)
# "something warm and nostalgic", "something relaxing": how, not what.
_SOMETHING = re.compile(r"(?:,\s*)?\bsomething\s+((?:\w+\s+and\s+)?\w+)\b", re.IGNORECASE)
_FEEL = re.compile(r"\b(?:it\s+)?(?:should|must|has\s+to|needs\s+to)\s+(?:feel|look)\s+(?:like\s+)?|"
                   r"\bmake\s+it\s+(?:look\s+|feel\s+)?(?:like\s+)?", re.IGNORECASE)
_CHATTER_WORDS = re.compile(r"\s*\b(?:lol|lmao|haha+|pls|plz|please|thx|thanks|thank\s+you|"
                            r"kthx|ty|xd|omg)\b[!.]*|\s*[:;]-?[)(DP]", re.IGNORECASE)
_MINE = re.compile(r"\b(?:my|our|your)\s+(?=(\w+))", re.IGNORECASE)
_STILL = re.compile(r"\b(?:that\s+|who\s+)?(?:doesn'?t|does\s+not|don'?t|do\s+not|never)\s+"
                    r"moves?(?:\s+at\s+all)?", re.IGNORECASE)


def without_chatter(text: str) -> str:
    """The idea without what is said to the app around it ("can u make", "pls", "lol"),
    with "my dog" as "a dog" (the model draws a dog, not the user's), and "doesn't move at
    all" as "perfectly still" (a video model reads "move" as moving)."""
    text = _FOR_OCCASION.sub("", text)
    text = _SOMETHING.sub(lambda m: f", {m.group(1)} feeling", text) if not re.match(
        r"\s*something\b", text, re.IGNORECASE) else text
    text = "".join(_CHATTER_LEAD.sub("", part) for part in re.split(r"(?<=[.!?;])(\s+)", text))
    text = _CHATTER_WORDS.sub("", _FEEL.sub(" feeling ", text))
    text = _MINE.sub(lambda m: "the " if m.group(1).lower().endswith("s") and
                     not m.group(1).lower().endswith("ss") else "a ", text)
    text = _STILL.sub(" perfectly still", text)
    text = re.sub(r"(^|[,;.]\s*)(?:just|only|simply)\s+", r"\1", " ".join(text.split()),
                  flags=re.IGNORECASE)
    return text.strip(" ,")


_NEGATION = re.compile(
    r"(?:,\s*)?\b(?:with\s+no|without(?:\s+any)?|with\s+not\s+a\s+single|no|not\s+a\s+single|"
    r"not\s+any|free\s+of|empty\s+of|devoid\s+of|absent\s+of)\s+"
    r"((?:[\w'-]+(?:\s*(?:,|or|and|nor)\s*|\s+)){0,5}?[\w'-]+)"
    r"(?:\s+(?:in\s+the\s+(?:sky|frame|shot|picture|scene|background)|in\s+sight|around|"
    r"anywhere|nearby|at\s+all|to\s+be\s+seen|visible|whatsoever))?"
    r"(?=\s*(?:$|[,.;!?]|\b(?:around|in|on|at|anywhere|nearby|visible|in\s+sight|left|"
    r"about|to\s+be\s+seen|whatsoever|under|near|by|during|while|just)\b))", re.IGNORECASE)
_NOBODY = re.compile(r"\b(?:no\s*one|nobody|no-one|not\s+a\s+soul)\b(?:\s+(?:around|in\s+sight|"
                     r"anywhere|to\s+be\s+seen))?", re.IGNORECASE)


def without_negations(text: str) -> tuple[str, tuple[str, ...]]:
    """The text without its "no X" / "without X" phrases, and the X's it excludes: a video
    model reads "no children" as "children", so they leave the prompt altogether (and go to
    the negative prompt). "no one" / "nobody" exclude people."""
    avoid: list[str] = []

    def drop_people(match: re.Match) -> str:
        avoid.append("people")
        return " "

    def drop(match: re.Match) -> str:
        nouns = [n for n in re.split(r"\s*(?:,|\bor\b|\band\b|\bnor\b)\s*", match.group(1))
                 if n.strip()]
        avoid.extend(re.sub(r"^(?:a\s+single|a|an|any|the|single)\s+", "", n.strip().lower())
                     for n in nouns)  # "no music" turns the music off
        return " "

    text = _NOBODY.sub(drop_people, text)
    text = _NEGATION.sub(drop, text)
    return " ".join(text.split()).strip(" ,"), tuple(dict.fromkeys(avoid))


# "nostalgia for my grandmother's kitchen": a feeling about a concrete thing is that thing,
# in the feeling's mood.
FEELING_OF = re.compile(r"^\s*(?:(?:the\s+)?(?:nostalgia|longing|memories|memory|the\s+smell|"
                        r"the\s+sound|the\s+feeling|feeling|missing|homesickness)\s+(?:for|of)\s+)",
                        re.IGNORECASE)

# "no music" turns the soundtrack off rather than describing a picture.
SILENCE = {"music", "sound", "audio", "soundtrack", "background music", "bgm"}
_PLACE_PP = re.compile(
    r"\b(in\s+front\s+of|next\s+to|on\s+top\s+of|in|on|at|by|near|under|inside|beside|along|"
    r"across|over|through|among|atop|around|outside|beneath|underneath|into|onto|above|below|"
    r"behind|off|toward|towards|past)\s+((?:[\w'-]+\s+){0,4}?[\w'-]+)"
    r"(?=\s*(?:$|[,.;!?]|\b(?:in|on|at|by|near|under|with|while|and|as|during|beside|along|"
    r"across|over|through|among|toward|towards|from|of)\b))", re.IGNORECASE)


def with_english_place(brief: Brief, vocabulary: Vocabulary, rules, places) -> Brief:
    """Find the user's own place in their words — a phrase after in/on/at/over… that names a
    place ("on a windowsill in Venice", "over a wheat field"), or a place the gazetteer
    knows — so the formula adds no other place and lights it as that kind of space."""
    said = " , ".join([brief.subject, brief.action, *brief.details])
    found: list[str] = []
    settings: list[str] = []
    if places is not None:
        for match in places.find_english(said):
            found.append(match.place.en)
            settings.append(match.place.setting)
    phrases = [m.group(0) for m in _PLACE_PP.finditer(said)
               if rules is not None and rules.names_place(m.group(2))
               or any(name.lower().removeprefix("the ") in m.group(2).lower() for name in found)]
    if not phrases and not found and rules is not None and rules.names_place(brief.subject):
        phrases = [brief.subject]  # "an empty playground at dusk": the place is the subject
    if not phrases and not found:
        return brief
    place = " ".join(dict.fromkeys(phrases)) or " and ".join(found)
    pinned = brief.pinned("setting")
    setting = settings[-1] if settings else (pinned[0] if pinned else "")
    if not settings and pinned and rules is not None:
        entry = vocabulary.get("setting", pinned[0])
        if rules.space_of(place) and rules.space_of(place) != _space(entry.env):
            setting = ""  # "a windowsill in Venice": not the living room the word suggests
    return replace(brief, place=place, place_setting=setting, setting_in_action=True,
                   place_known=bool(settings))


def _space(env: str) -> str:
    return "indoor" if env in ("indoor", "studio") else env

def read_english(text: str, vocabulary: Vocabulary) -> Brief:
    """Keep the user's own words for subject, action and details; take out the camera, time
    and look phrases (they become pins and are written by the formula)."""
    words = text.split()
    truncated = len(words) > MAX_IDEA_WORDS
    text = " ".join(words[:MAX_IDEA_WORDS])
    text = _SHOW_ME.sub("", _LEAD.sub("", text))
    text = _make_to_ing(_adverb_first(text))

    pins: dict[str, tuple[str, ...]] = {}
    removed = [False] * len(text)
    kept_terms: list[tuple[str, int, int]] = []
    look_words = ""
    for term in vocabulary.find_terms(text):
        start, end = term.start, term.end
        slot = term.slot
        if slot == "angle" and re.match(r"from\s+(?:high\s+)?(?:above|below)$",
                                        text[start:end], re.IGNORECASE) and \
                re.match(r"\s+(?:the|a|an|his|her|their|its|\w+'s)\b", text[end:]):
            continue  # "watching birds from below the window": a place, not an angle
        if slot == "movement" and (pace := vocabulary.pace_before(text[:start])):
            pins["pace"] = (pace[0],)
            start = pace[1]
        generic = slot == "look" and "look" in pins and set(term.ids) & _GENERIC_LOOKS
        if slot == "look" and not generic:
            said = _named_before(text, start, end)
            look = vocabulary.get("look", term.ids[0])
            if not re.search(re.escape(said.lower()), f"{look.en} {look.adjective}".lower()):
                look_words = said  # "Studio Ghibli": the user's own name for the style
        removable = slot in ("shot", "angle", "movement", "lens", "speed", "look")
        if slot in ("time", "weather"):
            removable = _adverbial(text, start, end)
        if not generic:  # "a vintage 1970s film look": vintage, not a generic "film look"
            pins[slot] = term.ids
        if removable:
            glue = _LEFT_GLUE if slot not in ("time", "weather") else _PREPOSITIONS | {"a", "an",
                                                                                      "the"}
            start = _extend_left(text, start, glue)
            end = _extend_right(text, end) if slot not in ("time", "weather") else end
            removed[start:end] = [True] * (end - start)
        else:
            kept_terms.append((slot, start, end))

    nouns = [(start, end) for _, start, end, _ in vocabulary.find_nouns(text)]
    clauses = _kept_clauses(text, removed, kept_terms, nouns)
    setting_in_action = any(slot == "setting" and any(a <= s < b for _, a, b in clauses)
                            for slot, s, _ in kept_terms)
    texts = [_trim_edges(c) for c, _, _ in clauses]
    texts = [t for t in texts if t]
    if not texts:
        raise InputError("the idea names only camera or scene choices; say what the video "
                         "should show (e.g. \"a cheetah lying in the grass\")")
    main_index = next((i for i, t in enumerate(texts) if vocabulary.find_nouns(t)), 0)
    subject, noun, plural, action = _split_subject(texts[main_index], vocabulary)
    owner_detail = _OWNER_PART.match(texts[main_index]) is not None and not action and \
        not vocabulary.find_nouns(texts[main_index])
    details = tuple(t for i, t in enumerate(texts) if i != main_index or owner_detail)
    kind = noun.kind if noun else "generic"
    return Brief(subject=subject, noun=noun.word if noun else "", kind=kind, plural=plural,
                 action=action, details=details, pins=tuple(sorted(pins.items())),
                 setting_in_action=setting_in_action, language="en", truncated=truncated,
                 look_words=look_words)


_MOVE_THEN_HOW = re.compile(
    r"\b((?:zoom|pan|tilt|dolly|push|pull|track|orbit|crane|truck|follow|circle)(?:s|es|ing|ed)?"
    r"(?:\s+(?:in|out|left|right|up|down|back|around|forward))?)\s+((?:very\s+)?(?:slowly|gently|"
    r"smoothly|steadily|quickly|swiftly|rapidly|fast|softly))\b", re.IGNORECASE)
_CAMERA_THEN_HOW = re.compile(r"\b((?:the\s+)?camera)\s+((?:very\s+)?(?:slowly|gently|smoothly|"
                              r"steadily|quickly|swiftly|rapidly|softly))\s+", re.IGNORECASE)


# A clause that opens with the camera's verb and no subject is a camera move: ", tracking
# the runner", ", following him".
_CAMERA_CLAUSE = re.compile(r"(^|[,;]\s*)(?:the\s+camera\s+(?:is\s+)?)?(tracking|following|circling|"
                            r"orbiting)\s+(?:(?:it|him|her|them)\b|(?=(?:the|a|an)\s))",
                            re.IGNORECASE)
_MOVES = {"tracking": "tracking shot", "following": "tracking shot",
          "circling": "orbit shot", "orbiting": "orbit shot"}
# "slow pan", "a gentle zoom": a bare move after a pace word ("pan" alone is a cooking pan).
_BARE_MOVE = re.compile(r"\b(very\s+slow|slow|gentle|smooth|steady|quick|fast|brisk)\s+"
                        r"(pan|zoom|tilt)\b(?!\s*(?:-|left|right|in|out|up|down|across|of))",
                        re.IGNORECASE)
_BARE = {"pan": "pan left", "zoom": "zoom in", "tilt": "tilt up"}


def _adverb_first(text: str) -> str:
    """"zoom in slowly on X" → "slowly zoom in on X", "the camera slowly follows" → "slowly
    the camera follows": the pace stands before the move, where the vocabulary reads it.
    Also names the camera's own clauses ("…, tracking the runner") and bare moves ("slow
    pan") in the words the vocabulary knows."""
    text = _MOVE_THEN_HOW.sub(lambda m: f"{m.group(2)} {m.group(1)}", text)
    text = _CAMERA_THEN_HOW.sub(lambda m: f"{m.group(2)} {m.group(1)} ", text)
    text = _CAMERA_CLAUSE.sub(lambda m: f"{m.group(1)}{_MOVES[m.group(2).lower()]} of ", text)
    return _BARE_MOVE.sub(lambda m: f"{m.group(1)} {_BARE[m.group(2).lower()]}", text)


_GENERIC_LOOKS = {"cinematic", "photoreal"}


def _named_before(text: str, start: int, end: int) -> str:
    """The matched words with the capitalised name before them ("Studio Ghibli")."""
    m = re.search(r"((?:[A-Z][\w'-]*\s+){1,3})$", text[:start])
    return (m.group(1) if m else "") + text[start:end]


def _make_to_ing(text: str) -> str:
    """"make her hair move in the wind" → "her hair moving in the wind"."""
    m = _MAKE.match(text)
    if not m:
        return text
    rest = text[m.end():]
    if re.search(r"\b\w{3,}ing\b", rest):
        return rest  # "make a dog surfing": the -ing is already there
    words = list(_WORDS.finditer(rest))
    for w in words[1:]:
        if w.group(0).lower() in _BASE_VERBS:
            return f"{rest[:w.start()]}{ing_form(w.group(0).lower())}{rest[w.end():]}"
    return text


def _adverbial(text: str, start: int, end: int) -> bool:
    """Whether a time or weather phrase stands alone as "at night" / "in the rain" / ", dusk,"
    (then it goes to the scene), not inside the action ("dancing in the rain", "a snowy
    forest", "sunset over the sea")."""
    tail = text[end:]
    after = _WORDS.findall(tail)[:1]
    # No word after it ("in a heavy downpour -") ends the clause as surely as a comma.
    ends_clause = not after or re.match(r"\s*[,;.!?]", tail) is not None
    if not ends_clause and after[0].lower() not in _AFTER:
        return False
    head = text[:start]
    if not head.strip() or re.search(r"[,;.!?]\s*$", head):
        return ends_clause  # a clause of its own
    before = [w.lower() for w in _WORDS.findall(head)]
    while before and before[-1] in ("a", "an", "the"):
        before.pop()
    if not before or before[-1] not in _PREPOSITIONS:
        return False
    return not (len(before) > 1 and before[-2].endswith("ing"))


_AFTER = {"with", "and", "at", "in", "on", "under", "during", "while", "as", "over", "by",
          "near", "beneath", "across", "through"}


def _extend_left(text: str, start: int, glue: set[str]) -> int:
    while True:
        m = re.search(r"([^\W_]+)[\s-]+$", text[:start])
        if not m or m.group(1).lower() not in glue:
            return start
        start = m.start(1)


def _extend_right(text: str, end: int) -> int:
    while True:
        m = re.match(r"[\s-]+([^\W_]+)", text[end:])
        if not m or m.group(1).lower() not in _RIGHT_GLUE:
            return end
        end += m.end(1)


def _kept_clauses(text: str, removed: list[bool], kept_terms,
                  nouns) -> list[tuple[str, int, int]]:
    """Clauses of what remains, without those that held only vocabulary and filler
    (a word that names a subject is never only vocabulary: "city street")."""
    out = []
    bounds = [0] + [m.end() for m in CLAUSE_SPLIT.finditer(text)] + [len(text)]
    for a, b in zip(bounds, bounds[1:]):
        chars = "".join(" " if removed[i] else text[i] for i in range(a, b))
        chars = CLAUSE_SPLIT.sub(" ", chars)
        informative = [m for m in _WORDS.finditer(chars)
                       if m.group(0).lower() not in _FILLER
                       and (any(s <= a + m.start() < e for s, e in nouns)
                            or not any(s <= a + m.start() < e for _, s, e in kept_terms))]
        if informative:
            out.append((" ".join(chars.split()), a, b))
    return out


def _trim_edges(clause: str) -> str:
    words = clause.split()
    while words and words[0].lower().strip("'") in _EDGE_WORDS - {"a", "an", "the"}:
        words.pop(0)
    while words and words[-1].lower() in _EDGE_WORDS:
        words.pop()
    return " ".join(words).strip(" -:")


def _split_subject(clause: str, vocabulary: Vocabulary) -> tuple[str, Noun | None, bool, str]:
    """(subject phrase, its noun, plural, action) from the main clause."""
    if re.fullmatch(r"(?:it|this|that|them|they|everything|the photo|the picture)\b.*", clause,
                    re.IGNORECASE) and not vocabulary.find_nouns(clause):
        rest = re.sub(r"^\S+(?:\s+photo|\s+picture)?\s*", "", clause)
        rest = "" if re.fullmatch(r"mov(?:e|es|ing)|come alive|coming alive", rest) else rest
        return "the scene", None, False, rest  # "make it move": no subject named
    if (m := _OWNER_PART.match(clause)) and not vocabulary.find_nouns(clause):
        # "her hair moving in the wind": the subject is the owner, the clause a detail
        noun = vocabulary.nouns[_OWNERS[m.group(1).lower()]]
        return noun.name or f"{article(noun.word)} {noun.word}", noun, False, ""
    # "a grandmother's kitchen" is a kitchen: an owner's noun is not the subject
    nouns = [n for n in vocabulary.find_nouns(clause) if not clause[n[2]:].startswith("'s ")]
    verb = re.search(r"\s(?:is|are)\s|\s(?=[a-z]{3,}ing\b)", clause)
    if nouns and verb and verb.start() < nouns[0][1] and \
            not re.fullmatch(r"\s*[a-z]+ing\s*", clause[verb.start():nouns[0][1]]):
        nouns = []  # "a heron standing in a river": the noun belongs to the action
        # (but in "a bowl of steaming ramen" the -ing word describes the noun)
    if nouns:
        noun, _, end, plural = nouns[0]
        for other, start, other_end, _ in nouns[1:]:
            between = clause[end:start]
            if not re.fullmatch(r"\s*(?:and|&|with)\s+(?:[\w'-]+\s+){0,3}", between):
                break
            end, plural = other_end, True
        subject, action = clause[:end].strip(), clause[end:].strip()
    else:
        noun, plural = None, False
        subject, action = (clause[:verb.start()], clause[verb.end():]) if verb else (clause, "")
    action = re.sub(r"^(?:,\s*)?(?:(?:that|who|which)\s+)?(?:is|are)\s+", "", action.strip())
    return _with_article(subject.strip(), noun, plural), noun, plural, action.strip(" ,")


def _with_article(subject: str, noun: Noun | None, plural: bool) -> str:
    """The subject with "a"/"an" when it has no determiner ("cheetah" → "a cheetah")."""
    words = subject.split()
    if not words:
        return subject
    if noun is not None and subject.lower() == noun.word and noun.name:
        return noun.name  # "she" → "a young woman", "tokyo" → "Tokyo"
    first = words[0].lower()
    if first in _DETERMINERS:
        return " ".join([first, *words[1:]])  # "A bowl of ramen" → "a bowl of ramen"
    if plural or first[0].isdigit() or (noun and noun.name):
        return subject
    if noun is not None and noun.plural == noun.word:
        return subject  # "sushi", "coffee": no article
    if words[0][0].isupper():
        if len(words) > 1 and all(w[0].isupper() for w in words):
            return subject  # a name: "Mount Fuji"
        if not (len(words[0]) > 1 and words[0].isupper()):
            words[0] = first  # sentence case, not an acronym
    return f"{article(words[0])} {' '.join(words)}"


def article(word: str) -> str:
    """'a' or 'an' for the word that follows."""
    w = word.lower()
    if w.startswith(("uni", "use", "usu", "eu", "one", "ur")):
        return "a"
    if w.startswith(("hour", "honest", "honou", "heir", "8", "11", "18")):
        return "an"
    return "an" if w[:1] in "aeiou" else "a"


def ing_form(verb: str) -> str:
    """The -ing form of a base verb: "move" → "moving", "run" → "running", "lie" → "lying"."""
    special = {"lie": "lying", "die": "dying", "tie": "tying", "be": "being", "see": "seeing",
               "flee": "fleeing", "ski": "skiing"}
    if verb in special:
        return special[verb]
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    if (len(verb) >= 3 and verb[-1] not in "aeiouwxy" and verb[-2] in "aeiou"
            and verb[-3] not in "aeiou" and verb in _DOUBLE_FINAL):
        return verb + verb[-1] + "ing"
    return verb + "ing"


_DOUBLE_FINAL = {"run", "swim", "sit", "spin", "flap", "wag", "nod", "hop", "drip", "jog",
                 "chat", "cut", "put", "get", "set", "hit", "shut", "knit", "grab", "drag",
                 "drop", "chop", "mop", "scrub", "slip", "snap", "swap", "tip", "wrap", "rob",
                 "stir", "skip", "step", "trot", "bob", "dip", "grin", "pat",
                 "rub", "shop", "stop", "tap", "trim", "win", "dig", "hug", "beg", "plan"}
