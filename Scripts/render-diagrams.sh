#!/usr/bin/env bash
# Renders each built-in lifecycle to docs/lifecycles/NAME.dot and NAME.svg (Graphviz), the
# diagrams README shows. With --check, only checks that the committed .dot files are what
# `runledger lifecycles NAME --format dot` prints now.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/opt/swift/usr/bin"

check=false
if [ "${1:-}" = "--check" ]; then check=true; fi
bin="$(swift build --show-bin-path)/runledger"
[ -x "$bin" ] || swift build --product runledger >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$bin" --db "$scratch/l.db" init >/dev/null
mkdir -p docs/lifecycles
status=0
for name in canonical databricks openlineage opencue domino prefect; do
    "$bin" --db "$scratch/l.db" lifecycles "$name" --format dot > "$scratch/$name.dot"
    if $check; then
        if ! cmp -s "$scratch/$name.dot" "docs/lifecycles/$name.dot"; then
            echo "docs/lifecycles/$name.dot is out of date; run Scripts/render-diagrams.sh" >&2
            status=1
        fi
    else
        cp "$scratch/$name.dot" "docs/lifecycles/$name.dot"
        dot -Tsvg "docs/lifecycles/$name.dot" -o "docs/lifecycles/$name.svg"
    fi
done
exit $status
