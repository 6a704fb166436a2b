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
    for entry in std::fs::read_dir(tmp.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("test.db")
        {
            let bytes = std::fs::read(&p).unwrap();
            let hay = String::from_utf8_lossy(&bytes);
            assert!(!hay.contains(SECRET), "secret found in {}", p.display());
            assert!(
                !hay.contains("R4mpartT3st"),
                "part of the secret found in {}",
                p.display()
            );
        }
    }
}
