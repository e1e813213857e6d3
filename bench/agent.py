"""`python -m bench agent`: does the rewriter keep the user's meaning?

bench/agent_ideas.toml holds ideas as new users type them (English and Chinese) and, for
each, what a faithful English prompt must contain and must not contain, or `ask = true`
when the only honest answer is a question back to the user. Every idea is rewritten with
each seed; a case passes when it passes on every seed. `score` (bench/agent_cases.py) is
the whole rule.

The set was written as an examiner would, from what users type, not from what the
rewriter does: bench/README.md ("Agent fidelity") says how a case is scored.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.agent_cases import CLASSES, IDEAS_FILE, LANGS, Case, load_cases, score
from errors import DataFileError

# Targets: the pass rates for exit 0, and the timings (seconds).
OVERALL_TARGET = 0.95
LANG_TARGET = 0.90
FIRST_USE_TARGET_S = 2.0
WARM_TARGET_S = 0.050
PROMPT_SHOWN = 300


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
    except DataFileError as exc:
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
