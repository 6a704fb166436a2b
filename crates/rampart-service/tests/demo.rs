//! The demo portfolio loads, every report is detected as its author says, holds the results
//! the demo README lists, and shows the designed cross-tool merges and rescan changes.

mod common;

use rampart_model::FindingKind;
use rampart_store::IssueQuery;

#[tokio::test]
async fn demo_portfolio_loads_with_designed_counts() {
    let dir = rampart_service::demo::demo_dir().expect("demo/ is in the repository");
    let (store, _tmp) = common::store().await;
    let loaded = rampart_service::demo::load(store.as_ref(), &dir, time::OffsetDateTime::now_utc())
        .await
        .expect("demo loads");
    assert_eq!(loaded.len(), 13);
    for (item, report) in &loaded {
        assert_eq!(
            Some(report.format.name()),
            item.format.as_deref(),
            "{}",
            item.file
        );
        if item
            .format
            .as_deref()
            .is_some_and(|f| f.starts_with("cyclonedx"))
        {
            continue; // SBOMs without vulnerabilities produce an inventory, not observations.
        }
        assert_eq!(
            Some(report.scan.summary.observations),
            item.expected_results,
            "{}",
            item.file
        );
        assert!(report.diagnostics.iter().all(|d| !d.message.is_empty()));
    }
    // The storefront Semgrep rescan: 19 unchanged (18 in place, one moved), 4 fixed, 1 new.
    let (_, rescan) = loaded
        .iter()
        .find(|(i, _)| i.file.ends_with("storefront-web/semgrep-rescan.json"))
        .unwrap();
    let s = &rescan.scan.summary;
    assert_eq!(
        (s.new, s.fixed, s.reopened, s.unchanged),
        (1, 4, 0, 19),
        "{s:?}"
    );
    // Gitleaks rescan: 7 unchanged (6 in place and the moved Stripe key), 3 fixed, 1 new.
    let (_, leaks) = loaded
        .iter()
        .find(|(i, _)| i.file.ends_with("storefront-web/gitleaks-rescan.json"))
        .unwrap();
    let s = &leaks.scan.summary;
    assert_eq!((s.new, s.fixed, s.unchanged), (1, 3, 7), "{s:?}");

    // Trivy and Grype on the storefront image: the 72 shared CVE/package pairs are one issue each.
    let deps = store
        .list_issues(&IssueQuery {
            application: Some("storefront-web".into()),
            kinds: vec![FindingKind::Dependency],
            ..Default::default()
        })
        .await
        .unwrap();
    let both = deps
        .iter()
        .filter(|i| i.tools == ["grype", "trivy"])
        .count();
    assert_eq!(both, 72, "issues seen by both Trivy and Grype");
    assert_eq!(deps.len(), 72 + 2 + 3);
}
