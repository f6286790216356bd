-- pendo-triage: a least-privileged database role for `supabase-db-url` (SUPABASE_DB_URL).
--
-- Creates the login role `pendo_triage`, which can read exactly what the bot's database
-- checks read and can write nothing:
--   * the data tables and the sync log (the config's defaults: pendo_guides,
--     pendo_features, pendo_pages, pendo_reports, pendo_events, sync_status; edit the
--     list in `tables` below when your `.github/pendo-triage.yml` names others);
--   * pg_cron's `cron.job` and `cron.job_run_details`;
--   * pg_net's `net._http_response`;
--   * the catalogue and statistics views (pg_class, pg_roles, pg_extension,
--     pg_attribute, pg_index, pg_stat_all_tables, pg_stat_activity), which every role
--     may read already: nothing is granted for them.
-- The Edge Function check (`supabase.functions`) reads the Management API with an access
-- token, not the database: it needs nothing here.
--
-- Grants: USAGE on the schemas public, cron and net; SELECT on the tables above; nothing
-- else (no INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER; no function, no
-- sequence). The role is also read-only by default (default_transaction_read_only = on)
-- and bounded (statement_timeout 30 s, idle_in_transaction_session_timeout 60 s,
-- 5 connections). PostgreSQL cannot take from one role what PUBLIC was granted: pg_cron
-- lets every role with USAGE on `cron` call cron.schedule (its jobs run as that role),
-- and a stock pg_net lets PUBLIC call net.http_post (Supabase grants pg_net to its own
-- roles only). For those two it is the read-only default, and the bot's own
-- `begin read only`, that refuses the write; a session that turns the default off could
-- call them. To close that too, run the optional hardening at the end of this file.
--
-- Row-level security: the checks count rows, and a role without BYPASSRLS sees only the
-- rows policies let it see (pg_cron's own policy on cron.job shows a role only its own
-- jobs). So the file gives the role BYPASSRLS. That widens nothing: the role can read
-- only the tables granted above, and BYPASSRLS just stops policies from filtering their
-- rows. On Supabase the `postgres` role may grant it (PostgreSQL 16+: a role with
-- BYPASSRLS may; 15: through supautils). Where that is refused, the file adds a read
-- policy `pendo_triage_read` (FOR SELECT TO pendo_triage USING (true)) on each listed
-- table instead, and warns about any table it could not add one to (a table owned by
-- another role, e.g. cron.job when pg_cron belongs to supabase_admin): the bot then says
-- "row-level security hides … rows from role pendo_triage" for it.
--
-- Use:
--   1. Paste this file into the Supabase SQL editor (or psql as `postgres`) and run it.
--      It is idempotent: run it again after adding a table, or to restore its settings.
--   2. Give the role a password, once (a long random one; this file never sets one):
--        alter role pendo_triage with password '<a long random password>';
--      Supabase's pooler authenticates with SCRAM-SHA-256, the default
--      password_encryption: keep it.
--   3. Set SUPABASE_DB_URL to the session pooler URL with the role as its user:
--        postgresql://pendo_triage.<project-ref>:<password>@aws-0-<region>.pooler.supabase.com:5432/postgres
--      The pooler (Supavisor) wants `<role>.<project-ref>` as user name; port 5432 is
--      session mode (6543, transaction mode, works too). Leave out `sslmode`: the bot
--      then verifies the certificate against Supabase's root CA and accepts only SCRAM.
--      The direct host (db.<project-ref>.supabase.co:5432) takes the plain user name
--      `pendo_triage`, but is IPv6-only unless you bought the IPv4 add-on; GitHub's
--      runners have no IPv6.
-- Remove:
--   drop owned by pendo_triage; drop role pendo_triage;

do $role$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'pendo_triage') then
    -- CREATE ROLE's defaults: NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION.
    create role pendo_triage with login noinherit;
  end if;
end
$role$;

alter role pendo_triage connection limit 5;
alter role pendo_triage set default_transaction_read_only = on;
alter role pendo_triage set statement_timeout = '30s';
alter role pendo_triage set lock_timeout = '5s';
alter role pendo_triage set idle_in_transaction_session_timeout = '60s';

do $grants$
declare
  -- The tables the checks read: edit to match the config (`schema.table` or `table` in
  -- public).
  tables text[] := array[
    'public.pendo_guides', 'public.pendo_features', 'public.pendo_pages',
    'public.pendo_reports', 'public.pendo_events', 'public.sync_status',
    'cron.job', 'cron.job_run_details', 'net._http_response'
  ];
  t text;
  s text;
  bypass boolean := false;
begin
  -- The schemas those tables live in (a schema that is not there is skipped: pg_net or
  -- pg_cron not installed).
  foreach s in array array['public', 'cron', 'net'] loop
    if exists (select 1 from pg_catalog.pg_namespace where nspname = s) then
      execute format('grant usage on schema %I to pendo_triage', s);
    end if;
  end loop;
  -- SELECT and nothing else: anything granted earlier (by hand, or an older copy of
  -- this file) is taken back first.
  foreach t in array tables loop
    if to_regclass(t) is null then
      raise notice 'pendo_triage: % does not exist, skipped', t;
      continue;
    end if;
    execute format('revoke all on table %s from pendo_triage', to_regclass(t));
    execute format('grant select on table %s to pendo_triage', to_regclass(t));
  end loop;

  begin
    alter role pendo_triage bypassrls;
    bypass := true;
  exception when insufficient_privilege then
    raise notice 'pendo_triage: BYPASSRLS may not be granted here; adding read policies instead';
  end;
  if bypass then
    return;
  end if;
  foreach t in array tables loop
    continue when to_regclass(t) is null;
    begin
      execute format('drop policy if exists pendo_triage_read on %s', to_regclass(t));
      execute format(
        'create policy pendo_triage_read on %s as permissive for select to pendo_triage using (true)',
        to_regclass(t));
    exception when insufficient_privilege then
      raise warning 'pendo_triage: no read policy on % (not its owner): row-level security may hide its rows from pendo_triage', t;
    end;
  end loop;
end
$grants$;

-- Optional hardening (as the functions' owner or a superuser; not possible as Supabase's
-- `postgres`, which does not own pg_cron): nobody but the owner, superusers and the roles
-- you grant it to may schedule jobs or call pg_net any more. Roles other than those that
-- do so today need `grant execute on function … to <role>` afterwards. To run it, remove
-- the leading `-- ` of the lines between the markers.
-- >>> hardening
-- do $hardening$
-- declare
--   f regprocedure;
-- begin
--   for f in
--     select p.oid::regprocedure from pg_catalog.pg_proc p
--     where (p.pronamespace::regnamespace::text = 'cron'
--            and p.proname in ('schedule', 'schedule_in_database', 'unschedule', 'alter_job'))
--        or (p.pronamespace::regnamespace::text = 'net'
--            and p.proname in ('http_get', 'http_post', 'http_delete'))
--   loop
--     execute format('revoke execute on function %s from public', f);
--     execute format('revoke execute on function %s from pendo_triage', f);
--   end loop;
-- end
-- $hardening$;
-- <<< hardening
