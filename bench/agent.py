"""`python -m bench agent`: does the rewriter keep the user's meaning?

bench/agent_ideas.toml holds ideas as new users type them (English and Chinese) and, for
each, what a faithful English prompt must contain and must not contain, or `ask = true`
when the only honest answer is a question back to the user. Every idea is rewritten with
each seed; a case passes when it passes on every seed. `score` is the whole rule.

The set was written as an examiner would, from what users type, not from what the
rewriter does: bench/README.md ("Agent fidelity") says how a case is scored.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from files import read_toml

IDEAS_FILE = Path(__file__).with_name("agent_ideas.toml")
LANGS = ("en", "zh")
CLASSES = ("zh-compound", "place", "landmark", "count", "colour", "action", "action-energy",
           "subject-kind", "relation", "camera", "time-light", "weather", "style", "occasion",
           "feeling", "negation", "unknown", "long", "refine-free")
_KEYS = {"idea", "lang", "classes", "must", "must_not", "ask"}
# Targets: the pass rates for exit 0, and the timings (seconds).
OVERALL_TARGET = 0.95
LANG_TARGET = 0.90
FIRST_USE_TARGET_S = 2.0
WARM_TARGET_S = 0.050
PROMPT_SHOWN = 300

# Chinese text in a prompt: CJK ideographs (and their extensions and compatibility forms),
# CJK symbols and punctuation, full-width forms. Every prompt must be English.
_CHINESE = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff"
                      "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2019": "'", "\u2018": "'"})


class AgentSetError(ValueError):
    """The ideas file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Case:
    """One idea and what a faithful prompt for it must and must not hold."""

    number: int  # 1-based position in the file, for messages
    idea: str
    lang: str
    classes: tuple[str, ...]
    must: tuple[tuple[str, ...], ...] = ()
    must_not: tuple[str, ...] = ()
    ask: bool = False


# ------------------------------------------------------------------------------ the set

def _entry_name(shown: str, number: int, entry: object) -> str:
    idea = entry.get("idea") if isinstance(entry, dict) else None
    label = f" ({idea[:40]!r})" if isinstance(idea, str) and idea else ""
    return f"{shown} [[idea]] #{number}{label}"


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_words(words: list[str], where: str, *, english: bool) -> None:
    for word in words:
        if not word.strip():
            raise AgentSetError(f"{where}: an empty word")
        if word != word.strip():
            raise AgentSetError(f"{where}: {word!r} has spaces around it")
        if english and _CHINESE.search(word):
            raise AgentSetError(f"{where}: {word!r} is not English (prompts are English)")


def _case(entry: object, number: int, shown: str) -> Case:
    name = _entry_name(shown, number, entry)
    if not isinstance(entry, dict):
        raise AgentSetError(f"{name}: not a table")
    unknown = set(entry) - _KEYS
    if unknown:
        raise AgentSetError(f"{name}: unknown keys {sorted(unknown)} (allowed: {sorted(_KEYS)})")
    idea = entry.get("idea")
    if not isinstance(idea, str) or not idea.strip():
        raise AgentSetError(f"{name}: 'idea' must be a non-empty string")
    lang = entry.get("lang")
    if lang not in LANGS:
        raise AgentSetError(f"{name}: 'lang' must be one of {LANGS}, got {lang!r}")
    if (lang == "zh") != bool(_CHINESE.search(idea)):
        raise AgentSetError(f"{name}: lang is {lang!r} but the idea "
                            f"{'has no' if lang == 'zh' else 'has'} Chinese in it")
    classes = entry.get("classes")
    if not _strings(classes) or not classes:
        raise AgentSetError(f"{name}: 'classes' must be a non-empty list of strings")
    bad = [c for c in classes if c not in CLASSES]
    if bad:
        raise AgentSetError(f"{name}: unknown classes {bad} (known: {', '.join(CLASSES)})")
    if len(set(classes)) != len(classes):
        raise AgentSetError(f"{name}: a class is listed twice")
    ask = entry.get("ask", False)
    if not isinstance(ask, bool):
        raise AgentSetError(f"{name}: 'ask' must be true or false")
    must = entry.get("must", [])
    must_not = entry.get("must_not", [])
    if not isinstance(must, list) or not all(_strings(g) for g in must):
        raise AgentSetError(f"{name}: 'must' must be a list of lists of strings")
    if not _strings(must_not):
        raise AgentSetError(f"{name}: 'must_not' must be a list of strings")
    if ask:
        if must or must_not:
            raise AgentSetError(f"{name}: an 'ask' case has no 'must' or 'must_not'")
        if "unknown" not in classes:
            raise AgentSetError(f"{name}: an 'ask' case has the class 'unknown'")
    else:
        if not must:
            raise AgentSetError(f"{name}: 'must' is empty (give what the prompt must hold, "
                                f"or ask = true)")
        if "unknown" in classes:
            raise AgentSetError(f"{name}: class 'unknown' is for 'ask = true' cases")
    for i, group in enumerate(must, 1):
        if not group:
            raise AgentSetError(f"{name}: must group {i} is empty")
        _check_words(group, f"{name}: must group {i}", english=True)
        # A group every alternative of which holds a forbidden word can never pass.
        if all(_forbidden(alt, must_not) for alt in group):
            raise AgentSetError(f"{name}: must group {i} {group} cannot pass: every "
                                f"alternative holds a must_not word")
    _check_words(must_not, f"{name}: must_not", english=False)
    return Case(number=number, idea=idea, lang=lang, classes=tuple(classes),
                must=tuple(tuple(g) for g in must), must_not=tuple(must_not), ask=ask)


def load_cases(path: Path | str = IDEAS_FILE) -> list[Case]:
    """The cases of the ideas file, checked; AgentSetError names the bad entry."""
    path = Path(path)
    shown = path.name
    data = read_toml(path, AgentSetError, shown=shown)
    unknown = set(data) - {"idea"}
    if unknown:
        raise AgentSetError(f"{shown}: unknown top-level keys {sorted(unknown)} "
                            f"(only [[idea]] entries)")
    entries = data.get("idea", [])
    if not isinstance(entries, list) or not entries:
        raise AgentSetError(f"{shown}: no [[idea]] entries")
    cases, seen = [], {}
    for number, entry in enumerate(entries, 1):
        case = _case(entry, number, shown)
        key = case.idea.strip().casefold()
        if key in seen:
            raise AgentSetError(f"{_entry_name(shown, number, entry)}: the same idea as "
                                f"#{seen[key]}")
        seen[key] = number
        cases.append(case)
    return cases


# ------------------------------------------------------------------------------ scoring

def _normal(text: str) -> str:
    return text.translate(_HYPHENS).casefold()


def _must_pattern(alternative: str) -> re.Pattern:
    # At the start of a word: "puddle" matches "puddles", "sleep" not "asleep". An
    # alternative ending in a digit ends a word too: "2" does not match "24fps" or "2D".
    tail = "(?![0-9a-z])" if alternative[-1:].isdigit() else ""
    return re.compile(r"(?<![0-9a-z])" + re.escape(_normal(alternative)) + tail)


def _not_pattern(word: str) -> re.Pattern:
    return re.compile(r"(?<![0-9a-z])" + re.escape(_normal(word)) + r"(?![0-9a-z])")


def has(prompt: str, alternative: str) -> bool:
    """Whether a must alternative appears in the prompt, at the start of a word."""
    return bool(_must_pattern(alternative).search(_normal(prompt)))


def has_word(prompt: str, word: str) -> bool:
    """Whether a must_not word or phrase appears in the prompt as whole words."""
    return bool(_not_pattern(word).search(_normal(prompt)))


def _forbidden(alternative: str, must_not: list[str]) -> bool:
    return any(has_word(alternative, word) for word in must_not)


def score(case: Case, outcome: str | BaseException) -> list[str]:
    """Why the case fails on one rewrite, empty when it passes.

    `outcome` is the prompt, or the exception the rewriter raised: an `errors.InputError`
    means it asked the user instead of writing a prompt (right for `ask` cases only).
    """
    from errors import InputError

    if isinstance(outcome, BaseException):
        asked = isinstance(outcome, InputError)
        if case.ask:
            return [] if asked else [f"crashed instead of asking: "
                                     f"{type(outcome).__name__}: {outcome}"]
        if asked:
            return [f"asked instead of writing a prompt: {outcome}"]
        return [f"crashed: {type(outcome).__name__}: {outcome}"]
    prompt = outcome
    if case.ask:
        return ["wrote a prompt instead of asking the user"]
    reasons = []
    if not prompt.strip():
        reasons.append("the prompt is empty")
    for group in case.must:
        if not any(has(prompt, alt) for alt in group):
            reasons.append("missing: " + " | ".join(group))
    unwanted = [word for word in case.must_not if has_word(prompt, word)]
    if unwanted:
        reasons.append("should not be there: " + ", ".join(unwanted))
    chinese = "".join(dict.fromkeys(_CHINESE.findall(prompt)))
    if chinese:
        reasons.append(f"Chinese in the prompt: {chinese[:20]}")
    return reasons


# ------------------------------------------------------------------------------ the run

@dataclass
class Run:
    seed: int
    reasons: list[str]
    prompt: str | None
    error: str | None

    @property
    def passed(self) -> bool:
        return not self.reasons


@dataclass
class Result:
    case: Case
    runs: list[Run]

    @property
    def passed(self) -> bool:
        return all(run.passed for run in self.runs)

    def to_dict(self) -> dict:
        case = self.case
        return {"number": case.number, "idea": case.idea, "lang": case.lang,
                "classes": list(case.classes), "ask": case.ask, "passed": self.passed,
                "runs": [{"seed": r.seed, "passed": r.passed, "reasons": r.reasons,
                          "prompt": r.prompt, "error": r.error} for r in self.runs]}


def _rewrite(rewriter, idea: str, seed: int) -> str | BaseException:
    from agent.shot import ShotSpec
    from errors import InputError

    try:
        return rewriter.rewrite(ShotSpec(idea=idea, seed=seed)).prompt
    except InputError as exc:
        return exc
    except Exception as exc:  # a crash fails the case; the run goes on
        return exc


def _make_rewriter(backend: str):
    from agent.rewriter import FormulaRewriter, rewriter_from_env

    return FormulaRewriter() if backend == "formula" else rewriter_from_env()


def first_use(backend: str, idea: str, seed: int) -> dict:
    """Import, construct and the first rewrite, timed: run before anything loaded the agent."""
    fresh = not any(name == "agent" or name.startswith(("agent.", "jieba"))
                    for name in sys.modules)
    started = time.perf_counter()
    import agent.rewriter  # noqa: F401
    import agent.shot  # noqa: F401

    imported = time.perf_counter()
    rewriter = _make_rewriter(backend)
    _rewrite(rewriter, idea, seed)
    done = time.perf_counter()
    return {"rewriter": rewriter, "import_s": imported - started,
            "first_s": done - imported, "total_s": done - started, "fresh": fresh}


def run_cases(rewriter, cases: list[Case], seeds: list[int]) -> tuple[list[Result], list[float]]:
    """Every case on every seed; the wall time of each rewrite on the first seed."""
    results, warm = [], []
    for case in cases:
        runs = []
        for i, seed in enumerate(seeds):
            started = time.perf_counter()
            outcome = _rewrite(rewriter, case.idea, seed)
            if i == 0:
                warm.append(time.perf_counter() - started)
            error = f"{type(outcome).__name__}: {outcome}" if isinstance(outcome, BaseException) \
                else None
            prompt = None if isinstance(outcome, BaseException) else outcome
            runs.append(Run(seed, score(case, outcome), prompt, error))
        results.append(Result(case, runs))
    return results, warm


def _rate(results: list[Result]) -> tuple[int, int, float]:
    passed = sum(r.passed for r in results)
    return passed, len(results), (passed / len(results) if results else 0.0)


def summary(results: list[Result]) -> dict:
    """Pass rates overall, per language and per class (over the cases that have it)."""
    def entry(subset):
        passed, total, rate = _rate(subset)
        return {"passed": passed, "cases": total, "rate": rate}

    return {"overall": entry(results),
            "lang": {lang: entry([r for r in results if r.case.lang == lang])
                     for lang in LANGS if any(r.case.lang == lang for r in results)},
            "classes": {c: entry([r for r in results if c in r.case.classes])
                        for c in CLASSES if any(c in r.case.classes for r in results)}}


def _pct(entry: dict) -> str:
    return f"{100 * entry['rate']:.1f} %"


def _shorten(text: str, limit: int = PROMPT_SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def report(results: list[Result], stats: dict, timing: dict, *, backend: str, seeds: list[int],
           failures: bool, show: int) -> str:
    from bench.timing import machine

    lines = [f"# Agent fidelity — {backend} rewriter", "",
             f"{time.strftime('%Y-%m-%d')}, {machine()}; seeds {','.join(map(str, seeds))}; "
             f"a case passes when it passes on every seed", "",
             "| cases | passed | total | rate | target |", "|---|---|---|---|---|"]
    overall = stats["overall"]
    lines.append(f"| all | {overall['passed']} | {overall['cases']} | {_pct(overall)} | "
                 f"≥ {100 * OVERALL_TARGET:.0f} % |")
    for lang, entry in stats["lang"].items():
        lines.append(f"| {lang} | {entry['passed']} | {entry['cases']} | {_pct(entry)} | "
                     f"≥ {100 * LANG_TARGET:.0f} % |")
    lines += ["", "| class | passed | cases | rate |", "|---|---|---|---|"]
    for name, entry in stats["classes"].items():
        lines.append(f"| {name} | {entry['passed']} | {entry['cases']} | {_pct(entry)} |")
    first, warm = timing["first_use_s"], timing["warm_median_s"]
    first_verdict = "ok" if first <= FIRST_USE_TARGET_S else "SLOW"
    warm_verdict = "ok" if warm <= WARM_TARGET_S else "SLOW"
    fresh = "" if timing["fresh"] else " (not fresh: the agent was already imported)"
    lines += ["", "| timing | value | target | verdict |", "|---|---|---|---|",
              f"| first use in a fresh process: import {timing['import_s']:.2f} s + construct "
              f"and rewrite the first idea {timing['first_s']:.2f} s{fresh} | {first:.2f} s | "
              f"≤ {FIRST_USE_TARGET_S:.0f} s | {first_verdict} |",
              f"| warm, per idea (median of {timing['warm_count']}, seed {seeds[0]}) | "
              f"{1000 * warm:.1f} ms | ≤ {1000 * WARM_TARGET_S:.0f} ms | {warm_verdict} |"]
    failed = [r for r in results if not r.passed]
    shown = failed[:show] if failures else []
    if shown:
        lines += ["", f"## Failures ({len(shown)} of {len(failed)} shown)", ""]
        for result in shown:
            run = next(r for r in result.runs if not r.passed)
            others = [str(r.seed) for r in result.runs if not r.passed and r is not run]
            also = f" (also seeds {','.join(others)})" if others else ""
            case = result.case
            lines.append(f"- #{case.number} `{_shorten(case.idea, 120)}` "
                         f"[{case.lang}: {', '.join(case.classes)}] seed {run.seed}{also}")
            for reason in run.reasons:
                lines.append(f"  - {reason}")
            if run.prompt is not None:
                lines.append(f"  - prompt: {_shorten(run.prompt)}")
    return "\n".join(lines)


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are whole numbers, comma-separated: {text!r}")
    if not seeds:
        raise argparse.ArgumentTypeError("give at least one seed")
    return seeds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench agent",
        description="Fidelity of the prompt rewriter on bench/agent_ideas.toml.")
    parser.add_argument("--seeds", type=_seeds, default=[1, 2, 3],
                        help="comma-separated seeds; a case passes when it passes on all "
                             "(default 1,2,3)")
    parser.add_argument("--backend", choices=("formula", "env"), default="formula",
                        help="formula: the offline rewriter; env: rewriter_from_env() "
                             "(an LLM when one is configured)")
    parser.add_argument("--only", choices=[c for c in CLASSES if c != "refine-free"],
                        help="only the cases of this class")
    parser.add_argument("--lang", choices=LANGS, help="only the ideas in this language")
    parser.add_argument("--failures", action=argparse.BooleanOptionalAction, default=None,
                        help="list the failing cases (default: when the rate is below 100 %%)")
    parser.add_argument("--show", type=int, default=40, help="list at most N failures")
    parser.add_argument("--json", type=Path, help="write the per-case results here")
    parser.add_argument("--ideas", type=Path, default=IDEAS_FILE,
                        help="another set: bench/agent_ideas_holdout.toml and "
                             "bench/agent_ideas_unseen.toml are held out (see bench/README.md)")
    args = parser.parse_args(argv)

    try:
        every = load_cases(args.ideas)
    except AgentSetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    cases = [c for c in every if (args.only is None or args.only in c.classes)
             and (args.lang is None or c.lang == args.lang)]
    if not cases:
        print("error: no case matches --only/--lang", file=sys.stderr)
        return 2

    # First use before anything else touches the agent: the set's first idea, first seed.
    first = first_use(args.backend, every[0].idea, args.seeds[0])
    results, warm = run_cases(first["rewriter"], cases, args.seeds)
    stats = summary(results)
    timing = {"import_s": first["import_s"], "first_s": first["first_s"],
              "first_use_s": first["total_s"], "fresh": first["fresh"],
              "warm_median_s": statistics.median(warm), "warm_count": len(warm)}
    overall = stats["overall"]["rate"]
    failures = args.failures if args.failures is not None else overall < 1.0
    print(report(results, stats, timing, backend=args.backend, seeds=args.seeds,
                 failures=failures, show=max(args.show, 0)))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(
            {"date": time.strftime("%Y-%m-%d"), "backend": args.backend, "seeds": args.seeds,
             "only": args.only, "lang": args.lang, "summary": stats, "timing": timing,
             "cases": [r.to_dict() for r in results]}, ensure_ascii=False, indent=1),
            encoding="utf-8")
    good = (overall >= OVERALL_TARGET
            and all(e["rate"] >= LANG_TARGET for e in stats["lang"].values())
            and timing["first_use_s"] <= FIRST_USE_TARGET_S
            and timing["warm_median_s"] <= WARM_TARGET_S)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
