"""Reading a sentence about the camera in an English idea: "the camera slowly circles them",
"zoom in on her face", "we fly over the rooftops", "pull back to reveal the city".

Such a sentence names a movement (agent/data/camera_verbs.toml says which words mean which
move, in any tense), maybe a pace ("slowly", before or after the verb), and maybe what the
move is aimed at. The reader pins the movement and the pace and keeps the aim in the user's
words for the prompt's camera sentence ("… with a slow zoom in on her face"), so that none
of it is left behind as a detail ("slowly", "her face") or mistaken for the place ("reveal
the city"). When the idea opens with the move, what it is aimed at is the subject itself:
"slowly zoom in on a sleeping cat" is a video of a sleeping cat."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.brief import CLAUSE_SPLIT
from agent.vocabulary import CAMERA_SLOTS, Vocabulary, movement_phrase

# A move's last word that takes what follows as its object ("move toward" + "her"), unlike
# a particle of the move itself ("pull away", "zoom in").
_PREPOSITIONS = {"on", "onto", "into", "to", "toward", "towards", "across", "over", "above",
                 "around", "round", "through", "along", "alongside", "past", "from", "behind",
                 "beside", "after", "under", "below", "beneath", "between", "at", "with", "by",
                 "near"}
# What may follow a move: its aim, or nothing. Anything else ("pan fried noodles", "a zoom
# lens") means the words were not a camera move.
_AIM_WORDS = _PREPOSITIONS | {"in", "down", "up", "out", "off", "inside", "within", "until",
                              "till", "as", "revealing", "and", "then", "closer", "away",
                              "back", "of", "so"}
_DETERMINERS = {"the", "a", "an", "her", "his", "their", "its", "my", "our", "your", "this",
                "that", "these", "those", "each", "every", "both", "two", "three"}
_PRONOUNS = {"him", "her", "them", "it", "us", "me", "you"}
_SHOT_WORDS = re.compile(r"^\s+(?:shot|move|movement|motion|cam|camera)\b", re.IGNORECASE)
# Helpers between the camera and its verb: "the camera is slowly pushing in", "starts to".
_HELPERS = re.compile(r"^(?:\s+(?:is|are|will|should|then|also|now|starts?\s+to|begins?\s+to|"
                      r"starting\s+to|beginning\s+to|keeps|continues\s+to))+", re.IGNORECASE)
_LEAD = re.compile(r"^\s*(?:(?:and|then|now|finally|next|also|first|after\s+that)\s+)*",
                   re.IGNORECASE)
_ARTICLE = re.compile(r"^\s*(?:a|an)\s+", re.IGNORECASE)
_PHOTO = re.compile(r"\b(?:photo|picture|image|pic)\b", re.IGNORECASE)
_FRAMING_NOUN = re.compile(r"^\s+(?:shot|shots|view|angle|lens|perspective|footage)\b",
                           re.IGNORECASE)
_GLUE = re.compile(r"^\s*(?:with|and|in|on|a|an|the|-|,)?\s*", re.IGNORECASE)


@dataclass
class CameraReading:
    """What the sentences about the camera said: the idea's text without them, the pins
    they name (movement, pace), and what the move is aimed at ("" when nothing or the
    subject itself)."""

    text: str
    pins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    target: str = ""


@dataclass(frozen=True)
class _Move:
    """One camera sentence found in a clause."""

    start: int  # where the move's words start (framing words before it stay in the text)
    movement: tuple[str, ...]
    pace: str | None
    object: str  # what the verb acts on ("the surfer"), "" when nothing or a pronoun
    aim: str  # the rest as said ("on her face", "to reveal the city", "from behind")
    drone: bool = False  # a drone moves: seen from the air


def read_camera_sentences(text: str, vocabulary: Vocabulary, *,
                          subject_known: bool = False) -> CameraReading:
    """The idea's sentences about the camera, read and taken out of its text: the first
    names the movement; a later one follows it ("…, then the camera rises to show a huge
    wave": "… and then a rising crane shot to show a huge wave").
    subject_known: the text refines a shot whose subject is known ("zoom in on her face"
    in a chat), so what the move is aimed at is never read as the subject."""
    reading = _first_sentence(text, vocabulary, subject_known)
    for _ in range(MOST_MOVES - 1):
        if "movement" not in reading.pins:
            break
        later = _first_sentence(reading.text, vocabulary, subject_known=True)
        if "movement" not in later.pins or (not subject_known and
                                            not vocabulary.find_nouns(later.text)):
            break  # no later move, or one that would take the subject away
        pins = {**later.pins, **reading.pins}  # the first move is the shot's movement
        reading = CameraReading(text=later.text, pins=pins,
                                target=then_move(reading.target, later.pins, later.target,
                                                 vocabulary))
    return reading


MOST_MOVES = 3  # a 6-second clip has room for a move and two more at most


def then_move(target: str, pins: dict[str, tuple[str, ...]], aim: str,
              vocabulary: Vocabulary) -> str:
    """The aim of the first move followed by a later move (its pins) and that move's aim:
    "on her face, then a slow pull out to reveal the city"."""
    pace = vocabulary.get("pace", pins["pace"][0]) if "pace" in pins else None
    words = movement_phrase(vocabulary.get("movement", pins["movement"][0]), pace)
    phrase = " ".join(filter(None, [words, aim]))
    return f"{target}, then {phrase}" if target else f"and then {phrase}"


def _first_sentence(text: str, vocabulary: Vocabulary, subject_known: bool) -> CameraReading:
    """The text's first sentence about the camera, read and taken out of it."""
    for start, end in _clauses(text, vocabulary):
        move = _read_clause(text[start:end], vocabulary)
        if move is None:
            continue
        pins = {"movement": move.movement}
        if move.pace and any(vocabulary.get("movement", i).paced for i in move.movement):
            pins["pace"] = (move.pace,)
        if move.drone:
            pins["angle"] = (vocabulary.camera_verbs.drone_angle,)
        before = text[:start + move.start]
        move, tail = _without_choices(move, vocabulary)
        after = (" " + tail if tail else "") + text[end:]
        # nothing shown yet: the aim is the subject (with a photo, read as "make the photo
        # move, …" by agent/reading.py, the photo is)
        opens = not subject_known and not vocabulary.find_nouns(before) and \
            not _PHOTO.search(before)
        if opens and (move.object or _shown_thing(move.aim)):
            shown = move.object or _where_it_ends(move.aim)
            # "zoom in on her face": she is the subject, and the move stays aimed at her face
            owned = shown.split()[0].lower() in _OWNERS
            start = _travel_start(move.aim, shown)  # "from the full moon" (to a wolf)
            return CameraReading(text=before + shown + after, pins=pins,
                                 target=start or (_aim(move, vocabulary) if owned else ""))
        if opens and move.aim and not vocabulary.find_nouns(after):
            # "camera follows him as he runs through a market": the rest is the idea
            return CameraReading(text=before + _without_preposition(move.aim) + after,
                                 pins=pins)
        return CameraReading(text=before.rstrip() + after, pins=pins,
                             target=_aim(move, vocabulary))
    return CameraReading(text=text)


def _clauses(text: str, vocabulary: Vocabulary) -> list[tuple[int, int]]:
    """Spans of the idea's clauses: between commas and full stops, and also at a joining
    word before the camera ("… as the camera circles her")."""
    verbs = vocabulary.camera_verbs
    cuts = [0] + [m.end() for m in CLAUSE_SPLIT.finditer(text)] + [len(text)]
    joins = "|".join(r"\s+".join(map(re.escape, j.split())) for j in verbs.joins)
    if joins:
        for m in re.finditer(rf"\s(?:{joins})\s+(?=(?:\w+ly\s+)?{verbs.cameras.pattern})", text,
                             re.IGNORECASE):
            cuts.append(m.start())
    cuts = sorted(set(cuts))
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if text[a:b].strip()]


def _read_clause(clause: str, vocabulary: Vocabulary) -> _Move | None:
    """The camera move a clause says, or None when it says none (or not as its sentence)."""
    verbs = vocabulary.camera_verbs
    framed = _framing_end(clause, vocabulary)
    opening = _opening(clause[framed:], vocabulary)
    rest, pace_inside = _pace_out_of_the_move(clause[framed:], opening.pos, vocabulary)
    said = verbs.pattern.match(rest, _skip_spaces(rest, opening.pos))
    if not said or not _the_cameras(said.group(0), opening, bool(framed), verbs):
        return None
    aimed = _after_the_move(rest, said, vocabulary)
    if aimed is None:
        return None
    pace_after, obj, aim = aimed
    return _Move(start=framed, movement=verbs.meaning(said.group(0))[0],
                 pace=opening.pace or pace_inside or pace_after, object=obj, aim=aim,
                 drone=opening.drone(verbs))


@dataclass(frozen=True)
class _Opening:
    """What a clause says before its move: where the move may start, a pace, who moves
    ("the camera", "we", "the drone"), and whether an article came first ("a slow pan")."""

    pos: int
    pace: str | None
    who: str
    article: bool

    def drone(self, verbs) -> bool:
        return " ".join(self.who.lower().split()) in verbs.drones


def _opening(rest: str, vocabulary: Vocabulary) -> _Opening:
    """"and then the camera slowly pans left": a joining word, a pace, the camera, helpers
    ("is", "starts to"), a pace — then the move."""
    pos = _LEAD.match(rest).end()
    pos += re.match(r"^\s*(?:(?:as|while|and|then|before|after|when|until|so)\s+)*",
                    rest[pos:], re.IGNORECASE).end()
    pace, pos = _pace_at(rest, pos, vocabulary)
    who = vocabulary.camera_verbs.cameras.match(rest, _skip_spaces(rest, pos))
    article = None
    if who:
        pos = who.end()
        helpers = _HELPERS.match(rest[pos:])
        pos += helpers.end() if helpers else 0
    elif article := _ARTICLE.match(rest[pos:]):
        pos += article.end()
    later, pos = _pace_at(rest, pos, vocabulary)
    return _Opening(pos=pos, pace=pace or later, who=who.group(0) if who else "",
                    article=bool(article))


def _the_cameras(said: str, opening: _Opening, framed: bool, verbs) -> bool:
    """Whether the move's words are the camera's here, not the subject's or a thing's."""
    _, alone = verbs.meaning(said)
    if not (alone or opening.who or framed):
        return False  # "smoke rising above the trees" is the smoke's
    if opening.drone(verbs) and "camera" not in opening.who.lower() and \
            said.split()[0].lower().endswith("ing"):
        return False  # "the drone flying over a field" is a video of the drone
    # "a pan of noodles": a bare noun after "a" is a thing, not a move
    return not (opening.article and not opening.pace and len(said.split()) == 1)


def _after_the_move(rest: str, said: re.Match, vocabulary: Vocabulary
                    ) -> tuple[str | None, str, str] | None:
    """(a pace said after the move, its object, its aim) — None when what follows the
    move shows the words were not one ("pan fried noodles")."""
    after = said.end()
    shot = _SHOT_WORDS.match(rest[after:])  # "tracking shot", "a slow push-in move"
    after += shot.end() if shot else 0
    pace, after = _pace_at(rest, after, vocabulary)
    aim = rest[after:].strip(" ,.;:-")
    trailing = re.search(r"\s+((?:very\s+)?\w+)$", " " + aim)
    if trailing and (found := vocabulary.pace_before(trailing.group(1))):
        pace = pace or found[0]  # "the camera circles them slowly"
        aim = aim[:len(aim) - len(trailing.group(1))].strip(" ,")
    last_word = said.group(0).split()[-1].lower()
    if last_word in _PREPOSITIONS and aim:
        aim = f"{last_word} {aim}"  # "move toward" + "her"
    first = aim.split()[0].lower() if aim else ""
    if aim and first not in _AIM_WORDS | _DETERMINERS | _PRONOUNS and \
            not first.endswith("'s") and not aim[0].isupper():
        return None
    return (pace, *_object_and_aim(aim))


def _framing_end(clause: str, vocabulary: Vocabulary) -> int:
    """Where the clause's opening camera words end ("aerial shot", "a low-angle close-up"):
    they stay for the vocabulary to pin; the move may follow them."""
    pos = 0
    for term in vocabulary.find_terms(clause):
        if term.slot not in CAMERA_SLOTS or term.slot in ("movement", "pace"):
            break
        if clause[pos:term.start].strip(" ,-").lower() not in ("", "a", "an", "with", "in",
                                                               "from", "at", "on"):
            break
        pos = term.end
        noun = _FRAMING_NOUN.match(clause[pos:])  # "aerial" + " shot"
        pos += noun.end() if noun else 0
    if pos:
        glue = _GLUE.match(clause[pos:])
        pos += glue.end() if glue else 0
    return pos


def _pace_at(text: str, pos: int, vocabulary: Vocabulary) -> tuple[str | None, int]:
    """A pace word ("slowly", "very gently") at pos: (pace id, the position after it).
    Not the first word of a move ("whip pan" is a move, though "whip" is a pace)."""
    m = re.match(r"\s*((?:very\s+)?[A-Za-z]+)\b", text[pos:])
    if vocabulary.camera_verbs.pattern.match(text, _skip_spaces(text, pos)):
        return None, pos
    if m and (found := vocabulary.pace_before(m.group(1))):
        return found[0], pos + m.end()
    return None, pos


def _pace_out_of_the_move(text: str, pos: int, vocabulary: Vocabulary) -> tuple[str, str | None]:
    """"moves slowly toward her" → "moves toward her" and the pace: a pace between a verb
    and the word that makes it a move."""
    m = re.match(r"(\s*[A-Za-z]+)(\s+(?:very\s+)?[A-Za-z]+)(?=\s+\w)", text[pos:])
    if m and (found := vocabulary.pace_before(m.group(2))):
        closed = text[:pos] + m.group(1) + text[pos + m.end():]
        said = vocabulary.camera_verbs.pattern.match(closed, _skip_spaces(closed, pos))
        if said and said.end() > pos + len(m.group(1)):
            return closed, found[0]
    return text, None


def _skip_spaces(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _object_and_aim(aim: str) -> tuple[str, str]:
    """("the surfer", "from behind") from "the surfer from behind"; a pronoun object is the
    subject already ("follows him through the park" → "", "through the park")."""
    words = aim.split()
    if not words:
        return "", ""
    first = words[0].lower()
    if first in _PRONOUNS and (len(words) == 1 or words[1].lower() in _AIM_WORDS):
        return "", " ".join(words[1:])
    if first == "of":  # "tracking shot of the runner"
        return _object_and_aim(" ".join(words[1:]))[0] or "", ""
    if first in _AIM_WORDS:
        return "", aim
    return aim, ""


# Where an aim ends: a phrase the vocabulary pins ("… on his face in slow motion"); a time or
# weather phrase only after its preposition ("at night", not "a snowy forest").
_CHOICES_AFTER_AIM = ("speed", "look", "shot", "angle", "lens", "movement", "pace")
_ADVERBIAL = re.compile(r"(?:^|\s)(?:at|in|during|under|on|by)(?:\s+(?:a|an|the))?\s*$",
                        re.IGNORECASE)


def _without_choices(move: _Move, vocabulary: Vocabulary) -> tuple[_Move, str]:
    """The move with its aim cut before the first vocabulary choice in it, and that tail
    (left in the idea's text for the vocabulary to pin)."""
    for field_name in ("aim", "object"):
        words = getattr(move, field_name)
        for term in vocabulary.find_terms(words):
            head = words[:term.start]
            if term.slot in _CHOICES_AFTER_AIM or (term.slot in ("time", "weather") and
                                                    _ADVERBIAL.search(head)):
                cut = _ADVERBIAL.search(head)
                keep = head[:cut.start()] if cut else head
                tail = words[len(keep):].strip()
                trimmed = {field_name: keep.strip(" ,")}
                if field_name == "object":
                    trimmed["aim"] = ""
                    tail = " ".join(filter(None, [tail, move.aim]))
                return replace(move, **trimmed), tail
    return move, ""


def _aim(move: _Move, vocabulary: Vocabulary) -> str:
    """What the prompt's camera sentence says the move is aimed at: the user's words, an
    object after the move's own preposition ("around the dancers")."""
    if move.object:
        prep = vocabulary.get("movement", move.movement[0]).prep
        return " ".join(filter(None, [prep, move.object, move.aim]))
    return move.aim


def _shown_thing(aim: str) -> bool:
    """Whether an aim names something to show (not only "to the left", "closer")."""
    rest = _without_preposition(aim)
    return bool(rest) and rest.split()[0].lower() not in _AIM_WORDS


_TRAVEL = re.compile(r"(from\s+.+?)\s+(?:down\s+to|up\s+to|to|onto|toward|towards)\s+(.+)$",
                     re.IGNORECASE)
_OWNERS = ("her", "his", "its", "their")


def _where_it_ends(aim: str) -> str:
    """What a move that opens the idea shows: "from the full moon to a wolf howling" ends on
    the wolf (the subject); otherwise the aim without its preposition ("from a child's
    boots to her laughing face" stays whole: "her" alone names no subject)."""
    travel = _TRAVEL.match(aim)
    if travel and travel.group(2).split()[0].lower() not in _OWNERS:
        return travel.group(2)
    return _without_preposition(aim)


def _travel_start(aim: str, shown: str) -> str:
    """"from the full moon" when the move travels from there to what it shows, else ""."""
    travel = _TRAVEL.match(aim)
    return travel.group(1) if travel and travel.group(2) == shown else ""


def _without_preposition(aim: str) -> str:
    """"on a sleeping cat" → "a sleeping cat"; "to reveal a city" → "a city"."""
    leads = "|".join(sorted(_PREPOSITIONS | {"in", "down", "up", "in front of"}, key=len,
                            reverse=True))
    return re.sub(rf"^(?:(?:to\s+reveal|revealing|and\s+reveals?|to|as|while|until|when)\s+|"
                  rf"(?:{leads})\s+)", "", aim, flags=re.IGNORECASE)
