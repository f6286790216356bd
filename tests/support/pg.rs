//! A real PostgreSQL 15 with pg_cron for the tests, shaped like a Supabase project (API
//! roles, pg_net's tables, the product's reference schema), serving TLS with a test CA,
//! plus the sync histories the `supabase.*` checks are tested against.
//!
//! Each [`Pg`] is its own server: a copy of a prepared template cluster (see
//! `pg/template.rs`) in a fresh dir under `/dev/shm` (or the temp dir), on a free
//! 127.0.0.1 port, stopped and removed on drop. `Pg::start` panics with the reason and
//! the server log's tail; it never skips. The server's clock is never consulted for
//! data: histories take the test's `now`. pg_cron's scheduler runs but never runs a job
//! (see `template::SERVER_CONF`), so `cron.job_run_details` holds only what tests wrote.

mod cmd;
mod histories;
mod pooler;
mod reference;
mod template;
mod tls;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use cmd::PG_BIN;
pub use histories::{
    ENTITIES, EVENT_TYPES, Entity, FAKE_SERVICE_ROLE_JWT, FUNCTION_URL, History, JOB_NAME,
    JOB_SCHEDULE, RUN_EVERY_SECS, RUNS_KEPT, SETTLE_SECS, events_rows, job_command,
    job_inactive_since, run_start, stuck_run_start,
};
pub use pooler::Pooler;
pub use reference::{
    ACTIVE_GUIDES, CRON_JOB_ERROR, FEATURES, GUIDES, PAGES, READER_ROLE, REFERENCE_COMMAND,
    REFERENCE_JOB, REPORTS, Reference, reader_url, reference_events_rows,
};
pub use template::{SCRATCH_ENV, scratch_root};
pub use tls::{TlsFiles, make_chain};

/// How a server is set up beyond the defaults (trust auth, TLS offered but optional).
#[derive(Debug, Clone, Default)]
pub struct PgOptions {
    /// When set, TCP logins need this password for `postgres` (scram-sha-256), and
    /// [`Pg::url`] carries it. The unix socket used by `exec`/`query_json` stays trust.
    pub password: Option<String>,
    /// When true, TCP connections without TLS are rejected (`hostnossl ... reject`), like
    /// a Supabase project with "Enforce SSL" on.
    pub require_tls: bool,
}

/// A running test server. Dropping it stops the server (fast) and removes its dir.
pub struct Pg {
    dir: PathBuf,
    port: u16,
    password: Option<String>,
}

/// Tries at picking a free port before giving up (another process may take it first).
const PORT_TRIES: usize = 5;

impl Pg {
    /// Starts a server with the default [`PgOptions`].
    pub fn start() -> Pg {
        Pg::start_with(PgOptions::default())
    }

    /// Starts a server from the template: copy, configure, start on a free port.
    pub fn start_with(options: PgOptions) -> Pg {
        let template = template::template_dir();
        remove_abandoned_servers();
        let dir = instance_dir();
        copy_template(template, &dir);
        write_hba(&dir.join("data"), &options);
        let mut pg = Pg {
            dir,
            port: 0,
            password: None,
        };
        pg.port = pg.start_on_free_port();
        if let Some(password) = &options.password {
            pg.exec(&format!(
                "alter role postgres password {};",
                sql_literal(password)
            ));
            pg.password = Some(password.clone());
        }
        pg
    }

    /// The TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `postgresql://postgres[:password]@localhost:PORT/postgres?sslmode=..&sslrootcert=..`
    /// (libpq meanings of `sslmode`; the root cert is the test CA).
    pub fn url(&self, sslmode: &str) -> String {
        let user = match &self.password {
            Some(p) => format!("postgres:{}", percent_encode(p)),
            None => "postgres".to_string(),
        };
        format!(
            "postgresql://{user}@localhost:{}/postgres?sslmode={sslmode}&sslrootcert={}",
            self.port,
            self.ca_path().display()
        )
    }

    /// PEM of the test CA that signed the server certificate.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The dir holding the data dir, the socket, `ca.pem` and `server.log`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Runs `sql` (any number of statements) as `postgres`; panics with psql's error.
    pub fn exec(&self, sql: &str) {
        let out = cmd::run_sql(&self.dir, self.port, sql, &[]);
        if !out.status.success() {
            panic!(
                "SQL failed: {}\n--- SQL (start) ---\n{}",
                String::from_utf8_lossy(&out.stderr).trim(),
                sql.chars().take(1500).collect::<String>()
            );
        }
    }

    /// The rows of one query as a JSON array of objects (column name -> value).
    pub fn query_json(&self, sql: &str) -> serde_json::Value {
        let query = sql.trim().trim_end_matches(';');
        let wrapped = format!("select coalesce(json_agg(q), '[]'::json) from (\n{query}\n) q;");
        let out = cmd::run_sql(&self.dir, self.port, &wrapped, &["-A", "-t"]);
        if !out.status.success() {
            panic!(
                "query failed: {}\n--- query ---\n{query}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(text.trim())
            .unwrap_or_else(|e| panic!("psql printed no JSON ({e}): {text}"))
    }

    /// Loads `history` with `now` (Unix seconds) as the reference time.
    pub fn load(&self, history: History, now: i64) {
        self.exec(&history.sql(now));
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn log(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    fn start_on_free_port(&self) -> u16 {
        let mut last_error = String::new();
        for _ in 0..PORT_TRIES {
            let port = free_port();
            let opts = format!("-p {port} -k {}", self.dir.display());
            let out = cmd::output(
                cmd::pg_program("pg_ctl")
                    .arg("-D")
                    .arg(self.data())
                    .arg("-l")
                    .arg(self.log())
                    .args(["-w", "-t", "60", "-s", "-o", &opts, "start"]),
                "pg_ctl start",
            );
            if out.status.success() {
                return port;
            }
            let log = cmd::log_tail(&self.log(), 30);
            last_error = format!(
                "{}\n--- server log ---\n{log}",
                String::from_utf8_lossy(&out.stderr)
            );
            if !log.contains("could not bind") && !log.contains("Address already in use") {
                break;
            }
        }
        panic!("the test PostgreSQL did not start: {last_error}");
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if self.data().join("postmaster.pid").exists() {
            stop_server(&self.data(), "fast");
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("pg: could not remove {}: {e}", self.dir.display());
        }
    }
}

/// Stops the server of `data` (best effort, for Drop and cleanup).
fn stop_server(data: &Path, mode: &str) {
    let out = cmd::output(
        cmd::pg_program("pg_ctl")
            .arg("-D")
            .arg(data)
            .args(["-m", mode, "-w", "-t", "30", "-s", "stop"]),
        "pg_ctl stop",
    );
    if !out.status.success() && data.join("postmaster.pid").exists() {
        eprintln!(
            "pg: pg_ctl stop -m {mode} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

const INSTANCE_PREFIX: &str = "pendo-triage-pg-run-";

/// `SCRATCH/pendo-triage-pg-run-PID-N` (`/dev/shm` or the temp dir), fresh, owned by
/// postgres.
fn instance_dir() -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = template::scratch_root().join(format!("{INSTANCE_PREFIX}{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    cmd::give_to_postgres(&dir);
    dir
}

/// Stops and removes servers whose test process died without dropping its `Pg`
/// (a killed or timed-out test), so they do not pile up.
fn remove_abandoned_servers() {
    let Ok(entries) = std::fs::read_dir(template::scratch_root()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(INSTANCE_PREFIX)
            .and_then(|rest| rest.split('-').next())
        else {
            continue;
        };
        if Path::new("/proc").join(pid).exists() {
            continue;
        }
        let dir = entry.path();
        if dir.join("data/postmaster.pid").exists() {
            stop_server(&dir.join("data"), "immediate");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `cp -a` keeps the postgres ownership and the 0700/0600 modes the server insists on.
fn copy_template(template: &Path, dir: &Path) {
    cmd::run(
        cmd::scrubbed("cp")
            .arg("-a")
            .arg(template.join("data"))
            .arg(dir.join("data")),
        "copy the template cluster",
    );
    std::fs::copy(template.join("ca.pem"), dir.join("ca.pem"))
        .unwrap_or_else(|e| panic!("copy ca.pem: {e}"));
}

/// pg_hba.conf for the options: local socket trust; TCP trust or scram, TLS optional or
/// required.
fn write_hba(data: &Path, options: &PgOptions) {
    let method = if options.password.is_some() {
        "scram-sha-256"
    } else {
        "trust"
    };
    let host = if options.require_tls {
        "hostssl"
    } else {
        "host"
    };
    let mut hba = format!(
        "local all all trust\n{host} all all 127.0.0.1/32 {method}\n{host} all all ::1/128 {method}\n"
    );
    if options.require_tls {
        hba.push_str("hostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\n");
    }
    // Writing into the existing file keeps its postgres ownership.
    std::fs::write(data.join("pg_hba.conf"), hba).expect("write pg_hba.conf");
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

/// `text` as a single-quoted SQL literal.
pub fn sql_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn percent_encode(text: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, UNRESERVED).to_string()
}
