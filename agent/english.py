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
