//! Test support: where the shared corpus of real data is (a copy of the small locating logic of
//! `rampart_formats::corpus`, since `rampart-intel` must not depend on `rampart-formats`).
//!
//! Tests find it at `$RAMPART_CORPUS` or `../shared/corpus` (relative to the workspace root). Without
//! it they print that they skip, unless `RAMPART_REQUIRE_CORPUS=1` (CI), where a missing corpus is a
//! failure.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The corpus directory, or `None` (after printing why) when it is absent and not required.
///
/// # Panics
/// When the corpus is absent and `RAMPART_REQUIRE_CORPUS=1`.
pub fn dir() -> Option<PathBuf> {
    let candidates: Vec<PathBuf> = match std::env::var_os("RAMPART_CORPUS") {
        Some(p) => vec![PathBuf::from(p)],
        None => {
            let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            vec![root.join("../shared/corpus"), root.join("shared/corpus")]
        }
    };
    for c in &candidates {
        if c.join("README.md").is_file() {
            return Some(c.canonicalize().unwrap_or_else(|_| c.clone()));
        }
    }
    if std::env::var("RAMPART_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!("RAMPART_REQUIRE_CORPUS=1 but no corpus at {candidates:?}: set RAMPART_CORPUS");
    }
    eprintln!("corpus not found at {candidates:?}: skipping (set RAMPART_CORPUS to run)");
    None
}

/// Every file under `corpus/<sub>` (recursively) whose name ends with one of `exts` (empty: all
/// files), sorted.
pub fn files(sub: &str, exts: &[&str]) -> Vec<PathBuf> {
    let Some(root) = dir() else { return Vec::new() };
    let mut out = Vec::new();
    walk(&root.join(sub), &mut out);
    out.retain(|p| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        exts.is_empty() || exts.iter().any(|e| name.ends_with(e))
    });
    out.sort();
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in rd.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The path of one corpus file, or `None` when the corpus is absent (see [`dir`]).
pub fn file(rel: &str) -> Option<PathBuf> {
    dir().map(|d| d.join(rel))
}
