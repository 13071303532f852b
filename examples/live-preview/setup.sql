-- Database setup of the live-preview example: roles and a demo storefront.
-- Run as a superuser in a database where draft_mode is installed:
--   psql -v ON_ERROR_STOP=1 -f setup.sql
-- Safe to rerun (roles are created when missing; sections only when missing).

-- The server logs in as live_preview_server, which has no privilege of its own (NOINHERIT):
-- every transaction does SET LOCAL ROLE to the role of the signed-in user, so the database, not
-- the server, decides what an editor or a customer may do.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'live_preview_editor') THEN
        CREATE ROLE live_preview_editor NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'live_preview_customer') THEN
        CREATE ROLE live_preview_customer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'live_preview_server') THEN
        CREATE ROLE live_preview_server LOGIN NOINHERIT;
    END IF;
END
$$;
GRANT draft_mode_editor TO live_preview_editor;
GRANT draft_mode_viewer TO live_preview_customer;
GRANT live_preview_editor, live_preview_customer TO live_preview_server;
GRANT USAGE ON SCHEMA draft_mode TO live_preview_server;

-- The server's writes must notify: its event streams read the change feed when LISTEN
-- draft_mode rings. draft_mode.notify is on by default, but an administrator may turn it off for
-- the database (any role that can connect may LISTEN, and the notifications name every tenant's
-- sections); a role's setting wins over the database's.
ALTER ROLE live_preview_server SET draft_mode.notify = on;

-- The largest document the server's role may make or read (draft_mode's memory for it; the demo's
-- sections are a few kB). Without it, one editor's patch of a few `copy` operations can double a
-- section again and again up to the 64MB default, and every page and stream gets a copy.
-- Superuser-only (the server's role cannot raise it); a write past it fails with 54000.
ALTER ROLE live_preview_server SET draft_mode.max_document_size = '1MB';

-- The demo storefront of tenant "acme" (and one section of "globex", to show isolation). Prices
-- are jsonb numerics with their exact text: 19.90 stays 19.90.
DO $$
DECLARE
    s record;
BEGIN
    FOR s IN SELECT * FROM (VALUES
        ('acme', 'home/announcement', '{"text": "Free shipping on orders over $50"}'),
        ('acme', 'home/hero', '{"title": "The autumn collection", "subtitle": "Warm layers for cold mornings", "cta": "Shop now"}'),
        ('acme', 'home/products', '{"items": [
            {"sku": "KN-01", "name": "Merino sweater", "price": 79.00, "compare_at": 99.00},
            {"sku": "SC-02", "name": "Wool scarf", "price": 19.90, "compare_at": 24.90},
            {"sku": "SO-03", "name": "Hiking socks (3 pairs)", "price": 12.50, "compare_at": 15.00}]}'),
        ('globex', 'home/hero', '{"title": "Globex: not for acme eyes", "subtitle": "", "cta": "Buy"}')
    ) AS v(tenant, section, content)
    LOOP
        PERFORM set_config('draft_mode.tenant', s.tenant, true);
        PERFORM set_config('draft_mode.actor', 'setup', true);
        IF NOT EXISTS (SELECT FROM draft_mode.sections WHERE tenant = s.tenant AND section = s.section) THEN
            PERFORM draft_mode.create_section(s.tenant, s.section, s.content::jsonb);
        END IF;
    END LOOP;
END
$$;
