"""Occasions and feelings: a request that names a wedding, a birthday, 想家 or "the feeling of
summer" instead of a picture becomes the concrete scene people would film for it, from the
editable table agent/data/occasions.toml, with one sentence saying what was assumed. Tone words
("make it warm", "搞笑一点") shade that scene; a second occasion or feeling named beside the
first ("春节回家", "a summer birthday") adds its own detail to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.datafile import (FLAG, TEXT, TEXTS, DataFileError, check_placeholders, check_type,
                            checked_entry, display_name, read_toml, reject_unknown_keys)
from agent.vocabulary import DATA_DIR

AGES = ("baby", "child", "adult", "elder", "pet", "work")  # work: clients, colleagues, a boss
GENDERS = ("female", "male", "any")
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
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
_KEYS = {"id": TEXT, "en": TEXT, "zh": TEXT, "match_en": TEXTS, "match_zh": TEXTS,
         "subject": TEXT, "action": TEXT, "place": TEXT, "details": TEXTS, "mood": TEXT,
         "scene_zh": TEXT, "key_en": TEXTS}
_OPTIONAL = {"person_default": TEXT, "subject_female": TEXT, "subject_male": TEXT,
             "subject_group": TEXT, "with_number": TEXT, "ages": TEXTS,
             "person_default_zh": TEXT, "aside": TEXT}
_PLACEHOLDERS = {"subject": {"person"}, "subject_female": {"person"}, "subject_male": {"person"},
                 "subject_group": {"person"}, "scene_zh": {"person"}, "aside": set(),
                 "with_number": {"n", "nth"}, "action": set(), "place": set(),
                 "person_default": set()}
_FILLER_KEYS = {"en": TEXTS, "zh": TEXTS, "name_after_en": TEXTS, "name_after_zh": TEXTS}
_RELATION_KEYS = {"en": TEXT, "gender": TEXT, "age": TEXT, "say": TEXT}
_RELATION_OPTIONAL = {"group": FLAG}
_TONE_KEYS = {"id": TEXT, "match_en": TEXTS, "match_zh": TEXTS, "detail": TEXT}
_TONE_OPTIONAL = {"mood": TEXT}
_SUBJECTS = ("subject", "subject_female", "subject_male", "subject_group")


@dataclass(frozen=True)
class Entry:
    """One [[occasion]] or [[feeling]] of occasions.toml; optional keys are empty when absent."""

    kind: str
    id: str
    en: str
    zh: str
    match_en: tuple[str, ...]
    match_zh: tuple[str, ...]
    subject: str
    action: str
    place: str
    details: tuple[str, ...]
    mood: str
    scene_zh: str
    key_en: tuple[str, ...]  # one of these words names the occasion or feeling in the scene
    person_default: str = ""
    subject_female: str = ""
    subject_male: str = ""
    subject_group: str = ""
    with_number: str = ""
    ages: tuple[str, ...] = ()
    person_default_zh: str = ""
    aside: str = ""  # a detail bringing this one into another's scene when both are named


@dataclass(frozen=True)
class Relation:
    """Who a named person is: `en` stands in for them in the picture; `say` names them in
    the other language (Chinese for an English key, English for a Chinese one)."""

    en: str
    gender: str
    age: str
    say: str
    group: bool = False  # more than one person: picks an entry's subject_group


@dataclass(frozen=True)
class Tone:
    """One [[tone]] of occasions.toml: words that say how a scene should feel ("funny",
    "温馨一点"), never what it shows; they add `detail` and may set the soundtrack `mood`."""

    id: str
    match_en: tuple[str, ...]
    match_zh: tuple[str, ...]
    detail: str
    mood: str = ""


@dataclass(frozen=True)
class Occasions:
    """The checked table and its compiled matchers: load once, keep, pass to read_occasion."""

    entries: tuple[Entry, ...]
    relations: dict[str, Relation]
    phrases: dict[str, tuple[Entry, ...]]  # normalised match phrase → the entries listing it
    filler_en: frozenset[str]
    name_after: re.Pattern  # a text ending in a word that introduces a name ("for", "给")
    phrase_re: re.Pattern
    relation_re: re.Pattern
    filler_zh_re: re.Pattern
    tones: dict[str, Tone]  # normalised tone phrase → its tone
    tone_re: re.Pattern


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


def _norm(phrase: str) -> str:
    """A phrase's lookup key: lower case, no apostrophes, hyphens and spaces as one space."""
    return re.sub(r"[\s\-]+", " ", re.sub(r"['’]", "", phrase.lower())).strip()


def _alternation(phrases) -> str:
    """A regex alternation, longest first; in English a hyphen or space matches either and
    an apostrophe may be left out."""
    return "|".join(re.escape(p) if _CJK.fullmatch(p) else r"[\s\-]+".join(
        re.escape(w).replace("'", "['’]?") for w in re.split(r"[\s\-]+", p.strip()))
        for p in sorted(set(phrases), key=len, reverse=True))


def load_occasions(path: Path = DATA_DIR / "occasions.toml") -> Occasions:
    """Read and check occasions.toml; a DataFileError names the file, the entry and the key."""
    from agent.llm import MOODS  # imported here: agent.llm imports the reader, which uses us
    raw, shown = read_toml(path), display_name(path)
    reject_unknown_keys(path, "the file", raw, {"occasion", "feeling", "tone", "relations",
                                                "filler"})
    entries: list[Entry] = []
    for kind in ("occasion", "feeling"):
        if not isinstance(raw.get(kind), list) or not raw[kind]:
            raise DataFileError(f"{shown}: no [[{kind}]] entries")
        entries += [_load_entry(path, kind, i, t, MOODS) for i, t in enumerate(raw[kind])]
    phrases: dict[str, tuple[Entry, ...]] = {}
    for n, e in enumerate(entries):
        if e.id in (x.id for x in entries[:n]):
            raise DataFileError(f"{shown}: [[{e.kind}]] entry '{e.id}': the id is used twice")
        for p in {_norm(p) for p in e.match_en + e.match_zh}:
            phrases[p] = phrases.get(p, ()) + (e,)
            if not e.ages and any(not x.ages for x in phrases[p][:-1]):
                other = next(x.id for x in phrases[p] if not x.ages)
                raise DataFileError(f"{shown}: [[{e.kind}]] entry '{e.id}': match phrase '{p}' "
                                    f"is also in '{other}'; give one of them `ages`")
    filler = raw.get("filler")
    if not isinstance(filler, dict):
        raise DataFileError(f"{shown}: [filler] is missing")
    reject_unknown_keys(path, "[filler]", filler, set(_FILLER_KEYS))
    fill = {k: check_type(path, "[filler]", k, filler.get(k), t) for k, t in _FILLER_KEYS.items()}
    relations = _load_relations(path, raw.get("relations"))
    tones = _load_tones(path, raw.get("tone", []), MOODS)
    en_keys = [k for k in relations if not _CJK.fullmatch(k)]
    zh_keys = [k for k in relations if _CJK.fullmatch(k)]
    tone_en = [p for t in set(tones.values()) for p in t.match_en]
    tone_zh = [p for t in set(tones.values()) for p in t.match_zh]
    en_phrases = [p for e in entries for p in e.match_en]
    zh_phrases = [p for e in entries for p in e.match_zh]
    return Occasions(
        entries=tuple(entries), relations=relations, phrases=phrases,
        filler_en=frozenset(w.lower() for w in fill["en"]),
        name_after=re.compile(rf"(?:(?<![A-Za-z])(?:{_alternation(fill['name_after_en'])})|"
                              rf"{_alternation(fill['name_after_zh'])})$", re.IGNORECASE),
        phrase_re=re.compile(rf"(?<![A-Za-z0-9])(?:{_alternation(en_phrases)})(?![A-Za-z0-9])|"
                             rf"{_alternation(zh_phrases)}", re.IGNORECASE),
        relation_re=re.compile(rf"(?<![A-Za-z])(?P<words>(?:(?:my|our|your|his|her|their)\s+)?"
                               rf"(?P<en>{_alternation(en_keys)}))(?:['’]s|s['’]|['’])?"
                               rf"(?![A-Za-z])|(?P<zh>{_alternation(zh_keys)})们?", re.IGNORECASE),
        filler_zh_re=re.compile(_alternation(fill["zh"])), tones=tones,
        tone_re=re.compile(rf"(?<![A-Za-z0-9])(?:{_alternation(tone_en) or '(?!)'})"
                           rf"(?![A-Za-z0-9])|{_alternation(tone_zh) or '(?!)'}", re.IGNORECASE))


def _where(path: Path, kind: str, index: int, table) -> str:
    """How an entry is named in an error: by its id, else by its number (a non-table entry
    is an error of its own)."""
    name = table.get("id") if isinstance(table, dict) else None
    where = f"[[{kind}]] entry " + (f"'{name}'" if isinstance(name, str) else str(index + 1))
    if not isinstance(table, dict):
        raise DataFileError(f"{display_name(path)}: {where} is not a table")
    return where


def _load_entry(path: Path, kind: str, index: int, table, moods) -> Entry:
    """One [[occasion]] or [[feeling]] table, checked key by key."""
    where = _where(path, kind, index, table)
    v = checked_entry(path, where, table, _KEYS, _OPTIONAL)

    def need(ok, key: str, why: str) -> None:
        if not ok:
            raise DataFileError(f"{display_name(path)}: {where}: key '{key}' {why}")

    for key, value in v.items():  # each text in its language
        for text in (value,) if isinstance(value, str) else value:
            if key == "match_zh":
                need(len(text) >= 2 and _CJK.fullmatch(text), key,
                     f"must hold Chinese words of 2 or more characters; got {text!r}")
            elif key.endswith("zh"):
                need(_CJK.search(text), key, f"must be Chinese; got {text!r}")
            elif key == "match_en":
                need(text == text.lower() and re.search("[a-z]", text) and not _CJK.search(text),
                     key, f"must hold lower-case English phrases; got {text!r}")
            elif key not in ("id", "mood", "ages"):
                need(not _CJK.search(text), key, f"must be English; got {text!r}")
    need(2 <= len(v["details"]) <= 4, "details", f"must hold 2 to 4 phrases; got {v['details']}")
    need(v["mood"] in moods, "mood", f"must be one of {', '.join(moods)}; got {v['mood']!r}")
    need(set(v.get("ages", ())) <= set(AGES), "ages", f"must hold ages from {', '.join(AGES)}")
    need(v["action"].split()[0].endswith("ing"), "action",
         f"must start with an -ing word; got {v['action']!r}")
    for key, allowed in _PLACEHOLDERS.items():
        if key in v:
            check_placeholders(path, f"{where}: key '{key}'", v[key], allowed)
    subjects = [v[k].replace("{person}", "") for k in _SUBJECTS if k in v]
    need(any(_names(word, text) for word in v["key_en"] for text in (
        v["action"], v["place"], *v["details"])) or all(
        any(_names(word, text) for word in v["key_en"]) for text in subjects), "key_en",
        f"must name the {kind} in the scene: none of {list(v['key_en'])} is in the action, "
        f"the place or the details, nor in every subject (without {{person}})")
    for key, default in (("subject", "person_default"), ("scene_zh", "person_default_zh")):
        need(default not in v or "{person}" in v[key], key,
             f"must hold {{person}}, since '{default}' is given")
        need(default in v or "{person}" not in v[key], default,
             f"is needed: '{key}' holds {{person}}")
    return Entry(kind=kind, **v)


def _names(word: str, text: str) -> bool:
    """Whether `text` holds `word` at the start of a word, in any case ("New Year" in "a New
    Year's toast", "melanchol" in "melancholy")."""
    return bool(re.search(rf"(?<![A-Za-z]){re.escape(word)}", text, re.IGNORECASE))


def _load_tones(path: Path, raw, moods) -> dict[str, Tone]:
    """The [[tone]] tables, by normalised phrase: { id, match_en, match_zh, detail, mood? }."""
    if not isinstance(raw, list):
        raise DataFileError(f"{display_name(path)}: [[tone]] must be a list of tables")
    tones: dict[str, Tone] = {}
    for index, table in enumerate(raw):
        where = _where(path, "tone", index, table)
        v = checked_entry(path, where, table, _TONE_KEYS, _TONE_OPTIONAL)
        problem = next((why for bad, why in (
            (not all(len(w) >= 2 and _CJK.fullmatch(w) for w in v["match_zh"]),
             "key 'match_zh' must hold Chinese words of 2 or more characters"),
            (not all(w == w.lower() and not _CJK.search(w) for w in v["match_en"]),
             "key 'match_en' must hold lower-case English phrases"),
            (_CJK.search(v["detail"]), "key 'detail' must be English"),
            (v.get("mood", "calm") not in moods, f"key 'mood' must be one of {', '.join(moods)}"))
            if bad), "")
        if problem:
            raise DataFileError(f"{display_name(path)}: {where}: {problem}")
        tone = Tone(**v)
        for phrase in {_norm(p) for p in tone.match_en + tone.match_zh}:
            if phrase in tones:
                raise DataFileError(f"{display_name(path)}: {where}: match phrase '{phrase}' "
                                    f"is also in '{tones[phrase].id}'")
            tones[phrase] = tone
    return tones


def _load_relations(path: Path, raw) -> dict[str, Relation]:
    """The [relations] table: each key is a table { en, gender, age, say }."""
    if not isinstance(raw, dict) or not raw:
        raise DataFileError(f"{display_name(path)}: [relations] is missing or empty")
    relations: dict[str, Relation] = {}
    for key, table in raw.items():
        where, zh = f"[relations] '{key}'", bool(_CJK.fullmatch(key))
        if not isinstance(table, dict):
            raise DataFileError(f"{display_name(path)}: {where} must be a table "
                                f"{{ en = …, gender = …, age = …, say = … }}")
        reject_unknown_keys(path, where, table, set(_RELATION_KEYS) | set(_RELATION_OPTIONAL))
        r = relations[key] = Relation(**{k: check_type(path, where, k, table.get(k), t)
                                         for k, t in _RELATION_KEYS.items()}, **{
            k: check_type(path, where, k, table[k], t)
            for k, t in _RELATION_OPTIONAL.items() if k in table})
        problem = next((why for bad, why in (
            (not zh and not re.fullmatch(r"[a-z]+(?: [a-z]+)*", key),
             "an English key must be lower-case English words"),
            (zh and len(key) < 2, "a Chinese key needs 2 or more characters"),
            (r.gender not in GENDERS, f"gender must be one of {', '.join(GENDERS)}"),
            (r.age not in AGES, f"age must be one of {', '.join(AGES)}"),
            (_CJK.search(r.en), "en must be English"),
            (zh == bool(_CJK.search(r.say)), "say must be in the other language (Chinese for "
                                              "an English key, English for a Chinese key)"))
            if bad), "")
        if problem:
            raise DataFileError(f"{display_name(path)}: {where}: {problem}")
    return relations


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
    mask = bytearray(len(text))  # 1: phrase, 2: person or number, 3: tone
    for start, end, _ in spans:
        mask[start:end] = b"\1" * (end - start)
    tones: list[Tone] = []
    toned: list[tuple[int, int]] = []
    for m in table.tone_re.finditer(text):
        if any(a <= m.start() and m.end() <= b and b - a > len(m.group()) for a, b, _ in spans):
            continue  # part of a longer phrase: "grand opening", "moving away"
        mask[m.start():m.end()] = bytes(b or 3 for b in mask[m.start():m.end()])
        toned.append(m.span())
        tone = table.tones[_norm(m.group())]
        tones += [tone] if tone not in tones else []
    relation, words, key = None, "", ""
    for m in table.relation_re.finditer(text):
        if not mask[m.start()]:
            mask[m.start():m.end()] = b"\2" * (m.end() - m.start())
            if relation is None:
                key = " ".join((m["en"] or m["zh"]).lower().split())
                relation, words = table.relations[key], m["words"] or m["zh"]
    number = None
    for m in list(_NUM_EN.finditer(text)) + list(_NUM_ZH.finditer(text)):
        mask[m.start():m.end()] = bytes(b or 2 for b in mask[m.start():m.end()])
        n = _ORDINALS.get((m[2] or "").lower()) or _chinese_number(m[1])
        if number is None and 0 < n <= 150:
            number = (n, m[2].lower() if m[2] else f"{n}{_suffix(n)}")
    left = "".join("\1" if b else c for b, c in zip(mask, text))
    left = table.filler_zh_re.sub(lambda f: "\3" * len(f.group()), left)
    content = [t for t in _TOKEN.finditer(left) if _CJK.match(t.group()) or not {
        t.group().lower(), re.sub(r"['’]s$", "", t.group().lower())} & table.filler_en]
    name = _name(text, mask, content, table) if content else ""
    if content and not name:
        return None
    # a feeling named only by a tone word ("温馨一点的生日视频") shades the scene as a tone
    spans = [s for s in spans if not any(a <= s[0] and s[1] <= b for a, b in toned)] or spans
    occasions = [s for s in spans if s[2][0].kind == "occasion"]
    found = (occasions or spans)[-1][2]  # the last: the head noun ("结婚五十周年")

    def pick(found: tuple[Entry, ...]) -> Entry:
        return next((e for e in found if relation and relation.age in e.ages), None) or next(
            (e for e in found if not e.ages), found[0])

    entry = pick(found)
    asides = list(dict.fromkeys(e.aside for e in (pick(s[2]) for s in spans)
                                if e.aside and e.id != entry.id))
    if relation:
        subject = (relation.group and entry.subject_group) or {
            "female": entry.subject_female, "male": entry.subject_male}.get(
            relation.gender) or entry.subject
        subject = subject.replace("{person}", relation.en)
        said = (relation.say, words) if _CJK.fullmatch(key) else (
            words if re.match(r"(?i)(his|her|their)\s", words) else f"your {key}", relation.say)
    else:
        who = name if name.isascii() and name else entry.person_default
        subject, said = entry.subject.replace("{person}", who), (name, name)
    extras = [entry.with_number.format(n=number[0], nth=number[1])] if (
        number and entry.with_number) else []
    extras += asides + [t.detail for t in tones]
    details = tuple(extras) + entry.details[:max(1, 5 - len(extras))]
    mood = next((t.mood for t in reversed(tones) if t.mood), entry.mood)
    label = f"{number[1]} {entry.en}" if number and entry.with_number else entry.en
    article = "An" if _VOWEL.match(label) else "A"
    title = (f"{article} {label} video" if entry.kind == "occasion"
             else f"A video about {entry.en}")
    title_zh = (f"给{said[1]}的{entry.zh}视频" if said[1] else f"{entry.zh}视频"
                if entry.kind == "occasion" else f"关于{entry.zh}的视频")
    scene_zh = entry.scene_zh.replace("{person}", said[1] or entry.person_default_zh)
    return Scene(kind=entry.kind, id=entry.id, subject=subject, action=entry.action,
                 place=entry.place, details=details, mood=mood, person=words or name,
                 assumed_en=f"{title}{f' for {said[0]}' if said[0] else ''}: I pictured "
                            f"{subject} {entry.action} {entry.place}.",
                 assumed_zh=f"{title_zh}：我设想了{scene_zh}的场景。")


def _name(text: str, mask: bytearray, content: list, table: Occasions) -> str:
    """The one person's name left among the content words, or "" when they are not one."""
    first, last = content[0], content[-1]
    if first.group().isascii():
        name = re.sub(r"['’]s$", "", text[first.start():last.end()])
        if (len(content) > 2 or not all(t.group()[0].isupper() and t.group().isascii()
                                        for t in content)
                or text[first.end():last.start()].strip()):
            return ""
    elif len(content) > 1 or _NOT_A_NAME.match(first.group()) or len(first.group()) > 3:
        return ""
    elif first.end() < len(text) and mask[first.end()] == 2:
        return first.group()  # a surname before a relation: 王老师, 李阿姨
    elif len(first.group()) < 2:
        return ""
    else:
        name = first.group()
    before = text[:first.start()].rstrip(" ,，、:：!！~")
    vocative = re.search(r"[,，、:：!！]", text[len(before):first.start()])  # "生日快乐，小明"
    after = text[first.start() + len(name):]
    nxt = len(text) - len(after.lstrip())
    if (table.name_after.search(before) or (before and mask[len(before) - 1] and vocative)
            or after.startswith(("'s", "’s", "'", "’", "的"))
            or (not before and not name.isascii() and nxt < len(text) and mask[nxt] == 1)):
        return name
    return ""


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
