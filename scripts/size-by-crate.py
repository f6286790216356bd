#!/usr/bin/env python3
"""What each crate costs in a binary: a size-sorted symbol list grouped by crate.

The release binary is stripped, so measure an unstripped twin (only the final link
changes, no crate is rebuilt):

    CARGO_PROFILE_RELEASE_STRIP=false CC_x86_64_unknown_linux_musl=musl-gcc \
      cargo build --release --locked --target x86_64-unknown-linux-musl
    scripts/size-by-crate.py target/x86_64-unknown-linux-musl/release/pendo-triage

Like `cargo bloat --crates`, it reads `nm --size-sort` (text and data symbols) and names
a symbol's crate by the first path segment of its demangled name; `<T as Trait>::f` goes
to T's crate unless T is a std type. Generic code instantiated for a crate's types but
defined in std (e.g. `core::ptr::drop_in_place<hyper::…>`) counts as std, and code that
LTO inlined into a caller counts as the caller's: read the numbers as a ranking, not as
exact costs. C code (ring's, musl's) has no crate path: ring's symbols carry its prefix.
"""

import re
import subprocess
import sys
from collections import defaultdict

STD = {"std", "core", "alloc", "proc_macro", "panic_unwind", "panic_abort", "compiler_builtins"}


def crate_of(name: str) -> str:
    if name.startswith("ring_core_") or name.startswith("GFp") or name.startswith("ring_"):
        return "ring (C and asm)"
    if "::" not in name:
        return "[no crate: C, asm, musl]"
    if name.startswith("<"):
        inner = name[1:]
        m = re.match(r"&?(?:mut )?(?:dyn )?\(?([A-Za-z_][A-Za-z0-9_]*)::", inner)
        first = m.group(1) if m else None
        if first and first not in STD:
            return first
        t = re.search(r" as ([A-Za-z_][A-Za-z0-9_]*)::", name)
        if t and t.group(1) not in STD:
            return t.group(1)
        return first or "[unknown]"
    return name.split("::", 1)[0]


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    out = subprocess.run(
        ["nm", "-C", "--size-sort", "-S", path], capture_output=True, text=True, check=True
    ).stdout
    sizes: dict[str, int] = defaultdict(int)
    total = 0
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4:
            continue
        _, size, kind, name = parts
        if kind.lower() not in "tdrb" or kind.lower() == "b":
            continue  # bss takes no file space
        n = int(size, 16)
        sizes[crate_of(name)] += n
        total += n
    print(f"{'crate':<32} {'KiB':>8} {'share':>6}")
    for crate, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{crate:<32} {n / 1024:>8.1f} {100 * n / total:>5.1f}%")
    print(f"{'(symbols in all)':<32} {total / 1024:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
