#!/usr/bin/env bash
# Runs every package's tests built for Windows (amd64) under Wine, so that the JSONL log's
# Windows code (its lock, its syncs) and the tests' assumptions about the platform are
# checked on a Linux machine. Usage: bash .ci/windows.sh [package pattern ...] (default ./...).
#
# It installs Wine and a MinGW C compiler when they are missing (Debian or Ubuntu, as root),
# and works around two gaps of Debian's Wine 8 that Go 1.26's runtime and os package meet;
# neither concerns eventgraph's code, and a real Windows 10 or later has neither:
#   - Go's runtime needs ProcessPrng from bcryptprimitives.dll, which Wine 8 lacks: a
#     stand-in DLL built here answers it with RtlGenRandom;
#   - os.RemoveAll (t.TempDir's clean-up) deletes with FILE_DISPOSITION_INFORMATION_EX, which
#     Wine 8 refuses with STATUS_NOT_IMPLEMENTED, a status on which Go does not fall back to
#     its older way: the test binaries are built with an -overlay of that one Go source file
#     that falls back on it too.
# The tests run with -test.short and as on a developer's Windows machine: without CI=true
# (under which a test that lacks a tool, such as bash for examples/curl.sh, fails instead of
# skipping) and without a PostgreSQL URL (PostgreSQL's tests skip; .ci/run runs them on Linux).
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="/usr/local/go/bin:$PATH"
missing=()
command -v wine >/dev/null || missing+=(wine wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
# No Mono or Gecko (their installers would ask, on a machine with a display).
export WINEPREFIX="$work/prefix" WINEDEBUG=-all WINEARCH=win64 WINEDLLOVERRIDES="mscoree,mshtml="
wineboot --init >/dev/null 2>&1 || true
system32="$WINEPREFIX/drive_c/windows/system32"
[ -d "$system32" ] || { echo "windows: wineboot made no prefix at $WINEPREFIX" >&2; exit 1; }

cat > "$work/prng.c" <<'EOF'
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len); /* RtlGenRandom */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T n) {
    while (n > 0) {
        ULONG k = n > 0x10000000 ? 0x10000000 : (ULONG)n;
        if (!SystemFunction036(data, k)) return FALSE;
        data += k;
        n -= k;
    }
    return TRUE;
}
EOF
x86_64-w64-mingw32-gcc -shared -O2 -o "$system32/bcryptprimitives.dll" "$work/prng.c" -ladvapi32 -Wl,--kill-at

at="$(go env GOROOT)/src/internal/syscall/windows/at_windows.go"
overlay=()
if grep -q $'^\t\tSTATUS_NOT_SUPPORTED:' "$at"; then
  sed $'s/^\\(\t\tSTATUS_NOT_SUPPORTED\\):/\\1, NTStatus(0xC0000002):/' "$at" > "$work/at_windows.go"
  printf '{"Replace":{"%s":"%s"}}' "$at" "$work/at_windows.go" > "$work/overlay.json"
  overlay+=(-overlay "$work/overlay.json")
else
  echo "windows: $at has changed; building without the RemoveAll work-around" >&2
fi

patterns=("$@")
[ ${#patterns[@]} -gt 0 ] || patterns=(./...)
failed=()
# An assignment, so that set -e stops the script when go list fails; and no package at all is
# a failure too, not a pass.
pkgs=$(go list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' "${patterns[@]}")
if [ -z "$pkgs" ]; then
  echo "windows: no package with tests matches ${patterns[*]}" >&2
  exit 1
fi
for pkg in $pkgs; do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  exe="$work/$(echo "$pkg" | tr / _).test.exe"
  # ${overlay[@]+...}: an empty array is an unbound variable under set -u before bash 4.4.
  if ! GOOS=windows GOARCH=amd64 go test ${overlay[@]+"${overlay[@]}"} -c -o "$exe" "$pkg"; then
    failed+=("$pkg (build)"); continue
  fi
  start=$SECONDS
  if (cd "$dir" && unset CI EVENTGRAPH_TEST_POSTGRES_URL && timeout 1200 wine "$exe" -test.short -test.count=1 -test.timeout=15m > "$work/out" 2>&1); then
    echo "ok   $pkg $((SECONDS - start))s"
  else
    echo "FAIL $pkg $((SECONDS - start))s"
    grep -E -- '--- FAIL|panic:|^\s+\S+_test\.go:[0-9]+:' "$work/out" | head -40 || tail -40 "$work/out"
    failed+=("$pkg")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "windows: failed under Wine: ${failed[*]}" >&2
  exit 1
fi
echo "windows: every package's tests pass under Wine"
