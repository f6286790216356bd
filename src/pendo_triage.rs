//! pendo-triage's library, as the binary, the tests and the benchmarks name it
//! (`pendo_triage::…`): pendo-triage-core (whose root is `src/lib.rs`) re-exported whole.
//!
//! pendo-triage-core is a crate of its own so that the release profile can build it for
//! size while this crate, the binary's, stays at opt-level 3: fat LTO optimises the whole
//! program at the binary crate's level, and the per-issue text work (pendo-text) is hot.

pub use pendo_triage_core::*;
