//! How the bot talks to Supabase, apart from what the checks conclude: the REST client
//! (PostgREST with the team's key), the database session (tokio-postgres over TLS, behind a
//! wire guard that caps every answer), the SQL the checks send, and the answers read
//! through the health function or the database for pg_cron, pg_net and the schedule.

pub mod db;
pub mod health;
pub mod management;
pub mod rest;
pub mod schedule;
pub mod sql;
pub mod wire;
