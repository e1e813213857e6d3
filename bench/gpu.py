"""`python -m bench gpu`: CogVideoX on a GPU, diffusers defaults against each fast path.

For every model (published configurations with random weights, or real weights with
`--weights real`) and every variant of bench/gpu_models.toml, in one process: text
encoding, seconds per step, VAE decode, end to end, peak GPU memory, the speed-up over the
baseline of the same run, and PSNR/SSIM of the decoded frames against the baseline's (same
seed, same weights). Then the live preview's cost, and the end-to-end time of the finished
clip (render + our post-production) against the 30-second headline.

    python -m bench gpu                                   # all models and variants (long)
    python -m bench gpu --models cogvideox-5b --variants baseline,compile-blocks,preset-fast
    python -m bench gpu --tiny                            # the same code on a CPU, in seconds

What was measured and the rows reported are in bench/gpu_results.py. On a device lease,
bench/gpu_session.sh runs the plan in order of importance inside a time budget
(`--deadline-s`); each result is printed and saved the moment it is measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bench.pipelines import (PipelineSpec, RandomWeights, RealWeights, Variant, assemble,
                             load_specs, real_weights_folder)
from bench.gpu_results import (Render, VariantResult, baseline_rows, headline_rows,
                               preview_row, summarise)
from bench.timing import Measurement, machine, table

PROMPT = "a cheetah lying in the grass, body gently rising and falling, golden evening light"
NO_GPU = ("the gpu suite needs a CUDA GPU and torch sees none here; run "
          "`python -m bench gpu --tiny` to exercise its code on the CPU with a tiny pipeline")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench gpu", description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true",
                        help="the tiny pipeline on the CPU: tests this suite's code, not the GPU")
    parser.add_argument("--models", help="comma-separated [model.*] names (default: 2b, 5b, 1.5-5b)")
    parser.add_argument("--variants", default="all", help="comma-separated [variant.*] names or all")
    parser.add_argument("--size", help="WIDTHxHEIGHTxFRAMES (default 720x480x49; tiny 96x64x9)")
    parser.add_argument("--steps", type=int, help="denoising steps (default 50; tiny 4)")
    parser.add_argument("--repeats", type=int, default=1, help="timed renders per variant")
    parser.add_argument("--weights", choices=("random", "real"), default="random",
                        help="real: load from --model-dir or the Hugging Face cache")
    parser.add_argument("--model-dir", type=Path, help="a folder of <model-id>/ pipelines")
    parser.add_argument("--headline", default="baseline,preset-balanced,preset-fast",
                        help="variants whose end-to-end time is set against the 30 s headline")
    parser.add_argument("--post-seconds", type=float,
                        help="post-production time to add in the headline rows, measured "
                             "elsewhere (`python -m bench director`); default: measure it here")
    parser.add_argument("--json", type=Path,
                        help="append one JSON object per result to this file as it is measured")
    parser.add_argument("--deadline-s", type=float,
                        help="start no model or variant (after the first baseline) that would "
                             "end past this many seconds from now (a device lease is short); "
                             "it is skipped, and said so")
    args = parser.parse_args(argv)
    args.models = (args.models or ("tiny" if args.tiny else
                                   "cogvideox-2b,cogvideox-5b,cogvideox1.5-5b")).split(",")
    width, height, frames = (args.size or ("96x64x9" if args.tiny else "720x480x49")).split("x")
    args.size = (int(width), int(height), int(frames))
    args.steps = args.steps or (4 if args.tiny else 50)
    args.device = "cpu" if args.tiny else "cuda"
    args.ends_at = None if args.deadline_s is None else time.monotonic() + args.deadline_s
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the suite and print its table; exit 1 if a headline or budget row is SLOW."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    import torch
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()

    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"error: {NO_GPU}", file=sys.stderr)
        return 2
    specs, variants = load_specs()
    unknown = [m for m in args.models if m not in specs]
    chosen = list(variants) if args.variants == "all" else args.variants.split(",")
    unknown += [v for v in chosen if v not in variants]
    if unknown:
        print(f"error: unknown model or variant {unknown}; see bench/gpu_models.toml", file=sys.stderr)
        return 2
    chosen = ["baseline", *[v for v in chosen if v != "baseline"]]  # ratios need the baseline
    print(f"Clipwright GPU benchmarks, {time.strftime('%Y-%m-%d')}, {describe_machine(args.device)}")
    print(f"{args.weights} weights, {args.size[0]}×{args.size[1]}, {args.size[2]} frames, "
          f"{args.steps} steps, median of {args.repeats}", flush=True)
    report = Reporter(args)
    rows, results = [], []
    for name in args.models:
        # The first baseline always runs: the deadline is judged by its time. A bigger model's
        # baseline takes at least as long as the last one's did.
        floor = max((expected_seconds(r, args) for r in results if r.variant == "baseline"
                     and not r.skipped), default=0.0)
        if results and out_of_time(args, floor):
            results.append(report(VariantResult(name, "baseline", "", skipped=OUT_OF_TIME)))
            continue
        model_rows, model_results = run_model(specs[name], [variants[v] for v in chosen], args,
                                              report)
        print(f"\n{table(model_rows)}", flush=True)  # each model's table as soon as it is done
        rows += model_rows
        results += model_results
    print()
    for r in results:
        if r.skipped:
            print(f"skipped: {r.model} {r.variant}: {r.skipped}")
    return 1 if any(m.verdict == "SLOW" for m in rows) else 0


class Reporter:
    """Hands on each result the moment it is measured: one line on stderr, and one JSON line
    appended (and flushed) to --json, so a run cut short by its lease keeps what it took."""

    def __init__(self, args):
        self.args = args

    def __call__(self, result: VariantResult) -> VariantResult:
        done = f"skipped: {result.skipped}" if result.skipped else result.note()
        print(f"[{time.strftime('%H:%M:%S')}] {result.model} {result.variant}: {done}",
              file=sys.stderr, flush=True)
        if self.args.json:
            record = {"date": time.strftime("%Y-%m-%d"), "size": self.args.size,
                      "steps": self.args.steps, "weights": self.args.weights, **asdict(result)}
            with self.args.json.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
        return result


OUT_OF_TIME = "out of time: it would end past --deadline-s"


def out_of_time(args, needs_s: float) -> bool:
    """Whether work expected to take `needs_s` seconds would end past the deadline."""
    return args.ends_at is not None and time.monotonic() + needs_s > args.ends_at


def describe_machine(device: str) -> str:
    import torch

    if device == "cuda":
        return f"{torch.cuda.get_device_name()} ({machine()}), torch {torch.__version__}"
    return f"CPU only ({machine()}), torch {torch.__version__}"


def run_model(spec: PipelineSpec, variants: list[Variant], args,
              report=lambda result: result) -> tuple[list[Measurement], list[VariantResult]]:
    """Every variant of one model against its baseline, in this process; `report` gets each
    result as soon as it is final."""
    import torch

    from video.engines.speed import (Machine, SpeedupUnavailable, adapt_to_machine,
                                     apply_speedups)

    source = component_source(spec, args)
    pipe = assemble(source)
    machine_now = Machine.detect(args.device)
    rows, results, baseline = [], [], None
    for variant in variants:
        options, dropped = variant.options, []
        if variant.preset:  # a preset runs what this machine can, as in the engine
            options, dropped = adapt_to_machine(options, machine_now,
                                                len(pipe.transformer.transformer_blocks))
        result = VariantResult(spec.name, variant.name, options.describe(), dropped=dropped)
        results.append(result)
        # After the baseline, each variant must fit in what is left (a floor if it failed).
        floor = (expected_seconds(results[0], args, warmup_steps(options, args.steps))
                 if baseline is not None else 0.0)
        if len(results) > 1 and out_of_time(args, floor):
            result.skipped = OUT_OF_TIME
            report(result)
            continue
        try:
            if variant.name != "baseline":  # fresh transformer and VAE: nothing carries over
                _replace(pipe, transformer=None, vae=None)
                _replace(pipe, transformer=source.transformer(), vae=source.vae())
            applied = apply_speedups(pipe, options, machine_now)
            result.warmup_steps = warmup_steps(options, args.steps)
            started = time.perf_counter()
            render(pipe, spec, applied, args.size, result.warmup_steps, args.device)  # compiles
            result.first_call_s = time.perf_counter() - started
            compiled_before = compiled_graphs()
            renders = [render(pipe, spec, applied, args.size, args.steps, args.device)
                       for _ in range(args.repeats)]
            result.timed_compiles = compiled_graphs() - compiled_before
        except SpeedupUnavailable as exc:
            result.skipped = str(exc)
            report(result)
            continue
        except torch.cuda.OutOfMemoryError:
            result.skipped = "out of GPU memory"
            report(result)
            continue
        finally:
            torch._dynamo.reset()  # compiled graphs of one variant must not serve the next
        summarise(result, renders, baseline)
        report(result)
        if variant.name == "baseline":
            baseline = renders[-1]
            rows += baseline_rows(spec.name, result, source.label)
            rows.append(preview_row(pipe, spec.name, renders[-1], args))
        rows.append(Measurement(f"{spec.name} {variant.name}: end to end", result.total_s,
                                len(renders), note=result.note()))
    rows += headline_rows(spec.name, results, baseline, args)
    return rows, results


WARMUP_STEPS = 2  # enough for a variant that does the same work every step


def warmup_steps(options, steps: int) -> int:
    """Steps of the untimed render before a variant is timed. A compiled or cached variant
    warms up with a full-length render: the first-block cache's reuse decision changes along
    the schedule, and each change recompiles the compiled blocks (3–4 times in a render), so
    a 2-step warm-up left those recompiles inside the timed run (the tiny model's fast preset
    measured 0.205 s/step there, 0.0033 once warm). Same steps and seed: the same decisions."""
    compiles = options.compile != "off" or options.compile_vae
    caches = options.cache != "none"
    return steps if compiles or caches else min(WARMUP_STEPS, steps)


def compiled_graphs() -> int:
    """How many graphs torch.compile has built in this process (dynamo's own counter)."""
    from torch._dynamo.utils import counters

    return int(counters["stats"]["unique_graphs"])


def expected_seconds(baseline: VariantResult, args, warmup: int = WARMUP_STEPS) -> float:
    """A floor for one more variant: the baseline's warm-up and timed renders, plus a whole
    render more for a variant that warms up at full length (a compiled or quantised variant
    takes longer the first time, so the deadline is kept loosely)."""
    longer = baseline.total_s * max(0, warmup - WARMUP_STEPS) / max(1, args.steps)
    return baseline.first_call_s + longer + args.repeats * baseline.total_s


def component_source(spec: PipelineSpec, args):
    """Random weights from the spec, or real ones from the folder or cache."""
    if args.weights == "random":
        return RandomWeights(spec, args.device)
    folder = real_weights_folder(spec, args.model_dir)
    if folder is None:
        raise SystemExit(f"error: no real weights for {spec.name} in --model-dir or the "
                         f"Hugging Face cache; use --weights random")
    from bench.pipelines import torch_dtype

    return RealWeights(folder, args.device, torch_dtype(spec.dtype))


def _replace(pipe, **components) -> None:
    """Swap pipeline components, freeing the old ones' memory first."""
    import gc

    import torch

    pipe.register_modules(**components)
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def render(pipe, spec: PipelineSpec, applied, size: tuple[int, int, int], steps: int,
           device: str, seed: int = 42) -> Render:
    """One render, timed phase by phase, as the engine runs it (same callback-free call)."""
    import torch

    width, height, frames = size
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    with torch.inference_mode(), applied.around_call(pipe):
        started = time.perf_counter()
        embeds, negative = pipe.encode_prompt(PROMPT, "", do_classifier_free_guidance=True,
                                              max_sequence_length=226, device=device)
        sync()
        encoded = time.perf_counter()
        latents = pipe(prompt_embeds=embeds, negative_prompt_embeds=negative, height=height,
                       width=width, num_frames=frames, num_inference_steps=steps,
                       guidance_scale=6.0, use_dynamic_cfg=spec.use_dynamic_cfg,
                       generator=torch.Generator("cpu").manual_seed(seed),
                       output_type="latent", max_sequence_length=226).frames
        sync()
        denoised = time.perf_counter()
        video = pipe.decode_latents(latents[:, padding_frames(pipe, frames):])
        decoded = pipe.video_processor.postprocess_video(video=video, output_type="np")[0]
        sync()
        finished = time.perf_counter()
    finite = bool(np.isfinite(decoded).all())
    pixels = np.clip(np.rint(np.nan_to_num(decoded) * 255), 0, 255).astype(np.uint8)
    peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else None
    return Render(encoded - started, denoised - encoded, finished - denoised, steps, peak,
                  pixels, finite)


def padding_frames(pipe, frames: int) -> int:
    """Latent frames CogVideoX 1.5 pads at the front (patch_size_t); the pipeline drops them."""
    latent_frames = (frames - 1) // pipe.vae_scale_factor_temporal + 1
    patch = pipe.transformer.config.patch_size_t
    return (patch - latent_frames % patch) % patch if patch else 0




if __name__ == "__main__":
    sys.exit(main())
