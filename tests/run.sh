#!/usr/bin/env bash
# Install what the tests need and run the suite on two workers. `.ci/run` calls this too.
#
#   bash tests/run.sh                 the whole suite (what CI runs)
#   bash tests/run.sh --fast          the loop while you work: all but the `slow` and
#                                     `browser` tests, and no install of the package
#   bash tests/run.sh [--fast] ARGS   ARGS go on to pytest (a file, -k NAME, -x, …)
set -euo pipefail
cd "$(dirname "$0")/.."

fast=false
if [ "${1:-}" = "--fast" ]; then
  fast=true
  shift
  set -- -m "not slow and not browser" "$@"
fi

python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

if ! $fast; then
  # The checkout as the `clipwright` package (editable; its pins came with the line above),
  # so the `clipwright` script runs it and a broken pyproject.toml fails here. The tests
  # import the checkout without it (pyproject.toml's pythonpath).
  python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  # Browser tests drive Debian's Chromium; install it when missing and we are allowed to.
  if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

# Never reach for a model hub from a test; parallel workers share the tiny-model cache.
export HF_HUB_OFFLINE=1
# pytest exits 5 when no test was collected: that fails this script, as it should. Work
# stealing: a worker that runs out takes tests from the other, so one long test at the end
# does not hold back a queue of short ones (conftest.py also starts the long ones first).
exec python -m pytest -n "${PYTEST_WORKERS:-2}" --dist worksteal "$@"
