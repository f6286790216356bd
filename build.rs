//! Link flags for the static musl binary that ships in the image.
//!
//! The musl binary is a static PIE: the kernel places it at a random address and it
//! relocates itself at start. Its absolute pointers (vtables, string tables) are classic
//! `R_*_RELATIVE` entries, 24 bytes each, 442 KiB of `.rela.dyn` in a 9.4 MB binary.
//! `-z pack-relative-relocs` stores them as RELR bitmaps instead (5 KiB): same ASLR, same
//! start-up work. musl's start-up code reads RELR since 1.2.4 (Rust ships 1.2.5), and GNU
//! ld writes it since 2.38; an older ld warns and ignores the flag, which only costs size.
//! glibc targets are left alone: there RELR adds a `GLIBC_ABI_DT_RELR` requirement that
//! glibc before 2.36 refuses at start.
fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "musl" {
        println!("cargo::rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
