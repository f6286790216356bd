//! The code blocks the template asks for, read as data: the JavaScript `fetch` request,
//! the JSON response (with `//` comment lines tolerated) and the manual `curl` test.

use super::{CodeBlock, HttpMethod};
use serde::Serialize;

/// The request the reporter's code made, read from the `fetch(...)` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportedRequest {
    /// First argument of `fetch` (a path or URL), when it is a string literal.
    pub url: Option<String>,
    /// `method: '…'`; `None` when not given (fetch then defaults to GET).
    pub method: Option<HttpMethod>,
    /// Header name → value, as written (names keep their case).
    pub headers: Vec<(String, String)>,
    /// The `body:` expression as written.
    pub body: Option<String>,
    /// The whole block.
    pub source: String,
}

/// The response the reporter received, read from the JSON block.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReportedResponse {
    /// `status` / `statusCode` / `code` when numeric and a plausible HTTP status.
    pub status: Option<u16>,
    /// `error` / `message` / `msg` / `error_description`, as text.
    pub error: Option<String>,
    /// `details` / `detail` / `hint`, as text.
    pub details: Option<String>,
    /// PostgREST or Postgres error `code` (`PGRST205`, `42P01`, …) when textual.
    pub code: Option<String>,
    /// The parsed JSON, when the block was valid JSON once `//` comments were removed.
    pub json: Option<serde_json::Value>,
    /// Why the block is not valid JSON, when it is not.
    pub parse_error: Option<String>,
    /// The whole block.
    pub source: String,
}

/// The manual test, read from the `curl` block.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CurlCommand {
    pub method: Option<HttpMethod>,
    pub url: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub source: String,
}

impl ReportedRequest {
    /// The value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

impl CurlCommand {
    /// The value of a header, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

const SCRIPT_LANGS: &[&str] = &["javascript", "js", "typescript", "ts", "jsx", "tsx", "node"];
const SHELL_LANGS: &[&str] = &["bash", "sh", "shell", "zsh", "console", "curl", ""];

/// Picks the request block: the first script block that calls `fetch`.
pub(super) fn find_request(blocks: &[CodeBlock]) -> Option<ReportedRequest> {
    blocks
        .iter()
        .find(|b| SCRIPT_LANGS.contains(&b.lang.as_str()) && b.text.contains("fetch("))
        .map(|b| parse_fetch(&b.text))
}

/// Picks the response block: the first `json` block (or an unlabelled one starting with `{`).
pub(super) fn find_response(blocks: &[CodeBlock]) -> Option<ReportedResponse> {
    blocks
        .iter()
        .find(|b| b.lang == "json" || b.lang == "jsonc")
        .or_else(|| {
            blocks.iter().find(|b| {
                b.lang.is_empty() && strip_line_comments(&b.text).trim_start().starts_with('{')
            })
        })
        .map(|b| parse_response(&b.text))
}

/// Picks the curl block: the first shell block that runs `curl`.
pub(super) fn find_curl(blocks: &[CodeBlock]) -> Option<CurlCommand> {
    blocks
        .iter()
        .filter(|b| SHELL_LANGS.contains(&b.lang.as_str()))
        .find_map(|b| parse_curl(&b.text))
}

/// Reads `fetch('url', { method: 'X', headers: { 'K': 'V' }, body: … })`.
pub fn parse_fetch(source: &str) -> ReportedRequest {
    let code = strip_line_comments(source);
    let mut req = ReportedRequest {
        source: source.to_string(),
        ..Default::default()
    };
    if let Some(pos) = code.find("fetch(") {
        let rest = code[pos + 6..].trim_start();
        if let Some((lit, _)) = string_literal(rest) {
            req.url = Some(lit);
        }
    }
    if let Some(m) = find_key(&code, "method")
        && let Some((lit, _)) = string_literal(m)
    {
        req.method = HttpMethod::from_text(&lit);
    }
    if let Some(h) = find_key(&code, "headers")
        && let Some(obj) = h.strip_prefix('{')
    {
        req.headers = object_pairs(obj);
    }
    if let Some(b) = find_key(&code, "body") {
        let end = b.find('\n').unwrap_or(b.len());
        let v = b[..end].trim().trim_end_matches(',').trim();
        if !v.is_empty() {
            req.body = Some(v.to_string());
        }
    }
    req
}

/// Reads the JSON response block.
pub fn parse_response(source: &str) -> ReportedResponse {
    let json_text = strip_line_comments(source);
    let mut resp = ReportedResponse {
        source: source.to_string(),
        ..Default::default()
    };
    match serde_json::from_str::<serde_json::Value>(json_text.trim()) {
        Ok(value) => {
            resp.status = ["status", "statusCode", "status_code", "code"]
                .iter()
                .find_map(|k| find_json(&value, k).and_then(as_status));
            resp.error = [
                "error",
                "message",
                "msg",
                "error_description",
                "errorMessage",
            ]
            .iter()
            .find_map(|k| find_json(&value, k).and_then(as_text));
            resp.details = ["details", "detail", "hint"]
                .iter()
                .find_map(|k| find_json(&value, k).and_then(as_text));
            resp.code = find_json(&value, "code").and_then(|v| v.as_str().map(str::to_string));
            resp.json = Some(value);
        }
        Err(e) => {
            resp.parse_error = Some(format!("line {} column {}: {}", e.line(), e.column(), e));
            // Fall back to reading the obvious keys out of the broken text.
            resp.status = scan_value(&json_text, "status")
                .and_then(|v| v.parse::<u16>().ok())
                .filter(|s| (100..=599).contains(s));
            resp.error =
                scan_value(&json_text, "error").or_else(|| scan_value(&json_text, "message"));
            resp.details = scan_value(&json_text, "details");
            resp.code = scan_value(&json_text, "code").filter(|c| c.parse::<u16>().is_err());
        }
    }
    resp
}

/// Reads a `curl` command line (with `\` continuations and shell quoting).
pub fn parse_curl(source: &str) -> Option<CurlCommand> {
    let joined = source.replace("\\\r\n", " ").replace("\\\n", " ");
    let line = joined.lines().map(str::trim).find(|l| {
        !l.starts_with('#')
            && (l.starts_with("curl ") || l.contains(" curl ") || l.starts_with("$ curl "))
    })?;
    let words = shell_words(line);
    let start = words.iter().position(|w| w == "curl")?;
    let mut cmd = CurlCommand {
        source: source.to_string(),
        ..Default::default()
    };
    let mut i = start + 1;
    while i < words.len() {
        let w = &words[i];
        let next = words.get(i + 1);
        match w.as_str() {
            "-X" | "--request" => {
                cmd.method = next.and_then(|m| HttpMethod::from_text(m));
                i += 1;
            }
            "-H" | "--header" => {
                if let Some((k, v)) = next.and_then(|h| h.split_once(':')) {
                    cmd.headers
                        .push((k.trim().to_string(), v.trim().to_string()));
                }
                i += 1;
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--json" => {
                cmd.body = next.cloned();
                i += 1;
            }
            "-u" | "--user" | "-o" | "--output" | "-m" | "--max-time" | "-A" | "--user-agent"
            | "-b" | "--cookie" | "-e" | "--referer" | "--connect-timeout" | "-w"
            | "--write-out" => {
                i += 1;
            }
            "|" | ";" | "&&" | "||" | ">" => break,
            _ if w.starts_with('-') => {}
            _ if cmd.url.is_none() => cmd.url = Some(w.clone()),
            _ => {}
        }
        i += 1;
    }
    if cmd.method.is_none() && cmd.body.is_some() {
        cmd.method = Some(HttpMethod::Post);
    }
    Some(cmd)
}

/// Removes lines whose first non-blank characters are `//`, and trailing `// …` after
/// a JSON value on the same line when outside a string.
pub fn strip_line_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.trim_start().starts_with("//") {
            out.push('\n');
            continue;
        }
        out.push_str(cut_trailing_comment(line));
        out.push('\n');
    }
    out
}

fn cut_trailing_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'"' || b == b'\'' || b == b'`' {
                    quote = Some(b);
                } else if b == b'/' && bytes.get(i + 1) == Some(&b'/') {
                    // `https://` inside an unquoted context is unlikely in JSON; still keep
                    // `://` intact.
                    if i > 0 && bytes[i - 1] == b':' {
                        i += 1;
                        continue;
                    }
                    return &line[..i];
                }
            }
        }
        i += 1;
    }
    line
}

/// Finds `key:` (or `'key':` / `"key":`) and returns the text after the colon.
fn find_key<'a>(code: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(rel) = code[from..].find(key) {
        let at = from + rel;
        from = at + key.len();
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut rest = &code[at + key.len()..];
        rest = rest.strip_prefix(['\'', '"']).unwrap_or(rest);
        let rest = rest.trim_start();
        if let Some(v) = rest.strip_prefix(':') {
            return Some(v.trim_start());
        }
    }
    None
}

/// A JS/shell string literal at the start of `s`: returns its content and the rest.
fn string_literal(s: &str) -> Option<(String, &str)> {
    let q = s.chars().next().filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let body = &s[1..];
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some((_, n)) = chars.next() {
                out.push(n);
            }
        } else if c == q {
            return Some((out, &body[i + 1..]));
        } else {
            out.push(c);
        }
    }
    None
}

/// `'K': 'V', K: "V", …` up to the closing brace.
fn object_pairs(mut s: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    loop {
        s = s.trim_start().trim_start_matches(',').trim_start();
        if s.is_empty() || s.starts_with('}') {
            break;
        }
        let (key, rest) = if let Some((k, r)) = string_literal(s) {
            (k, r)
        } else {
            let end = s
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '$'))
                .unwrap_or(s.len());
            if end == 0 {
                break;
            }
            (s[..end].to_string(), &s[end..])
        };
        let Some(rest) = rest.trim_start().strip_prefix(':') else {
            break;
        };
        let rest = rest.trim_start();
        let (value, rest) = if let Some((v, r)) = string_literal(rest) {
            (v, r)
        } else {
            let end = rest.find([',', '}', '\n']).unwrap_or(rest.len());
            (rest[..end].trim().to_string(), &rest[end..])
        };
        pairs.push((key, value));
        s = rest;
    }
    pairs
}

/// Splits a shell command line into words (single and double quotes, backslash escapes).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for n in chars.by_ref() {
                    if n == '\'' {
                        break;
                    }
                    cur.push(n);
                }
            }
            '"' => {
                in_word = true;
                while let Some(n) = chars.next() {
                    match n {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                cur.push(e);
                            }
                        }
                        _ => cur.push(n),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(e) = chars.next() {
                    cur.push(e);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

fn find_json<'a>(value: &'a serde_json::Value, key: &str) -> Option<&'a serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map
            .get(key)
            .or_else(|| map.values().find_map(|v| find_json(v, key))),
        serde_json::Value::Array(items) => items.iter().find_map(|v| find_json(v, key)),
        _ => None,
    }
}

fn as_status(v: &serde_json::Value) -> Option<u16> {
    let n = match v {
        serde_json::Value::Number(n) => n.as_u64()?,
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (100..=599).contains(&n).then_some(n as u16)
}

fn as_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        serde_json::Value::Null | serde_json::Value::String(_) => None,
        other => Some(other.to_string()),
    }
}

/// Reads `"key": value` out of text that is not valid JSON.
fn scan_value(text: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\"");
    let at = text.find(&pat)?;
    let rest = text[at + pat.len()..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    if let Some((s, _)) = string_literal(rest) {
        return Some(s);
    }
    let end = rest.find([',', '}', '\n']).unwrap_or(rest.len());
    let v = rest[..end].trim();
    (!v.is_empty()).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_template_fetch_block() {
        let r = parse_fetch(
            "// Actual API request made\nconst response = await fetch('/api/pendo/guides', {\n  method: 'GET',\n  headers: {\n    'X-Pendo-Integration-Key': 'your-pendo-integration-key',\n    'Content-Type': 'application/json'\n  },\n  // Request body if applicable\n  body: JSON.stringify(requestData)\n});",
        );
        assert_eq!(r.url.as_deref(), Some("/api/pendo/guides"));
        assert_eq!(r.method, Some(HttpMethod::Get));
        assert_eq!(
            r.header("x-pendo-integration-key"),
            Some("your-pendo-integration-key")
        );
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.body.as_deref(), Some("JSON.stringify(requestData)"));
    }

    #[test]
    fn reads_a_response_with_comment_lines() {
        let r = parse_response(
            "// Actual response received\n{\n  \"error\": \"Unauthorized\",\n  \"status\": 401, // trailing\n  \"details\": \"bad key\"\n}",
        );
        assert_eq!(r.status, Some(401));
        assert_eq!(r.error.as_deref(), Some("Unauthorized"));
        assert_eq!(r.details.as_deref(), Some("bad key"));
        assert!(r.parse_error.is_none());
    }

    #[test]
    fn broken_json_still_yields_status_and_says_why() {
        let r = parse_response("{ \"error\": \"Gateway Timeout\", \"status\": 504, ");
        assert!(r.parse_error.is_some());
        assert_eq!(r.status, Some(504));
        assert_eq!(r.error.as_deref(), Some("Gateway Timeout"));
    }

    #[test]
    fn reads_postgrest_error_codes() {
        let r = parse_response(
            r#"{"code":"PGRST205","details":null,"hint":"Perhaps you meant the table 'public.pendo_guide'","message":"Could not find the table 'public.pendo_guides' in the schema cache"}"#,
        );
        assert_eq!(r.code.as_deref(), Some("PGRST205"));
        assert!(r.error.unwrap().contains("Could not find the table"));
        assert!(r.details.unwrap().contains("Perhaps"));
    }

    #[test]
    fn reads_curl_with_continuations() {
        let c = parse_curl("# curl command for manual testing\ncurl -X GET \"https://app.pendo.io/api/v1/endpoint\" \\\n  -H \"X-Pendo-Integration-Key: your-pendo-integration-key\" \\\n  -H \"Content-Type: application/json\"\n").unwrap();
        assert_eq!(c.method, Some(HttpMethod::Get));
        assert_eq!(
            c.url.as_deref(),
            Some("https://app.pendo.io/api/v1/endpoint")
        );
        assert_eq!(
            c.header("x-pendo-integration-key"),
            Some("your-pendo-integration-key")
        );
        assert_eq!(c.headers.len(), 2);
    }

    #[test]
    fn curl_with_data_defaults_to_post() {
        let c = parse_curl("curl https://app.pendo.io/api/v1/aggregation -d '{\"response\":{}}'")
            .unwrap();
        assert_eq!(c.method, Some(HttpMethod::Post));
        assert_eq!(c.body.as_deref(), Some("{\"response\":{}}"));
    }

    #[test]
    fn no_curl_in_block_is_none() {
        assert!(parse_curl("echo hello").is_none());
    }
}
