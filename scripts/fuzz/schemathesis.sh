#!/usr/bin/env bash
# Runs schemathesis (from PyPI, pinned, in a virtual environment this script creates under .tools/venv) against a
# running service's /api/openapi.json with the admin token, bounded by MAX_EXAMPLES per operation. Every request
# and answer is recorded in a cassette that scripts/fuzz/schemathesis.ts turns into case counts per endpoint.
#   usage: scripts/fuzz/schemathesis.sh <base-url> <admin-token> <cassette-path> [more st run options…]
#   env:   MAX_EXAMPLES (default 25), ST_WORKERS (default 1)
set -euo pipefail
BASE_URL="$1"
TOKEN="$2"
CASSETTE="$3"
shift 3
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
VENV="$ROOT/.tools/venv"
SCHEMATHESIS_VERSION="3.39.16"
# schemathesis 3.39 breaks with newer hypothesis releases ("'many' object has no attribute 'more'").
HYPOTHESIS_VERSION="6.124.0"

installed() { "$VENV/bin/pip" show "$1" 2>/dev/null | grep -q "^Version: $2$"; }
if [ ! -x "$VENV/bin/st" ] || ! installed schemathesis "$SCHEMATHESIS_VERSION" || ! installed hypothesis "$HYPOTHESIS_VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION" "hypothesis==$HYPOTHESIS_VERSION"
fi

# Exit status is ignored here: failures are read from the cassette (5xx) by the launcher, which decides.
"$VENV/bin/st" run "$BASE_URL/api/openapi.json" \
  --base-url "$BASE_URL" \
  --header "Authorization: Bearer $TOKEN" \
  --hypothesis-max-examples "${MAX_EXAMPLES:-25}" \
  --hypothesis-derandomize \
  --workers "${ST_WORKERS:-1}" \
  --checks not_a_server_error \
  --cassette-path "$CASSETTE" \
  --no-color "$@" || true
