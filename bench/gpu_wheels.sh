#!/usr/bin/env bash
# Fetch, on this machine, the wheels `python -m bench gpu` needs on the GPU machine, which has
# Python 3.12, a CUDA torch, transformers, opencv and peft, but reaches no package index. They
# land in .whl/ (kept out of git through info/exclude); a device run carries `.whl`.
# diffusers and torchao come with every dependency they declare (diffusers 0.42.1 needs
# huggingface-hub ≥ 1.32 and safetensors ≥ 0.8, which an older image lacks): which of them
# the device really needs is decided there, at run time, against its installed versions
# (bench/wheel_plan.py, called by bench/gpu_session.sh, which says in gpu.md what it installed
# and what it skipped). torch itself is never fetched: the machine's own CUDA build is used
# (too big to carry; torchao 0.18 loads its C++ kernels only with torch ≥ 2.11, and the plan
# says when the device's is older). Post-production needs ffmpeg (imageio-ffmpeg, 65 MB: over the 64 MiB a run
# may carry), so the headline rows take it from `--post-seconds` (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

WHEELS=(diffusers==0.42.1 torchao==0.18.0)

exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
grep -qx '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >> "$exclude"
rm -rf .whl && mkdir -p .whl
python3 -m pip download --quiet --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform any -d .whl "${WHEELS[@]}"
# The device's own CUDA build of these is the one to use (and they are far over 64 MiB).
rm -f .whl/torch-*.whl .whl/nvidia_*.whl .whl/triton-*.whl
ls .whl
size="$(du -sm .whl | cut -f1)"
echo "${size} MiB in .whl"
(( size < 64 )) || echo "warning: over the 64 MiB a device run may carry"
echo 'device command (carry [".whl"]): bash bench/gpu_session.sh (it installs what the device lacks)'
