//! Tests for secret finding and redaction: every form a careless paste takes is found,
//! masked alone and masked once; every placeholder the template or a dummy shows is not.

use super::rules::{is_placeholder, is_placeholder_uuid, jwt_kind};
use super::*;
use base64::Engine as _;
use proptest::prelude::*;

const PENDO: &str = "3f2a9c1e-7b4d-4e8a-9c2f-1a6b5d8e0f47";
const PENDO_2: &str = "5e6f0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b";
const GHP: &str = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
const PAT: &str = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123";
const SB_SECRET: &str = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
const SB_PUBLISHABLE: &str = "sb_publishable_ZaR8Xb5Lq2Wm9Tn4Vc7Yd1Ke";
/// An obviously fake password of the kind people set: letters, digits, punctuation.
const PASSWORD: &str = "Fak3-test-Pw9!";

fn b64url(json: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn b64(bytes: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A Supabase-style HS256 JWT (43-character signature) with `role`.
fn jwt(role: &str) -> String {
    jwt_with("HS256", role, "dc_X5iR_VP_qT0zsiyj_I_OZ2T9FtRU2BBNWN8Bu4GE")
}

fn jwt_with(alg: &str, role: &str, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64url(&format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#)),
        b64url(&format!(
            r#"{{"iss":"supabase","ref":"abcdefghijklmnop","role":"{role}","iat":1700000000,"exp":2000000000}}"#
        )),
    )
}

/// `text` cut into lines of `width` bytes joined by `newline` (what `base64 -w76` or an
/// email client does to a long token).
fn fold(text: &str, width: usize, newline: &str) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).expect("ASCII"))
        .collect::<Vec<_>>()
        .join(newline)
}

/// Asserts that `redact` replaced exactly the found ranges and kept every other byte,
/// and that redacting again changes nothing.
fn assert_only_secrets_changed(text: &str) {
    let secrets = find(text);
    let out = redact(text);
    let mut expected = String::new();
    let mut at = 0;
    for s in &secrets {
        expected.push_str(&text[at..s.range.start]);
        expected.push_str(&mask(&text[s.range.clone()], s.kind));
        at = s.range.end;
    }
    expected.push_str(&text[at..]);
    assert_eq!(out, expected);
    assert!(find(&out).is_empty(), "{out}: {:?}", find(&out));
    assert_eq!(redact(&out), out);
}

fn kinds(text: &str) -> Vec<SecretKind> {
    find(text).into_iter().map(|s| s.kind).collect()
}

fn found_values(text: &str) -> Vec<&str> {
    find(text).into_iter().map(|s| &text[s.range]).collect()
}

/// Asserts that `text` holds exactly `value`, of `kind`, and that redaction masks it alone.
fn assert_one(text: &str, value: &str, kind: SecretKind) {
    assert_eq!(found_values(text), vec![value], "{text}");
    assert_eq!(kinds(text), vec![kind], "{text}");
    assert_only_secrets_changed(text);
    assert_eq!(
        redact(text),
        text.replacen(value, &mask(value, kind), 1),
        "{text}"
    );
}

#[test]
fn pendo_key_with_region_suffix_is_always_a_key() {
    for suffix in [
        ".us", ".us1", ".eu", ".jpn", ".au", ".EU", ".US1", ".Jpn", ".AU",
    ] {
        let text = format!("we use {PENDO}{suffix} in prod");
        let key = format!("{PENDO}{suffix}");
        assert_eq!(found_values(&text), vec![key.as_str()]);
        assert_eq!(redact(&text), "we use 3f2a…[redacted] in prod");
    }
}

#[test]
fn plain_uuid_needs_key_context_on_its_line() {
    for line in [
        format!("- **Authentication**: Integration Key `{PENDO}`"),
        format!("  -H \"X-Pendo-Integration-Key: {PENDO}\" \\"),
        format!("PENDO_INTEGRATION_KEY={PENDO}"),
        format!("my api key is {PENDO}"),
    ] {
        assert_eq!(
            kinds(&line),
            vec![SecretKind::PendoIntegrationKey],
            "{line}"
        );
    }
    for line in [
        format!("guide id {PENDO} is missing"),
        format!("\"visitorId\": \"{PENDO}\""),
        format!("x-request-id: {PENDO}\napi key rotated yesterday"),
        format!("{PENDO}.eu2 is not a region"),
        format!("Idempotency-Key: {PENDO}"),
        format!("\"guide_key\": \"{PENDO}\""),
    ] {
        assert!(find(&line).is_empty(), "{line}");
    }
}

#[test]
fn pendo_key_whose_header_name_is_on_the_previous_line() {
    for text in [
        // prettier breaks a long object entry after the colon
        format!(
            "headers: {{\n    'X-Pendo-Integration-Key':\n      '{PENDO}',\n    'Content-Type': 'application/json',\n}}"
        ),
        format!("headers: {{\r\n  \"x-pendo-integration-key\":\r\n    \"{PENDO}\",\r\n}}"),
        // a curl line continuation inside the quoted header
        format!(
            "curl -X GET \"https://app.pendo.io/api/v1/report\" \\\n  -H \"X-Pendo-Integration-Key: \\\n  {PENDO}\" \\\n  -H 'Content-Type: application/json'"
        ),
        format!("curl \\\r\n  -H 'X-Pendo-Integration-Key: \\\r\n{PENDO}' https://app.pendo.io"),
        format!("headers.set('X-Pendo-Integration-Key',\n    '{PENDO}')"),
    ] {
        assert_one(&text, PENDO, SecretKind::PendoIntegrationKey);
    }
}

#[test]
fn pendo_key_in_json_and_url_query() {
    for (text, key) in [
        (format!(r#"{{"key":"{PENDO_2}"}}"#), PENDO_2.to_string()),
        (
            format!(r#"{{ "integrationKey": "{PENDO}" }}"#),
            PENDO.into(),
        ),
        (
            format!("integration_key: '{PENDO}.EU'"),
            format!("{PENDO}.EU"),
        ),
        (
            format!("GET https://app.pendo.io/api/v1/report?key={PENDO_2}&limit=10"),
            PENDO_2.into(),
        ),
        (
            format!("https://example.com/sync?from=2024&integration_key={PENDO}"),
            PENDO.into(),
        ),
        (
            format!("https://x.io/a?key={PENDO}.US1"),
            format!("{PENDO}.US1"),
        ),
        (
            "X-Pendo-Integration-Key: k7Gq2LmN9pXr4TsV8wYz".to_string(),
            "k7Gq2LmN9pXr4TsV8wYz".into(),
        ),
    ] {
        assert_one(&text, &key, SecretKind::PendoIntegrationKey);
    }
}

#[test]
fn supabase_jwts_are_told_apart_by_role() {
    let service = jwt("service_role");
    let anon = jwt("anon");
    let user = jwt("authenticated");
    let text = format!("SUPABASE_SERVICE_ROLE_KEY={service}\nanon={anon}\nuser {user}");
    let found = find(&text);
    let got: Vec<_> = found.iter().map(|s| (s.kind, s.sensitive)).collect();
    assert_eq!(
        got,
        vec![
            (SecretKind::SupabaseServiceRole, true),
            (SecretKind::SupabaseAnon, false),
            (SecretKind::Jwt, true),
        ]
    );
    assert!(redact(&text).starts_with("SUPABASE_SERVICE_ROLE_KEY=eyJh…[redacted]\n"));
}

#[test]
fn service_role_jwt_folded_across_lines() {
    let service = jwt("service_role");
    for newline in ["\n", "\r\n", "\n    ", "\r\n  ", " \n"] {
        // As an email client folds the line at 76 columns, and as `base64 -w76` would.
        for (prefix, width) in [("SUPABASE_SERVICE_ROLE_KEY=", 76), ("", 76), ("", 64)] {
            let folded = fold(&format!("{prefix}{service}"), width, newline);
            let text = format!("```\n{folded}\nSUPABASE_URL=https://abc.supabase.co\n```");
            let value = &folded[prefix.len()..];
            assert_one(&text, value, SecretKind::SupabaseServiceRole);
            assert!(redact(&text).contains(&format!("{prefix}eyJh…[redacted]\nSUPABASE_URL")));
        }
    }
    // An ES256 key (86-character signature), folded inside the signature.
    let es256 = jwt_with("ES256", "service_role", &"Ab1_".repeat(22)[..86]);
    let folded = fold(&es256, 70, "\n");
    assert_one(
        &format!("key:\n{folded}\nnext line"),
        &folded,
        SecretKind::SupabaseServiceRole,
    );
}

#[test]
fn a_jwt_ending_a_line_does_not_take_the_next_line() {
    // A short (fake) signature at the end of a long line, then a word: no HS256 signature
    // is that long, so the fold is not believed.
    let short = jwt_with("HS256", "anon", "FAKEsignatureFAKE0000");
    let text = format!("ANON={short}\nnextword and more");
    assert_one(&text, &short, SecretKind::SupabaseAnon);
    // A complete one followed by a line of word characters.
    let service = jwt("service_role");
    let text = format!("{service}\nSUPABASE_SECRET_KEY_NAME is next");
    assert_one(&text, &service, SecretKind::SupabaseServiceRole);
    // A line break ends a token unless what follows completes it.
    let text = format!("k={}\nrest", &service[..50]);
    assert!(find(&text).is_empty(), "{:?}", find(&text));
}

#[test]
fn supabase_api_keys() {
    let text = format!("secret {SB_SECRET} public {SB_PUBLISHABLE}.");
    let found = find(&text);
    assert_eq!(found[0].kind, SecretKind::SupabaseSecretKey);
    assert!(found[0].sensitive);
    assert_eq!(found[1].kind, SecretKind::SupabasePublishableKey);
    assert!(!found[1].sensitive);
    assert_eq!(
        redact(&text),
        "secret sb_secret_N7…[redacted] public sb_publishable_Za…[redacted]."
    );
}

#[test]
fn postgres_password_only_is_masked() {
    let text = "SUPABASE_DB_URL=postgresql://postgres.abcdefghij:S3cr3t!pa55@aws-0-eu-central-1.pooler.supabase.com:5432/postgres";
    assert_eq!(found_values(text), vec!["S3cr3t!pa55"]);
    assert_eq!(
        redact(text),
        "SUPABASE_DB_URL=postgresql://postgres.abcdefghij:…[redacted]@aws-0-eu-central-1.pooler.supabase.com:5432/postgres"
    );
    let at_in_password = "postgres://u:p@ss@db.example.com/x";
    assert_eq!(found_values(at_in_password), vec!["p@ss"]);
}

#[test]
fn url_passwords_with_slashes_and_example_words() {
    for (text, password) in [
        (
            "postgres://postgres:my/example-Pass9@db.abcdefghij.supabase.co:5432/postgres",
            "my/example-Pass9",
        ),
        (
            "DATABASE_URL=\"postgresql://postgres.abcdefghij:changeme-Fake42@aws-0-eu-central-1.pooler.supabase.com:6543/postgres\"",
            "changeme-Fake42",
        ),
        (
            "postgres://app:your-Fake-pw1@localhost/app?sslmode=disable",
            "your-Fake-pw1",
        ),
        (
            "postgresql+asyncpg://app:p/a@ss9@db.host.co:5432/app",
            "p/a@ss9",
        ),
        ("psql postgres://u:Fake!pw9@[::1]:5432/db", "Fake!pw9"),
        (
            "postgres://u:Fake!pw9@db.host.co/db?notify=ops@host.co",
            "Fake!pw9",
        ),
    ] {
        assert_one(text, password, SecretKind::PostgresPassword);
    }
    // What follows a host's colon is a port, not a password.
    assert!(find("postgres://db.host.co:5432/db?user=ops@host.co").is_empty());
}

#[test]
fn postgres_passwords_outside_urls() {
    let p = PASSWORD;
    for text in [
        // libpq keyword/value
        format!(
            "host=db.abcdefghij.supabase.co port=5432 dbname=postgres user=postgres password={p} sslmode=require"
        ),
        format!("psql \"host=db.x.supabase.co password='{p}' dbname=postgres\""),
        // JDBC
        format!(
            "jdbc:postgresql://db.x.supabase.co:5432/postgres?user=postgres&password={p}&sslmode=require"
        ),
        // environment
        format!("PGPASSWORD={p} psql -h db.x.supabase.co -U postgres"),
        format!("export PGPASSWORD=\"{p}\""),
        format!("SUPABASE_DB_PASSWORD={p}"),
        format!("docker run -e POSTGRES_PASSWORD={p} postgres:15"),
        // .NET / Npgsql
        format!("Host=db.x.supabase.co;Port=5432;Username=postgres;Password={p};Database=postgres"),
        format!("Server=db;User Id=postgres;Pwd={p};"),
        // psycopg2, asyncpg, node-postgres
        format!(
            "conn = psycopg2.connect(host=\"db.x.supabase.co\", password=\"{p}\", dbname=\"postgres\")"
        ),
        format!("const pool = new Pool({{ user: 'postgres', password: '{p}' }})"),
        format!("conn = await asyncpg.connect(user='postgres', password='{p}')"),
        // JSON / YAML config
        format!("{{\n  \"user\": \"postgres\",\n  \"password\": \"{p}\"\n}}"),
        format!("db:\n  user: postgres\n  password: {p}\n  port: 5432"),
        format!("db:\n  password: \"{p}\" # rotate me"),
        format!("  POSTGRES_PASSWORD: '{p}'"),
        // Ruby, Go, markdown, a CLI flag
        format!(":password => '{p}',"),
        format!("cfg.Password := \"{p}\""),
        format!("- **DB password**: {p}"),
        format!("pg_dump --password={p} --host=db"),
    ] {
        assert_one(&text, p, SecretKind::PostgresPassword);
    }
    // A passphrase with blanks, quoted.
    assert_one(
        "\"password\": \"correct horse 9 staple\"",
        "correct horse 9 staple",
        SecretKind::PostgresPassword,
    );
}

#[test]
fn github_tokens() {
    let text = format!("token: {GHP}\nfine-grained {PAT}");
    assert_eq!(found_values(&text), vec![GHP, PAT]);
    assert_eq!(
        redact(&text),
        "token: ghp_…[redacted]\nfine-grained github_pat_…[redacted]"
    );
}

#[test]
fn bearer_and_apikey_headers_in_every_form() {
    let token = "k7Gq2LmN9pXr4TsV8wYz";
    for text in [
        format!("Authorization: Bearer {token}"),
        format!("'Authorization': 'Bearer {token}',"),
        format!("curl -H \"Authorization: Bearer {token}\" https://x"),
        format!("apikey: {token}"),
        format!("-H 'apikey: {token}'"),
        format!("headers: {{ apikey: \"{token}\" }}"),
        format!("headers: {{\n  apikey:\n    \"{token}\"\n}}"),
        format!("https://x.supabase.co/functions/v1/sync?authorization=Bearer%20{token}"),
        format!("Authorization=Bearer+{token}&x=1"),
        format!("x-api-key: {token}"),
    ] {
        assert_one(&text, token, SecretKind::BearerToken);
    }
}

#[test]
fn header_value_keeps_its_specific_kind() {
    let text = format!(
        "-H \"Authorization: Bearer {SB_SECRET}\" -H 'apikey: {}'",
        jwt("anon")
    );
    assert_eq!(
        kinds(&text),
        vec![SecretKind::SupabaseSecretKey, SecretKind::SupabaseAnon]
    );
    let service = jwt("service_role");
    assert_one(
        &format!("fetch(url + '?auth=Bearer%20{service}')"),
        &service,
        SecretKind::SupabaseServiceRole,
    );
}

#[test]
fn basic_credentials() {
    let basic = b64("fake-user:Fak3-pass9");
    for text in [
        format!("Authorization: Basic {basic}"),
        format!("curl -H 'Authorization: Basic {basic}' https://x"),
        format!("'Authorization': 'Basic {basic}'"),
    ] {
        assert_one(&text, &basic, SecretKind::BasicAuth);
        assert!(redact(&text).contains("Basic …[redacted]"));
    }
    for text in [
        format!("Authorization: Basic {}", b64("user:password")),
        format!("Authorization: Basic {}", b64("user:<password>")),
        "Authorization: Basic ${BASIC_TOKEN}".to_string(),
        "Authorization: Basic ...".to_string(),
        "basic auth is not used".to_string(),
    ] {
        assert!(find(&text).is_empty(), "{text}: {:?}", find(&text));
    }
    // Not base64 of `user:password`, but a JWT all the same.
    let anon = jwt("anon");
    assert_one(
        &format!("Authorization: Basic {anon}"),
        &anon,
        SecretKind::SupabaseAnon,
    );
}

#[test]
fn base64_wrapped_jwts() {
    let service = jwt("service_role");
    // `printf %s $JWT | base64 -w0`
    let once = b64(&service);
    assert!(once.starts_with("ZXlK"));
    assert_one(
        &format!("SERVICE_KEY_B64={once}\nnext"),
        &once,
        SecretKind::SupabaseServiceRole,
    );
    assert_one(
        &format!("Authorization: Bearer {once}"),
        &once,
        SecretKind::SupabaseServiceRole,
    );
    // `echo $JWT | base64`: a trailing newline encoded, folded at 76 columns.
    for newline in ["\n", "\r\n"] {
        let folded = fold(&b64(&format!("{service}\n")), 76, newline);
        let text = format!("```\n{folded}\n```\nthen more text");
        assert_one(&text, &folded, SecretKind::SupabaseServiceRole);
        assert!(redact(&text).starts_with("```\nZXlK…[redacted]\n```"));
    }
    // The next line starts with base64 letters (`Cg` encodes a newline, so the JWT and
    // that word decode to what `echo $JWT | base64` gives): a line shorter than the fold
    // width, or one longer than any tool folds at, ends the text, and the word stays.
    for j in [service.clone(), jwt("anon")] {
        let encoded = b64(&j);
        let folded = fold(&encoded, 76, "\n");
        assert_ne!(folded.rsplit('\n').next().map(str::len), Some(76));
        for secret in [folded, encoded] {
            let text = format!(" {secret}\nCg then more\n");
            assert_one(&text, &secret, jwt_kind(&j));
            assert_eq!(redact(&text), format!(" ZXlK…[redacted]\nCg then more\n"));
        }
    }
    // URL-safe alphabet, no padding.
    let url_safe = b64url(&jwt("anon"));
    assert_one(
        &format!("k={url_safe}"),
        &url_safe,
        SecretKind::SupabaseAnon,
    );
    // Base64 of anything else is not a JWT.
    assert!(find(&format!("blob {}", b64("eyJ but not a token at all, no"))).is_empty());
}

#[test]
fn titles_are_scanned_like_bodies() {
    let service = jwt("service_role");
    for (title, value, kind) in [
        (
            format!("[API] 401 with integration key {PENDO}"),
            PENDO.to_string(),
            SecretKind::PendoIntegrationKey,
        ),
        (
            format!("[API] sync fails for {PENDO}.EU"),
            format!("{PENDO}.EU"),
            SecretKind::PendoIntegrationKey,
        ),
        (
            format!("[API] Bearer {service} rejected"),
            service.clone(),
            SecretKind::SupabaseServiceRole,
        ),
        (
            format!("[API] cannot connect postgres://postgres:{PASSWORD}@db.x.supabase.co"),
            PASSWORD.to_string(),
            SecretKind::PostgresPassword,
        ),
        (
            format!("[API] PGPASSWORD={PASSWORD} psql times out"),
            PASSWORD.to_string(),
            SecretKind::PostgresPassword,
        ),
    ] {
        assert_one(&title, &value, kind);
    }
    assert!(find("[API] Report sync returns 504 after 30s").is_empty());
}

#[test]
fn placeholders_are_not_secrets() {
    for text in [
        "'X-Pendo-Integration-Key': 'your-pendo-integration-key',",
        "'X-Pendo-Integration-Key':\n  'your-pendo-integration-key',",
        "-H \"X-Pendo-Integration-Key: YOUR_INTEGRATION_KEY\"",
        "-H \"X-Pendo-Integration-Key: ${PENDO_INTEGRATION_KEY}\"",
        "Authorization: Bearer <your-key>",
        "Authorization: `Bearer ${SUPABASE_KEY}`",
        "Authorization: 'Bearer ' + process.env.SUPABASE_SERVICE_ROLE_KEY",
        "'Authorization': `Bearer ${Deno.env.get('SUPABASE_SERVICE_ROLE_KEY')}`",
        "apikey: Deno.env.get('SUPABASE_ANON_KEY')",
        "apikey: SUPABASE_SERVICE_ROLE_KEY",
        "apikey: supabaseServiceRoleKey",
        "Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxx",
        "Authorization: Bearer ************************",
        "Authorization: Bearer REDACTED_REDACTED_TOKEN",
        "Authorization: Bearer%20${TOKEN}",
        "sb_secret_xxxxxxxxxxxxxxxxxxxxxxxx and sb_publishable_your-key-goes-here",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "postgresql://postgres:[YOUR-PASSWORD]@db.abcdefghij.supabase.co:5432/postgres",
        "postgres://user:password@localhost/db and postgres://u:${DB_PASSWORD}@h/db",
        "postgres://postgres:postgres@127.0.0.1:54322/postgres",
        "postgres://u:****@h/db and postgres://u:xxxx@h/db and postgres://u:<pw>@h/db",
        "postgres://u:…[redacted]@h/db",
        "postgres://app:example@localhost:5432/app",
        "api key: 00000000-0000-0000-0000-000000000000",
        "integration key 12345678-1234-1234-1234-123456789012",
        "{\"key\": \"00000000-0000-0000-0000-000000000000\"}",
        "Bearer token authentication is used",
        // password names with no value, a reference to one, or prose
        "password=password dbname=postgres",
        "\"password\": \"${DB_PASSWORD}\"",
        "\"password\": \"<your-db-password>\"",
        "\"password\": \"\"",
        "\"password\": \"…\"",
        "PGPASSWORD=$PGPASSWORD psql",
        "export PGPASSWORD=\"$SUPABASE_DB_PASSWORD\"",
        "password = os.environ[\"PGPASSWORD\"]",
        "password=os.getenv('PGPASSWORD'),",
        "conn = connect(password=db_password, host=host)",
        "password: process.env.DB_PASSWORD,",
        "password: z.string().min(8),",
        "  password: string;",
        "Password: reset it yesterday and it still fails",
        "password: expired",
        "- [x] DB password: Rotated",
        "Password: Supabase",
        "Password=changeme;",
        "password: '********'",
        "if (password == \"x\") {}",
        "forgot-password: true",
        "passwordLabel: \"Password:\"",
        "Password=%DB_PASSWORD%;",
        "{{ .Values.password }} password: {{ .Values.password }}",
        "Password: [Your database password]",
        "pwd=$(pwd)",
        "the key: was rotated",
    ] {
        assert!(find(text).is_empty(), "{text}: {:?}", find(text));
    }
}

#[test]
fn template_and_clean_examples_hold_no_secret() {
    // The workspace root: pendo-text is crates/pendo-text.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut files = vec![format!("{root}/templates/pendo-api-issue.md")];
    for entry in std::fs::read_dir(format!("{root}/examples")).expect("examples/ exists") {
        let path = entry.expect("readable dir entry").path();
        if path.extension().is_some_and(|e| e == "md")
            && !path.ends_with("prod-leaked-secrets.md")
            && !path.ends_with("README.md")
        {
            files.push(path.display().to_string());
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable example");
        assert!(find(&text).is_empty(), "{file}: {:?}", found_values(&text));
    }
    let leaked = std::fs::read_to_string(format!("{root}/examples/prod-leaked-secrets.md"))
        .expect("readable example");
    assert_only_secrets_changed(&leaked);
    assert!(find(&leaked).len() >= 5);
}

#[test]
fn crlf_unicode_edges_and_adjacent_secrets() {
    let text = format!(
        "{PENDO}.eu\r\n🔑 «{GHP}»\r\nclé: {SB_SECRET}{}\r\n{GHP}{GHP}",
        " "
    );
    let found = found_values(&text);
    assert_eq!(found.len(), 5);
    assert_eq!(found[0], format!("{PENDO}.eu"));
    assert_only_secrets_changed(&text);
    let out = redact(&text);
    assert!(out.starts_with("3f2a…[redacted]\r\n🔑 «ghp_…[redacted]»\r\n"));
    assert!(out.ends_with("ghp_…[redacted]ghp_…[redacted]"));
    // A password of non-ASCII characters, and one next to multi-byte text.
    assert_one(
        "«config» \"password\": \"mötörhéad-42\" «fin»",
        "mötörhéad-42",
        SecretKind::PostgresPassword,
    );
}

#[test]
fn redaction_changes_only_secret_bytes_and_is_idempotent() {
    let text = format!(
        "## Pendo API Information\r\n- **Authentication**: Integration Key `{PENDO}`\r\n\
         ```bash\r\ncurl -H \"X-Pendo-Integration-Key: {PENDO}.us\" \\\r\n  -H 'Authorization: Bearer {}'\r\n```\r\n\
         DB: postgres://postgres:hunter2hunter2@db.x.supabase.co:5432/postgres\r\n{SB_PUBLISHABLE}",
        jwt("service_role")
    );
    assert_eq!(find(&text).len(), 5);
    assert_only_secrets_changed(&text);
}

#[test]
fn mask_never_shows_much_of_a_short_value() {
    assert_eq!(mask("abc", SecretKind::BearerToken), "a…[redacted]");
    assert_eq!(mask("pw", SecretKind::PostgresPassword), "…[redacted]");
    assert_eq!(mask("éééééééé", SecretKind::BearerToken), "éé…[redacted]");
    assert_eq!(mask("dXNlcjpGYWtl", SecretKind::BasicAuth), "…[redacted]");
}

#[test]
fn line_numbers_count_each_newline_once() {
    let service = fold(&jwt("service_role"), 70, "\r\n");
    let text = format!(
        "{PENDO}.eu first line\r\n\r\nkey: {PENDO} and {GHP}\n\n\n\nSERVICE=\r\n{service}\nPGPASSWORD={PASSWORD}"
    );
    let found = find(&text);
    assert_eq!(line_numbers(&text, &found), vec![1, 3, 3, 8, 12]);
    let naive: Vec<usize> = found
        .iter()
        .map(|s| text[..s.range.start].matches('\n').count() + 1)
        .collect();
    assert_eq!(line_numbers(&text, &found), naive);
    // In any order the caller hands them over.
    let reversed: Vec<Secret> = found.iter().rev().cloned().collect();
    let mut expected = naive.clone();
    expected.reverse();
    assert_eq!(line_numbers(&text, &reversed), expected);
    assert!(line_numbers("", &[]).is_empty());
}

/// One line of each form, with `i` making every secret distinct.
fn leaked_line(i: usize) -> (String, String, SecretKind) {
    let uuid = format!("{:08x}-7b4d-4e8a-9c2f-1a6b5d8e0f47", 0x3f2a_9c1e_usize + i);
    let password = format!("Fak3-pw-{i}!");
    let token = format!("k7Gq2LmN9pXr4TsV8wYz{i}");
    match i % 8 {
        0 => (
            format!("'X-Pendo-Integration-Key':\n  '{uuid}',"),
            uuid,
            SecretKind::PendoIntegrationKey,
        ),
        1 => (
            format!("{{\"key\":\"{uuid}.EU\"}}"),
            format!("{uuid}.EU"),
            SecretKind::PendoIntegrationKey,
        ),
        2 => (
            format!("postgres://postgres:{password}/x@db.co:5432/postgres"),
            format!("{password}/x"),
            SecretKind::PostgresPassword,
        ),
        3 => (
            format!("Host=db;Password={password};Database=postgres"),
            password,
            SecretKind::PostgresPassword,
        ),
        4 => (
            format!("\"password\": \"{password}\","),
            password,
            SecretKind::PostgresPassword,
        ),
        5 => (
            format!("?auth=Bearer%20{token}&x=1"),
            token,
            SecretKind::BearerToken,
        ),
        6 => {
            let basic = b64(&format!("user{i}:{password}"));
            (
                format!("Authorization: Basic {basic}"),
                basic,
                SecretKind::BasicAuth,
            )
        }
        _ => {
            let jwt = fold(&jwt("service_role"), 76, "\n");
            (format!("{i}: {jwt}"), jwt, SecretKind::SupabaseServiceRole)
        }
    }
}

#[test]
fn thousands_of_secrets_in_one_body() {
    let lines: Vec<_> = (0..4000).map(leaked_line).collect();
    let body: String = lines.iter().map(|(l, _, _)| format!("{l}\n")).collect();
    let found = find(&body);
    assert_eq!(found.len(), lines.len());
    for (s, (_, value, kind)) in found.iter().zip(&lines) {
        assert_eq!((&body[s.range.clone()], s.kind), (value.as_str(), *kind));
    }
    let out = redact_found(&body, &found);
    let expected: String = lines
        .iter()
        .map(|(l, v, k)| format!("{}\n", l.replacen(v.as_str(), &mask(v, *k), 1)))
        .collect();
    assert_eq!(out, expected);
    assert!(find(&out).is_empty());
    let naive_last = body[..found[found.len() - 1].range.start]
        .matches('\n')
        .count()
        + 1;
    assert_eq!(line_numbers(&body, &found).last(), Some(&naive_last));
}

#[test]
fn a_full_body_finds_every_repeat() {
    // Speed is measured by `cargo bench --bench core`; here only the result counts.
    let line =
        format!("guide {PENDO} seen; Authorization: Bearer <token> ünïcødé {SB_PUBLISHABLE}\n");
    let repeats = 65_536 / line.len();
    let body: String = line.repeat(repeats);
    let found = find(&body);
    assert_eq!(
        found
            .iter()
            .filter(|s| s.kind == SecretKind::SupabasePublishableKey)
            .count(),
        repeats
    );
    assert!(find(&redact(&body)).is_empty());
}

#[test]
fn pathological_bodies_finish_with_the_right_answer() {
    // Every line starts a JWT-looking word, every name is followed by a rejected value,
    // one base64 run and one token fill a long line: each rule reads each part once.
    let eyj_lines = format!("eyJ{}\n", "A".repeat(73)).repeat(2000);
    let names = "apikey=xxxx".repeat(20_000);
    let run = format!("ZXlK{}", "QUFB".repeat(50_000));
    let passwords = "password=\"".repeat(20_000);
    for body in [eyj_lines, names, run, passwords] {
        assert!(find(&body).is_empty());
    }
}

/// A generated secret, as embedded in text (with its context) and its expected masked
/// form.
fn secret_strategy() -> impl Strategy<Value = (String, String)> {
    let hex = |n: usize| proptest::string::string_regex(&format!("[0-9a-f]{{{n}}}")).unwrap();
    let real = |re: &str| {
        proptest::string::string_regex(re)
            .unwrap()
            .prop_filter("not placeholder-like", |v| {
                !is_placeholder(v) && v != "password"
            })
    };
    let token = || real("[0-9][a-wA-W0-9]{19,39}");
    let alnum = real("[a-wA-W0-9]{36}");
    let password = || real("[a-wA-W][a-wA-W0-9!%^+=_-]{4,22}[0-9]");
    let uuid = || {
        (hex(8), hex(4), hex(4), hex(4), hex(12))
            .prop_map(|(a, b, c, d, e)| format!("{a}-{b}-{c}-{d}-{e}"))
            .prop_filter("not placeholder-like", |u| !is_placeholder_uuid(u))
    };
    let region = || prop::sample::select(vec![".us", ".us1", ".eu", ".jpn", ".au", ".EU", ".US1"]);
    let role = || prop::sample::select(vec!["service_role", "anon", "authenticated"]);
    let pendo = |u: &str| mask(u, SecretKind::PendoIntegrationKey);
    let masked_jwt = |j: &str| mask(j, jwt_kind(j));
    let password_forms = prop::sample::select(vec![
        "password={p} dbname=postgres",
        "&password={p}&sslmode=require",
        "PGPASSWORD={p} psql",
        "Password={p};Database=postgres",
        "psycopg2.connect(password=\"{p}\")",
        "\"password\": \"{p}\"",
        "password: {p}",
    ]);
    prop_oneof![
        (uuid(), region()).prop_map(move |(u, r)| {
            let key = format!("{u}{r}");
            (key.clone(), pendo(&key))
        }),
        uuid().prop_map(move |u| (
            format!("{{\"key\":\"{u}\"}}"),
            format!("{{\"key\":\"{}\"}}", pendo(&u))
        )),
        uuid().prop_map(move |u| (
            format!("'X-Pendo-Integration-Key':\n    '{u}',"),
            format!("'X-Pendo-Integration-Key':\n    '{}',", pendo(&u))
        )),
        uuid().prop_map(move |u| (
            format!("-H \"X-Pendo-Integration-Key: \\\n  {u}\""),
            format!("-H \"X-Pendo-Integration-Key: \\\n  {}\"", pendo(&u))
        )),
        uuid().prop_map(move |u| (
            format!("https://app.pendo.io/api/v1/report?key={u}&x=1"),
            format!("https://app.pendo.io/api/v1/report?key={}&x=1", pendo(&u))
        )),
        token().prop_map(|t| (
            format!("Authorization: Bearer {t}"),
            format!(
                "Authorization: Bearer {}",
                mask(&t, SecretKind::BearerToken)
            )
        )),
        token().prop_map(|t| (
            format!("?auth=Bearer%20{t}"),
            format!("?auth=Bearer%20{}", mask(&t, SecretKind::BearerToken))
        )),
        token().prop_map(|t| (
            format!("apikey: {t}"),
            format!("apikey: {}", mask(&t, SecretKind::BearerToken))
        )),
        token().prop_map(|t| {
            let k = format!("sb_secret_{t}");
            (k.clone(), mask(&k, SecretKind::SupabaseSecretKey))
        }),
        alnum.prop_map(|t| {
            let k = format!("ghp_{t}");
            (k.clone(), mask(&k, SecretKind::GithubToken))
        }),
        password().prop_map(|p| (
            format!("postgres://postgres:{p}@db.host.co/x"),
            format!("postgres://postgres:{MASK}@db.host.co/x")
        )),
        password().prop_map(|p| (
            format!("postgres://postgres:{p}/example@db.host.co:5432/x"),
            format!("postgres://postgres:{MASK}@db.host.co:5432/x")
        )),
        (password(), password_forms)
            .prop_map(|(p, form)| (form.replace("{p}", &p), form.replace("{p}", MASK))),
        (password(), password()).prop_map(|(user, p)| {
            let basic = b64(&format!("{user}:{p}"));
            (
                format!("Authorization: Basic {basic}"),
                format!(
                    "Authorization: Basic {}",
                    mask(&basic, SecretKind::BasicAuth)
                ),
            )
        }),
        role().prop_map(move |r| {
            let j = jwt(r);
            (j.clone(), masked_jwt(&j))
        }),
        (role(), 60..90usize).prop_map(move |(r, width)| {
            let j = jwt(r);
            let folded = fold(&format!("SUPABASE_KEY={j}"), width, "\n");
            let value = &folded["SUPABASE_KEY=".len()..];
            (
                folded.clone(),
                format!("SUPABASE_KEY={}", mask(value, jwt_kind(&j))),
            )
        }),
        (role(), prop::bool::ANY).prop_map(move |(r, newline)| {
            let j = jwt(r);
            let encoded = b64(&if newline { format!("{j}\n") } else { j.clone() });
            let folded = fold(&encoded, 76, "\n");
            (folded.clone(), mask(&folded, jwt_kind(&j)))
        }),
    ]
}

/// Pieces of the forms above, to put together at random: whatever comes out, redaction
/// must be idempotent and keep to character boundaries.
fn fragment() -> impl Strategy<Value = String> {
    let service = jwt("service_role");
    prop::sample::select(vec![
        "password".to_string(),
        "PGPASSWORD".into(),
        "key".into(),
        "apikey".into(),
        "X-Pendo-Integration-Key".into(),
        "Bearer ".into(),
        "Basic ".into(),
        "%20".into(),
        "\"".into(),
        "'".into(),
        ":".into(),
        "=".into(),
        " ".into(),
        "\n".into(),
        "\\\n".into(),
        ";".into(),
        "&".into(),
        "@".into(),
        "/".into(),
        "é".into(),
        "postgres://u:".into(),
        "@db.x.co:5432/p".into(),
        PENDO.into(),
        ".EU".into(),
        service.clone(),
        fold(&service, 64, "\n"),
        b64(&service),
        "Fak3Pw9x".into(),
        MASK.into(),
        "${X}".into(),
        "my/example-Pass9".into(),
        "eyJ".into(),
        "ZXlK".into(),
        b64("user:Fak3Pw9"),
        "A".repeat(61),
        "\r\n".into(),
        "-".into(),
        "1".into(),
        ".".into(),
        ",".into(),
        "]".into(),
        "{".into(),
        "Host=db;".into(),
        "integrationKey".into(),
        "?key=".into(),
        GHP.into(),
        SB_SECRET.into(),
        b64(&format!("{service}\n")),
        fold(&b64(&format!("{service}\n")), 76, "\n"),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn redact_masks_embedded_secrets_and_keeps_the_rest(
        parts in prop::collection::vec(("\\PC{0,40}", secret_strategy()), 0..6),
        tail in "\\PC{0,40}",
    ) {
        let mut text = String::new();
        let mut expected = String::new();
        for (filler, (secret, masked)) in &parts {
            text.push_str(filler);
            text.push(' ');
            text.push_str(secret);
            text.push('\n');
            expected.push_str(filler);
            expected.push(' ');
            expected.push_str(masked);
            expected.push('\n');
        }
        text.push_str(&tail);
        expected.push_str(&tail);
        let out = redact(&text);
        prop_assert_eq!(&out, &expected);
        prop_assert!(find(&out).is_empty());
        prop_assert_eq!(redact(&out), out);
    }

    #[test]
    fn never_panics_and_stays_idempotent_on_arbitrary_text(text in "(?s).{0,300}") {
        let once = redact(&text);
        prop_assert_eq!(redact(&once), once.clone());
        for s in find(&text) {
            prop_assert!(text.is_char_boundary(s.range.start) && text.is_char_boundary(s.range.end));
        }
    }

    #[test]
    fn stays_idempotent_on_pieces_of_secrets(parts in prop::collection::vec(fragment(), 0..24)) {
        let text = parts.concat();
        let found = find(&text);
        for s in &found {
            prop_assert!(text.is_char_boundary(s.range.start) && text.is_char_boundary(s.range.end));
        }
        let once = redact_found(&text, &found);
        prop_assert!(find(&once).is_empty(), "{:?} -> {:?}: {:?}", text, once, find(&once));
        prop_assert_eq!(redact(&once), once);
    }
}

// ---------------------------------------------------------------------------------------
// Issue 23 §6: secrets in the issue that were not found.

/// An obviously fake Supabase personal access token.
const SBP: &str = "sbp_0f1e2d3c4b5a69788796a5b4c3d2e1f000112233";

#[test]
fn supabase_access_tokens_are_found_alone_and_as_a_variable() {
    for text in [
        format!("token {SBP} here"),
        format!("SUPABASE_ACCESS_TOKEN={SBP}\nSUPABASE_URL=https://abc.supabase.co"),
        format!("export SUPABASE_ACCESS_TOKEN=\"{SBP}\""),
        format!("supabase login --token {SBP}"),
    ] {
        assert_one(&text, SBP, SecretKind::SupabaseAccessToken);
        assert!(
            redact(&text).contains("sbp_…[redacted]"),
            "{}",
            redact(&text)
        );
    }
    assert_eq!(
        SecretKind::SupabaseAccessToken.label(),
        "Supabase access token (sbp_)"
    );
    // Placeholders and other lengths are not tokens.
    for text in [
        "SUPABASE_ACCESS_TOKEN=sbp_0000000000000000000000000000000000000000",
        "SUPABASE_ACCESS_TOKEN=sbp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "SUPABASE_ACCESS_TOKEN=sbp_0f1e2d3c4b5a6978",
        "SUPABASE_ACCESS_TOKEN=<your-sbp_-token>",
    ] {
        assert!(find(text).is_empty(), "{text}: {:?}", find(text));
    }
}

/// The three parts of a JWT, split at its dots.
fn parts(jwt: &str) -> (&str, &str, &str) {
    let mut p = jwt.split('.');
    (p.next().unwrap(), p.next().unwrap(), p.next().unwrap())
}

#[test]
fn a_jwt_broken_at_its_dots_or_by_invisible_characters_is_found_whole() {
    let service = jwt("service_role");
    let (h, p, s) = parts(&service);
    let (s1, s2) = s.split_at(20);
    for broken in [
        // Folded right after each dot.
        format!("{h}.\n{p}.\n{s}"),
        format!("{h}.\r\n  {p}.\r\n  {s}"),
        // Spaced dots.
        format!("{h} . {p} . {s}"),
        format!("{h}. {p} .{s}"),
        // Zero-width characters inside, also inside the signature.
        format!("{h}\u{200b}.{p}.{s1}\u{200c}{s2}"),
        format!("{}\u{200d}{}.{p}\u{2060}.{s}\u{feff}", &h[..10], &h[10..]),
    ] {
        let text = format!("key:\n{broken}\nnext line");
        let found = find(&text);
        assert_eq!(found.len(), 1, "{text:?}: {found:?}");
        assert_eq!(
            &text[found[0].range.clone()],
            broken.trim_end_matches('\u{feff}'),
            "{text:?}"
        );
        assert_eq!(found[0].kind, SecretKind::SupabaseServiceRole, "{text:?}");
        assert_eq!(
            redact(&text),
            "key:\neyJh…[redacted]".to_string() + &text[found[0].range.end..]
        );
        assert_eq!(redact(&redact(&text)), redact(&text));
    }
    // Dots spaced in prose that do not join into a JWT are left alone.
    let text = format!("see {h} . and then . nothing");
    assert!(find(&text).is_empty(), "{:?}", find(&text));
}
