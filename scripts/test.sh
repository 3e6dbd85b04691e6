#!/usr/bin/env bash
# Runs every Parley test on a fresh machine: installs what the tests need, builds, tests, and prints
# the totals on a line of their own: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "the .NET 10 SDK is required (dotnet on PATH)" >&2
  exit 1
fi

# PostgreSQL + PostGIS from the OS packages: the benchmarks compare with PostGIS, and the store
# conformance suite will run against it.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing postgresql and postgis..." >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql postgresql-15-postgis-3 >/dev/null
  else
    echo "note: PostgreSQL/PostGIS are not installed and this user cannot install them" >&2
  fi
fi

# xmllint validates KML exports against the OGC KML 2.2 schema (kept in the interop tests' files).
if ! command -v xmllint >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing libxml2-utils (xmllint)..." >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libxml2-utils >/dev/null
  else
    echo "note: xmllint is not installed and this user cannot install it: the KML schema tests will be skipped" >&2
  fi
fi
# Debian's Chromium for the console's browser tests (Playwright drives it; no browser is ever downloaded). The
# console itself is built by the .NET build with node and npm (npm ci from web/package-lock.json).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium..." >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    echo "note: chromium is not installed and this user cannot install it: the console tests will fail" >&2
  fi
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "node and npm are required to build the console (web/)" >&2
  exit 1
fi

dotnet build Parley.slnx -c Release -warnaserror -nologo -v q || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
# One test project at a time: on two cores, eight projects at once loaded the machine past 25, and the tests of the
# server's own time limits then measured the load instead; in turn the whole run takes about as long.
dotnet test --solution Parley.slnx -c Release --no-build --max-parallel-test-modules 1 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The Microsoft.Testing.Platform summary: "total: N", "failed: N", "succeeded: N", "skipped: N".
total=$(grep -E '^\s*total:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
failed=$(grep -E '^\s*failed:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
passed=$(grep -E '^\s*succeeded:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
skipped=$(grep -E '^\s*skipped:\s*[0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || echo 0)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" = 0 ]; then
  failed=1 # the run failed outside any test (a crash, a build error): never report it green
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" = 0 ] && [ "$total" != 0 ]
