"""English words as the readers and the formula write them: what a word is, the
determiners, "a" or "an", and a verb's -ing form. No agent module below it."""

from __future__ import annotations

import re

WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
DETERMINERS = {"a", "an", "the", "one", "two", "three", "four", "five", "some", "many",
                "several", "few", "a few", "my", "his", "her", "its", "our", "their", "this",
                "that", "these", "those", "every", "each", "no", "lots", "dozens"}


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
    if verb in _DOUBLE_FINAL or re.fullmatch(r"(?:[^aeiou]*|[^aeiou]*qu)[aeiou][bcdfgklmnprstvz]",
                                            verb):
        return verb + verb[-1] + "ing"  # one syllable, short vowel: "let" → "letting"
    return verb + "ing"


_DOUBLE_FINAL = {"run", "swim", "sit", "spin", "flap", "wag", "nod", "hop", "drip", "jog",
                 "chat", "cut", "put", "get", "set", "hit", "shut", "knit", "grab", "drag",
                 "drop", "chop", "mop", "scrub", "slip", "snap", "swap", "tip", "wrap", "rob",
                 "stir", "skip", "step", "trot", "bob", "dip", "grin", "pat",
                 "rub", "shop", "stop", "tap", "trim", "win", "dig", "hug", "beg", "plan"}


# Past tenses that do not add -ed (the verbs camera sentences use, and common ones).
_IRREGULAR_PAST = {"rise": "rose", "fly": "flew", "swing": "swung", "spin": "spun",
                   "sink": "sank", "go": "went", "come": "came", "draw": "drew", "creep": "crept",
                   "get": "got", "hold": "held", "keep": "kept", "run": "ran", "ride": "rode",
                   "sweep": "swept", "do": "did", "shake": "shook", "dive": "dove",
                   "slide": "slid", "stand": "stood", "take": "took", "see": "saw",
                   "lie": "lay", "fall": "fell", "make": "made", "bring": "brought"}


def s_form(verb: str) -> str:
    """The third-person form: "pan" → "pans", "dolly" → "dollies", "push" → "pushes"."""
    if verb in ("do", "go"):
        return verb + "es"
    if verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    if verb.endswith(("s", "x", "z", "ch", "sh")):
        return verb + "es"
    return verb + "s"


def verb_forms(verb: str) -> tuple[str, ...]:
    """Every tense of a base verb a sentence may use: "pan" → pan, pans, panning, panned."""
    ing = ing_form(verb)
    if verb in _IRREGULAR_PAST:
        past = _IRREGULAR_PAST[verb]
    elif verb.endswith("e"):
        past = verb + "d"
    elif verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        past = verb[:-1] + "ied"
    elif ing.endswith(verb[-1] * 2 + "ing") and not verb.endswith(verb[-1] * 2):
        past = verb + verb[-1] + "ed"  # "pan" → "panned", as "panning"
    else:
        past = verb + "ed"
    forms = [verb, s_form(verb), ing, past]
    if verb.endswith("l") and not verb.endswith("ll"):
        forms += [verb + "ling", verb + "led"]  # British "travelling", "travelled"
    return tuple(dict.fromkeys(forms))
