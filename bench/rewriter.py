"""The offline formula rewriter: an idea → the camera/scene/details prompt, in milliseconds.

Measured warm (vocabularies and the glossary loaded once, as in a running app); the
one-off load is reported as its own row.
"""

from __future__ import annotations

import time

from agent.conversation import Conversation, Session
from agent.rewriter import FormulaRewriter
from agent.shot import ShotSpec
from bench.timing import Measurement, measure

ENGLISH = ["a cheetah lying in the grass", "close-up of a red fox in a snowy forest at night",
           "aerial view of Tokyo at night in the rain", "a bowl of steaming ramen, overhead shot",
           "a ballerina spinning on a dark stage, slow motion"]
CHINESE = ["写实描绘,近距离,猎豹卧在地上,身体微微起伏", "一只白色的小猫在窗台上睡觉",
           "航拍夕阳下的雪山，云海翻滚", "赛博朋克城市的雨夜，霓虹灯闪烁", "一碗拉面冒着热气"]


def run(repeats: int) -> list[Measurement]:
    started = time.perf_counter()
    formula = FormulaRewriter()
    formula.rewrite(ShotSpec(idea=CHINESE[0], seed=0))  # loads the data and jieba
    load = time.perf_counter() - started
    counter = iter(range(10**9))

    def rewrite_all(ideas: list[str]) -> None:
        for idea in ideas:
            formula.rewrite(ShotSpec(idea=idea, seed=next(counter)))

    chat = Conversation(formula)

    def refine() -> None:
        session = Session()
        for message in ("a cheetah lying in the grass", "make it night", "closer",
                        "加点雨", "draw again"):
            chat.turn(session, message)

    n = len(ENGLISH)
    return [
        Measurement("rewriter: first use (load vocabularies, glossary, jieba)", load, 1,
                    target_s=2.0, note="once per process"),
        measure(f"rewriter: {n} English ideas (per idea = median / {n})",
                lambda: rewrite_all(ENGLISH), repeats=repeats, target_s=0.05 * n),
        measure(f"rewriter: {n} Chinese ideas (per idea = median / {n})",
                lambda: rewrite_all(CHINESE), repeats=repeats, target_s=0.05 * n),
        measure("rewriter: a 5-turn offline chat (idea, 3 refinements, draw again)", refine,
                repeats=repeats, target_s=0.5),
    ]
