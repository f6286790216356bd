//! The checks that read only the issue ([`offline`]), and the template's checklist items
//! that checks prove or bear on ([`ticks`]).
//!
//! A check looks at one thing (the fields, a secret in the body, Pendo's auth, a
//! Supabase table) and produces a [`crate::finding::Finding`]. A failing dependency is a
//! finding with status `fail`, never an `Err`: only a check that could not do its job is
//! `error`. The live checks are [`crate::live`]'s; the registry ([`crate::registry`])
//! lists both kinds.

pub mod offline;
pub mod ticks;
