#!/usr/bin/env bash
# One device lease of the GPU suite: the figures that matter most first, all inside BUDGET
# seconds (default 500; a lease is 15 minutes, start-up included, and one command at most 10).
#
#   device command (carry [".whl"], after `bash bench/gpu_wheels.sh` here; timeout_s 560):
#     bash bench/gpu_session.sh
#   here, the same plan on the CPU with the tiny pipeline (tests/test_bench_gpu.py runs it
#   with the baselines only, and with no time left):
#     OUT=/tmp/gpu bash bench/gpu_session.sh --tiny --models tiny --steps 4
#
# Extra arguments go to every `python -m bench gpu` call (the last of a repeated flag wins).
# Each result is appended to $OUT/gpu.jsonl the moment it is measured and every table to
# $OUT/gpu.md, so a run cut off by its lease keeps what it finished. Phase 1 is the headline:
# 2B then 5B, the diffusers defaults against the balanced and fast presets, 50 steps, and the
# 6 s 1440×960 clip against 30 s. Phase 2 spends what is left on each fast-path option alone
# (20 steps: the same seconds per step for options that do the same work every step), then
# the caches at 50 steps, then learned post-production (`python -m bench learned`).
set -uo pipefail
cd "$(dirname "$0")/.."

budget="${BUDGET:-500}"
out="${OUT:-/tmp/clipwright-gpu}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1

# The carried wheels (bench/gpu_wheels.sh): diffusers, torchao and what they need that this
# machine lacks or has too old, decided here against its installed versions; gpu.md lists
# each wheel installed or skipped, and why.
wheels="${WHEELS_DIR:-.whl}"
site="${SITE_DIR:-/tmp/site}"
if compgen -G "$wheels/*.whl" >/dev/null; then
  echo "## carried wheels" | tee -a "$out/gpu.md"
  python3 -m bench.wheel_plan "$wheels" diffusers torchao --install-list "$out/wheels.txt" \
      2>&1 | tee -a "$out/gpu.md"
  if [[ -s "$out/wheels.txt" ]]; then
    mapfile -t install < "$out/wheels.txt"
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target "$site" "${install[@]}" \
        || { echo "error: the carried wheels did not install" | tee -a "$out/gpu.md"; exit 1; }
    echo "installed $(wc -l < "$out/wheels.txt") wheel(s) into $site" | tee -a "$out/gpu.md"
    export PYTHONPATH="$site:$PWD"
  fi
else
  echo "no carried wheels ($wheels): this machine's own packages are used" | tee -a "$out/gpu.md"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv 2>/dev/null \
    | tee -a "$out/gpu.md" || echo "no nvidia-smi here" | tee -a "$out/gpu.md"

# The director row of bench/README.md: post-production is measured there (the GPU image has
# no ffmpeg for it), and added to each render in the headline rows.
post_seconds="${POST_SECONDS:-3.0}"

left() { echo $((budget - SECONDS)); }

phase() {
  local name="$1"; shift
  local seconds; seconds="$(left)"
  if (( seconds < 30 )); then
    echo "phase $name: not started, ${seconds} s left of ${budget}" | tee -a "$out/gpu.md"
    return 0
  fi
  echo "== phase $name: $(date -u +%H:%M:%S), ${seconds} s left" | tee -a "$out/gpu.md"
  # timeout: a variant that overruns its deadline estimate still ends before the lease does.
  timeout --signal=INT --kill-after=10 "$((seconds - 5))" \
      python3 -m bench gpu "$@" --deadline-s "$((seconds - 15))" --json "$out/gpu.jsonl" \
      2>&1 | tee -a "$out/gpu.md"
  echo "== phase $name ended with $?" | tee -a "$out/gpu.md"
}

phase headline --models cogvideox-2b,cogvideox-5b \
    --variants baseline,preset-balanced,preset-fast --post-seconds "$post_seconds" "$@"
phase options --models cogvideox-2b --steps 20 --headline none \
    --variants baseline,attention-flash,attention-cudnn,fused-qkv,fp8,int8,compile-vae "$@"
# The caches skip by timestep, so their ratios need the full 50 steps.
phase caches --models cogvideox-2b --headline none \
    --variants baseline,pyramid,faster-cache,first-block-0.05,first-block-0.08 "$@"
# Learned post-production (RIFE, Real-ESRGAN; random weights of the real architectures: the
# time does not depend on them): CogVideoX's clip on the GPU, a small crop on a CPU.
# LEARNED_ARGS go to `python -m bench learned` (its own flags, not the gpu suite's).
seconds="$(left)"
if (( seconds < 30 )); then
  echo "phase learned: not started, ${seconds} s left of ${budget}" | tee -a "$out/gpu.md"
else
  echo "== phase learned: $(date -u +%H:%M:%S), ${seconds} s left" | tee -a "$out/gpu.md"
  # shellcheck disable=SC2086  # LEARNED_ARGS is a list of flags
  timeout --signal=INT --kill-after=10 "$((seconds - 5))" \
      python3 -m bench learned ${LEARNED_ARGS:-} 2>&1 | tee -a "$out/gpu.md"
  echo "== phase learned ended with $?" | tee -a "$out/gpu.md"
fi
echo "done in ${SECONDS} s of ${budget}; results: $out/gpu.jsonl" | tee -a "$out/gpu.md"
