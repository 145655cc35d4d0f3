#!/bin/sh
# Runs the browser tests inside a network namespace that has only a loopback interface, so the
# server, Chromium and anything they start can reach nothing but 127.0.0.1.
#   PHONGHOP_BIN=/path/to/phonghop e2e/run.sh [test files...]
# Needs: /usr/bin/chromium (apt-get install chromium), `npm ci` in e2e/, a built server binary.
set -eu
cd "$(dirname "$0")"
[ -d node_modules/playwright-core ] || { echo "e2e: run 'npm ci' in e2e/ first" >&2; exit 1; }
[ "$#" -gt 0 ] || set -- tests/*.test.js
mkdir -p artifacts

# As root a plain new namespace works; otherwise map ourselves to root in a new user namespace.
if [ "$(id -u)" = 0 ]; then ns="unshare -n"; else ns="unshare -rn"; fi
exec $ns sh -c 'ip link set lo up && exec node --test --test-concurrency=1 "$@"' e2e-netns "$@"
