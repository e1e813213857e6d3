"""Occasions and feelings: a request that names a wedding, a birthday, 想家 or "the feeling of
summer" instead of a picture becomes the concrete scene people would film for it, from the
editable table agent/data/occasions.toml, with one sentence saying what was assumed. Tone words
("make it warm", "搞笑一点") shade that scene; a second occasion or feeling named beside the
first ("春节回家", "a summer birthday") adds its own detail to it. The table, its schema and its
loader are agent/occasions_table.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.occasions_table import CJK as _CJK
from agent.occasions_table import Entry, Occasions, Relation, Tone, load_occasions
from agent.occasions_table import norm as _norm  # noqa: F401

_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORDS = ("first second third fourth fifth sixth seventh eighth ninth tenth twentieth "
          "twenty-fifth thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth "
          "hundredth").split()
_ORDINALS = dict(zip(_WORDS, list(range(1, 11)) + [20, 25, 30, 40, 50, 60, 70, 80, 90, 100]))
_NUM_EN = re.compile(rf"(?<![A-Za-z0-9])(?:(\d{{1,3}})(?:st|nd|rd|th)?|({'|'.join(_WORDS)}))"
                     r"(?![A-Za-z0-9])", re.IGNORECASE)
_NUM_ZH = re.compile(r"([0-9]{1,3}|[一二两三四五六七八九十百]{1,4})\s*(?:周年|週年|周岁|岁|歲|大寿)()")
_VOWEL = re.compile(r"[aeiou]|8|1[18](?!\d)", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"[0-9一二两三四五六七八九十百几这那每]")
# What each character of a request was read as, in the mask read_occasion builds.
_PHRASE, _PERSON, _TONE = 1, 2, 3


@dataclass(frozen=True)
class Scene:
    """A concrete scene standing for an occasion or a feeling, and what was assumed."""

    kind: str  # "occasion" or "feeling"
    id: str  # the entry id
    subject: str  # English noun phrase, person filled in
    action: str  # English "-ing" phrase
    place: str  # English place phrase
    details: tuple[str, ...]
    mood: str
    person: str  # the user's own words for the person ("my sister", "妈妈"), "" if none
    assumed_en: str  # "A wedding video for your sister: I pictured a bride … ."
    assumed_zh: str  # "给姐姐的婚礼视频：我设想了姐姐走过鲜花小道的场景。"


@dataclass(frozen=True)
class _Person:
    """The person a request names: their relation, the user's words for them ("my sister",
    "妈妈") and the [relations] key; or a name ("Lily", "小明")."""

    relation: Relation | None = None
    words: str = ""
    key: str = ""
    name: str = ""


def read_occasion(text: str, table: Occasions) -> Scene | None:
    """The scene for a request *about* an occasion or feeling; None for anything else.

    The rule for "about": the text names an occasion or feeling phrase, and once that phrase,
    a person (a [relations] key, with my/our… and 's), numbers ("30th", "十周年") and the
    [filler] words ("a video for", "make", "视频", "祝福", "给", "的"…) are taken out, no
    content word is left, except one person's name introduced as one ("for Lily", "Lily's",
    "给小明", "小明的", "Happy birthday, Lily"). Any other word is a picture of the user's own
    ("a birthday cake with candles", "新娘和新郎在婚礼上跳舞"), which the normal reading keeps.
    When an occasion and a feeling are both named the occasion wins; of several, the last
    (the head of "wedding anniversary", "结婚五十周年"); each other one named adds its `aside`
    detail ("春节回家": a homecoming with red Spring Festival couplets). [[tone]] words ("make
    it warm", "搞笑一点", "surprise") count as filler, add their detail and may set the mood."""
    spans = [(m.start(), m.end(), table.phrases[_norm(m.group())])
             for m in table.phrase_re.finditer(text)]
    if not spans:
        return None
    mask = bytearray(len(text))  # _PHRASE, _PERSON (or a number), _TONE; 0: anything else
    for start, end, _ in spans:
        mask[start:end] = bytes([_PHRASE]) * (end - start)
    tones, toned = _tones(text, table, spans, mask)
    person = _relation(text, table, mask)
    number = _number(text, mask)
    content = _content(text, mask, table)
    name = _name(text, mask, content, table) if content else ""
    if content and not name:
        return None
    person = _Person(person.relation, person.words, person.key, name)
    # a feeling named only by a tone word ("温馨一点的生日视频") shades the scene as a tone
    spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in toned)] or spans
    occasions = [s for s in spans if s[2][0].kind == "occasion"]
    entry = _pick((occasions or spans)[-1][2], person.relation)  # the last: the head noun
    asides = list(dict.fromkeys(e.aside for e in (_pick(s[2], person.relation) for s in spans)
                                if e.aside and e.id != entry.id))
    return _scene(entry, person, number, asides + [t.detail for t in tones],
                  next((t.mood for t in reversed(tones) if t.mood), entry.mood))


def _tones(text: str, table: Occasions, spans, mask: bytearray) -> tuple[list[Tone], list]:
    """The tones named (each once, in order) and where; marks them in the mask."""
    tones: list[Tone] = []
    toned: list[tuple[int, int]] = []
    for m in table.tone_re.finditer(text):
        if any(a <= m.start() and m.end() <= b and b - a > len(m.group()) for a, b, _ in spans):
            continue  # part of a longer phrase: "grand opening", "moving away"
        mask[m.start():m.end()] = bytes(b or _TONE for b in mask[m.start():m.end()])
        toned.append(m.span())
        tone = table.tones[_norm(m.group())]
        tones += [tone] if tone not in tones else []
    return tones, toned


def _relation(text: str, table: Occasions, mask: bytearray) -> _Person:
    """The first person named by a [relations] key outside the phrases; marks every one."""
    person = _Person()
    for m in table.relation_re.finditer(text):
        if not mask[m.start()]:
            mask[m.start():m.end()] = bytes([_PERSON]) * (m.end() - m.start())
            if person.relation is None:
                key = " ".join((m["en"] or m["zh"]).lower().split())
                person = _Person(table.relations[key], m["words"] or m["zh"], key)
    return person


def _number(text: str, mask: bytearray) -> tuple[int, str] | None:
    """The first number from 1 to 150 (n, "30th"); marks every number in the mask."""
    number = None
    for m in list(_NUM_EN.finditer(text)) + list(_NUM_ZH.finditer(text)):
        mask[m.start():m.end()] = bytes(b or _PERSON for b in mask[m.start():m.end()])
        n = _ORDINALS.get((m[2] or "").lower()) or _chinese_number(m[1])
        if number is None and 0 < n <= 150:
            number = (n, m[2].lower() if m[2] else f"{n}{_suffix(n)}")
    return number


def _content(text: str, mask: bytearray, table: Occasions) -> list[re.Match]:
    """The words left once the phrases and the filler are taken out."""
    left = "".join("\1" if b else c for b, c in zip(mask, text))
    left = table.filler_zh_re.sub(lambda f: "\3" * len(f.group()), left)
    return [t for t in _TOKEN.finditer(left) if _CJK.match(t.group()) or not {
        t.group().lower(), re.sub(r"['’]s$", "", t.group().lower())} & table.filler_en]


def _pick(found: tuple[Entry, ...], relation: Relation | None) -> Entry:
    """Of the entries sharing a phrase: the one for the person's age, else the ageless."""
    return next((e for e in found if relation and relation.age in e.ages), None) or next(
        (e for e in found if not e.ages), found[0])


def _scene(entry: Entry, person: _Person, number, extras: list[str], mood: str) -> Scene:
    """The entry's scene for this person and number, with the extra details first."""
    subject, said = _subject(entry, person)
    if number and entry.with_number:
        extras = [entry.with_number.format(n=number[0], nth=number[1]), *extras]
    title, title_zh = _titles(entry, number, said[1])
    scene_zh = entry.scene_zh.replace("{person}", said[1] or entry.person_default_zh)
    return Scene(kind=entry.kind, id=entry.id, subject=subject, action=entry.action,
                 place=entry.place, details=tuple(extras) + entry.details[:max(
                     1, 5 - len(extras))], mood=mood, person=person.words or person.name,
                 assumed_en=f"{title}{f' for {said[0]}' if said[0] else ''}: I pictured "
                            f"{subject} {entry.action} {entry.place}.",
                 assumed_zh=f"{title_zh}：我设想了{scene_zh}的场景。")


def _subject(entry: Entry, person: _Person) -> tuple[str, tuple[str, str]]:
    """The subject with the person filled in, and how to name them (in English, Chinese)."""
    relation, words, key = person.relation, person.words, person.key
    if relation is None:
        who = person.name if person.name.isascii() and person.name else entry.person_default
        return entry.subject.replace("{person}", who), (person.name, person.name)
    subject = (relation.group and entry.subject_group) or {
        "female": entry.subject_female, "male": entry.subject_male}.get(
        relation.gender) or entry.subject
    said = (relation.say, words) if _CJK.fullmatch(key) else (
        words if re.match(r"(?i)(his|her|their)\s", words) else f"your {key}", relation.say)
    return subject.replace("{person}", relation.en), said


def _titles(entry: Entry, number, said_zh: str) -> tuple[str, str]:
    """"A 30th wedding anniversary video" / "给妈妈的婚礼视频"."""
    label = f"{number[1]} {entry.en}" if number and entry.with_number else entry.en
    article = "An" if _VOWEL.match(label) else "A"
    title = (f"{article} {label} video" if entry.kind == "occasion"
             else f"A video about {entry.en}")
    title_zh = (f"给{said_zh}的{entry.zh}视频" if said_zh else f"{entry.zh}视频"
                if entry.kind == "occasion" else f"关于{entry.zh}的视频")
    return title, title_zh


def _name(text: str, mask: bytearray, content: list[re.Match], table: Occasions) -> str:
    """The one person's name left among the content words, or "" when they are not one."""
    first = content[0]
    if _surname_before_relation(text, mask, content):
        return first.group()  # 王老师, 李阿姨
    name = _latin_name(text, content) if first.group().isascii() else _chinese_name(content)
    return name if name and _introduced(text, mask, first.start(), name, table) else ""


def _surname_before_relation(text: str, mask: bytearray, content: list[re.Match]) -> bool:
    word, end = content[0].group(), content[0].end()
    return (not word.isascii() and len(content) == 1 and not _NOT_A_NAME.match(word)
            and len(word) <= 3 and end < len(text) and mask[end] == _PERSON)


def _latin_name(text: str, content: list[re.Match]) -> str:
    """"Lily", "Lily Chen" (capitalised, one or two words next to each other), or ""."""
    first, last = content[0], content[-1]
    if (len(content) > 2 or not all(t.group()[0].isupper() and t.group().isascii()
                                    for t in content)
            or text[first.end():last.start()].strip()):
        return ""
    return re.sub(r"['’]s$", "", text[first.start():last.end()])


def _chinese_name(content: list[re.Match]) -> str:
    """"小明" (one word of 2 or 3 characters, no number in it), or ""."""
    word = content[0].group()
    if len(content) > 1 or _NOT_A_NAME.match(word) or not 2 <= len(word) <= 3:
        return ""
    return word


def _introduced(text: str, mask: bytearray, start: int, name: str, table: Occasions) -> bool:
    """Whether the name is introduced as one: "for Lily", "Lily's", "给小明", "小明的",
    "Happy birthday, Lily", or a Chinese name right before the occasion phrase."""
    before = text[:start].rstrip(" ,，、:：!！~")
    vocative = re.search(r"[,，、:：!！]", text[len(before):start])  # "生日快乐，小明"
    after = text[start + len(name):]
    nxt = len(text) - len(after.lstrip())
    return bool(table.name_after.search(before) or (before and mask[len(before) - 1] and vocative)
                or after.startswith(("'s", "’s", "'", "’", "的"))
                or (not before and not name.isascii() and nxt < len(text)
                    and mask[nxt] == _PHRASE))


def _chinese_number(digits: str | None) -> int:
    """'30' → 30, '三十' → 30, '十' → 10, '二十五' → 25, '一百零五' → 105; 0 for None."""
    if not digits or digits.isdigit():
        return int(digits or 0)
    total = current = 0
    for ch in digits:
        if ch in "十百":
            total, current = total + (current or 1) * (10 if ch == "十" else 100), 0
        else:
            current = 2 if ch == "两" else "零一二三四五六七八九".find(ch)
    return total + current


def _suffix(n: int) -> str:
    """The English ordinal ending: 1 → st, 12 → th, 22 → nd."""
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
