#!/usr/bin/env python3
"""The release's SBOM: a CycloneDX 1.5 JSON document of the Rust crates in the binary.

    scripts/sbom.py generate OUT.cdx.json [--target TRIPLE]...
    scripts/sbom.py validate FILE.cdx.json

`generate` reads `cargo metadata --locked --offline` (the lockfile's exact versions, the
licenses from each crate's manifest) and walks the normal dependency edges from
pendo-triage for the given targets (default: both release targets), so dev-dependencies,
test-only and build-only crates stay out. Each component carries its purl
(`pkg:cargo/NAME@VERSION`), its license expression and the SHA-256 that Cargo.lock
records for the crate file; `dependencies` holds the graph. The document is
reproducible: its timestamp is SOURCE_DATE_EPOCH (else the last commit's time) and its
serial number is derived from the lockfile.

`validate` checks the shape: required CycloneDX fields, one component per locked crate
version reached, purls and hashes well formed, every dependency ref resolvable; and,
when cyclonedx-python-lib is importable (the lint venv of scripts/lint-action.sh has
it), the official CycloneDX 1.5 JSON schema.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import tomllib
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["x86_64-unknown-linux-musl", "aarch64-unknown-linux-musl"]
SPEC = "1.5"


def die(msg: str) -> None:
    print(f"sbom: error: {msg}", file=sys.stderr)
    sys.exit(1)


def metadata(target: str) -> dict:
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked", "--offline",
         "--filter-platform", target],
        cwd=ROOT, capture_output=True, text=True,
    )
    if out.returncode != 0:
        die(f"cargo metadata failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def source_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    out = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT,
                         capture_output=True, text=True)
    return int(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else 0


def purl(name: str, version: str) -> str:
    return f"pkg:cargo/{name}@{version}"


def generate(out_path: str, targets: list[str]) -> None:
    lock_text = (ROOT / "Cargo.lock").read_text()
    lock = tomllib.loads(lock_text)
    checksums = {(p["name"], p["version"]): p.get("checksum") for p in lock["package"]}

    packages, edges, root_id = {}, {}, None
    for target in targets:
        meta = metadata(target)
        root_id = meta["resolve"]["root"]
        for p in meta["packages"]:
            packages[p["id"]] = p
        nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
        stack, seen = [root_id], {root_id}
        while stack:
            node = nodes[stack.pop()]
            for dep in node["deps"]:
                if not any(k["kind"] is None for k in dep["dep_kinds"]):
                    continue  # dev- and build-dependencies are not in the binary
                edges.setdefault(node["id"], set()).add(dep["pkg"])
                if dep["pkg"] not in seen:
                    seen.add(dep["pkg"])
                    stack.append(dep["pkg"])
            edges.setdefault(node["id"], set())

    def ref(pid: str) -> str:
        p = packages[pid]
        return purl(p["name"], p["version"])

    root = packages[root_id]
    components = []
    for pid in sorted(edges, key=lambda i: (packages[i]["name"], packages[i]["version"])):
        if pid == root_id:
            continue
        p = packages[pid]
        c = {
            "type": "library",
            "bom-ref": ref(pid),
            "name": p["name"],
            "version": p["version"],
            "purl": purl(p["name"], p["version"]),
        }
        if p.get("description"):
            c["description"] = " ".join(p["description"].split())
        if p.get("license"):
            c["licenses"] = [{"expression": p["license"]}]
        sha = checksums.get((p["name"], p["version"]))
        if sha:
            c["hashes"] = [{"alg": "SHA-256", "content": sha}]
        if p.get("repository"):
            c["externalReferences"] = [{"type": "vcs", "url": p["repository"]}]
        components.append(c)

    when = datetime.fromtimestamp(source_epoch(), tz=timezone.utc)
    serial = uuid.uuid5(uuid.NAMESPACE_URL, "pendo-triage:" + hashlib.sha256(
        (lock_text + "\n".join(targets)).encode()).hexdigest())
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC,
        "serialNumber": f"urn:uuid:{serial}",
        "version": 1,
        "metadata": {
            "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "scripts/sbom.py"}]},
            "component": {
                "type": "application",
                "bom-ref": ref(root_id),
                "name": root["name"],
                "version": root["version"],
                "purl": purl(root["name"], root["version"]),
                "licenses": [{"expression": root["license"]}] if root.get("license") else [],
            },
            "properties": [{"name": "cargo:target", "value": t} for t in targets],
        },
        "components": components,
        "dependencies": [
            {"ref": ref(pid), "dependsOn": sorted(ref(d) for d in deps)}
            for pid, deps in sorted(edges.items(), key=lambda kv: ref(kv[0]))
        ],
    }
    Path(out_path).write_text(json.dumps(bom, indent=2, sort_keys=False) + "\n")
    print(f"sbom: {out_path}: {len(components)} crates for {', '.join(targets)}")


def validate(path: str) -> None:
    bom = json.loads(Path(path).read_text())
    problems = []
    for key, want in [("bomFormat", "CycloneDX"), ("specVersion", SPEC)]:
        if bom.get(key) != want:
            problems.append(f"{key} is {bom.get(key)!r}, expected {want!r}")
    if not re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", bom.get("serialNumber", "")):
        problems.append("serialNumber is not a urn:uuid")
    comps = bom.get("components") or []
    if not comps:
        problems.append("no components")
    lock = tomllib.loads((ROOT / "Cargo.lock").read_text())
    locked = {(p["name"], p["version"]): p.get("checksum") for p in lock["package"]}
    refs = {bom.get("metadata", {}).get("component", {}).get("bom-ref")}
    for c in comps:
        name, version = c.get("name"), c.get("version")
        if (name, version) not in locked:
            problems.append(f"{name}@{version} is not in Cargo.lock")
        if c.get("purl") != purl(name, version):
            problems.append(f"{name}@{version}: purl {c.get('purl')!r}")
        for h in c.get("hashes", []):
            if h.get("alg") != "SHA-256" or not re.fullmatch(r"[0-9a-f]{64}", h.get("content", "")):
                problems.append(f"{name}@{version}: bad hash {h}")
            elif h["content"] != locked.get((name, version)):
                problems.append(f"{name}@{version}: hash differs from Cargo.lock")
        refs.add(c.get("bom-ref"))
    if len(refs) != len(comps) + 1:
        problems.append("bom-refs are not unique")
    for d in bom.get("dependencies", []):
        for r in [d.get("ref"), *d.get("dependsOn", [])]:
            if r not in refs:
                problems.append(f"dependency ref {r!r} names no component")
    names = {c["name"] for c in comps}
    for must in ["tokio", "rustls", "ring"]:
        if must not in names:
            problems.append(f"{must} missing: the walk of the dependency graph is broken")
    for dev_only in ["proptest", "axum", "insta", "rcgen"]:
        if dev_only in names:
            problems.append(f"{dev_only} is a dev-dependency and not in the binary")
    try:
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
    except ImportError:
        schema = "official schema not checked (cyclonedx-python-lib not installed)"
    else:
        err = JsonStrictValidator(SchemaVersion.V1_5).validate_str(Path(path).read_text())
        if err is not None:
            problems.append(f"CycloneDX 1.5 schema: {err}")
        schema = "CycloneDX 1.5 JSON schema ok"
    if problems:
        die(f"{path}:\n  " + "\n  ".join(problems))
    print(f"sbom: {path}: {len(comps)} components, dependency graph resolves; {schema}")


def main() -> None:
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "generate":
        targets = [args[i + 1] for i, a in enumerate(args) if a == "--target"] or TARGETS
        generate(args[1], targets)
    elif len(args) == 2 and args[0] == "validate":
        validate(args[1])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
