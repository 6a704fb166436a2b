//! Location drift on real reports: Bandit and Semgrep rescans of vulpy after lines were
//! inserted above the findings, and after a file was renamed, open and fix nothing, keep the
//! cross-tool merges and record the moves.

mod common;

use common::{ingest, store, write_json};
use rampart_formats::corpus;
use rampart_store::{IssueQuery, Store};
use serde_json::Value;

const RENAMED_FROM: &str = "bad/db.py";
const RENAMED_TO: &str = "bad/storage/database.py";

fn read(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Bandit after `by` lines were inserted at the top of every file: line numbers, ranges and the
/// numbers in front of each quoted code line move.
fn shift_bandit(report: &mut Value, by: u64) {
    for r in report["results"].as_array_mut().unwrap() {
        r["line_number"] = Value::from(r["line_number"].as_u64().unwrap() + by);
        if let Some(range) = r["line_range"].as_array_mut() {
            for l in range.iter_mut() {
                *l = Value::from(l.as_u64().unwrap() + by);
            }
        }
        if let Some(code) = r["code"].as_str() {
            let shifted: String = code
                .split_inclusive('\n')
                .map(|line| {
                    let digits: String = line.chars().take_while(char::is_ascii_digit).collect();
                    match digits.parse::<u64>() {
                        Ok(n) => format!("{}{}", n + by, &line[digits.len()..]),
                        Err(_) => line.to_string(),
                    }
                })
                .collect();
            r["code"] = Value::from(shifted);
        }
    }
}

/// Semgrep after `by` lines were inserted at the top of every file.
fn shift_semgrep(report: &mut Value, by: u64) {
    for r in report["results"].as_array_mut().unwrap() {
        for end in ["start", "end"] {
            r[end]["line"] = Value::from(r[end]["line"].as_u64().unwrap() + by);
        }
    }
}

/// Both reports after `bad/db.py` was renamed (content unchanged).
fn rename(report: &mut Value, field: &str, from: &str, to: &str) {
    for r in report["results"].as_array_mut().unwrap() {
        let p = r[field].as_str().unwrap().to_string();
        if p.trim_start_matches("./") == from {
            r[field] = Value::from(p.replace(from, to));
        }
    }
}

/// Writes and ingests each report; none may open, fix or reopen an issue.
async fn rescan_changes_nothing(
    s: &dyn Store,
    dir: &std::path::Path,
    reports: [(&str, &Value); 2],
) {
    for (name, report) in reports {
        let path = write_json(dir, name, report);
        let sum = ingest(s, &path, "vulpy").await.unwrap().scan.summary;
        assert_eq!(
            (sum.new, sum.fixed, sum.reopened),
            (0, 0, 0),
            "{name}: {sum:?}"
        );
    }
}

/// The `moved` events of an issue, oldest first.
fn moved_events(detail: &rampart_store::IssueDetail) -> Vec<String> {
    detail
        .events
        .iter()
        .filter(|e| e.event == "moved")
        .map(|e| e.detail.clone())
        .collect()
}

async fn open_issue_count(store: &dyn Store) -> usize {
    store
        .list_issues(&IssueQuery::default())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn inserted_lines_and_a_renamed_file_open_and_fix_nothing() {
    let (Some(bandit), Some(semgrep)) = (
        corpus::file("real-scans/vulpy/bandit.json"),
        corpus::file("real-scans/vulpy/semgrep.json"),
    ) else {
        return;
    };
    let (store, tmp) = store().await;
    let s = store.as_ref();
    ingest(s, &bandit, "vulpy").await.unwrap();
    ingest(s, &semgrep, "vulpy").await.unwrap();
    let before = open_issue_count(s).await;
    // The SQL injection at bad/db.py:19: Bandit B608 and two Semgrep rules, one issue.
    let sqli = |issues: &[rampart_model::Issue]| {
        issues
            .iter()
            .filter(|i| i.tools.len() == 2 && i.rule_id == "B608")
            .count()
    };
    let all = s.list_issues(&IssueQuery::default()).await.unwrap();
    let merged_sqli = sqli(&all);
    assert_eq!(
        merged_sqli, 6,
        "6 SQL-injection statements seen by both tools"
    );

    // 1. Ten lines inserted above every finding.
    let mut b = read(&bandit);
    shift_bandit(&mut b, 10);
    let mut g = read(&semgrep);
    shift_semgrep(&mut g, 10);
    rescan_changes_nothing(
        s,
        tmp.path(),
        [("bandit-shifted.json", &b), ("semgrep-shifted.json", &g)],
    )
    .await;
    assert_eq!(open_issue_count(s).await, before);
    let all = s.list_issues(&IssueQuery::default()).await.unwrap();
    assert_eq!(sqli(&all), merged_sqli, "the cross-tool merges hold");
    let db19 = all
        .iter()
        .find(|i| i.rule_id == "B608" && i.location.starts_with("bad/db.py"))
        .expect("the bad/db.py SQL injection");
    let detail = s.issue_detail(db19.id).await.unwrap().unwrap();
    let moves = moved_events(&detail);
    assert!(
        moves
            .iter()
            .any(|m| m == "moved from bad/db.py:19 to bad/db.py:29"),
        "{moves:?}"
    );

    // 2. bad/db.py renamed to bad/storage/database.py, content unchanged.
    rename(&mut b, "filename", RENAMED_FROM, RENAMED_TO);
    rename(&mut g, "path", RENAMED_FROM, RENAMED_TO);
    let moved_here = b["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["filename"].as_str().unwrap().contains(RENAMED_TO))
        .count();
    assert!(moved_here >= 1, "the renamed file has Bandit findings");
    rescan_changes_nothing(
        s,
        tmp.path(),
        [("bandit-renamed.json", &b), ("semgrep-renamed.json", &g)],
    )
    .await;
    assert_eq!(open_issue_count(s).await, before);
    let detail = s.issue_detail(db19.id).await.unwrap().unwrap();
    assert!(detail.issue.status.is_active());
    let moves = moved_events(&detail);
    assert!(
        moves
            .iter()
            .any(|m| m.starts_with("moved from bad/db.py:29 to bad/storage/database.py:29")),
        "{moves:?}"
    );
    let active: Vec<&str> = detail
        .observations
        .iter()
        .filter(|o| o.active)
        .map(|o| o.location.as_str())
        .collect();
    assert_eq!(active.len(), 3, "Bandit and both Semgrep rules: {active:?}");
    assert!(
        active.iter().all(|l| l.starts_with(RENAMED_TO)),
        "{active:?}"
    );

    // 3. A second rescan of the renamed file changes nothing (the rename is remembered).
    for name in ["bandit-renamed.json", "semgrep-renamed.json"] {
        let path = tmp.path().join(name);
        let sum = ingest(s, &path, "vulpy").await.unwrap().scan.summary;
        assert_eq!((sum.new, sum.fixed), (0, 0), "{name} again: {sum:?}");
    }
}

#[tokio::test]
async fn a_semgrep_only_rename_keeps_issues_through_the_file_pass() {
    // Semgrep quotes no code in this report (`requires login`): the rename is recognised
    // because the renamed file has exactly the findings the old one lost.
    let Some(semgrep) = corpus::file("real-scans/vulpy/semgrep.json") else {
        return;
    };
    let (store, tmp) = store().await;
    let s = store.as_ref();
    ingest(s, &semgrep, "vulpy").await.unwrap();
    let before = open_issue_count(s).await;
    let mut g = read(&semgrep);
    rename(&mut g, "path", "utils/ca-create.py", "tools/ca_create.py");
    let path = write_json(tmp.path(), "semgrep-renamed.json", &g);
    let sum = ingest(s, &path, "vulpy").await.unwrap().scan.summary;
    assert_eq!((sum.new, sum.fixed, sum.reopened), (0, 0, 0), "{sum:?}");
    assert_eq!(open_issue_count(s).await, before);
    let all = s.list_issues(&IssueQuery::default()).await.unwrap();
    let moved = all
        .iter()
        .filter(|i| i.location.starts_with("utils/ca-create.py"))
        .count();
    assert!(
        moved >= 3,
        "issues keep their first location as title place"
    );
    let detail = s
        .issue_detail(
            all.iter()
                .find(|i| i.location.starts_with("utils/ca-create.py"))
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        detail.events.iter().any(|e| e.event == "moved"
            && e.detail.contains("to tools/ca_create.py")
            && e.detail.contains("renamed file, same findings")),
        "{:?}",
        detail.events
    );
}

/// Two targets of one application are two trees: Bandit on one and Semgrep on the other, at
/// the same relative paths, never merge (while into one target they do: see above).
#[tokio::test]
async fn the_same_path_in_two_targets_is_two_files() {
    let (Some(bandit), Some(semgrep)) = (
        corpus::file("real-scans/vulpy/bandit.json"),
        corpus::file("real-scans/vulpy/semgrep.json"),
    ) else {
        return;
    };
    let (store, _tmp) = store().await;
    for (path, target) in [(&bandit, "vulpy-repo"), (&semgrep, "vulpy-image")] {
        let mut opts = rampart_service::IngestOptions::new("vulpy");
        opts.target = Some(target.into());
        common::ingest_with(store.as_ref(), path, &opts)
            .await
            .unwrap();
    }
    let issues = store.list_issues(&IssueQuery::default()).await.unwrap();
    assert!(!issues.is_empty());
    for issue in &issues {
        assert_eq!(
            issue.tools.len(),
            1,
            "{} merged across targets",
            issue.title
        );
    }
}
