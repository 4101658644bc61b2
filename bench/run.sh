#!/usr/bin/env bash
# npm run bench [-- --quick]: installs what the bench needs, builds what it runs, runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing wrk (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi
command -v taskset >/dev/null 2>&1 || echo "bench: taskset not found; run with --no-pin"

# Bench-only dependencies (Better Auth) live in bench/, out of the library's.
if [ ! -d bench/node_modules ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  npm ci --prefix bench --no-audit --no-fund
fi
[ -d node_modules ] || npm ci --no-audit --no-fund

# What users run in production: compiled JavaScript, started with node.
npm run --silent build
npx tsc -p bench/tsconfig.demo.json
cp demo/page.html .bench-app/demo/
npx tsc -p bench/tsconfig.json

exec node bench/dist/main.js "$@"
