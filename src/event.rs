//! GitHub event payloads → what to triage, or why not.
//!
//! Pure: it gets the event name and the payload `GITHUB_EVENT_PATH` points at, and
//! decides (`docs/action.md`, "Triggers") whether this run triages one issue, sweeps every
//! open `[API]` issue, or does nothing, and whether live checks may run for it. A payload
//! that lacks a field the decision needs is an error naming that field (`issue.number`,
//! …). The rules it decides by live here too: what an `[API]` issue is, who is a member,
//! a `/recheck` line in a comment, and an edit that is only the bot's own.

use crate::config::Labels;
use crate::terms::Area;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use serde_json::Value;

/// Title prefix that marks an issue for the bot.
pub const TITLE_PREFIX: &str = "[API]";
/// The comment command asking for a recheck.
pub const RECHECK_COMMAND: &str = "/recheck";

/// What started this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Opened,
    Edited,
    Reopened,
    /// Someone added the recheck label.
    RecheckLabel,
    /// A member commented `/recheck`.
    RecheckComment,
    Dispatch,
    Schedule,
}

impl Trigger {
    /// True when a person (or the schedule) asked for fresh live results: never reuse.
    pub fn forces_live(self) -> bool {
        matches!(
            self,
            Self::RecheckLabel | Self::RecheckComment | Self::Dispatch | Self::Schedule
        )
    }
}

/// One issue to triage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub number: u64,
    pub trigger: Trigger,
    /// Whether whoever caused the run may fire live checks (member issue, member recheck,
    /// dispatch). When false the triage is offline and the report says how to ask.
    pub live_allowed: bool,
    /// When a person last changed the body, if this event says so (an `edited` event with
    /// `changes.body`): the issue's reported values are then judged as of that moment.
    pub body_edited_at: Option<i64>,
    /// The watch's line for the head of its own issue's report while the sync recovers
    /// ("recovering: 1 of 2 runs completed since the last failure"); the report then
    /// does not call it recovered yet.
    pub watch_note: Option<String>,
    /// What the watch's memory adds to the live findings of its own issue (the metric
    /// columns it saw non-zero, the tables' row drops), so its report judges as the
    /// watch did.
    pub watch_recall: Option<crate::oncall::Recalled>,
}

impl Target {
    pub fn new(number: u64, trigger: Trigger, live_allowed: bool) -> Self {
        Self {
            number,
            trigger,
            live_allowed,
            body_edited_at: None,
            watch_note: None,
            watch_recall: None,
        }
    }
}

/// The decision for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    One(Target),
    /// Every open `[API]` issue (dispatch without a number, or schedule).
    Sweep(Trigger),
    /// Nothing to do, and why (logged).
    Ignore(String),
}

/// A payload the bot cannot read; `field` is the JSON path that is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event payload: `{field}` {problem}")]
pub struct EventError {
    pub field: String,
    pub problem: String,
}

fn missing(field: &str) -> EventError {
    EventError {
        field: field.into(),
        problem: "is missing or has the wrong type".into(),
    }
}

fn str_at<'a>(v: &'a Value, path: &str) -> Result<&'a str, EventError> {
    v.pointer(&format!("/{}", path.replace('.', "/")))
        .and_then(Value::as_str)
        .ok_or_else(|| missing(path))
}

fn u64_at(v: &Value, path: &str) -> Result<u64, EventError> {
    v.pointer(&format!("/{}", path.replace('.', "/")))
        .and_then(Value::as_u64)
        .ok_or_else(|| missing(path))
}

/// OWNER, MEMBER and COLLABORATOR may fire live checks.
pub fn is_member(association: &str) -> bool {
    matches!(association, "OWNER" | "MEMBER" | "COLLABORATOR")
}

/// True when the issue is one the bot triages: `[API]` title or the pendo-api label.
pub fn is_api_issue(title: &str, labels: &[String], config: &Labels) -> bool {
    let title = title.trim_start();
    let prefixed = title
        .get(..TITLE_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(TITLE_PREFIX));
    prefixed
        || labels
            .iter()
            .any(|l| l.eq_ignore_ascii_case(config.area(Area::PendoApi.key())))
}

/// Label names of an issue object.
pub fn label_names(issue: &Value) -> Vec<String> {
    issue["labels"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|l| l["name"].as_str().or_else(|| l.as_str()))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Decides what this event asks for. `issue_number_input` is the dispatch input;
/// `bot_logins` are the identities whose events are the bot's own.
pub fn intake(
    event_name: &str,
    payload: &Value,
    issue_number_input: Option<&str>,
    bot_logins: &[String],
    labels: &Labels,
) -> Result<Intake, EventError> {
    match event_name {
        "schedule" => Ok(Intake::Sweep(Trigger::Schedule)),
        "workflow_dispatch" => decide_dispatch(issue_number_input),
        "issues" | "issue_comment" => decide_issue_event(event_name, payload, bot_logins, labels),
        other => Ok(Intake::Ignore(format!("event `{other}` is not a trigger"))),
    }
}

/// A manual run: one issue when the input names one, else a sweep.
fn decide_dispatch(issue_number_input: Option<&str>) -> Result<Intake, EventError> {
    match issue_number_input.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Intake::Sweep(Trigger::Dispatch)),
        Some(n) => {
            let number = n
                .trim_start_matches('#')
                .parse::<u64>()
                .map_err(|_| EventError {
                    field: "inputs.issue-number".into(),
                    problem: format!(
                        "is {n:?}; give an issue number such as 42, or leave it empty to sweep"
                    ),
                })?;
            Ok(Intake::One(Target::new(number, Trigger::Dispatch, true)))
        }
    }
}

/// An `issues` or `issue_comment` event: not the bot's own, on an `[API]` issue, and an
/// action that triggers.
fn decide_issue_event(
    event_name: &str,
    payload: &Value,
    bot_logins: &[String],
    labels: &Labels,
) -> Result<Intake, EventError> {
    let ignore = |why: String| Ok(Intake::Ignore(why));
    let action = str_at(payload, "action")?;
    let sender = str_at(payload, "sender.login")?;
    if bot_logins.iter().any(|b| b.eq_ignore_ascii_case(sender)) {
        return ignore(format!("the event was caused by the bot itself ({sender})"));
    }
    let issue = payload.get("issue").ok_or_else(|| missing("issue"))?;
    let number = u64_at(payload, "issue.number")?;
    let title = str_at(payload, "issue.title")?;
    let issue_labels = label_names(issue);
    if !is_api_issue(title, &issue_labels, labels) {
        return ignore(format!(
            "issue #{number} is not an {TITLE_PREFIX} issue and has no `{}` label",
            labels.area(Area::PendoApi.key())
        ));
    }
    if event_name == "issue_comment" {
        return decide_comment(payload, action, number);
    }
    let author_member = is_member(str_at(payload, "issue.author_association")?);
    let target =
        |trigger, live_allowed| Ok(Intake::One(Target::new(number, trigger, live_allowed)));
    match action {
        "opened" => target(Trigger::Opened, author_member),
        "reopened" => target(Trigger::Reopened, author_member),
        "edited" => decide_edit(payload, number, title, author_member),
        "labeled" => {
            let added = str_at(payload, "label.name")?;
            if added.eq_ignore_ascii_case(&labels.recheck) {
                // Only people with triage access can add labels: a member's request.
                target(Trigger::RecheckLabel, true)
            } else {
                ignore(format!("label `{added}` is not the recheck label"))
            }
        }
        other => ignore(format!("issues.{other} is not a trigger")),
    }
}

/// An `issues.edited` event: a trigger unless the edit is only the bot's own kind.
fn decide_edit(
    payload: &Value,
    number: u64,
    title: &str,
    author_member: bool,
) -> Result<Intake, EventError> {
    let new_body = payload["issue"]["body"].as_str().unwrap_or("");
    let from = |field: &str| {
        payload
            .pointer(&format!("/changes/{field}/from"))
            .and_then(Value::as_str)
    };
    let (body_from, title_from) = (from("body"), from("title"));
    // The bot's own edits tick items and mask secrets, in the body and the
    // title; an edit that does only that is not a reason to run again.
    let bot_body = body_from.is_none_or(|f| is_bot_edit(f, new_body));
    let bot_title =
        title_from.is_none_or(|f| f != title && crate::secrets::redact_pasted(f) == title);
    if (body_from.is_some() || title_from.is_some()) && bot_body && bot_title {
        return Ok(Intake::Ignore(format!(
            "the edit of issue #{number} only ticks items or masks secrets (the bot's own kind of edit)"
        )));
    }
    let mut t = Target::new(number, Trigger::Edited, author_member);
    if body_from.is_some() {
        // A person's edit of the body: what it reports is as of now.
        t.body_edited_at = str_at(payload, "issue.updated_at")
            .ok()
            .and_then(crate::clock::parse_rfc3339);
    }
    Ok(Intake::One(t))
}

fn decide_comment(payload: &Value, action: &str, number: u64) -> Result<Intake, EventError> {
    if action != "created" {
        return Ok(Intake::Ignore(format!(
            "issue_comment.{action} is not a trigger"
        )));
    }
    if payload
        .pointer("/issue/pull_request")
        .is_some_and(|v| !v.is_null())
    {
        return Ok(Intake::Ignore(format!("#{number} is a pull request")));
    }
    let body = payload
        .pointer("/comment/body")
        .ok_or_else(|| missing("comment.body"))?
        .as_str()
        .unwrap_or("");
    if !has_command(body, RECHECK_COMMAND) {
        return Ok(Intake::Ignore(format!(
            "the comment on #{number} has no `{RECHECK_COMMAND}` line"
        )));
    }
    let association = str_at(payload, "comment.author_association")?;
    if !is_member(association) {
        return Ok(Intake::Ignore(format!(
            "`{RECHECK_COMMAND}` on #{number} comes from a {association} author; only OWNER, MEMBER and COLLABORATOR may ask"
        )));
    }
    Ok(Intake::One(Target::new(
        number,
        Trigger::RecheckComment,
        true,
    )))
}

/// True when a line of the comment's prose, trimmed, is exactly `command`. Text inside
/// code (blocks or spans), block quotes and HTML does not count.
pub fn has_command(markdown: &str, command: &str) -> bool {
    let mut quote_depth = 0usize;
    let mut in_code = false;
    let mut line = String::new();
    let mut found = false;
    let flush = |line: &mut String, found: &mut bool| {
        if line.trim() == command {
            *found = true;
        }
        line.clear();
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if quote_depth == 0 && !in_code => line.push_str(&t),
            // Inline code and HTML make the line something other than the bare command.
            Event::Code(_) | Event::InlineHtml(_) => line.push('\u{1}'),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => flush(&mut line, &mut found),
            _ => {}
        }
    }
    flush(&mut line, &mut found);
    found
}

/// True when `to` differs from `from` only in ways the bot edits a body: checklist marks
/// set inside `[ ]`, and secrets masked by [`crate::secrets::redact`]. A person ticking a
/// box also matches, harmlessly: ticks are not an input to the triage.
pub fn is_bot_edit(from: &str, to: &str) -> bool {
    if from == to {
        return true;
    }
    let from = crate::secrets::redact_pasted(from);
    let (a, b) = (from.as_bytes(), to.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    (0..a.len()).all(|i| {
        a[i] == b[i]
            || (a[i] == b' '
                && (b[i] == b'x' || b[i] == b'X')
                && i > 0
                && a[i - 1] == b'['
                && a.get(i + 1) == Some(&b']'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bots() -> Vec<String> {
        vec!["github-actions[bot]".into()]
    }

    fn issues_event(action: &str, title: &str, association: &str) -> Value {
        json!({
            "action": action,
            "sender": {"login": "alice"},
            "issue": {"number": 7, "title": title, "body": "b", "author_association": association,
                      "labels": [{"name": "api"}]},
        })
    }

    fn decide_default(name: &str, payload: &Value) -> Result<Intake, EventError> {
        intake(name, payload, None, &bots(), &Labels::default())
    }

    #[test]
    fn opened_api_issue_by_member_runs_live() {
        let got =
            decide_default("issues", &issues_event("opened", "[API] broken", "MEMBER")).unwrap();
        assert_eq!(got, Intake::One(Target::new(7, Trigger::Opened, true)));
        let got =
            decide_default("issues", &issues_event("opened", "[api] broken", "NONE")).unwrap();
        assert!(matches!(
            got,
            Intake::One(Target {
                live_allowed: false,
                ..
            })
        ));
    }

    #[test]
    fn other_issues_and_bot_events_are_ignored() {
        let got = decide_default("issues", &issues_event("opened", "Docs typo", "MEMBER")).unwrap();
        assert!(matches!(got, Intake::Ignore(_)));
        let mut e = issues_event("edited", "[API] x", "MEMBER");
        e["sender"]["login"] = json!("github-actions[bot]");
        assert!(matches!(
            decide_default("issues", &e).unwrap(),
            Intake::Ignore(_)
        ));
        // Labelled `pendo-api` without the prefix counts.
        let mut e = issues_event("opened", "Sync broken", "MEMBER");
        e["issue"]["labels"] = json!([{"name": "pendo-api"}]);
        assert!(matches!(
            decide_default("issues", &e).unwrap(),
            Intake::One(_)
        ));
    }

    #[test]
    fn labeled_only_for_recheck() {
        let mut e = issues_event("labeled", "[API] x", "NONE");
        e["label"] = json!({"name": "needs-triage"});
        assert!(matches!(
            decide_default("issues", &e).unwrap(),
            Intake::Ignore(_)
        ));
        e["label"] = json!({"name": "recheck"});
        assert_eq!(
            decide_default("issues", &e).unwrap(),
            Intake::One(Target::new(7, Trigger::RecheckLabel, true))
        );
    }

    #[test]
    fn bot_edits_are_recognised() {
        let from = "- [ ] one\n- [ ] two\nkey: sk_live_abcdefghijklmnopqrstuvwx\n";
        let to_ticked = "- [x] one\n- [ ] two\nkey: sk_live_abcdefghijklmnopqrstuvwx\n";
        assert!(is_bot_edit(from, to_ticked));
        assert!(!is_bot_edit("- [ ] one", "- [ ] one!"));
        assert!(!is_bot_edit("a b", "axb"));
        let redacted = crate::secrets::redact_pasted(from);
        assert!(is_bot_edit(from, &redacted));
        let mut e = issues_event("edited", "[API] x", "MEMBER");
        e["issue"]["body"] = json!("- [x] one");
        e["changes"] = json!({"body": {"from": "- [ ] one"}});
        assert!(matches!(
            decide_default("issues", &e).unwrap(),
            Intake::Ignore(_)
        ));
        e["changes"] = json!({"body": {"from": "- [ ] uno"}});
        assert!(matches!(
            decide_default("issues", &e).unwrap(),
            Intake::One(_)
        ));
    }

    #[test]
    fn the_bots_title_redaction_is_its_own_edit() {
        let key = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
        let raw = format!("[API] sync fails with {key}");
        let masked = crate::secrets::redact_pasted(&raw);
        let mut e = issues_event("edited", &masked, "MEMBER");
        e["changes"] = json!({"title": {"from": raw}});
        assert!(matches!(
            decide_default("issues", &e).unwrap(),
            Intake::Ignore(_)
        ));
        // A person retitling is a reason to look again.
        e["changes"] = json!({"title": {"from": "[API] old title"}});
        assert!(matches!(
            decide_default("issues", &e).unwrap(),
            Intake::One(_)
        ));
    }

    #[test]
    fn a_persons_body_edit_carries_its_time_and_a_title_edit_does_not() {
        let mut e = issues_event("edited", "[API] x", "MEMBER");
        e["issue"]["updated_at"] = json!("2026-11-28T10:00:00Z");
        e["changes"] = json!({"body": {"from": "old text"}});
        let Intake::One(t) = decide_default("issues", &e).unwrap() else {
            panic!("a body edit is triaged")
        };
        assert_eq!(
            t.body_edited_at,
            crate::clock::parse_rfc3339("2026-11-28T10:00:00Z")
        );
        e["changes"] = json!({"title": {"from": "[API] y"}});
        let Intake::One(t) = decide_default("issues", &e).unwrap() else {
            panic!("a title edit is triaged")
        };
        assert_eq!(t.body_edited_at, None);
    }

    #[test]
    fn recheck_command_is_read_from_prose_only() {
        assert!(has_command("/recheck", "/recheck"));
        assert!(has_command("thanks!\n  /recheck  \n", "/recheck"));
        assert!(!has_command("please /recheck", "/recheck"));
        assert!(!has_command("```\n/recheck\n```", "/recheck"));
        assert!(!has_command("> /recheck", "/recheck"));
        assert!(!has_command("`/recheck`", "/recheck"));
        assert!(!has_command("    /recheck", "/recheck"));
    }

    #[test]
    fn comments_need_a_member_and_an_issue() {
        let comment = |assoc: &str, pr: bool| {
            let mut e = json!({
                "action": "created",
                "sender": {"login": "bob"},
                "issue": {"number": 3, "title": "[API] x", "labels": []},
                "comment": {"body": "/recheck", "author_association": assoc},
            });
            if pr {
                e["issue"]["pull_request"] = json!({"url": "u"});
            }
            e
        };
        assert!(matches!(
            decide_default("issue_comment", &comment("MEMBER", false)).unwrap(),
            Intake::One(_)
        ));
        assert!(matches!(
            decide_default("issue_comment", &comment("NONE", false)).unwrap(),
            Intake::Ignore(_)
        ));
        assert!(matches!(
            decide_default("issue_comment", &comment("OWNER", true)).unwrap(),
            Intake::Ignore(_)
        ));
    }

    #[test]
    fn dispatch_and_schedule() {
        let l = Labels::default();
        assert_eq!(
            intake("schedule", &json!({}), None, &bots(), &l).unwrap(),
            Intake::Sweep(Trigger::Schedule)
        );
        assert_eq!(
            intake("workflow_dispatch", &json!({}), Some(" "), &bots(), &l).unwrap(),
            Intake::Sweep(Trigger::Dispatch)
        );
        assert!(matches!(
            intake("workflow_dispatch", &json!({}), Some("#12"), &bots(), &l).unwrap(),
            Intake::One(Target { number: 12, .. })
        ));
        let e = intake("workflow_dispatch", &json!({}), Some("twelve"), &bots(), &l).unwrap_err();
        assert_eq!(e.field, "inputs.issue-number");
    }

    #[test]
    fn errors_name_the_field() {
        let e = decide_default(
            "issues",
            &json!({"action": "opened", "sender": {"login": "a"}, "issue": {"title": "[API]"}}),
        )
        .unwrap_err();
        assert_eq!(e.field, "issue.number");
        assert!(e.to_string().contains("`issue.number`"));
    }
}
