#!/usr/bin/env bash
# Install what the tests need and run the whole suite. `.ci/run` calls this too.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

# Browser tests drive Debian's Chromium; install it when missing and we are allowed to.
if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# Never reach for a model hub from a test; parallel workers share the tiny-model cache.
export HF_HUB_OFFLINE=1
# pytest exits 5 when no test was collected: that fails this script, as it should.
exec python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
