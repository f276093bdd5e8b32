#!/usr/bin/env sh
# Builds the Temporal server and its SQL schema tool (temporal-sql-tool) once into the git-ignored .tools/bin and
# prints the folder of Temporal's PostgreSQL schema. Later runs only check the cached binaries: instant.
# Used by the real-server test harness (test/harness/temporal-server.ts); needs Go (the module cache is enough
# offline once go.temporal.io/server@v1.29.1 has been downloaded).
set -eu
VERSION=v1.29.1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/.tools/bin"
GO=$(command -v go || echo /usr/local/go/bin/go)
mkdir -p "$BIN"
# A version stamp per binary, so bumping VERSION rebuilds instead of reusing an older server.
if [ "$(cat "$BIN/temporal-server.version" 2>/dev/null || true)" != "$VERSION" ] || [ ! -x "$BIN/temporal-server" ]; then
  echo "Building temporal-server $VERSION into $BIN (a few minutes, once)..." >&2
  GOBIN="$BIN" CGO_ENABLED=0 "$GO" install "go.temporal.io/server/cmd/server@$VERSION" >&2
  mv "$BIN/server" "$BIN/temporal-server"
  echo "$VERSION" > "$BIN/temporal-server.version"
fi
if [ "$(cat "$BIN/temporal-sql-tool.version" 2>/dev/null || true)" != "$VERSION" ] || [ ! -x "$BIN/temporal-sql-tool" ]; then
  echo "Building temporal-sql-tool $VERSION into $BIN..." >&2
  GOBIN="$BIN" CGO_ENABLED=0 "$GO" install "go.temporal.io/server/cmd/tools/sql@$VERSION" >&2
  mv "$BIN/sql" "$BIN/temporal-sql-tool"
  echo "$VERSION" > "$BIN/temporal-sql-tool.version"
fi
# The module's folder holds schema/postgresql/v12 and config/development-postgres12.yaml.
DIR=$("$GO" list -m -f '{{.Dir}}' "go.temporal.io/server@$VERSION" 2>/dev/null || true)
if [ -z "$DIR" ] || [ ! -d "$DIR" ]; then
  DIR=$("$GO" mod download -json "go.temporal.io/server@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
fi
echo "$DIR"
