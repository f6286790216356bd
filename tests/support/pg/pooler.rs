//! A transaction pooler in front of the test database: PgBouncer with
//! `pool_mode = transaction`, as Supabase's poolers can run, where a named prepared
//! statement outlives the server connection it was made on and breaks. A story through it
//! proves the checks' queries need none.

use super::Pg;
use super::cmd;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Debian's pgbouncer.
const PGBOUNCER: &str = "/usr/sbin/pgbouncer";

/// A running PgBouncer; stops when dropped.
pub struct Pooler {
    dir: PathBuf,
    port: u16,
    child: Child,
}

impl Pooler {
    /// `postgresql://postgres@127.0.0.1:PORT/postgres?sslmode=disable` (loopback only).
    pub fn url(&self) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }
}

impl Drop for Pooler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Pg {
    /// Starts PgBouncer in transaction mode in front of this server; panics with the
    /// reason (and its log) when it cannot.
    pub fn transaction_pooler(&self) -> Pooler {
        assert!(
            std::path::Path::new(PGBOUNCER).exists(),
            "{PGBOUNCER} is missing: install pgbouncer (scripts/install-ci-deps.sh tests, as root)"
        );
        let dir = self.dir().join("pgbouncer");
        std::fs::create_dir_all(&dir).expect("pgbouncer dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let ini = format!(
            "[databases]\npostgres = host=127.0.0.1 port={pg} dbname=postgres\n\n[pgbouncer]\n\
             listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {dir}/userlist.txt\npool_mode = transaction\n\
             max_client_conn = 50\ndefault_pool_size = 4\nlogfile = {dir}/pgbouncer.log\n\
             ignore_startup_parameters = extra_float_digits,options\n",
            pg = self.port(),
            dir = dir.display(),
        );
        std::fs::write(dir.join("pgbouncer.ini"), ini).expect("write pgbouncer.ini");
        std::fs::write(dir.join("userlist.txt"), "\"postgres\" \"\"\n").expect("userlist");
        for f in ["", "pgbouncer.ini", "userlist.txt"] {
            cmd::give_to_postgres(&dir.join(f));
        }
        let mut command = if cmd::running_as_root() {
            let mut c = cmd::scrubbed("runuser");
            c.args(["-u", "postgres", "--", PGBOUNCER]);
            c
        } else {
            cmd::scrubbed(PGBOUNCER)
        };
        let child = command
            .arg(dir.join("pgbouncer.ini"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {PGBOUNCER}: {e}"));
        let pooler = Pooler { dir, port, child };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "pgbouncer did not listen on {port} within 10 s:\n{}",
                cmd::log_tail(&pooler.dir.join("pgbouncer.log"), 20)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        pooler
    }
}
