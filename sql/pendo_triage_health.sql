-- pendo-triage health function (generated from src/live/supabase/sql.rs; do not edit).
--
-- Lets pendo-triage read pg_cron's and pg_net's state through the REST API when it has
-- no database URL: the sync job, its recent runs, whether pg_cron's scheduler runs, and
-- the Edge Function calls pg_net made. It only reads. Install: paste this file into the
-- Supabase SQL editor and run it. Remove: drop function public.pendo_triage_health(text, timestamptz);
create or replace function public.pendo_triage_health(
  job_name text default null,
  since timestamptz default now() - interval '48 hours'
)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  result jsonb := jsonb_build_object('version', 1);
  part text;
begin
    execute $q$select json_build_object('pg_cron', (select extversion from pg_catalog.pg_extension where extname = 'pg_cron'), 'pg_net', (select extversion from pg_catalog.pg_extension where extname = 'pg_net'), 'net_responses', to_regclass('net._http_response') is not null)::text$q$ into part;
    result := result || jsonb_build_object('extensions', part::jsonb);
  if (result -> 'extensions' ->> 'pg_cron') is not null then
    execute $q$select coalesce((select json_build_object('pid', pid, 'backend_start', backend_start, 'state', state) from pg_catalog.pg_stat_activity where backend_type = 'pg_cron launcher' or application_name = 'pg_cron scheduler' order by backend_start limit 1), 'null'::json)::text$q$ into part;
    result := result || jsonb_build_object('scheduler', part::jsonb);
  end if;
  if (result -> 'extensions' ->> 'pg_cron') is not null then
    execute $q$select json_build_object('total', (select count(*) from cron.job), 'matching', coalesce((select json_agg(j order by j.jobid) from (select jobid, jobname, schedule, coalesce(regexp_replace(substring(command from '(https?://[^/''"[:space:]?#]+/[^''"[:space:]?#]*)'), '://[^/@]*@', '://'), 'select ' || substring(command from '(?i)select[[:space:]]+([a-z_][a-z0-9_.]*)[[:space:]]*[(]') || '()', '') as command, length(command) as command_chars, (select coalesce(json_agg(distinct m[1]), '[]'::json) from pg_catalog.pg_proc p, regexp_matches(p.prosrc, '/functions/v1/([A-Za-z0-9_-]{1,100})', 'g') m where p.proname = regexp_replace(lower(substring(command from '(?i)select[[:space:]]+([a-z_][a-z0-9_.]*)[[:space:]]*[(]')), '^.*[.]', '')) as function_slugs, active, database, username from cron.job where ($1::text is null and (command ilike '%pendo%' or jobname ilike '%pendo%')) or jobname = $1::text) j), '[]'::json))::text$q$ into part using job_name;
    result := result || jsonb_build_object('jobs', part::jsonb);
  end if;
  if (result -> 'extensions' ->> 'pg_cron') is not null then
    execute $q$select coalesce(json_agg(r order by r.start_time desc), '[]'::json)::text from (select d.jobid, d.runid, d.status, left(d.return_message, 4000) as return_message, d.start_time, d.end_time from cron.job_run_details d join cron.job j on j.jobid = d.jobid where ($1::text is null and (j.command ilike '%pendo%' or j.jobname ilike '%pendo%')) or j.jobname = $1::text order by d.start_time desc limit 50) r$q$ into part using job_name;
    result := result || jsonb_build_object('runs', part::jsonb);
  end if;
  if (result -> 'extensions' ->> 'net_responses')::boolean then
    execute $q$select coalesce(json_agg(x order by x.created desc), '[]'::json)::text from (select id, status_code, timed_out, left(error_msg, 4000) as error_msg, case when status_code >= 400 then left(content, 4000) end as content, created from net._http_response where created >= $1::text::timestamptz order by created desc limit 100) x$q$ into part using since::text;
    result := result || jsonb_build_object('responses', part::jsonb);
  end if;
  return result;
end;
$function$;

revoke all on function public.pendo_triage_health(text, timestamptz) from public;
do $grants$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.pendo_triage_health(text, timestamptz) from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on function public.pendo_triage_health(text, timestamptz) from authenticated;
  end if;
end
$grants$;
grant execute on function public.pendo_triage_health(text, timestamptz) to service_role;
