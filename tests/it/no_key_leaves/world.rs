//! The fakes, started once per test, and how one case sets them and runs the binary.

use super::*;

pub struct World {
    pub pendo: FakePendo,
    pub rest: FakePostgrest,
    pub management: FakeManagement,
    pub pg: Pg,
    pub fake_pg: FakePg,
    pub action: Mutex<Harness>,
    pub dir: std::path::PathBuf,
}

/// The config that points `supabase.functions` at the fake Management API.
pub fn config(management: &FakeManagement) -> String {
    format!(
        "functions:\n  project_ref: {}\n  management_url: {}\n",
        fake_management::PROJECT_REF,
        management.url()
    )
}

impl World {
    pub fn start() -> World {
        let pg = Pg::start();
        pg.load(History::Healthy, NOW);
        let dir = support::temp_dir("no-key-leaves");
        World {
            pendo: FakePendo::builder().now_ms(NOW * 1000).start(),
            rest: FakePostgrest::start(),
            management: FakeManagement::start(fake_management::Knobs::default()),
            pg,
            fake_pg: FakePg::start(Script {
                tls: false,
                auth: Auth::Trust,
                answers: Answers::Hostile,
            }),
            action: Mutex::new(Harness::new("no-key-leaves-action")),
            dir,
        }
    }

    /// Sets every fake to answer this case (and undoes the last case's rows), and returns
    /// the environment of the run.
    pub fn arrange(&self, case: &Case, secret: &Secret, said: &Said) -> Vec<(String, String)> {
        let held = |kind: Kind, otherwise: &str| {
            if secret.kind == kind {
                secret.value.clone()
            } else {
                otherwise.to_string()
            }
        };
        let pendo_key = held(Kind::PendoKey, fake_pendo::FAKE_PENDO_KEY);
        let token = held(Kind::AccessToken, fake_management::FAKE_ACCESS_TOKEN);
        let supabase_key = match secret.kind {
            Kind::SbSecret | Kind::ServiceRoleJwt => secret.value.clone(),
            _ => fake_postgrest::SECRET_KEY.to_string(),
        };
        let password = held(Kind::DbPassword, "fake-db-password-not-drawn");
        let joined = said.joined();
        {
            let mut k = self.pendo.knobs();
            k.keys = vec![pendo_key.clone()];
            k.hostile = match case.channel {
                Channel::PendoBody => Some(fake_pendo::Hostile {
                    status: if case.seed.is_multiple_of(2) {
                        401
                    } else {
                        500
                    },
                    body: joined.clone(),
                    header: None,
                }),
                Channel::PendoHeader => Some(fake_pendo::Hostile {
                    status: 401,
                    body: "Unauthorized\n".into(),
                    header: Some(("x-request-id".into(), joined.clone())),
                }),
                _ => None,
            };
        }
        self.rest.knobs(|k| {
            k.hostile = (case.channel == Channel::PostgrestError).then(|| HostileError {
                status: if case.seed.is_multiple_of(2) {
                    400
                } else {
                    500
                },
                code: "P0001".into(),
                message: said.first.clone(),
                details: said.second.clone(),
            })
        });
        fake_pg_wire::set_hostile(fake_pg_wire::Hostile {
            notice: (case.channel == Channel::PgNotice).then(|| joined.clone()),
            error: (case.channel == Channel::PgError)
                .then(|| (said.first.clone(), said.second.clone())),
        });
        self.arrange_management(case, &token, said, &joined);
        self.arrange_rows(case, &joined);

        // Only what the case needs, so each run is short: the drawn value is held, and
        // the channel's dependency is reached.
        let mut env: Vec<(String, String)> = vec![
            ("PENDO_TRIAGE_NOW".into(), NOW_TEXT.into()),
            ("PENDO_TRIAGE_LOG".into(), "debug".into()),
            ("SUPABASE_SERVICE_ROLE_KEY".into(), supabase_key),
            // Every host a Pendo check could reach is the fake.
            ("PENDO_BASE_URL".into(), self.pendo.url().into()),
            (
                "PENDO_TRIAGE_PENDO_HOSTS".into(),
                ["us", "us1", "eu", "jpn", "au"]
                    .map(|r| format!("{r}={}", self.pendo.url()))
                    .join(","),
            ),
        ];
        let pendo = matches!(case.channel, Channel::PendoBody | Channel::PendoHeader);
        if pendo || secret.kind == Kind::PendoKey {
            env.push(("PENDO_INTEGRATION_KEY".into(), pendo_key));
        }
        let management = matches!(
            case.channel,
            Channel::ManagementMessage | Channel::ManagementLog | Channel::RetryAfter
        );
        if management || secret.kind == Kind::AccessToken {
            env.push(("SUPABASE_ACCESS_TOKEN".into(), token));
        }
        if case.channel == Channel::PostgrestError {
            env.push(("SUPABASE_URL".into(), self.rest.url().into()));
        }
        let encoded = percent(&password);
        let db_url = match case.channel {
            Channel::PgError | Channel::PgNotice => Some(format!(
                "postgresql://postgres:{encoded}@127.0.0.1:{}/postgres?sslmode=disable",
                self.fake_pg_port()
            )),
            Channel::SyncStatusRow | Channel::PgNetBody | Channel::CronMessage => {
                Some(self.real_db_url(&encoded))
            }
            _ if secret.kind == Kind::DbPassword => Some(self.real_db_url(&encoded)),
            _ => None,
        };
        if let Some(url) = db_url {
            env.push(("SUPABASE_DB_URL".into(), url));
        }
        env
    }

    fn fake_pg_port(&self) -> u16 {
        let url = self.fake_pg.url("x", "");
        let port = url.rsplit(':').next().unwrap_or_default();
        port.split('/').next().unwrap_or_default().parse().unwrap()
    }

    fn real_db_url(&self, encoded_password: &str) -> String {
        format!(
            "postgresql://postgres:{encoded_password}@localhost:{}/postgres?sslmode=verify-full&sslrootcert={}",
            self.pg.port(),
            self.pg.ca_path().display()
        )
    }

    fn arrange_management(&self, case: &Case, token: &str, said: &Said, joined: &str) {
        let mut k = self.management.knobs();
        k.token = Some(token.to_string());
        let run0 = run_start(NOW, 0);
        k.functions = vec![Function {
            id: FUNCTION_ID.into(),
            slug: "pendo-sync".into(),
            version: 17,
            status: "ACTIVE".into(),
            updated_at: NOW - 20 * 86_400,
        }];
        k.invocations = vec![Invocation {
            at: run0 + 71,
            function_id: FUNCTION_ID.into(),
            status_code: 546,
            execution_time_ms: 71_000,
        }];
        let line = if case.channel == Channel::ManagementLog {
            joined.to_string()
        } else {
            "Memory limit exceeded".to_string()
        };
        k.console = vec![ConsoleLine {
            at: run0 + 70,
            function_id: FUNCTION_ID.into(),
            level: "error".into(),
            message: line,
        }];
        k.hostile = match case.channel {
            Channel::ManagementMessage => Some(fake_management::Hostile {
                status: if case.seed.is_multiple_of(2) {
                    403
                } else {
                    500
                },
                message: said.joined(),
                retry_after: None,
            }),
            Channel::RetryAfter => Some(fake_management::Hostile {
                status: 429,
                message: "Too many requests".into(),
                retry_after: Some(joined.to_string()),
            }),
            _ => None,
        };
    }

    /// The newest run of each row channel says the text; the others are as loaded.
    fn arrange_rows(&self, case: &Case, joined: &str) {
        let text = |c: Channel| {
            if case.channel == c {
                sql_literal(joined)
            } else {
                "null".into()
            }
        };
        let sync = text(Channel::SyncStatusRow);
        let net = text(Channel::PgNetBody);
        let cron = text(Channel::CronMessage);
        self.pg.exec(&format!(
            "update public.sync_status set status = case when {sync} is null then 'completed' else 'failed' end, \
             error_message = {sync} where id = (select max(id) from public.sync_status where entity_type = 'guides');
             update net._http_response set status_code = case when {net} is null then 200 else 500 end, \
             content = coalesce({net}, '{{\"success\":true}}') where id = (select max(id) from net._http_response);
             update cron.job_run_details set status = case when {cron} is null then 'succeeded' else 'failed' end, \
             return_message = coalesce({cron}, '1 row') where runid = (select max(d.runid) from cron.job_run_details d \
             join cron.job j on j.jobid = d.jobid where j.jobname = '{JOB_NAME}');"
        ));
    }

    pub fn check(&self, env: &[(String, String)], config: &str) -> Vec<(String, String)> {
        check_both(&self.dir, env, config)
    }

    /// The Action on a new issue: everything it wrote and printed, by name.
    pub fn action(
        &self,
        env: &[(String, String)],
        config: &str,
        secret: &Secret,
    ) -> Vec<(String, String)> {
        let mut h = self.action.lock().unwrap_or_else(|e| e.into_inner());
        h.env.clear();
        // The default token again, unless this case holds a GitHub token (below).
        h.unset_input("github-token");
        for (k, v) in env {
            h.set(k, v);
        }
        let config_path = self.dir.join("action-config.yml");
        std::fs::write(&config_path, config).unwrap();
        h.set("PENDO_TRIAGE_CONFIG", &config_path.display().to_string());
        if secret.kind == Kind::GithubToken {
            h.gh.add_token(&secret.value, support::BOT_LOGIN, "NONE");
            h.input("github-token", &secret.value);
        }
        h.gh.clear_requests();
        let n = h.file("[API] Guides sync failing", BODY);
        let run = h.opened(n);
        let mut sinks = vec![
            // The runner reads `::add-mask::` lines and never shows them: they are how
            // the log is told what to hide, not a leak.
            ("run stdout".to_string(), without_masks(&run.stdout)),
            ("run stderr".to_string(), run.stderr.clone()),
            ("GITHUB_OUTPUT".to_string(), run.outputs.clone()),
            ("GITHUB_STEP_SUMMARY".to_string(), run.summary.clone()),
        ];
        assert_eq!(
            run.code,
            0,
            "run failed: {}",
            scrubbed_for_message(&run.stderr, secret)
        );
        for c in h.gh.comments(n) {
            if let Some(state) = state_json(&c.body) {
                sinks.push(("state block (decoded)".into(), state));
            }
            sinks.push(("comment".into(), c.body));
        }
        let issue = h.gh.issue(n);
        sinks.push(("issue title".into(), issue.title));
        sinks.push(("issue body".into(), issue.body));
        for w in h.gh.writes() {
            sinks.push((format!("write {}", w.line()), w.body));
        }
        for l in h.gh.repo_labels() {
            sinks.push(("label".into(), format!("{} {:?}", l.name, l.description)));
        }
        sinks
    }
}

/// `check` in both formats, run side by side: every sink it has, by name.
pub fn check_both(
    dir: &std::path::Path,
    env: &[(String, String)],
    config: &str,
) -> Vec<(String, String)> {
    let issue = dir.join("issue.md");
    std::fs::write(&issue, BODY).unwrap();
    let config_path = dir.join("config.yml");
    std::fs::write(&config_path, config).unwrap();
    let children: Vec<_> = ["markdown", "json"]
        .into_iter()
        .map(|format| {
            let mut cmd = Command::new(support::bin());
            cmd.env_clear()
                .args(["check", "--format", format, "--config"])
                .arg(&config_path)
                .arg(&issue)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            for (k, v) in std::env::vars() {
                if k == "LD_PRELOAD" || k.starts_with("FAKETIME") {
                    cmd.env(k, v);
                }
            }
            cmd.envs(env.iter().map(|(k, v)| (k, v)));
            (format, cmd.spawn().expect("run pendo-triage check"))
        })
        .collect();
    let mut sinks = Vec::new();
    for (format, child) in children {
        let out = child
            .wait_with_output()
            .expect("wait for pendo-triage check");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "check exit {:?}: {stderr}",
            out.status
        );
        sinks.push((
            format!("check {format} stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        sinks.push((format!("check {format} stderr"), stderr));
    }
    sinks
}

/// The log as the runner shows it: without its `::add-mask::` commands.
pub fn without_masks(log: &str) -> String {
    log.lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `%XX` for every byte but the unreserved ones, as a URL's password.
pub fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The state block's JSON, decoded from its base64.
pub fn state_json(comment: &str) -> Option<String> {
    let start = comment.find("<!-- pendo-triage:state ")? + "<!-- pendo-triage:state ".len();
    let end = comment[start..].find(" -->")? + start;
    let bytes = STANDARD.decode(comment[start..end].trim()).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
