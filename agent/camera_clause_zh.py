"""Reading a Chinese sentence about the camera: "镜头缓缓推近她的脸", "跟拍一个在雪地里奔跑的
小女孩", "镜头从天空摇向小村庄", "快速拉远，露出整座城市的夜景".

As in English (agent/camera_clause.py): the move and its pace are pinned, and what the move
is aimed at is kept — as the subject when the idea opens with the move, otherwise (read
into English by the caller) for the prompt's camera sentence. The words come from
agent/data/camera_verbs.toml's [zh] table."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from agent.brief import CLAUSE_SPLIT
from agent.camera_clause import MOST_MOVES
from agent.vocabulary import Vocabulary


_PRONOUNS = {"她", "他", "它", "她们", "他们", "它们"}
_HANZI = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class ZhCameraReading:
    """The idea without its camera sentence, the pins it named, and what the move is aimed
    at, still in Chinese: `source` (从天空) and `target` (小村庄, or what it reveals)."""

    text: str
    pins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""
    target: str = ""
    reveals: bool = False
    later: tuple["ZhCameraReading", ...] = ()  # moves after the first ("然后拉远"), in order


def read_camera_sentences_zh(text: str, vocabulary: Vocabulary, *,
                             subject_known: bool = False) -> ZhCameraReading:
    """The idea's sentences about the camera, read and taken out of its text: the first
    names the movement, later ones follow it ("镜头先推近她的脸，然后拉远").
    subject_known: a refinement of a known shot — the aim is never the subject."""
    reading = _first_sentence(text, vocabulary, subject_known)
    later: list[ZhCameraReading] = []
    while "movement" in reading.pins and len(later) < MOST_MOVES - 1:
        found = _first_sentence(reading.text if not later else later[-1].text, vocabulary,
                                subject_known=True)
        if "movement" not in found.pins or not _HANZI.search(found.text):
            break  # no later move, or one that would take the subject away ("摇镜头扫过马群")
        later.append(found)
    if not later:
        return reading
    return replace(reading, text=later[-1].text, later=tuple(later))


def _first_sentence(text: str, vocabulary: Vocabulary,
                    subject_known: bool) -> ZhCameraReading:
    """The text's first sentence about the camera, read and taken out of it."""
    verbs = vocabulary.camera_verbs
    zh = verbs.zh
    spans = _clauses(text)
    for index, (start, end) in enumerate(spans):
        m = zh.sentence.match(text[start:end])
        if m is None or (m.group("framing") and not m.group("who")):
            continue  # "小狗跟着主人": the dog follows
        movement, alone = zh.moves[m.group("move")]
        if not (alone or m.group("who")):
            continue
        pins = {"movement": movement}
        if m.group("pace") and any(vocabulary.get("movement", i).paced for i in movement):
            pins["pace"] = (zh.paces[m.group("pace")],)
        if m.group("who") in zh.drones:
            pins["angle"] = (verbs.drone_angle,)
        target, reveals, end = m.group("rest").strip(), False, end
        if target in _PRONOUNS:
            target = ""  # "镜头快速环绕她": she is the subject already
        if not target and index + 1 < len(spans):  # "拉远，露出整座城市的夜景"
            after = spans[index + 1]
            shown = zh.reveal.match(text[after[0]:after[1]])
            if shown:
                target, reveals, end = shown.group("rest").strip(" ，,。"), True, after[1]
        source = (m.group("source") or "").strip()
        before, rest = text[:start], text[end:]
        framing = m.group("framing") or ""
        if index == 0 and target and not subject_known:  # it opens: the aim is the subject
            return ZhCameraReading(text=before + framing + target + rest, pins=pins,
                                   source=source)
        return ZhCameraReading(text=before + framing + rest, pins=pins, source=source,
                               target=target, reveals=reveals)
    return ZhCameraReading(text=text)


def _clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the idea's clauses (between commas and full stops), separators left out."""
    spans, start = [], 0
    for m in CLAUSE_SPLIT.finditer(text):
        if text[start:m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans
