#!/usr/bin/env bash
# Builds the RunLedger library's documentation with DocC, warnings as errors: a ``link`` to a
# symbol that does not exist (a stale signature), a malformed Topics section or any other DocC
# warning fails it (exit 1), naming the file and line. No package dependency: it extracts the
# symbol graph from the module `swift build` already made, then runs the toolchain's docc.
#
# usage: Scripts/docs.sh [swift build options]     e.g. Scripts/docs.sh --scratch-path .build-docs
#        DOCS_OUTPUT=DIR Scripts/docs.sh            also keep the archive (RunLedger.doccarchive) in DIR
#
# After the test command's build it takes a few seconds (the build is then a no-op); on its own
# it first builds the library in debug mode.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! swift build --target RunLedger "$@" >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    echo "documentation: the library does not build" >&2
    exit 1
fi
modules="$(swift build --show-bin-path "$@")/Modules"
triple=$(swiftc -print-target-info | python3 -c 'import json, sys; print(json.load(sys.stdin)["target"]["triple"])')

mkdir "$work/symbols"
# The library imports CSQLite (internally): its module map is needed to load the module.
swift-symbolgraph-extract -module-name RunLedger -target "$triple" -I "$modules" -I Sources/CSQLite \
    -minimum-access-level public -skip-inherited-docs -output-dir "$work/symbols"

output="${DOCS_OUTPUT:-$work}/RunLedger.doccarchive"
# Each call has a synchronous and an async overload of the same name (Ledger+Async.swift):
# DocC's overload pages let ``start(job:...)`` name both, where a link would otherwise be
# ambiguous (a warning, so an error here).
if ! docc convert --additional-symbol-graph-dir "$work/symbols" \
    --fallback-display-name RunLedger --fallback-bundle-identifier runledger.RunLedger \
    --output-path "$output" --warnings-as-errors --enable-experimental-overloaded-symbol-presentation >"$work/docc.log" 2>&1; then
    cat "$work/docc.log" >&2
    echo "DocC reported the problems above in the documentation comments of Sources/RunLedger." >&2
    exit 1
fi
echo "documentation: no DocC warnings${DOCS_OUTPUT:+ (archive: $output)}"
