//! Eight writers with their own connections ingest 500 reports into three applications at
//! once. Afterwards the store must equal a replay of the same reports, one after the other, in
//! the order the store serialized them (scan ids): no duplicated issue, no lost or extra
//! observation, every status and every scan summary right.

use crate::backend::Backend;
use crate::build::{Report, at, code, dep, ingest, keyed};
use crate::lifecycle::all_issues;
use rampart_model::{IssueStatus, KeyedObservation, Observation, ScanSummary, Severity};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

const REPORTS: usize = 500;
const WRITERS: usize = 8;
const APPS: [&str; 3] = ["alpha", "beta", "gamma"];
/// (target suffix, tool) of the streams of each application.
const STREAMS: [(&str, &str); 5] = [
    ("repo", "semgrep"),
    ("repo", "trivy"),
    ("repo", "grype"),
    ("img", "trivy"),
    ("img", "grype"),
];
const POOL: u64 = 8;

/// Counts of rows whose reference leads nowhere.
pub const ORPHANS: [&str; 6] = [
    "SELECT COUNT(*) FROM observations o WHERE NOT EXISTS (SELECT 1 FROM issues i WHERE i.id = o.issue_id)",
    "SELECT COUNT(*) FROM observations o WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.id = o.stream_id)",
    "SELECT COUNT(*) FROM observations o WHERE NOT EXISTS (SELECT 1 FROM scans s WHERE s.id = o.first_scan_id)",
    "SELECT COUNT(*) FROM observations o WHERE o.last_scan_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scans s WHERE s.id = o.last_scan_id)",
    "SELECT COUNT(*) FROM issues i WHERE NOT EXISTS (SELECT 1 FROM applications a WHERE a.id = i.application_id)",
    "SELECT COUNT(*) FROM issues i WHERE NOT EXISTS (SELECT 1 FROM scans s WHERE s.id = i.first_scan_id)",
];

fn mix(r: u64, i: u64) -> u64 {
    let mut x = r.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 32)
}

/// Report `r`: deterministic content with overlapping keys (trivy and grype report the same
/// vulnerabilities of a target), findings that come and go, code that moves.
fn report(r: usize) -> (Report, Vec<Observation>) {
    let app = APPS[r % APPS.len()];
    let (suffix, tool) = STREAMS[(r / APPS.len()) % STREAMS.len()];
    let mut rep = Report::new(app, tool, r as i64).target(&format!("{app}-{suffix}"));
    rep.tag = format!("r{r}");
    let r = r as u64;
    let mut obs = Vec::new();
    for i in 0..POOL {
        if mix(r, i).is_multiple_of(3) {
            continue; // not reported this time
        }
        if tool == "semgrep" {
            let line = 10 * i as u32
                + if mix(r, 100 + i).is_multiple_of(4) {
                    5
                } else {
                    0
                };
            obs.push(code(
                tool,
                "rule",
                &format!("f{i}.py"),
                line,
                &format!("sink{i}(x)"),
            ));
        } else {
            let version = if mix(r, 200 + i).is_multiple_of(5) {
                "1.1"
            } else {
                "1.0"
            };
            let sev = if i % 2 == 0 {
                Severity::High
            } else {
                Severity::Low
            };
            obs.push(dep(
                tool,
                &format!("CVE-2024-{i:04}"),
                &format!("pkg{i}"),
                version,
                sev,
            ));
        }
    }
    (rep, obs)
}

/// The lifecycle, replayed in memory.
#[derive(Default)]
struct Model {
    /// (application, key) → status.
    issues: HashMap<(String, String), IssueStatus>,
    /// (application, target, tool) → active statements: hash → key.
    active: HashMap<(String, String, String), HashMap<i64, String>>,
    /// Observation rows written.
    rows: u64,
}

impl Model {
    fn apply(&mut self, rep: &Report, keyed: &[KeyedObservation]) -> ScanSummary {
        let app = rep.app.clone();
        let stream = (app.clone(), rep.target.clone(), rep.tools[0].clone());
        let old = self.active.remove(&stream).unwrap_or_default();
        let mut now: HashMap<i64, String> = HashMap::new();
        let mut seen = BTreeSet::new();
        for ko in keyed {
            if !old.contains_key(&ko.hash) {
                self.rows += 1;
            }
            now.insert(ko.hash, ko.key.hex.clone());
            seen.insert(ko.key.hex.clone());
        }
        let mut s = ScanSummary {
            observations: keyed.len() as u64,
            ..Default::default()
        };
        for key in &seen {
            match self.issues.get(&(app.clone(), key.clone())) {
                None => {
                    s.new += 1;
                    self.issues
                        .insert((app.clone(), key.clone()), IssueStatus::Open);
                }
                Some(IssueStatus::Fixed) => {
                    s.reopened += 1;
                    self.issues
                        .insert((app.clone(), key.clone()), IssueStatus::Reopened);
                }
                Some(_) => s.unchanged += 1,
            }
        }
        let gone: BTreeSet<String> = old
            .iter()
            .filter(|(h, _)| !now.contains_key(h))
            .map(|(_, k)| k.clone())
            .collect();
        self.active.insert(stream, now);
        for key in gone {
            let still = self
                .active
                .iter()
                .any(|((a, _, _), m)| *a == app && m.values().any(|k| *k == key));
            let status = self
                .issues
                .get_mut(&(app.clone(), key))
                .expect("known issue");
            if !still && matches!(status, IssueStatus::Open | IssueStatus::Reopened) {
                *status = IssueStatus::Fixed;
                s.fixed += 1;
            }
        }
        s
    }
}

pub async fn eight_writers_500_reports(b: &Backend) {
    let mut handles = Vec::new();
    for _ in 0..WRITERS {
        handles.push(b.another().await);
    }
    let start = Arc::new(tokio::sync::Barrier::new(WRITERS));
    let mut tasks = Vec::new();
    for (w, store) in handles.into_iter().enumerate() {
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            for r in (w..REPORTS).step_by(WRITERS) {
                let (rep, obs) = report(r);
                ingest(store.as_ref(), &rep, obs).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("a writer failed");
    }

    // Replay in the order the store serialized the scans.
    let s = b.store.as_ref();
    let mut scans = s.list_scans(None, 10_000).await.unwrap();
    assert_eq!(scans.len(), REPORTS, "every report became one scan");
    scans.sort_by_key(|s| s.id);
    let mut model = Model::default();
    for scan in &scans {
        let r: usize = scan.report_sha256.trim_start_matches('r').parse().unwrap();
        let (rep, obs) = report(r);
        assert_eq!(
            (scan.application.as_str(), scan.target.as_str()),
            (rep.app.as_str(), rep.target.as_str())
        );
        let expected = model.apply(&rep, &keyed(&rep.target, obs));
        assert_eq!(
            scan.summary, expected,
            "summary of scan {} (report {r})",
            scan.id
        );
    }

    // No duplicate, nothing missing, every status right.
    let issues = all_issues(s).await;
    let stored: BTreeMap<(String, String), IssueStatus> = issues
        .iter()
        .map(|i| ((i.application.clone(), i.key.clone()), i.status))
        .collect();
    assert_eq!(stored.len(), issues.len(), "an issue is duplicated");
    let expected: BTreeMap<(String, String), IssueStatus> =
        model.issues.clone().into_iter().collect();
    assert_eq!(stored, expected);
    assert!(expected.values().any(|s| *s == IssueStatus::Fixed));
    assert!(expected.values().any(|s| *s == IssueStatus::Reopened));
    // Observation rows: exact, and the active ones are the model's.
    let p = s.portfolio().await.unwrap();
    assert_eq!(p.observations, model.rows);
    let active: usize = model.active.values().map(HashMap::len).sum();
    assert_eq!(
        b.scalar("SELECT COUNT(*) FROM observations WHERE last_scan_id IS NULL")
            .await as usize,
        active
    );
    // No row points nowhere (PostgreSQL's bulk tables have no foreign keys; the store keeps
    // them consistent).
    for orphans in ORPHANS {
        assert_eq!(b.scalar(orphans).await, 0, "{orphans}");
    }
    // Issues shared by trivy and grype are one issue with both tools.
    let both = issues
        .iter()
        .filter(|i| i.tools == ["grype", "trivy"])
        .count();
    assert!(both > 0);
    assert_eq!(p.applications, 3);
    // The summaries the concurrent writers kept with deltas equal a recount.
    crate::summaries::assert_summaries_match(s, "eight concurrent writers").await;
    // Later, a single writer still sees a consistent store.
    let (mut rep, obs) = report(0);
    rep.at = at(REPORTS as i64);
    rep.tag = "again".into();
    let again = ingest(s, &rep, obs.clone()).await;
    let mut model_again = model;
    assert_eq!(
        again.summary,
        model_again.apply(&rep, &keyed(&rep.target, obs))
    );
}
