//! Pendo's regions: the suffix an integration key names and the API host that serves it.
//! A leaf: the credentials, the lints and the meaning of answers all read it.

/// Pendo's regions: the integration key's suffix and the API host that serves it.
pub const PENDO_REGIONS: &[(&str, &str)] = &[
    ("us", "https://app.pendo.io"),
    ("us1", "https://us1.app.pendo.io"),
    ("eu", "https://app.eu.pendo.io"),
    ("jpn", "https://app.jpn.pendo.io"),
    ("au", "https://app.au.pendo.io"),
];

/// The region a Pendo API host (`app.eu.pendo.io`) serves, for the official hosts.
pub fn pendo_region_of_host(host: &str) -> Option<&'static str> {
    PENDO_REGIONS
        .iter()
        .find(|(_, url)| {
            url.trim_start_matches("https://")
                .eq_ignore_ascii_case(host)
        })
        .map(|(region, _)| *region)
}

/// The region a Pendo integration key names by its suffix (`….eu`, `….US1`).
pub fn pendo_region_of_key(key: &str) -> Option<&'static str> {
    let (_, suffix) = key.trim().rsplit_once('.')?;
    PENDO_REGIONS
        .iter()
        .map(|(region, _)| *region)
        .find(|r| suffix.eq_ignore_ascii_case(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_hosts() {
        assert_eq!(pendo_region_of_host("app.eu.pendo.io"), Some("eu"));
        assert_eq!(pendo_region_of_host("APP.PENDO.IO"), Some("us"));
        assert_eq!(pendo_region_of_host("api.pendo.io"), None);
        assert_eq!(
            pendo_region_of_key("5e6f0000-aaaa-bbbb-cccc-1234567890ab.US1"),
            Some("us1")
        );
        assert_eq!(pendo_region_of_key("no-suffix"), None);
    }
}
