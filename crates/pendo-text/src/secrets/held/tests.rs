//! The held values: every credential, every form, every run; weak values as whole tokens.

use super::*;

const KEY: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

fn masked(held: &Held, text: &str) -> String {
    let mut out = String::new();
    let mut at = 0;
    for h in held.matches(text, Scope::Outside) {
        out.push_str(&text[at..h.range.start]);
        out.push('█');
        at = h.range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[test]
fn a_plain_uuid_key_is_found_in_every_form_it_travels_in() {
    let held = Held::new(&[Credential::PendoKey(KEY)]);
    for text in [
        format!("401 Unauthorized {KEY}"),
        format!("Invalid key {}", KEY.to_uppercase()),
        format!("token={}", KEY.replace('-', "")),
        format!("x={}", STANDARD.encode(KEY)),
    ] {
        let out = masked(&held, &text);
        assert!(out.contains('█'), "{text} → {out}");
        assert!(!out.to_lowercase().contains("4b5a"), "{out}");
    }
    assert_eq!(masked(&held, "nothing here"), "nothing here");
}

#[test]
fn the_database_url_its_password_and_basic_auth_are_found() {
    let url = "postgresql://postgres.ref:Letters%40OnlyPw@pooler.example:5432/postgres";
    let held = Held::new(&[Credential::DatabaseUrl(url)]);
    assert_eq!(masked(&held, url), "█");
    assert_eq!(masked(&held, "password Letters@OnlyPw"), "password █");
    assert_eq!(masked(&held, "pw=Letters%40OnlyPw;"), "pw=█;");
    let basic = STANDARD.encode("postgres.ref:Letters@OnlyPw");
    assert_eq!(masked(&held, &format!("Basic {basic}")), "Basic █");
    let held = Held::new(&[Credential::DatabaseUrl(
        "host=db.example user=postgres password=OnlyLettersHere",
    )]);
    assert_eq!(
        masked(&held, "auth OnlyLettersHere failed"),
        "auth █ failed"
    );
}

#[test]
fn a_github_token_is_found_as_git_sends_it() {
    let held = Held::new(&[Credential::GithubToken("ghs_FAKEtokenForTests0000")]);
    let basic = STANDARD.encode("x-access-token:ghs_FAKEtokenForTests0000");
    assert_eq!(masked(&held, &format!("Basic {basic}")), "Basic █");
}

#[test]
fn short_values_are_not_searched_for() {
    let held = Held::new(&[Credential::PendoKey("abc")]);
    assert!(held.is_empty());
    assert_eq!(masked(&held, "abc abc"), "abc abc");
}

#[test]
fn matches_never_split_a_character_and_never_overlap() {
    let held = Held::new(&[
        Credential::PendoKey("ÄÖÜkeykeykey"),
        Credential::PendoKey("keykeykey"),
    ]);
    let text = "xx ÄÖÜkeykeykey keykeykey é";
    let found = held.matches(text, Scope::Outside);
    for Hit { range: r, .. } in &found {
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
    }
    assert_eq!(found.len(), 2, "{found:?}");
}

// ---------------------------------------------------------------------------------------
// Issue 23: every credential, every encoding, every run; weak values.

const SB_SECRET: &str = "sb_secret_FAKEheldKey_0123456789abcdefXYZ";
/// A database password with the punctuation markdown, HTML and URLs escape.
const DB_PASSWORD: &str = "Fake_p@ss!w0rd&<tail>*(x)";
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.FAKEsignatureFAKEsignature0123456789abcdefgh";

/// Whether any run of [`RUN`] characters of `value` (outside its public prefix) can still
/// be read in `text` as it is, or once markdown, HTML and percent escapes are undone (once
/// or twice) and it is NFKC-normalised.
fn leaked_run(value: &str, text: &str) -> Option<String> {
    let mut plain = text.to_string();
    if let Some(v) = views::unescaped(text) {
        for layer in v.layers() {
            plain.push('\n');
            plain.push_str(&String::from_utf8_lossy(&layer.bytes));
        }
    }
    let plain = plain.to_ascii_lowercase();
    let public = runs_public_len(value);
    let chars: Vec<(usize, char)> = value.char_indices().collect();
    (0..=chars.len().saturating_sub(RUN)).find_map(|i| {
        let from = chars[i].0;
        let to = chars.get(i + RUN).map_or(value.len(), |c| c.0);
        let run = value[from..to].to_ascii_lowercase();
        (to > public && varied(&run) && plain.contains(&run)).then_some(run)
    })
}

fn percent_all(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn entities(text: &str) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                format!("&#{};", c as u32)
            } else {
                format!("&#x{:x};", c as u32)
            }
        })
        .collect()
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xff01).unwrap(),
            c => c,
        })
        .collect()
}

fn markdown_escaped(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\`*_{}[]()#+-.!|<>&@~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// encodeURIComponent: everything but `A-Za-z0-9-_.!~*'()` escaped.
fn uri_component(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Every encoding of issue 23 §4 that a reader undoes in seconds.
fn encodings(value: &str) -> Vec<(&'static str, String)> {
    let long = format!("{{\"note\":\"prefix\",\"key\":\"{value}\",\"more\":1}}");
    let mut all = vec![
        ("hex", hex(value)),
        ("HEX", hex(value).to_uppercase()),
        ("percent", percent_all(value)),
        ("percent twice", percent_all(&percent_all(value))),
        ("encodeURIComponent", uri_component(value)),
        (
            "over-encoded",
            value.replace('_', "%5f").replace('a', "%61"),
        ),
        ("entities", entities(value)),
        ("full-width", full_width(value)),
        ("markdown", markdown_escaped(value)),
        (
            "named entities",
            value
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;"),
        ),
        ("zero-width", {
            let mid = value.len() / 2;
            format!("{}\u{200b}{}", &value[..mid], &value[mid..])
        }),
    ];
    for shift in 0..3 {
        all.push((
            "base64 of a longer text",
            STANDARD.encode(format!("{}{long}", &"xyz"[..shift])),
        ));
    }
    all
}

#[test]
fn every_held_value_is_masked_in_every_encoding_by_redact_and_scrub() {
    let url = format!(
        "postgresql://postgres.ref:{}@pooler.example:5432/postgres",
        percent_encode(DB_PASSWORD)
    );
    let held = Held::new(&[
        Credential::SupabaseKey(SB_SECRET),
        Credential::DatabaseUrl(&url),
        Credential::SupabaseKey(JWT),
        Credential::PendoKey(KEY),
    ]);
    for value in [SB_SECRET, DB_PASSWORD, JWT, KEY] {
        for (name, form) in encodings(value) {
            let text = format!("ERROR: invalid input syntax for type json: Bearer {form} (line 1)");
            for (scope, out) in [("scrub", held.scrub(&text)), ("redact", held.redact(&text))] {
                assert!(out.contains(super::super::MASK), "{scope} {name}: {out}");
                assert_eq!(
                    leaked_run(value, &out),
                    None,
                    "{scope}: {name} of {value} leaked in {out}"
                );
                assert!(out.starts_with("ERROR: invalid input syntax"), "{out}");
                assert!(out.ends_with(" (line 1)"), "{scope} {name}: {out}");
            }
        }
    }
}

#[test]
fn a_key_split_across_fields_or_cut_is_masked_as_runs() {
    let held = Held::new(&[
        Credential::SupabaseKey(SB_SECRET),
        Credential::PendoKey(KEY),
    ]);
    let (a, b) = SB_SECRET.split_at(20);
    let split = format!(r#"{{"head":"{a}","tail":"{b}"}}"#);
    let out = held.scrub(&split);
    assert_eq!(leaked_run(SB_SECRET, &out), None, "{out}");
    assert!(
        out.starts_with(r#"{"head":""#) && out.contains(r#"","tail":""#),
        "{out}"
    );
    // 35 of the key's 36 characters, as a cut leaves them, then other text.
    let cut = format!("key {}… and more", &KEY[..35]);
    let out = held.scrub(&cut);
    assert_eq!(leaked_run(KEY, &out), None, "{out}");
    assert!(
        out.starts_with("key ") && out.ends_with("… and more"),
        "{out}"
    );
    // Upper-cased and dash-less, cut too.
    let upper = KEY.to_uppercase().replace('-', "");
    let out = held.scrub(&upper[3..30]);
    assert_eq!(leaked_run(&KEY.replace('-', ""), &out), None, "{out}");
}

#[test]
fn the_bots_sentences_that_name_public_prefixes_are_left_alone() {
    let held = Held::new(&[
        Credential::SupabaseKey(SB_SECRET),
        Credential::SupabaseKey(JWT),
        Credential::GithubToken("ghs_FAKEtokenForTests0000"),
        Credential::AccessToken("sbp_0123456789abcdef0123456789abcdef01234567"),
    ]);
    let own = "Use an `sb_secret_…` key or the legacy JWT (`eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ…`), \
               a `sbp_…` access token, and let `ghs_…` stay the workflow's.";
    assert_eq!(held.scrub(own), own);
}

#[test]
fn a_whole_held_key_keeps_only_its_public_prefix_and_stays_masked() {
    let held = Held::new(&[
        Credential::SupabaseKey(SB_SECRET),
        Credential::PendoKey(KEY),
    ]);
    let text = format!("got {SB_SECRET} and {KEY}");
    let out = held.scrub(&text);
    assert_eq!(out, "got sb_secret_…[redacted] and 0f1e…[redacted]");
    assert_eq!(held.scrub(&out), out, "scrubbing twice changes nothing");
}

#[test]
fn passwords_from_the_query_and_key_value_forms_are_held() {
    let held = Held::new(&[
        Credential::DatabaseUrl(
            "postgresql://postgres@db.example:5432/postgres?sslmode=require&password=Fake%21Query_pw9",
        ),
        Credential::DatabaseUrl(
            r"host=db.example user=app password = 'fake\'kv pw_77' sslmode=require",
        ),
    ]);
    for (text, password) in [
        ("auth failed for Fake!Query_pw9", "Fake!Query_pw9"),
        ("pw=Fake%21Query_pw9", "Fake%21Query_pw9"),
        ("auth failed for fake'kv pw_77.", "fake'kv pw_77"),
    ] {
        let out = held.scrub(text);
        assert!(!out.contains(password), "{out}");
        assert!(out.contains("[redacted]"), "{out}");
    }
    let values = held.strong_values();
    for v in ["Fake!Query_pw9", "Fake%21Query_pw9", "fake'kv pw_77"] {
        assert!(values.contains(&v), "{v} in {values:?}");
    }
}

#[test]
fn which_values_are_weak() {
    for weak in [
        "triage",
        "supabase",
        "postgres",
        "password",
        "Password1!",
        "postgres123",
        "admin",
        "OnlyLettersHere",
        "needs-triage",
        "pendo.auth",
        "12345678",
        "short!1",
    ] {
        assert!(is_weak(weak), "{weak} should be weak");
    }
    for strong in [
        "Fake_p@ss!w0rd",
        "fake-p%40ss",
        "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "sb_secret_FAKEheldKey_0123",
        "Letters@OnlyPw",
        "hunter2hunter2!",
        // Issued keys with no digit: random, not words.
        "ghs_fakeLettersOnlyTokenForTestsAbcdEfgh",
        "sb_secret_FakeOnlyLettersKeyForTestsAbcd",
    ] {
        assert!(!is_weak(strong), "{strong} should be strong");
    }
    // A bare prefix with a word after it is still a word.
    assert!(is_weak("ghs_token"));
}

/// The no_key_leaves case `GithubToken, Split, ManagementLog, Across(4000)`: the Action's
/// `ghs_` token happened to hold no digit, was read as weak, and so masked only as a whole
/// token; split across two JSON fields of an Edge Function's log line, its halves showed.
#[test]
fn a_letters_only_github_token_split_across_two_fields_is_masked_in_both() {
    let token = "ghs_fakeLettersOnlyTokenForTestsAbcdEfgh";
    let held = Held::new(&[Credential::GithubToken(token)]);
    assert!(held.weak_names().is_empty(), "{:?}", held.weak_names());
    let (first, second) = token.split_at(21);
    let line = format!(r#"{{"hint":"{second} later","message":"Bearer {first}"}}"#);
    for out in [held.scrub(&line), held.redact(&line)] {
        assert!(!out.contains(&first[4..]), "{out}");
        assert!(!out.contains(second), "{out}");
        assert!(out.contains("later") && out.contains("Bearer"), "{out}");
    }
}

/// The no_key_leaves case `DbPassword, Percent, ManagementLog, Across(200)`: a password
/// holding `%DB` sent with every byte as `%XX` reads whole only after one decoding (the
/// second turns its `%DB` into a byte), so its first characters showed.
#[test]
fn a_password_holding_an_escape_is_masked_when_every_byte_is_percent_encoded() {
    let password = "fake-}%DBnu32JBi}#]X^^H";
    let held = Held::new(&[Credential::DatabaseUrl(&format!(
        "postgresql://postgres:{}@db.example:5432/postgres",
        percent_encode(password)
    ))]);
    let text = format!("Bearer {} upstream said", percent_all(password));
    for out in [held.scrub(&text), held.redact(&text)] {
        assert_eq!(leaked_run(password, &out), None, "{out}");
        assert!(
            out.starts_with("Bearer ") && out.ends_with(" upstream said"),
            "{out}"
        );
    }
}

/// A held set whose database password is `password`.
fn with_password(password: &str) -> Held {
    Held::new(&[Credential::DatabaseUrl(&format!(
        "postgresql://postgres.ref:{password}@pooler.example:5432/postgres"
    ))])
}

#[test]
fn a_weak_password_never_touches_the_bots_own_text() {
    let held = with_password("triage");
    let marker = "<!-- pendo-triage:report -->\n## pendo-triage: P0 — needs-triage removed";
    assert_eq!(held.scrub(marker), marker);
    assert_eq!(held.weak_names(), ["supabase-db-url (its password)"]);

    let held = with_password("supabase");
    let labels = r#"{"labels":["supabase","severity:P0"],"checks":[{"id":"supabase.cron"}]}"#;
    assert_eq!(held.scrub(labels), labels);

    let held = with_password("postgres");
    let prose = "The postgres role could not connect; check Postgres and postgres.ref.";
    assert_eq!(held.scrub(prose), prose);
    // Text from outside: masked where it stands as a whole token, and only there.
    assert_eq!(
        held.redact("password=postgres; user postgres.ref; PostgreSQL"),
        "password=…[redacted]; user postgres.ref; PostgreSQL"
    );
    assert_eq!(
        held.redact("FATAL: password \"postgres\" rejected"),
        "FATAL: password \"…[redacted]\" rejected"
    );
    assert_eq!(
        held.redact("pendo-triage postgresql"),
        "pendo-triage postgresql"
    );
}

#[test]
fn a_weak_value_is_found_as_a_token_in_escaped_outside_text_too() {
    let held = with_password("triage");
    assert_eq!(held.redact("pw: &#116;riage."), "pw: …[redacted].");
    assert_eq!(held.redact("pw=%74riage&x"), "pw=…[redacted]&x");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Any held value of each kind, in any encoding of issue 23 §4 (or as it is, or split
    /// across two JSON fields), between any text: no run of it survives `scrub` or
    /// `redact`.
    #[test]
    fn no_run_of_a_held_value_survives_any_encoding_anywhere(
        which in 0usize..6,
        encoding in 0usize..16,
        before in "[ -~]{0,40}",
        after in "[ -~]{0,40}",
    ) {
        let sbp = "sbp_0f1e2d3c4b5a69788796a5b4c3d2e1f000112233";
        let ghs = "ghs_FAKEtokenForTests0000abcdefABCDEF1234";
        let values = [SB_SECRET, DB_PASSWORD, JWT, KEY, sbp, ghs];
        let value = values[which];
        let url = format!(
            "postgresql://postgres.ref:{}@pooler.example:5432/postgres",
            percent_encode(DB_PASSWORD)
        );
        let held = Held::new(&[
            Credential::SupabaseKey(SB_SECRET),
            Credential::DatabaseUrl(&url),
            Credential::SupabaseKey(JWT),
            Credential::PendoKey(KEY),
            Credential::AccessToken(sbp),
            Credential::GithubToken(ghs),
        ]);
        let mut forms = encodings(value);
        forms.push(("identity", value.to_string()));
        let (a, b) = value.split_at(value.len() / 2);
        forms.push(("split", format!(r#"{{"a":"{a}","b":"{b}"}}"#)));
        let (name, form) = &forms[encoding % forms.len()];
        let text = format!("{before} {form} {after}");
        for out in [held.scrub(&text), held.redact(&text)] {
            proptest::prop_assert_eq!(leaked_run(value, &out), None, "{} in {}", name, out);
            proptest::prop_assert!(out.contains(super::super::MASK));
        }
    }
}
