#!/usr/bin/python3
"""psycopg 3 (Debian's python3-psycopg) calling draft_mode: the things that catch people, as a
program that test/tap/clients.t runs against a throwaway cluster and whose output it checks
(expected-output.txt). Connection settings come from PGHOST, PGPORT, PGUSER, PGDATABASE."""
import json
import time
from decimal import Decimal

import psycopg
from psycopg.types.json import Jsonb, set_json_loads

TENANT = "acme"
SECTION = "python/pricing"


def set_tenant(conn, actor):
    """Tenant and actor for the current transaction only (safe with a pool and PgBouncer)."""
    conn.execute("SELECT set_config('draft_mode.tenant', %s, true), set_config('draft_mode.actor', %s, true)",
                 (TENANT, actor))


def main():
    with psycopg.connect() as conn:
        # `with conn.transaction()` commits at the end of the block, or rolls back on an error.
        with conn.transaction():
            set_tenant(conn, "python-editor")
            # Documents as JSON text cast to jsonb: json.dumps would write the float 19.9.
            version = conn.execute("SELECT version FROM draft_mode.create_section(%s, %s, %s::jsonb)",
                                   (TENANT, SECTION, '{"title": "Pricing", "plan": {"name": "Pro", "price": 19.90}}')
                                   ).fetchone()[0]
        # bigint is a Python int: nothing to convert.
        print(f"create_section version: {version!r} ({type(version).__name__})")

        # A patch: wrap the Python list in Jsonb() (a bare list would be sent as a SQL array).
        patch = [{"op": "replace", "path": "/title", "value": "Plans and pricing"}]
        with conn.transaction():
            set_tenant(conn, "python-editor")
            version = conn.execute("SELECT version FROM draft_mode.patch_draft(%s, %s, %s, %s)",
                                   (TENANT, SECTION, Jsonb(patch), version)).fetchone()[0]
        print(f"patch as Jsonb(patch): version {version}")

        # jsonb is parsed with json.loads: 19.90 becomes the float 19.9. Parse floats as Decimal
        # (per connection, or globally with set_json_loads(loads)) to keep 19.90.
        with conn.transaction():
            set_tenant(conn, "python-editor")
            content = conn.execute("SELECT content FROM draft_mode.get_section(%s, %s)", (TENANT, SECTION)).fetchone()[0]
        print(f"content parsed by psycopg: {content['plan']}")
        set_json_loads(lambda text: json.loads(text, parse_float=Decimal), conn)
        with conn.transaction():
            set_tenant(conn, "python-editor")
            content = conn.execute("SELECT content FROM draft_mode.get_section(%s, %s)", (TENANT, SECTION)).fetchone()[0]
        print(f"content parsed with Decimal: {content['plan']}")

        # A stale write: PT409 is not a standard SQLSTATE class, so psycopg raises it as a
        # generic class (ProgrammingError): match on e.sqlstate, not on the exception type.
        try:
            with conn.transaction():
                set_tenant(conn, "other-tab")
                conn.execute("SELECT version FROM draft_mode.merge_draft(%s, %s, %s::jsonb, %s)",
                             (TENANT, SECTION, '{"title": "Stale"}', version - 1))
        except psycopg.Error as error:
            if error.sqlstate != "PT409":
                raise
            current = json.loads(error.diag.message_detail)["current_version"]
            print(f"stale write: {type(error).__name__}, sqlstate {error.sqlstate}, current_version {current}")
            with conn.transaction():
                set_tenant(conn, "other-tab")
                version = conn.execute("SELECT version FROM draft_mode.merge_draft(%s, %s, %s::jsonb, %s)",
                                       (TENANT, SECTION, '{"subtitle": "Monthly or yearly"}', current)).fetchone()[0]
            print(f"retried against version {current}: version {version}")

        # CALL draft_mode.run_maintenance() commits between batches: it cannot run inside the
        # transaction psycopg opens by default (error 2D000 as soon as it has something to
        # commit: here a lease that expired). Use an autocommit connection.
        with conn.transaction():
            set_tenant(conn, "python-editor")
            conn.execute("SELECT draft_mode.acquire_lease(%s, %s, ttl => '1 second')", (TENANT, SECTION))
        time.sleep(1.2)
        try:
            conn.execute("CALL draft_mode.run_maintenance()")
        except psycopg.Error as error:
            print(f"run_maintenance in a transaction: {error.sqlstate} ({error.diag.message_primary})")
            conn.rollback()
    with psycopg.connect(autocommit=True) as maintenance:
        summary = maintenance.execute("CALL draft_mode.run_maintenance()").fetchone()[0]
        print(f"run_maintenance with autocommit: expired_leases {summary['expired_leases']}, refused {summary['refused']}")


if __name__ == "__main__":
    main()
