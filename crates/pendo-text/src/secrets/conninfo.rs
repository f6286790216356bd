//! The passwords a database connection string carries, in every place libpq reads one.
//!
//! libpq takes a password from three places, and the bot must hold each of them:
//! - the URL's user-info, `postgresql://user:password@host/db` (percent-encoded);
//! - the URL's query, `postgresql://user@host/db?password=…` (percent-encoded);
//! - a `key = value` string, `host=db password = 'it\'s secret'`, where spaces may stand
//!   around `=`, and a value in single quotes may hold spaces, `\'` and `\\`.
//!
//! Each password comes back as written and as the server sees it (decoded), so both forms
//! can be masked; the parser never fails, it only finds fewer passwords.

/// `user` and `password` of `scheme://user:password@host…`, as written (the last `@`
/// before the query ends them: a password may hold `/` or `@`; one that holds `?` is read
/// up to the last `@` of all).
pub(crate) fn url_userinfo(url: &str) -> Option<(&str, &str)> {
    let rest = &url[url.find("://")? + 3..];
    let before_query = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let at = before_query.rfind('@').or_else(|| rest.rfind('@'))?;
    let userinfo = &rest[..at];
    let (user, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some((user, password))
}

/// One password found in a connection string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Password {
    /// As it stands in the string (percent-encoded, quoted, escaped).
    pub written: String,
    /// As the server receives it.
    pub value: String,
    /// The user name next to it, as the server receives it (for `user:password` forms).
    pub user: Option<String>,
}

/// Every password in a database URL or libpq `key=value` string.
pub(crate) fn passwords(conn: &str) -> Vec<Password> {
    let mut found = Vec::new();
    if conn.contains("://") {
        let user = url_userinfo(conn).map(|(u, _)| percent_decode(u));
        if let Some((_, password)) = url_userinfo(conn) {
            found.push(Password {
                written: password.to_string(),
                value: percent_decode(password),
                user: user.clone(),
            });
        }
        let query = conn.split_once('?').map_or("", |(_, q)| q);
        let query = query.split('#').next().unwrap_or("");
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=')
                && percent_decode(k).eq_ignore_ascii_case("password")
                && !v.is_empty()
            {
                found.push(Password {
                    written: v.to_string(),
                    value: percent_decode(&v.replace('+', " ")).replace('\u{0}', ""),
                    user: query_user(query).or_else(|| user.clone()),
                });
                if v.contains('+') {
                    found.push(Password {
                        written: v.to_string(),
                        value: percent_decode(v),
                        user: None,
                    });
                }
            }
        }
    } else {
        let pairs = key_values(conn);
        let user = pairs
            .iter()
            .find(|(k, _, _)| k == "user")
            .map(|(_, _, v)| v.clone());
        for (key, written, value) in pairs {
            if key == "password" && !value.is_empty() {
                found.push(Password {
                    written,
                    value,
                    user: user.clone(),
                });
            }
        }
    }
    found
}

fn query_user(query: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (percent_decode(k) == "user").then(|| percent_decode(v))
    })
}

/// libpq's `keyword = value` pairs: (keyword, value as written, value as read).
fn key_values(conn: &str) -> Vec<(String, String, String)> {
    let b = conn.as_bytes();
    let mut pairs = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let key_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        if key_start == i {
            return pairs;
        }
        let key = conn[key_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let written_start = i;
        let mut value = Vec::new();
        let quoted = b.get(i) == Some(&b'\'');
        if quoted {
            i += 1;
        }
        while i < b.len() {
            match b[i] {
                b'\\' if i + 1 < b.len() => {
                    value.push(b[i + 1]);
                    i += 2;
                }
                b'\'' if quoted => {
                    i += 1;
                    break;
                }
                c if !quoted && c.is_ascii_whitespace() => break,
                c => {
                    value.push(c);
                    i += 1;
                }
            }
        }
        let written = conn[written_start..i].to_string();
        pairs.push((key, written, String::from_utf8_lossy(&value).into_owned()));
    }
}

/// `%XX` escapes decoded (invalid ones kept as written), lossily as UTF-8.
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(conn: &str) -> Vec<String> {
        passwords(conn).into_iter().map(|p| p.value).collect()
    }

    #[test]
    fn the_url_userinfo_password_is_read_and_decoded() {
        let p = passwords("postgresql://postgres.ref:Fake%40Pw%2Fx@pooler.example:5432/db");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].written, "Fake%40Pw%2Fx");
        assert_eq!(p[0].value, "Fake@Pw/x");
        assert_eq!(p[0].user.as_deref(), Some("postgres.ref"));
    }

    #[test]
    fn the_query_password_is_read_and_decoded() {
        assert_eq!(
            values(
                "postgresql://postgres@db.example:5432/postgres?sslmode=require&password=Fake%21Query_pw9"
            ),
            ["Fake!Query_pw9"]
        );
        assert_eq!(
            values("postgres://db.example/postgres?password=FakeFirst-pw42#frag"),
            ["FakeFirst-pw42"]
        );
        // A user-info without a password and an `@` in the query are not a password.
        assert_eq!(url_userinfo("postgres://u@h/db?options=a@b"), None);
    }

    #[test]
    fn the_key_value_password_is_read_with_spaces_quotes_and_escapes() {
        assert_eq!(
            values("host=db.example user=postgres password=FakeKvPw_77 sslmode=require"),
            ["FakeKvPw_77"]
        );
        assert_eq!(
            values("host=db.example password = FakeSpaced_pw1 dbname=postgres"),
            ["FakeSpaced_pw1"]
        );
        let p = passwords(r"user = 'app' password = 'it\'s a fake \\ pw' host=db");
        assert_eq!(p[0].value, r"it's a fake \ pw");
        assert_eq!(p[0].written, r"'it\'s a fake \\ pw'");
        assert_eq!(p[0].user.as_deref(), Some("app"));
        assert!(values("host=db.example user=postgres").is_empty());
        assert!(values("password=").is_empty());
    }
}
