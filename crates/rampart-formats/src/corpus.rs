//! Test support: where the shared corpus of real scanner output is.
//!
//! Tests find it at `$RAMPART_CORPUS` or `../shared/corpus` (relative to the workspace root).
//! Without it they print that they skip, unless `RAMPART_REQUIRE_CORPUS=1` (CI), where a
//! missing corpus is a failure.

use std::path::{Path, PathBuf};

/// The corpus directory, or `None` (after printing why) when it is absent and not required.
///
/// # Panics
/// When the corpus is absent and `RAMPART_REQUIRE_CORPUS=1`: CI must not pass without it.
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
        panic!(
            "RAMPART_REQUIRE_CORPUS=1 but no corpus at {:?}: set RAMPART_CORPUS",
            candidates
        );
    }
    eprintln!("corpus not found at {candidates:?}: skipping (set RAMPART_CORPUS to run)");
    None
}

/// Every file under `corpus/<sub>` (recursively) whose name ends with one of `exts`
/// (empty: all files), sorted.
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

/// Parses a corpus file in place (streaming from disk, as an ingest does) with a fixed test
/// key, collecting the observations.
pub fn parse_file(
    path: &Path,
    format: Option<crate::Format>,
) -> Result<(crate::ParseOutcome, Vec<rampart_model::Observation>), crate::ParseError> {
    let file = std::fs::File::open(path).map_err(|source| crate::ParseError::Io {
        file: path.display().to_string(),
        source,
    })?;
    let ctx = crate::ParseContext::new(path.display().to_string(), b"corpus-test-key".to_vec());
    let mut all = Vec::new();
    let mut sink = |o: rampart_model::Observation| {
        all.push(o);
        Ok(())
    };
    let mut emitter = crate::Emitter::new(&mut sink);
    let outcome = crate::parse(std::io::BufReader::new(file), format, &ctx, &mut emitter)?;
    drop(emitter);
    Ok((outcome, all))
}

/// A corpus JSON file as a `serde_json::Value`, for counting records independently of the
/// parsers.
///
/// # Panics
/// When the file cannot be read or is not JSON: the test chose the wrong file.
pub fn json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `path` relative to the corpus root, for messages and per-file expectations.
pub fn relative(path: &Path) -> String {
    let root = dir().unwrap_or_default();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The members of `real-scans/LABELS.json` that come from report `report` (`bandit.json`,
/// `checkov.json` ...), grouped by target: each is an object with `src`, `ptr` (a JSON pointer
/// into the report), `rule`, `file` and `line`. `None` when the corpus is absent.
pub fn labelled_members(
    report: &str,
) -> Option<std::collections::BTreeMap<String, Vec<serde_json::Value>>> {
    let labels = json(&file("real-scans/LABELS.json")?);
    let mut out = std::collections::BTreeMap::new();
    for (target, body) in labels["targets"].as_object()? {
        let mut members = Vec::new();
        collect_members(body, report, &mut members);
        if !members.is_empty() {
            out.insert(target.clone(), members);
        }
    }
    Some(out)
}

fn collect_members(v: &serde_json::Value, src: &str, out: &mut Vec<serde_json::Value>) {
    match v {
        serde_json::Value::Object(o) => {
            if o.get("src").and_then(serde_json::Value::as_str) == Some(src)
                && o.contains_key("ptr")
            {
                out.push(v.clone());
            }
            o.values().for_each(|x| collect_members(x, src, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_members(x, src, out)),
        _ => {}
    }
}
