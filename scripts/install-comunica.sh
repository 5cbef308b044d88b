#!/bin/sh
# Comunica for the store tests (tests/test_stores.py): npm package @comunica/query-sparql-file, the
# version pinned in scripts/comunica/package.json and package-lock.json, installed with `npm ci`
# into .node/ of the project (ignored by git). Called by `make test`; idempotent and fast when the
# installed lock file is the committed one. Needs Node.js 18 or later with npm.
set -eu
cd "$(dirname "$0")/.."
BIN=.node/node_modules/.bin/comunica-sparql-file-http
if [ -x "$BIN" ] && cmp -s scripts/comunica/package-lock.json .node/package-lock.json; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-comunica: npm is missing (install Node.js 18 or later)" >&2; exit 1; }
echo "install-comunica: installing Comunica into .node/" >&2
mkdir -p .node
cp scripts/comunica/package.json scripts/comunica/package-lock.json .node/
(cd .node && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
[ -x "$BIN" ] || { echo "install-comunica: $BIN is missing after npm ci" >&2; exit 1; }
