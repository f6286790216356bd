//! What the bot wants for one issue, computed from what it read: pure, no I/O.
//!
//! [`plan`] takes the [`Reading`] of the issue as just read, its labels, the previous
//! state and the live findings, and computes the ticked-and-redacted body, the label
//! delta, the report comment with its new state block, and whether anything changed. The
//! triage is made once, with what the bot remembers, and the report is rendered once per
//! plan (plus the timeless rendering its fingerprint is taken from).

use super::settings::Settings;
use crate::check_plan::CheckPlan;
use crate::clock::{Clock, ReportedAt};
use crate::finding::Finding;
use crate::issue::normalize_key;
use crate::issue::tick::{TickEdit, tick};
use crate::labels;
use crate::reading::Reading;
use crate::report::{self, Context};
use crate::state::{LiveRecord, MetricMemory, State, fingerprint};
use crate::triage::{Memory, Triage, triage_reading};

/// Everything the bot wants for one issue, computed from what it read.
#[derive(Debug, Clone)]
pub struct IssuePlan {
    pub triage: Triage,
    /// The new body, when it differs (ticks, redactions).
    pub new_body: Option<String>,
    /// The title with secrets masked, when it held any.
    pub new_title: Option<String>,
    /// Items ticked by this plan.
    pub ticked_now: Vec<String>,
    pub labels: labels::LabelDelta,
    /// The report comment, state block included.
    pub comment: String,
    /// The report without the state block (job summary, dry-run log).
    pub visible: String,
    /// True when the report comment must be written (new, or its content changed).
    pub comment_needed: bool,
}

impl IssuePlan {
    pub fn issue_write(&self) -> bool {
        self.new_body.is_some() || self.new_title.is_some() || self.labels.changes()
    }
}

/// The live part of a plan's inputs: the triage's check plan and what its live rows
/// found.
#[derive(Debug, Clone)]
pub struct LivePart {
    pub checks: CheckPlan,
    /// One finding per live row: run now, reused or skipped.
    pub findings: Vec<Finding>,
    pub record: Option<LiveRecord>,
    pub note: Option<String>,
    /// What the bot remembers of the metric columns after these findings (`None`: the
    /// live checks did not read them now; the previous memory stands).
    pub metrics: Option<MetricMemory>,
}

impl LivePart {
    /// The live part of a triage whose live results are given (see [`CheckPlan::given`]).
    pub fn given(creds: &crate::credentials::Credentials, findings: Vec<Finding>) -> LivePart {
        LivePart {
            checks: CheckPlan::given(creds, &findings),
            findings,
            record: None,
            note: None,
            metrics: None,
        }
    }
}

/// What was read of one issue, as the plan needs it.
pub struct Read<'a> {
    /// The issue's title and body, read once.
    pub reading: &'a Reading,
    pub labels: &'a [String],
    /// The state from the bot's report, when there is one and it could be read.
    pub previous: Option<&'a State>,
    /// Whether a report comment exists at all.
    pub has_report: bool,
    /// The watch's line for its own issue while the sync recovers (see
    /// [`crate::event::Target::watch_note`]).
    pub watch_note: Option<&'a str>,
}

/// Computes the plan from what was read, the live findings and the reference time.
pub fn plan(read: &Read, live: &LivePart, reported_at: ReportedAt, s: &Settings) -> IssuePlan {
    let empty = State::default();
    let prev = read.previous.unwrap_or(&empty);
    let reading = read.reading;
    let clock = Clock::at(s.now).with_reported(reported_at);
    let memory = Memory {
        ticked: &prev.ticked,
        secrets: prev.secrets.as_ref(),
    };
    let findings = live.checks.findings(reading, &live.findings);
    let t = triage_reading(reading, s.config, findings, &clock, Some(&memory));
    let edit = tick_new(reading, &t.verdict.ticks, &prev.ticked);
    let mut ticked: Vec<String> = prev.ticked.clone();
    ticked.extend(edit.ticked.iter().map(|t| normalize_key(t)));
    ticked.sort();
    ticked.dedup();

    let label_plan = labels::plan(
        read.labels,
        &t.verdict.labels,
        &prev.labels_added,
        &s.config.labels,
    );
    let (broken_since, recovered) = match read.watch_note {
        // Recovering is not recovered: the incident stays open in the state too.
        Some(_) => (prev.broken_since.or(Some(s.now)), None),
        None => sync_health(live, prev, s.now),
    };
    let mut ctx = context(live, recovered, &label_plan, s);
    if let Some(note) = read.watch_note {
        ctx.live_note = Some(match ctx.live_note.take() {
            Some(rest) => format!("{note} {rest}"),
            None => note.to_string(),
        });
    }
    let report_fp = timeless_fingerprint(&t, &ctx);
    ctx.run_url = s.run_url.map(str::to_string);
    let state = State {
        v: crate::state::VERSION,
        ticked,
        labels_added: label_plan.bot_added.clone(),
        live: live.record.clone(),
        report: report_fp,
        secrets: t.secrets_to_remember(prev.secrets.as_ref()),
        reported: Some(reported_at),
        broken_since,
        recovered,
        analytics: live
            .metrics
            .clone()
            .unwrap_or_else(|| prev.analytics.clone()),
    };
    // A column newly seen non-zero is worth a write; its count changing alone is not.
    let comment_needed = !read.has_report
        || read.previous.is_none()
        || prev.report != state.report
        || prev.analytics.columns() != state.analytics.columns()
        || prev.ticked != state.ticked
        || sorted(&prev.labels_added) != sorted(&state.labels_added);
    let (comment, visible) = render(&t, &ctx, &state.encode());
    IssuePlan {
        new_body: (edit.body != reading.body).then_some(edit.body),
        new_title: (t.redacted_title != reading.title).then(|| t.redacted_title.clone()),
        ticked_now: edit.ticked,
        labels: label_plan,
        comment,
        visible,
        comment_needed,
        triage: t,
    }
}

/// The redacted body with the items of `ticks` the bot did not tick before ticked (an
/// item it ticked that is unchecked now was unticked by a person). Ticks from the
/// reading's checklist, so the body is not parsed again.
fn tick_new(reading: &Reading, ticks: &[String], before: &[String]) -> TickEdit {
    let wanted: Vec<&String> = ticks
        .iter()
        .filter(|t| !before.contains(&normalize_key(t)))
        .collect();
    tick(&reading.redacted_body, &reading.issue.checklist, &wanted)
}

/// What the report says around the findings (without the run link, which the
/// fingerprint leaves out).
fn context(
    live: &LivePart,
    recovered: Option<(i64, i64)>,
    label_plan: &labels::LabelDelta,
    s: &Settings,
) -> Context {
    let recovery_note = recovered.map(|(since, at)| {
        format!(
            "✅ **Recovered** at {}: the live checks that found the sync broken since {} pass again (down for about {}).",
            crate::clock::format_utc(at),
            crate::clock::format_utc(since),
            crate::clock::human_age((at - since) as f64)
        )
    });
    let notes: Vec<&str> = [
        recovery_note.as_deref(),
        live.note.as_deref(),
        label_plan.note.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    Context {
        recheck_label: s.config.labels.recheck.clone(),
        live_note: (!notes.is_empty()).then(|| notes.join(" ")),
        run_url: None,
        live_at: live.record.as_ref().map(|r| r.at),
    }
}

/// The fingerprint of the report, leaving out what changes on every run without meaning
/// a change: timings, the run link (`ctx` has none), and every figure (see
/// [`report::change_key`]).
fn timeless_fingerprint(t: &Triage, ctx: &Context) -> String {
    fingerprint(&report::change_key(t, ctx))
}

/// The report as posted (with the state block) and as shown (without), from one render:
/// the posted comment is the shown text and the block, unless the block would push it
/// past GitHub's limit, and only then is it rendered again, shorter, to fit beside it.
fn render(t: &Triage, ctx: &Context, state: &str) -> (String, String) {
    /// How the report ends when it had to be cut (see [`report::render_markdown`]).
    const CUT_NOTE: &str = "_(report cut to fit GitHub's comment limit; see the run log)_\n";
    let visible = report::render_markdown(t, ctx, None);
    let budget = report::MAX_CHARS.saturating_sub(state.chars().count() + 2);
    let comment = if visible.chars().count() <= budget && !visible.ends_with(CUT_NOTE) {
        format!("{visible}\n{state}\n")
    } else {
        report::render_markdown(t, ctx, Some(state))
    };
    (comment, visible)
}

/// Whether the live checks find the sync broken, and since when; or that it recovered.
/// Live results reused from an earlier run change nothing.
fn sync_health(live: &LivePart, prev: &State, now: i64) -> (Option<i64>, Option<(i64, i64)>) {
    let at = live.record.as_ref().map_or(now, |r| r.at);
    let live_findings = || live.findings.iter().filter(|f| !f.is_offline());
    let critical = live_findings().any(Finding::is_broken);
    let concluded = crate::finding::live_concluded(live_findings());
    if critical {
        (prev.broken_since.or(Some(at)), None)
    } else if concluded {
        match prev.broken_since {
            Some(since) => (None, Some((since, at.max(since)))),
            None => (None, prev.recovered),
        }
    } else {
        (prev.broken_since, prev.recovered)
    }
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::credentials::Credentials;
    use crate::finding::{CheckId, Status};

    /// The one render gives what rendering with and without the state block gives, at
    /// every size up to GitHub's limit and past it, the window where only the block does
    /// not fit included.
    #[test]
    fn one_render_gives_the_comment_and_the_shown_report() {
        let body = "### Environment\n\nProduction\n";
        let base = crate::triage::triage(
            "",
            body,
            &Config::default(),
            &Credentials::default(),
            &[],
            &Clock::at(0),
        );
        let state = State {
            ticked: vec!["x".repeat(40)],
            ..State::default()
        }
        .encode();
        let ctx = Context::default();
        let row = |n: usize, lines: usize, chars: usize| {
            let mut f = Finding::new(CheckId::PendoAuth, Status::Fail, format!("row {n}"));
            for line in 0..lines {
                f = f.with_evidence(format!("{line} {}", "e".repeat(chars)));
            }
            f
        };
        let mut cases: Vec<(usize, usize, usize)> = [0, 5, 40, 48, 50, 80, 120, 200, 400]
            .into_iter()
            .map(|rows| (rows, 0, 0))
            .collect();
        // 49 full rows come to about 64,300 characters: a last row of `lines` lines of
        // `chars` characters walks across both limits in small steps.
        for lines in [2, 4, 6] {
            cases.extend((0..200).step_by(10).map(|chars| (49, lines, chars)));
        }
        let mut only_the_block_did_not_fit = 0;
        for (rows, lines, chars) in cases {
            let mut t = base.clone();
            t.findings.extend((0..rows).map(|n| row(n, 8, 225)));
            if lines > 0 {
                t.findings.push(row(rows, lines, chars));
            }
            let (comment, visible) = render(&t, &ctx, &state);
            let with_block = report::render_markdown(&t, &ctx, Some(&state));
            assert_eq!(visible, report::render_markdown(&t, &ctx, None), "{rows}");
            assert_eq!(comment, with_block, "{rows} {lines} {chars}");
            if !comment.starts_with(visible.as_str()) {
                only_the_block_did_not_fit += 1;
            }
        }
        assert!(only_the_block_did_not_fit > 0, "the window was not reached");
    }

    /// Ticking from the reading gives the body, the ticked items and the ticks shown that
    /// ticking the text as written, masking it and parsing it again gives.
    #[test]
    fn ticking_the_reading_equals_ticking_the_text_and_reading_it_again() {
        use crate::clock::Basis;
        let secret = format!("sb_secret_{}", "a1B2c3D4".repeat(5));
        let body = format!(
            "key: {secret}\n\n- [ ] Verify API key is valid and active\n- [x] Issue severity assessed (P0/P1/P2)\n- [ ] Test API endpoint manually\n- [ ] Verify API key is valid and active\n"
        );
        let (config, creds) = (Config::default(), Credentials::default());
        let s = Settings {
            config: &config,
            creds: &creds,
            run_url: None,
            dry_run: false,
            now: 1000,
            bot: &Default::default(),
        };
        let live = LivePart::given(
            &creds,
            vec![
                Finding::pass(CheckId::PendoAuth, "ok"),
                Finding::pass(CheckId::PendoEndpoint, "ok"),
            ],
        );
        let at = ReportedAt {
            at: 1000,
            basis: Basis::Now,
        };
        let clock = Clock::at(s.now).with_reported(at);
        let key = |t: &str| normalize_key(t);
        for before in [
            vec![],
            vec![key("Verify API key is valid and active")],
            vec![
                key("Test API endpoint manually"),
                key("Issue severity assessed (P0/P1/P2)"),
            ],
        ] {
            let reading = Reading::new("[API] x", &body);
            assert_ne!(reading.redacted_body, body, "the secret is masked");
            let prev = State {
                ticked: before.clone(),
                ..State::default()
            };
            let read = Read {
                reading: &reading,
                labels: &[],
                previous: Some(&prev),
                has_report: true,
                watch_note: None,
            };
            let p = plan(&read, &live, at, &s);
            // Ticking the text as written, then reading it again.
            let t =
                crate::triage::triage("[API] x", &body, &config, &creds, &live.findings, &clock);
            let to_tick: Vec<&String> = t
                .verdict
                .ticks
                .iter()
                .filter(|x| !before.contains(&key(x)))
                .collect();
            let edit = tick(&body, &crate::issue::parse(&body).checklist, &to_tick);
            let new_body = crate::secrets::redact_pasted(&edit.body);
            let mut ticked = before.clone();
            ticked.extend(edit.ticked.iter().map(|t| key(t)));
            let shown: Vec<String> = crate::issue::parse(&new_body)
                .checklist
                .iter()
                .filter(|i| i.checked && ticked.contains(&key(&i.text)))
                .map(|i| i.text.clone())
                .collect();
            assert!(!edit.ticked.is_empty() || !before.is_empty());
            assert_eq!(p.new_body.as_deref(), Some(new_body.as_str()));
            assert_eq!(p.ticked_now, edit.ticked, "{before:?}");
            assert_eq!(p.triage.verdict.ticks, shown, "{before:?}");
        }
    }
}
