//! Runs PostgreSQL's programs for the test harness: as the `postgres` user when the tests
//! run as root (initdb and postgres refuse root), and always with a clean environment, so
//! libfaketime (`LD_PRELOAD` + `FAKETIME*`, used by CI to move the test clock) never
//! reaches the server and no `PG*` variable of the caller redirects psql.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Where Debian's postgresql-15 puts its programs.
pub const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

/// A command for `PG_BIN/<program>` with the scrubbed environment, run as `postgres`
/// (through `runuser`) when this process is root.
pub fn pg_program(program: &str) -> Command {
    let path = format!("{PG_BIN}/{program}");
    let mut cmd = if running_as_root() {
        let mut c = scrubbed("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        scrubbed(&path)
    };
    cmd.stdin(Stdio::null());
    cmd
}

/// `psql` run as the current user (the unix socket is trust), scrubbed like the server.
pub fn psql() -> Command {
    let mut cmd = scrubbed(&format!("{PG_BIN}/psql"));
    cmd.env("PGCONNECT_TIMEOUT", "10");
    cmd
}

/// A command whose environment lacks `LD_PRELOAD`, every `FAKETIME*` and every `PG*`.
pub fn scrubbed(program: &str) -> Command {
    let mut cmd = Command::new(program);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k == "LD_PRELOAD" || k.starts_with("FAKETIME") || k.starts_with("PG") {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// Runs `cmd`, returning its output; panics with `what` when it cannot be started.
pub fn output(cmd: &mut Command, what: &str) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {:?}: {e}", cmd.get_program()))
}

/// Runs `cmd` and panics with `what`, its stderr and stdout unless it exits 0.
pub fn run(cmd: &mut Command, what: &str) -> Output {
    let out = output(cmd, what);
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    out
}

/// True when the effective user id is 0 (read from /proc, no libc needed).
pub fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1).map(|euid| euid == "0"))
        .unwrap_or(false)
}

/// Hands `path` to the `postgres` user when running as root (no-op otherwise).
pub fn give_to_postgres(path: &Path) {
    if !running_as_root() {
        return;
    }
    let (uid, gid) = postgres_ids();
    std::os::unix::fs::chown(path, Some(uid), Some(gid))
        .unwrap_or_else(|e| panic!("chown {} to postgres: {e}", path.display()));
}

/// uid and gid of the `postgres` user, from /etc/passwd.
fn postgres_ids() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    passwd
        .lines()
        .find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() > 3 && f[0] == "postgres")
                .then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
                .flatten()
        })
        .expect("no postgres user in /etc/passwd: run scripts/install-ci-deps.sh tests")
}

/// The last `lines` lines of a log file (or why it cannot be read).
pub fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(no log at {}: {e})", path.display()),
    }
}

/// Checks the PostgreSQL 15 programs exist, with the fix in the panic message.
pub fn require_binaries() {
    for program in ["initdb", "pg_ctl", "postgres", "psql"] {
        let path = Path::new(PG_BIN).join(program);
        assert!(
            path.exists(),
            "{} is missing: install postgresql-15 and postgresql-15-cron \
             (scripts/install-ci-deps.sh tests, as root)",
            path.display()
        );
    }
    let cron = Path::new("/usr/lib/postgresql/15/lib/pg_cron.so");
    assert!(
        cron.exists(),
        "{} is missing: install postgresql-15-cron (scripts/install-ci-deps.sh tests, as root)",
        cron.display()
    );
}

/// Runs `sql` as a psql script (`-f -`, stopping at the first error) on the unix socket
/// in `socket_dir`, with `extra` psql arguments; returns psql's output, success or not.
pub fn run_sql(socket_dir: &Path, port: u16, sql: &str, extra: &[&str]) -> Output {
    use std::io::Write;
    let mut cmd = psql();
    cmd.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
        .arg(socket_dir)
        .args(["-p", &port.to_string(), "-U", "postgres", "-d", "postgres"])
        .args(extra)
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {PG_BIN}/psql: {e}"));
    let mut stdin = child.stdin.take().expect("psql stdin is piped");
    let script = sql.to_string();
    // Write from a thread so a large script cannot deadlock against psql's output.
    let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let out = child.wait_with_output().expect("wait for psql");
    let written = writer.join().expect("psql stdin writer");
    // A psql that stopped at an error closes its stdin early: its stderr says why.
    if let (true, Err(e)) = (out.status.success(), written) {
        panic!("write the script to psql: {e}");
    }
    out
}
