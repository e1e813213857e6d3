"""Reading an English idea: keep the user's own words for subject, action and details; take
out the camera, time and look phrases (they become pins the formula writes). What is said to
the app around the idea ("can u make", "pls") and what the user excludes ("no children": a
video model would draw them) are taken out before (agent/chatter.py); the user's own place
is found after (agent/place_en.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.brief import CLAUSE_SPLIT, MAX_IDEA_WORDS, Brief
from agent.camera_clause import read_camera_sentences
from agent.english import DETERMINERS, WORDS, article, ing_form
from agent.vocabulary import Noun, Vocabulary, pluralize
from errors import InputError

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
               "are", "that", "who", "which", "by", "to", "as", "shot", "view", "from", "just",
               "but", "or", "so"}
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


def read_english(text: str, vocabulary: Vocabulary) -> Brief:
    """Keep the user's own words for subject, action and details; take out the camera, time
    and look phrases (they become pins and are written by the formula)."""
    words = text.split()
    truncated = len(words) > MAX_IDEA_WORDS
    camera = read_camera_sentences(_as_the_vocabulary_reads(" ".join(words[:MAX_IDEA_WORDS])),
                                   vocabulary)
    text = camera.text
    terms = _take_out_terms(text, vocabulary, camera.pins)
    texts, setting_in_action = _clauses_left(text, terms, vocabulary)
    main_index = next((i for i, t in enumerate(texts) if vocabulary.find_nouns(t)), 0)
    subject, noun, plural, action = _split_subject(texts[main_index], vocabulary)
    owner_detail = _OWNER_PART.match(texts[main_index]) is not None and not action and \
        not vocabulary.find_nouns(texts[main_index])
    details = tuple(t for i, t in enumerate(texts) if (i != main_index or owner_detail)
                    and not (camera.target and camera.target.endswith(t)))  # said once
    kind = noun.kind if noun else "generic"
    return Brief(subject=subject, noun=noun.word if noun else "", kind=kind, plural=plural,
                 action=action, details=details, pins=tuple(sorted(terms.pins.items())),
                 setting_in_action=setting_in_action, language="en", truncated=truncated,
                 look_words=terms.look_words, camera_target=camera.target)


def _as_the_vocabulary_reads(text: str) -> str:
    """The idea without its request words ("make a video of", "show me"), with the pace
    before the move and a "make her hair move" as "her hair moving"."""
    text = _SHOW_ME.sub("", _LEAD.sub("", text))
    return _make_to_ing(_adverb_first(text))


# Slots whose phrases always leave the user's words (the formula writes them); a time or
# weather phrase leaves them only when it stands on its own ("at night", not "a snowy forest").
_CAMERA_AND_LOOK = ("shot", "angle", "movement", "lens", "speed", "look")


@dataclass
class _Terms:
    """The vocabulary phrases of an idea: the pins they name, the characters taken out
    with them (camera and look phrases, a time or weather said on its own), the spans of
    those kept in the user's words, and the user's own name for a style."""

    pins: dict[str, tuple[str, ...]]
    removed: list[bool]
    kept: list[tuple[str, int, int]] = field(default_factory=list)  # (slot, start, end)
    look_words: str = ""

    def take(self, text: str, term, vocabulary: Vocabulary) -> None:
        """Pin one vocabulary phrase, and take it out of the text when it is removable."""
        start, end, slot = term.start, term.end, term.slot
        if slot == "movement" and (pace := vocabulary.pace_before(text[:start])):
            self.pins["pace"] = (pace[0],)
            start = pace[1]
        generic = slot == "look" and "look" in self.pins and set(term.ids) & _GENERIC_LOOKS
        if slot == "look" and not generic:
            self._note_look_name(text, term, vocabulary)
        if not generic:  # "a vintage 1970s film look": vintage, not a generic "film look"
            self.pins[slot] = term.ids
        if slot in _CAMERA_AND_LOOK:
            self._remove(_extend_left(text, start, _LEFT_GLUE), _extend_right(text, end))
        elif slot in ("time", "weather") and _adverbial(text, start, end):
            self._remove(_extend_left(text, start, _PREPOSITIONS | {"a", "an", "the"}), end)
        else:
            self.kept.append((slot, start, end))

    def _note_look_name(self, text: str, term, vocabulary: Vocabulary) -> None:
        """"Studio Ghibli": the user's own name for the style, when the look's name lacks it."""
        said = _named_before(text, term.start, term.end)
        look = vocabulary.get("look", term.ids[0])
        if not re.search(re.escape(said.lower()), f"{look.en} {look.adjective}".lower()):
            self.look_words = said

    def _remove(self, start: int, end: int) -> None:
        self.removed[start:end] = [True] * (end - start)


def _take_out_terms(text: str, vocabulary: Vocabulary,
                    pins: dict[str, tuple[str, ...]]) -> _Terms:
    """The idea's vocabulary phrases, pinned (after `pins`, those its camera sentence named),
    and taken out where they are removable."""
    terms = _Terms(pins=dict(pins), removed=[False] * len(text))
    for term in vocabulary.find_terms(text):
        if not _is_a_choice(text, term):
            continue
        terms.take(text, term, vocabulary)
    return terms


def _is_a_choice(text: str, term) -> bool:
    """Whether a vocabulary phrase names a camera, scene or look choice here, not a place or
    a thing's own adjective."""
    start, end = term.start, term.end
    if term.slot == "angle" and re.match(r"from\s+(?:high\s+)?(?:above|below)$",
                                         text[start:end], re.IGNORECASE) and \
            re.match(r"\s+(?:the|a|an|his|her|their|its|\w+'s)\b", text[end:]):
        return False  # "watching birds from below the window": a place, not an angle
    if term.slot == "look" and text[start:end].lower() in _ADJECTIVE_LOOKS and re.match(
            r"\s+(?!(?:" + "|".join(_RIGHT_GLUE | _STYLE_NOUNS) + r")\b)[a-z]", text[end:],
            re.IGNORECASE):
        return False  # "a red vintage car": an old car, not a vintage-film look
    return True


def _clauses_left(text: str, terms: _Terms, vocabulary: Vocabulary) -> tuple[list[str], bool]:
    """The clauses left once the choices are taken out, trimmed, and whether a setting the
    user named stays inside them (their words already say where). InputError when nothing
    is left that says what to show."""
    nouns = [(start, end) for _, start, end, _ in vocabulary.find_nouns(text)]
    clauses = _kept_clauses(text, terms.removed, terms.kept, nouns)
    if not clauses:  # "a cafe at night", "a library at dusk": the place named is the subject
        places = [(start, end) for slot, start, end in terms.kept if slot == "setting"]
        clauses = _kept_clauses(text, terms.removed, terms.kept, nouns + places[:1])
    setting_in_action = any(slot == "setting" and any(a <= s < b for _, a, b in clauses)
                            for slot, s, _ in terms.kept)
    texts = [t for t in (_trim_edges(c) for c, _, _ in clauses) if t]
    if not texts:
        raise InputError("the idea names only camera or scene choices; say what the video "
                         "should show (e.g. \"a cheetah lying in the grass\")")
    return texts, setting_in_action


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
# Look words that are also plain adjectives: before a noun they describe the thing.
_ADJECTIVE_LOOKS = {"vintage", "retro", "realistic", "lifelike", "hyperrealistic", "classic"}
_STYLE_NOUNS = {"film", "films", "photo", "photography", "aesthetic", "feel", "vibe", "vibes",
                "filter", "tone", "grade", "grading", "movie", "footage", "effect", "color",
                "colour", "colors", "colours", "animation", "render", "rendering"}


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
    words = list(WORDS.finditer(rest))
    for w in words[1:]:
        if w.group(0).lower() in _BASE_VERBS:
            return f"{rest[:w.start()]}{ing_form(w.group(0).lower())}{rest[w.end():]}"
    return text


def _adverbial(text: str, start: int, end: int) -> bool:
    """Whether a time or weather phrase stands alone as "at night" / "in the rain" / ", dusk,"
    (then it goes to the scene), not inside the action ("dancing in the rain", "a snowy
    forest", "sunset over the sea")."""
    tail = text[end:]
    after = WORDS.findall(tail)[:1]
    # No word after it ("in a heavy downpour -") ends the clause as surely as a comma.
    ends_clause = not after or re.match(r"\s*[,;.!?]", tail) is not None
    if not ends_clause and after[0].lower() not in _AFTER:
        return False
    head = text[:start]
    if not head.strip() or re.search(r"[,;.!?]\s*$", head):
        return ends_clause  # a clause of its own
    before = [w.lower() for w in WORDS.findall(head)]
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
        informative = [m for m in WORDS.finditer(chars)
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


# A plain word right after a subject noun that is a noun itself ("street musician").
_NOUN_AFTER = re.compile(r"\s+([a-z]{3,}(?<!ing)(?<!ed)(?<!ly))(?=\s+[a-z]+ing\b|\s*[,.;]|\s*$)")
_NOT_NOUNS = {"and", "with", "the", "that", "who", "which", "are", "was", "were", "has", "have",
              "for", "from", "into", "onto", "over", "under", "near", "beside", "through",
              "across", "along", "around", "behind", "above", "below", "outside", "inside",
              "while", "then", "very", "too", "just", "also", "slowly", "quickly", "gently",
              "alone", "together", "again", "away", "back", "down", "off", "out", "there",
              "here", "now", "today", "tonight", "asleep", "awake", "alive"}
_PERSONLIKE = re.compile(r"(?:ian|ist|er|or|man|woman|boy|girl|ess|ant|eer)$")


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
        extra = _NOUN_AFTER.match(clause[end:])
        if extra and extra.group(1).lower() not in _NOT_NOUNS:
            # "a street musician playing": the noun the user meant is the musician, the
            # street only says which kind (and a person, by the word's ending)
            word = extra.group(1).lower()
            end += extra.end()
            head = vocabulary.nouns.get(word) or Noun(
                word=word, kind="person" if _PERSONLIKE.search(word) else "generic",
                plural=pluralize(word))
            # a machine stays a machine: "a robot barista" has no skin and no breath
            noun = replace(head, kind="robot") if noun.kind == "robot" else head
        subject, action = clause[:end].strip(), clause[end:].strip()
    else:
        noun = None
        subject, action = (clause[:verb.start()], clause[verb.end():]) if verb else (clause, "")
        # a noun the vocabulary lacks is plural by its ending ("lanterns", not "a lanterns")
        plural = bool(re.search(r"[a-z]{2}(?<![su])s$", subject.strip().lower()))
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
    if first in DETERMINERS:
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
