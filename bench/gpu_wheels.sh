#!/usr/bin/env bash
# Fetch, on this machine, the wheels `python -m bench gpu` needs on the GPU machine, which has
# Python 3.12, a CUDA torch, transformers, opencv and peft, but reaches no package index. They
# land in .whl/ (kept out of git through info/exclude); a device run carries `.whl` and starts
# with the line this script prints last. torch itself is never fetched: the machine's own CUDA
# build is used. Post-production needs ffmpeg (imageio-ffmpeg, 65 MB: over the 64 MiB a run
# may carry), so the headline rows take it from `--post-seconds` (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

WHEELS=(diffusers==0.42.1 torchao==0.18.0)

exclude="$(git rev-parse --git-path info/exclude)"
mkdir -p "$(dirname "$exclude")"
grep -qx '/.whl/' "$exclude" 2>/dev/null || echo '/.whl/' >> "$exclude"
mkdir -p .whl
for wheel in "${WHEELS[@]}"; do
  python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
      --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
      --platform manylinux2014_x86_64 -d .whl "$wheel"
done
du -sh .whl
echo 'device command prefix (carry [".whl"]):'
echo 'python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD || exit 1;'
