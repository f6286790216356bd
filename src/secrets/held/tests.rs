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
