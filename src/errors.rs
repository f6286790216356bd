//! An error and its causes on one line: the one joiner (the live transport, the GitHub
//! client, the database client and the run's annotation use it). A leaf.

/// An error with its causes, `outer: inner: innermost` (the innermost says the most).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    chain
}
