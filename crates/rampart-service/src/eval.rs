//! Measuring correlation against hand-labelled real scans (`real-scans/LABELS.json` of the
//! corpus): ingest every report of a target into one application, then compare, for every pair
//! of labelled findings, "Rampart put them in one issue" with "the labels say they are one
//! issue".
//!
//! The labelled findings are the members of the `same_issue_groups` (each group is one issue)
//! and of the `different_at_same_place` relations (a member whose group is `null` is an issue of
//! its own); members listed only as `uncertain` are left out. Every unordered pair of them is a
//! positive when both are in one group, a negative otherwise. Precision is the share of pairs
//! Rampart merged that are positives; recall the share of positives Rampart merged.
//!
//! Reports: every `*.json` of the target's folder except `manifest.json` (native reports and
//! SBOMs), in file-name order. The `*.sarif` files are the same tool runs written as SARIF: a
//! second report of one tool on one target is a rescan of its stream, so they are left out.

use crate::ingest::{IngestOptions, ingest_path};
use rampart_store::{IssueQuery, Store};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use thiserror::Error;

/// Why an evaluation could not run.
#[derive(Debug, Error)]
pub enum EvalError {
    /// A file could not be read or is not what was expected.
    #[error("{file}: {what}")]
    Input {
        /// The file.
        file: String,
        /// What went wrong.
        what: String,
    },
    /// An ingest failed.
    #[error(transparent)]
    Ingest(#[from] crate::IngestError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] rampart_store::StoreError),
}

/// The measurement for one target.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetScore {
    /// Target (folder) name.
    pub target: String,
    /// Reports ingested.
    pub reports: Vec<String>,
    /// Reports skipped (format not recognised), with the reason.
    pub skipped: Vec<String>,
    /// Labelled findings.
    pub members: usize,
    /// Labelled findings no stored observation matched (should be 0).
    pub unlocated: Vec<String>,
    /// Pairs labelled the same issue.
    pub positives: usize,
    /// Positive pairs Rampart merged.
    pub true_positives: usize,
    /// Negative pairs Rampart merged.
    pub false_positives: usize,
    /// Positive pairs Rampart kept apart.
    pub false_negatives: usize,
    /// Issues the target's reports produced.
    pub issues: usize,
    /// Observations stored.
    pub observations: usize,
    /// The pairs Rampart got wrong, in words.
    pub errors: Vec<String>,
}

impl TargetScore {
    /// TP / (TP + FP); 1 when nothing was merged.
    pub fn precision(&self) -> f64 {
        let merged = self.true_positives + self.false_positives;
        if merged == 0 {
            1.0
        } else {
            self.true_positives as f64 / merged as f64
        }
    }

    /// TP / (TP + FN); 1 when there are no positives.
    pub fn recall(&self) -> f64 {
        if self.positives == 0 {
            1.0
        } else {
            self.true_positives as f64 / self.positives as f64
        }
    }
}

fn input(file: &Path, what: impl Into<String>) -> EvalError {
    EvalError::Input {
        file: file.display().to_string(),
        what: what.into(),
    }
}

/// The targets `LABELS.json` in `real_scans` labels, in its order.
pub fn labelled_targets(real_scans: &Path) -> Result<Vec<String>, EvalError> {
    let labels = read_labels(real_scans)?;
    Ok(labels["targets"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default())
}

fn read_labels(real_scans: &Path) -> Result<Value, EvalError> {
    let path = real_scans.join("LABELS.json");
    let bytes = std::fs::read(&path).map_err(|e| input(&path, format!("cannot read: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| input(&path, format!("not JSON: {e}")))
}

/// A labelled finding: which report, where in it, which tool, and its label group.
struct Member {
    tool: String,
    ptr: String,
    group: String,
    text: String,
}

fn member(m: &Value, group: Option<&str>) -> Option<Member> {
    let src = m["src"].as_str()?;
    let ptr = m["ptr"].as_str()?;
    Some(Member {
        tool: m["tool"].as_str()?.to_ascii_lowercase(),
        ptr: ptr.to_string(),
        group: group
            .map(str::to_string)
            .unwrap_or_else(|| format!("solo:{src}{ptr}")),
        text: format!(
            "{} {} {}:{}",
            m["tool"].as_str().unwrap_or("?"),
            m["rule"].as_str().unwrap_or("?"),
            m["file"].as_str().unwrap_or("?"),
            m["line"]
        ),
    })
}

/// The labelled members of one target, unique by (tool, pointer).
fn members(body: &Value) -> Vec<Member> {
    let mut out: Vec<Member> = Vec::new();
    let mut add = |m: Member| {
        if !out.iter().any(|x| x.tool == m.tool && x.ptr == m.ptr) {
            out.push(m);
        }
    };
    for g in body["same_issue_groups"].as_array().into_iter().flatten() {
        for m in g["members"].as_array().into_iter().flatten() {
            if let Some(m) = member(m, g["id"].as_str()) {
                add(m);
            }
        }
    }
    for d in body["different_at_same_place"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let ms = d["members"].as_array().cloned().unwrap_or_default();
        for (m, g) in ms.iter().zip(["a_group", "b_group"]) {
            if let Some(m) = member(m, d[g].as_str()) {
                add(m);
            }
        }
    }
    out
}

/// Ingests every report of `real_scans/<target>` into application `target` of `store` (which
/// should be empty) and scores correlation against the labels.
pub async fn evaluate_target(
    store: &dyn Store,
    real_scans: &Path,
    target: &str,
) -> Result<TargetScore, EvalError> {
    let labels = read_labels(real_scans)?;
    let body = &labels["targets"][target];
    if body.is_null() {
        return Err(input(
            &real_scans.join("LABELS.json"),
            format!("no target {target:?} under /targets"),
        ));
    }
    let dir = real_scans.join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| input(&dir, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && p.file_name().is_some_and(|n| n != "manifest.json")
        })
        .collect();
    files.sort();
    let mut score = TargetScore {
        target: target.to_string(),
        reports: Vec::new(),
        skipped: Vec::new(),
        members: 0,
        unlocated: Vec::new(),
        positives: 0,
        true_positives: 0,
        false_positives: 0,
        false_negatives: 0,
        issues: 0,
        observations: 0,
        errors: Vec::new(),
    };
    let opts = IngestOptions::new(target);
    for f in &files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match ingest_path(store, f, &opts, Arc::new(AtomicU64::new(0))).await {
            Ok(_) => score.reports.push(name),
            Err(crate::IngestError::Parse(e)) => score.skipped.push(format!("{name}: {e}")),
            Err(e) => return Err(e.into()),
        }
    }
    // Where every stored observation went: (tool, pointer) → issue.
    let issues = store
        .list_issues(&IssueQuery {
            application: Some(target.to_string()),
            all_statuses: true,
            ..Default::default()
        })
        .await?;
    score.issues = issues.len();
    let mut issue_of: HashMap<(String, String), i64> = HashMap::new();
    for i in &issues {
        let Some(detail) = store.issue_detail(i.id).await? else {
            continue;
        };
        for o in detail.observations {
            score.observations += 1;
            if let Some(ptr) = o.observation["source_ref"].as_str() {
                issue_of.insert((o.tool.to_ascii_lowercase(), ptr.to_string()), i.id);
            }
        }
    }
    let ms = members(body);
    score.members = ms.len();
    let located: Vec<(&Member, i64)> = ms
        .iter()
        .filter_map(|m| match issue_of.get(&(m.tool.clone(), m.ptr.clone())) {
            Some(i) => Some((m, *i)),
            None => {
                score.unlocated.push(format!("{} ({})", m.text, m.ptr));
                None
            }
        })
        .collect();
    for (i, (a, ia)) in located.iter().enumerate() {
        for (b, ib) in &located[i + 1..] {
            let truth = a.group == b.group;
            let merged = ia == ib;
            match (truth, merged) {
                (true, true) => score.true_positives += 1,
                (false, true) => {
                    score.false_positives += 1;
                    score
                        .errors
                        .push(format!("merged but different: {} / {}", a.text, b.text));
                }
                (true, false) => {
                    score.false_negatives += 1;
                    score
                        .errors
                        .push(format!("same issue kept apart: {} / {}", a.text, b.text));
                }
                (false, false) => {}
            }
            if truth {
                score.positives += 1;
            }
        }
    }
    // Labelled members no observation matched are positives missed.
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &ms {
        *sizes.entry(m.group.as_str()).or_default() += 1;
    }
    let all_positive: usize = sizes.values().map(|n| n * n.saturating_sub(1) / 2).sum();
    score.false_negatives += all_positive - score.positives;
    score.positives = all_positive;
    Ok(score)
}
