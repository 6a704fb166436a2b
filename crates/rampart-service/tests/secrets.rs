//! A secret scanner's secret value is never stored: only a keyed hash and a redacted preview.

mod common;

use common::{ingest, store};
use rampart_store::IssueQuery;

const SECRET: &str = "ghp_R4mpartT3stT0kenN0tReal0123456789ab";

fn gitleaks_report(file: &str, line: u32) -> String {
    format!(
        r#"[{{"Description":"GitHub Personal Access Token","StartLine":{line},"EndLine":{line},"StartColumn":14,"EndColumn":53,
            "Match":"GITHUB_TOKEN={SECRET}","Secret":"{SECRET}","File":"{file}","SymlinkFile":"","Commit":"",
            "Entropy":4.9,"Author":"","Email":"","Date":"","Message":"","Tags":[],"RuleID":"github-pat",
            "Fingerprint":"{file}:github-pat:{line}"}}]"#
    )
}

#[tokio::test]
async fn secret_values_never_reach_the_database() {
    let (store, tmp) = store().await;
    let a = tmp.path().join("gitleaks-a.json");
    std::fs::write(&a, gitleaks_report("deploy/.env", 3)).unwrap();
    let r = ingest(store.as_ref(), &a, "app").await.unwrap();
    assert_eq!(r.scan.summary.new, 1);

    let issues = store.list_issues(&IssueQuery::default()).await.unwrap();
    let detail = store.issue_detail(issues[0].id).await.unwrap().unwrap();
    let json = serde_json::to_string(&detail).unwrap();
    assert!(!json.contains(SECRET), "the secret leaked into {json}");
    let obs = &detail.observations[0].observation;
    assert_eq!(
        obs["secret"]["preview"],
        format!("ghp_…({} chars)", SECRET.len())
    );
    assert_eq!(obs["secret"]["hmac"].as_str().unwrap().len(), 64);

    // The same secret found in another file, later, is the same issue with two locations.
    let b = tmp.path().join("gitleaks-b.json");
    std::fs::write(&b, gitleaks_report("ci/deploy.sh", 40)).unwrap();
    let mut opts = rampart_service::IngestOptions::new("app");
    opts.branch = "feature".into();
    let r = common::ingest_with(store.as_ref(), &b, &opts)
        .await
        .unwrap();
    assert_eq!((r.scan.summary.new, r.scan.summary.unchanged), (0, 1));

    // No byte of the database file holds the secret (WAL included).
    drop(store);
    assert_database_lacks(tmp.path(), &[SECRET, "R4mpartT3st"]);
}

/// Fails when a file of the test database (WAL included) holds one of `needles`.
fn assert_database_lacks(dir: &std::path::Path, needles: &[&str]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("test.db")
        {
            let bytes = std::fs::read(&p).unwrap();
            let hay = String::from_utf8_lossy(&bytes);
            for needle in needles {
                assert!(!hay.contains(needle), "{needle:?} found in {}", p.display());
            }
        }
    }
}

/// Bandit quotes the hard-coded passwords it finds (`Possible hardcoded password:
/// 'MYSUPERSECRETKEY'`) in its native JSON and its SARIF alike: the real vulpy reports store
/// the findings, never the values.
#[tokio::test]
async fn quoted_passwords_of_a_sast_tool_are_not_stored() {
    let (Some(json), Some(sarif)) = (
        rampart_formats::corpus::file("real-scans/vulpy/bandit.json"),
        rampart_formats::corpus::file("real-scans/vulpy/bandit.sarif"),
    ) else {
        return;
    };
    // The values, read from the report itself.
    let report = rampart_formats::corpus::json(&json);
    let mut values: Vec<String> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| {
            let text = r["issue_text"].as_str()?;
            let rest = text.split_once("hardcoded password: '")?.1;
            Some(rest.split('\'').next()?.to_string())
        })
        .filter(|v| v.len() >= 6)
        .collect();
    values.sort();
    values.dedup();
    assert!(
        values.contains(&"MYSUPERSECRETKEY".to_string()),
        "{values:?}"
    );

    let (store, tmp) = store().await;
    ingest(store.as_ref(), &json, "vulpy").await.unwrap();
    let mut opts = rampart_service::IngestOptions::new("vulpy");
    opts.branch = "sarif".into();
    common::ingest_with(store.as_ref(), &sarif, &opts)
        .await
        .unwrap();
    let issues = store.list_issues(&IssueQuery::default()).await.unwrap();
    assert!(
        issues
            .iter()
            .any(|i| i.title.contains("hardcoded password: '***'"))
    );
    drop(store);
    let needles: Vec<&str> = values.iter().map(String::as_str).collect();
    assert_database_lacks(tmp.path(), &needles);
}
