#!/usr/bin/env python3
"""Writes, or checks, README's tables of the built-in lifecycles from a ledger file.

usage: lifecycle-tables.py LEDGER README.md --write   (replace the tables in README)
       lifecycle-tables.py LEDGER README.md --check   (exit 1 if README differs)

The tables sit between `<!-- lifecycle:NAME -->` and `<!-- /lifecycle:NAME -->` markers, so
the README always says what the migrations define.
"""
import re
import sqlite3
import sys


ROLES = [("default_max_active", "default limit of active runs per job"), ("skip_state", "skip state"),
         ("skip_outcome", "skip outcome"), ("late_state", "late state"), ("crash_state", "crash state"),
         ("retry_state", "retry state"), ("blocked_state", "blocked state"), ("release_state", "release state"),
         ("upstream_failed_state", "upstream-failed state"), ("upstream_failed_outcome", "upstream-failed outcome"),
         ("timeout_state", "timeout state"), ("timeout_outcome", "timeout outcome")]


def tables(db, name):
    row = db.execute(f"SELECT {', '.join(column for column, _ in ROLES)} FROM lifecycles WHERE name = ?", (name,)).fetchone()
    roles = [f"{label} `{value}`" for (column, label), value in zip(ROLES, row) if value is not None]
    lines = ["Roles: " + ("; ".join(roles) if roles else "none") + ".", ""]
    lines += ["| state | canonical type | terminal | initial | meaning |", "|---|---|---|---|---|"]
    for state, canonical, terminal, initial, description in db.execute(
        "SELECT state, canonical_type, is_terminal, is_initial, description FROM lifecycle_states "
        "WHERE lifecycle = ? ORDER BY position", (name,)):
        lines.append(f"| `{state}` | {canonical} | {'yes' if terminal else 'no'} | {'yes' if initial else 'no'} | {description} |")
    lines += ["", "| from | to | action | why |", "|---|---|---|---|"]
    for source, target, action, description in db.execute(
        "SELECT from_state, to_state, action, description FROM lifecycle_transitions "
        "WHERE lifecycle = ? ORDER BY rowid", (name,)):
        lines.append(f"| `{source}` | `{target}` | {('`' + action + '`') if action else ''} | {description} |")
    outcomes = db.execute("SELECT outcome, canonical_type, description FROM lifecycle_outcomes WHERE lifecycle = ? ORDER BY rowid", (name,)).fetchall()
    if outcomes:
        lines += ["", "| outcome | counts as | meaning |", "|---|---|---|"]
        lines += [f"| `{outcome}` | {canonical} | {description} |" for outcome, canonical, description in outcomes]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in ("--write", "--check"):
        print(__doc__, file=sys.stderr)
        return 64
    ledger, readme, mode = sys.argv[1:]
    db = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    text = open(readme, encoding="utf-8").read()
    updated = text
    for (name,) in db.execute("SELECT name FROM lifecycles WHERE is_builtin = 1 ORDER BY name"):
        pattern = re.compile(rf"(<!-- lifecycle:{re.escape(name)} -->\n).*?(<!-- /lifecycle:{re.escape(name)} -->)", re.S)
        if not pattern.search(updated):
            print(f"{readme} has no markers for lifecycle {name}", file=sys.stderr)
            return 1
        updated = pattern.sub(lambda m: m.group(1) + tables(db, name) + "\n" + m.group(2), updated)
    if mode == "--write":
        if updated != text:
            open(readme, "w", encoding="utf-8").write(updated)
        return 0
    if updated != text:
        print(f"{readme}: the lifecycle tables differ from the migrations; run Scripts/lifecycle-tables.py LEDGER {readme} --write",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
