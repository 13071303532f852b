#!/usr/bin/python3
# The README's SQL examples are executable documentation. Every ```sql block of README.md runs, in
# the README's order, in one session on a fresh database (as the cluster's superuser, with
# autocommit, like psql), and the results and errors the README shows are checked:
#
#   SELECT ...;  --> 2                  the statement's result: one `-->` line per row, columns
#   --> acme|home/hero|2|patch|...      joined by `|`, values as psql prints them (psql -At)
#   -- ERROR:  PT409: version conflict ...   it must fail with this SQLSTATE (and message)
#   -- DETAIL:  {...}                   ... and this DETAIL, HINT:  ... and this HINT
#
# `...` in an expected text matches any characters. A statement without `-- ERROR:` must not fail.
# A ```sql block preceded by `<!-- readme: not run: why -->` is skipped (and must say why); blocks
# in other languages (sh, json, text) never run. Debian's python3 with python3-psycopg (psycopg 3).
import os
import re
import sys

import psycopg
from psycopg.adapt import AdaptersMap
from psycopg.types.string import TextLoader

root = os.environ.get("DRAFT_MODE_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
readme = os.environ.get("DRAFT_MODE_README") or os.path.join(root, "README.md")
database = "draft_mode_readme"
# Roles the README's examples create (cluster-wide): removed before and after the run.
readme_roles = ["app_editor", "web_anon", "acme_service"]


def sql_blocks(text):
    """Yields (line number, sql text, skip reason or None) for every ```sql block of the text."""
    lines = text.split("\n")
    i = 0
    pending_skip = None
    while i < len(lines):
        line = lines[i]
        marker = re.match(r"\s*<!--\s*readme:\s*not run:\s*(.*?)\s*-->\s*$", line)
        if marker:
            pending_skip = marker.group(1) or "(no reason given)"
        elif line.startswith("```"):
            language = line[3:].strip()
            start = i + 1
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                i += 1
            if language == "sql":
                yield start + 1, "\n".join(lines[start:i]), pending_skip
            pending_skip = None
        elif line.strip():
            pending_skip = None  # the marker stands directly before its block
        i += 1


def split_statements(sql):
    """Splits SQL into statements, each with the `-->` and `-- ERROR/DETAIL/HINT` comments after it.

    Returns a list of dicts: text, line (1-based within the block), rows (expected result lines or
    None), error {sqlstate, message, detail, hint} or None. Understands '...' strings, "..."
    identifiers, $tag$...$tag$ bodies, -- and /* */ comments.
    """
    statements = []
    current = []
    current_line = None
    i = 0
    n = len(sql)
    line = 1
    last = None  # the statement the next comments belong to

    def finish():
        nonlocal current, current_line, last
        text = "".join(current).strip()
        if text:
            last = {"text": text, "line": current_line, "rows": None, "error": None}
            statements.append(last)
        current = []
        current_line = None

    while i < n:
        c = sql[i]
        if c == "\n":
            line += 1
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            comment = sql[i:end]
            pending = "".join(current).strip()
            # A checked comment belongs to the statement before it, once that one is complete.
            if not pending and last is not None:
                attach(last, comment)
            i = end
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += sql.count("\n", i, end)
            i = end
            continue
        if not c.isspace() and current_line is None:
            current_line = line
        if c in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:
                        end += 2
                        continue
                    break
                end += 1
            current.append(sql[i : end + 1])
            line += sql.count("\n", i, end + 1)
            i = end + 1
            continue
        dollar = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", sql[i:])
        if dollar:
            tag = dollar.group(0)
            end = sql.find(tag, i + len(tag))
            end = n if end < 0 else end + len(tag)
            current.append(sql[i:end])
            line += sql.count("\n", i, end)
            i = end
            continue
        if c == ";":
            finish()
            i += 1
            continue
        current.append(c)
        i += 1
    finish()
    return statements


def attach(statement, comment):
    """Records a `-->` or `-- ERROR/DETAIL/HINT:` comment as an expectation of the statement."""
    result = re.match(r"-->\s?(.*)$", comment)
    if result:
        statement["rows"] = (statement["rows"] or []) + [result.group(1).rstrip()]
        return
    error = re.match(r"--\s*ERROR:\s+([0-9A-Z]{5})(?::\s*(.*))?$", comment)
    if error:
        statement["error"] = {"sqlstate": error.group(1), "message": (error.group(2) or "").strip() or None,
                              "detail": None, "hint": None}
        return
    more = re.match(r"--\s*(DETAIL|HINT):\s+(.*)$", comment)
    if more and statement["error"] is not None:
        statement["error"][more.group(1).lower()] = more.group(2).strip()


def matches(expected, actual):
    """True when actual equals expected, where `...` in expected stands for any characters."""
    if actual is None:
        return False
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual, re.S) is not None


def connect(dbname, as_text=True):
    """A connection with autocommit; as_text: every value as the text PostgreSQL sends (what psql
    prints), no loader but text's (and no parameters)."""
    if not as_text:
        return psycopg.connect(dbname=dbname, autocommit=True)
    adapters = AdaptersMap()
    adapters.register_loader(0, TextLoader)
    return psycopg.connect(dbname=dbname, autocommit=True, context=adapters)


def reset_database():
    with connect(os.environ.get("PGDATABASE", "postgres"), as_text=False) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database}")
        for role in readme_roles:
            exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if exists:
                admin.execute(f"DROP OWNED BY {role} CASCADE")
                admin.execute(f"DROP ROLE {role}")
    # DROP OWNED above ran in the maintenance database; the README's own database goes whole.


def main():
    with open(readme, encoding="utf-8") as f:
        blocks = list(sql_blocks(f.read()))
    if not blocks:
        print("1..1\nnot ok 1 - README.md has ```sql blocks")
        return 1
    print(f"1..{len(blocks)}")
    reset_database()
    with connect(os.environ.get("PGDATABASE", "postgres")) as admin:
        admin.execute(f"CREATE DATABASE {database}")
    failed = 0
    try:
        session = connect(database)
        session.add_notice_handler(lambda notice: None)
        for number, (line, sql, skip) in enumerate(blocks, start=1):
            label = f"README.md line {line}"
            if skip is not None:
                # A skipped block must give its reason; skips are intended, so they are reported as
                # passing tests that say what was not run (test/run's skip check stays for suites).
                print(f"ok {number} - {label}: not run by design ({skip})")
                continue
            problems = []
            statements = split_statements(sql)
            checked = 0
            for statement in statements:
                where = f"line {line + statement['line'] - 1}"
                try:
                    cursor = session.execute(statement["text"].encode())
                    rows = cursor.fetchall() if cursor.description else []
                    if statement["error"]:
                        problems.append(f"{where}: expected ERROR {statement['error']['sqlstate']}, but it succeeded")
                    elif statement["rows"] is not None:
                        checked += 1
                        actual = ["|".join("" if v is None else v for v in row) for row in rows]
                        expected = statement["rows"]
                        if len(actual) != len(expected) or not all(matches(e, a) for e, a in zip(expected, actual)):
                            problems.append(f"{where}: result differs\n  expected: {expected}\n  actual:   {actual}")
                except psycopg.Error as e:
                    expected = statement["error"]
                    diag = e.diag
                    got = f"ERROR {e.sqlstate}: {diag.message_primary} / DETAIL: {diag.message_detail} / HINT: {diag.message_hint}"
                    if expected is None:
                        problems.append(f"{where}: unexpected {got}")
                        continue
                    checked += 1
                    wrong = expected["sqlstate"] != e.sqlstate
                    for part, actual in (("message", diag.message_primary), ("detail", diag.message_detail),
                                         ("hint", diag.message_hint)):
                        if expected[part] is not None and not matches(expected[part], actual):
                            wrong = True
                    if wrong:
                        problems.append(f"{where}: error differs\n  expected: {expected}\n  actual:   {got}")
            if session.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                problems.append("the block leaves a transaction open (a BEGIN without COMMIT, or an error inside one)")
                session.execute("ROLLBACK")
            if problems:
                failed += 1
                print(f"not ok {number} - {label}: {len(statements)} statements")
                for problem in problems:
                    for text in problem.split("\n"):
                        print(f"# {text}")
            else:
                print(f"ok {number} - {label}: {len(statements)} statements, {checked} results and errors checked")
        session.close()
    finally:
        reset_database()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    sys.exit(main())
