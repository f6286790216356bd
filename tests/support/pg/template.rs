//! One initdb'd, Supabase-shaped cluster per (PostgreSQL build, harness version, initdb
//! flags, config and fixture text), kept in the scratch dir ([`scratch_root`]:
//! `/dev/shm`, else the system temp dir) and copied for every test server: initdb and
//! loading the fixtures take seconds, a copy a fraction of one. Test processes (nextest
//! runs many at once) build it under an exclusive lock file; the first builds, the rest
//! wait, then all copy. A finished template appears by an atomic rename, so a crash mid-
//! build leaves only a `.building-PID` dir that the next builder removes.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::cmd::{self, give_to_postgres, log_tail, pg_program, run};
use super::tls;

/// Bump when the template's making changes in a way the hashed texts below do not show.
const HARNESS_VERSION: u32 = 1;

/// initdb's flags: trust auth (the harness connects over its own unix socket), UTF-8 like
/// Supabase, 1 MiB WAL segments (a small template copies fast).
const INITDB_ARGS: [&str; 10] = [
    "-A",
    "trust",
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
    "--wal-segsize=1",
    "--no-sync",
    "--no-instructions",
];

/// What every test server has in postgresql.conf (port and socket dir come per server).
///
/// pg_cron's scheduler runs (pg_stat_activity shows it) but can never run a job: jobs
/// would run in background workers (`cron.use_background_workers`), and the two worker
/// slots are taken by the scheduler itself and the logical replication launcher. With
/// `cron.log_run = off` the failed attempts leave no rows either, so `cron.job_run_details`
/// holds only the rows a test wrote, whatever the wall clock says.
pub const SERVER_CONF: &str = "
# --- pendo-triage test server ---
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 2
cron.log_run = off
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
timezone = 'UTC'
log_timezone = 'UTC'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 40
max_wal_size = 2GB
min_wal_size = 4MB
";

/// Roles, schemas, pg_cron and pg_net: what a Supabase project starts with.
pub const PLATFORM_SQL: &str = include_str!("../../fixtures/supabase/platform.sql");
/// The product's reference schema (synced tables and `sync_status`).
pub const SCHEMA_SQL: &str = include_str!("../../fixtures/supabase/schema.sql");

/// The finished template: `dir/data` (a stopped cluster) and `dir/ca.pem`.
pub fn template_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(ensure_template)
}

fn ensure_template() -> PathBuf {
    cmd::require_binaries();
    let name = format!("pendo-triage-pg-template-{:016x}", template_key());
    let tmp = scratch_root();
    let done = tmp.join(&name);
    if done.join("data/PG_VERSION").exists() {
        return done;
    }
    let lock_path = tmp.join(format!("{name}.lock"));
    let lock =
        File::create(&lock_path).unwrap_or_else(|e| panic!("create {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("lock {}: {e}", lock_path.display()));
    if !done.join("data/PG_VERSION").exists() {
        remove_leftovers(tmp, &name);
        let building = tmp.join(format!("{name}.building-{}", std::process::id()));
        build(&building);
        fs::rename(&building, &done)
            .unwrap_or_else(|e| panic!("rename {} -> {}: {e}", building.display(), done.display()));
    }
    drop(lock);
    done
}

/// Where templates and servers live: `$PENDO_TRIAGE_PG_SCRATCH` when set; else
/// `/dev/shm` when it is a tmpfs with at least [`SHM_MIN_FREE_KIB`] free (copying a
/// cluster there takes ~0.07 s against ~2 s on the CI disk); else the system temp dir.
pub fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        if let Some(dir) = std::env::var_os(SCRATCH_ENV) {
            return PathBuf::from(dir);
        }
        let shm = Path::new("/dev/shm");
        if shm_free_kib(shm).is_some_and(|kib| kib >= SHM_MIN_FREE_KIB) {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        }
    })
}

/// Names the dir for templates and servers, overriding the choice below.
pub const SCRATCH_ENV: &str = "PENDO_TRIAGE_PG_SCRATCH";

/// 2 GiB: room for a few servers and the 1,000,000-event benchmark (Docker's default
/// 64 MiB /dev/shm is not).
const SHM_MIN_FREE_KIB: u64 = 2 * 1024 * 1024;

/// Free KiB on a tmpfs at `path` (None when it is not a tmpfs or df cannot tell).
fn shm_free_kib(path: &Path) -> Option<u64> {
    let out = cmd::scrubbed("df")
        .args(["-P", "-k", "-T"])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.lines().nth(1)?.split_whitespace().collect();
    (fields.get(1) == Some(&"tmpfs")).then(|| fields.get(4)?.parse().ok())?
}

/// Under the lock: an unfinished template and builds a crashed process left behind.
fn remove_leftovers(root: &Path, name: &str) {
    let _ = fs::remove_dir_all(root.join(name));
    let building = format!("{name}.building-");
    for entry in fs::read_dir(root).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&building) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// FNV-1a over everything that shapes the template.
fn template_key() -> u64 {
    let version = run(
        pg_program("postgres").arg("--version"),
        "postgres --version",
    )
    .stdout;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let initdb_args = INITDB_ARGS.join(" ");
    let parts: [&[u8]; 6] = [
        &HARNESS_VERSION.to_le_bytes(),
        &version,
        initdb_args.as_bytes(),
        SERVER_CONF.as_bytes(),
        PLATFORM_SQL.as_bytes(),
        SCHEMA_SQL.as_bytes(),
    ];
    for part in parts {
        for byte in part.iter().chain(b"\0") {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// initdb, configure, TLS files, load the fixtures over the unix socket, stop.
fn build(dir: &Path) {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    give_to_postgres(dir);
    let data = dir.join("data");
    run(
        pg_program("initdb").arg("-D").arg(&data).args(INITDB_ARGS),
        "initdb for the test template",
    );
    append(&data.join("postgresql.conf"), SERVER_CONF);
    write_tls(dir, &data);

    let log = dir.join("template.log");
    let socket_opts = format!("-c listen_addresses='' -k {} -p 5432", dir.display());
    let started = cmd::output(
        pg_program("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-s", "-o", &socket_opts, "start"]),
        "pg_ctl start (template)",
    );
    if !started.status.success() {
        panic!(
            "the template PostgreSQL did not start:\n{}\n--- server log ---\n{}",
            String::from_utf8_lossy(&started.stderr),
            log_tail(&log, 30)
        );
    }
    for (what, sql) in [("platform.sql", PLATFORM_SQL), ("schema.sql", SCHEMA_SQL)] {
        let out = cmd::run_sql(dir, 5432, sql, &[]);
        if !out.status.success() {
            stop(&data);
            panic!(
                "loading tests/fixtures/supabase/{what} failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    stop(&data);
}

fn stop(data: &Path) {
    run(
        pg_program("pg_ctl")
            .arg("-D")
            .arg(data)
            .args(["-m", "fast", "-w", "-s", "stop"]),
        "pg_ctl stop (template)",
    );
}

/// Server certificate and key inside the data dir (postgres-owned, key 0600), CA beside.
fn write_tls(dir: &Path, data: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let chain = tls::make_chain();
    write(&dir.join("ca.pem"), &chain.ca_pem);
    let cert = data.join("server.crt");
    let key = data.join("server.key");
    write(&cert, &chain.server_cert_pem);
    write(&key, &chain.server_key_pem);
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600))
        .unwrap_or_else(|e| panic!("chmod 600 {}: {e}", key.display()));
    give_to_postgres(&cert);
    give_to_postgres(&key);
}

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    f.write_all(text.as_bytes())
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
}
