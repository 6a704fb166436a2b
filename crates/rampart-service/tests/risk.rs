//! Business context end to end: one CVE in a tier-1 internet-facing production application
//! holding card data and in a tier-3 internal application's dev branch; catalog changes that
//! rescore; triage that survives a rescan and can be undone; a risk acceptance that expires;
//! VEX in (a corpus OpenVEX document and a newer statement of ours) and out.

mod common;

use common::{ingest_with, store, write_json};
use rampart_formats::vex_out::VexOutFormat;
use rampart_model::{IssueStatus, TriageRequest};
use rampart_service::{IngestOptions, catalog, risk, triage, vex};
use rampart_store::{IssueQuery, IssueSort, Store};
use serde_json::json;
use std::path::Path;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-11-20 9:00 UTC);
const SPRING4SHELL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

const CATALOG: &str = r#"
applications:
  - id: checkout
    name: Checkout
    tier: 1
    data_classification: [restricted, PCI]
    exposure: internet
    owner: team-payments
    security_champion: ana@example.com
    default_branches: [main]
    environments:
      - name: production
        branch: main
  - id: wiki-bot
    tier: 3
    data_classification: internal
    exposure: internal
    owner: team-tools
    environments:
      - name: dev
        branch: develop
"#;

/// A Grype report: Spring4Shell (with Grype's EPSS and KEV) and a low one.
fn grype(dir: &Path, name: &str, with_low: bool) -> std::path::PathBuf {
    let mut matches = vec![json!({
        "vulnerability": {"id": "CVE-2022-22965", "severity": "Critical",
            "cvss": [{"version": "3.1", "vector": SPRING4SHELL, "metrics": {"baseScore": 9.8}}],
            "epss": [{"cve": "CVE-2022-22965", "epss": 0.97, "percentile": 0.999, "date": "2026-11-19"}],
            "knownExploited": [{"cve": "CVE-2022-22965", "knownRansomwareCampaignUse": "Unknown"}],
            "fix": {"versions": ["5.3.18"], "state": "fixed"}},
        "relatedVulnerabilities": [{"id": "GHSA-36p3-wjmg-h94x"}],
        "artifact": {"name": "spring-beans", "version": "5.3.17", "type": "java-archive",
            "purl": "pkg:maven/org.springframework/spring-beans@5.3.17"}
    })];
    if with_low {
        matches.push(json!({
            "vulnerability": {"id": "CVE-2026-0001", "severity": "Low", "fix": {"versions": [], "state": "not-fixed"}},
            "artifact": {"name": "left-pad", "version": "1.0.0", "type": "npm", "purl": "pkg:npm/left-pad@1.0.0"}
        }));
    }
    write_json(
        dir,
        name,
        &json!({"matches": matches, "descriptor": {"name": "grype", "version": "0.84.0"}}),
    )
}

fn opts(app: &str, branch: &str, at: OffsetDateTime) -> IngestOptions {
    let mut o = IngestOptions::new(app);
    o.branch = branch.into();
    o.at = Some(at);
    o
}

async fn issue_of(s: &dyn Store, app: &str, rule: &str) -> rampart_model::Issue {
    s.list_issues(&IssueQuery {
        application: Some(app.into()),
        all_statuses: true,
        ..Default::default()
    })
    .await
    .unwrap()
    .into_iter()
    .find(|i| i.rule_id == rule)
    .unwrap_or_else(|| panic!("no {rule} in {app}"))
}

#[tokio::test]
async fn same_cve_tier1_production_pci_vs_tier3_dev_branch() {
    let (s, dir) = store().await;
    let s = s.as_ref();
    let cat = dir.path().join("catalog.yaml");
    std::fs::write(&cat, CATALOG).unwrap();
    let applied = catalog::apply_files(s, &[cat.as_path()], T0).await.unwrap();
    assert_eq!(applied.changes.len(), 2);
    let report = grype(dir.path(), "g.json", true);
    ingest_with(s, &report, &opts("checkout", "main", T0))
        .await
        .unwrap();
    ingest_with(s, &report, &opts("wiki-bot", "develop", T0))
        .await
        .unwrap();
    let hot = issue_of(s, "checkout", "CVE-2022-22965").await;
    let cold = issue_of(s, "wiki-bot", "CVE-2022-22965").await;
    // Scored at ingest and stored on the issue.
    assert_eq!(hot.risk, 100);
    assert_eq!(cold.risk, 28);
    // The factors that explain the difference.
    let h = risk::explain(s, hot.id, T0).await.unwrap().unwrap();
    let c = risk::explain(s, cold.id, T0).await.unwrap().unwrap();
    let f = |a: &rampart_engine::risk::RiskAssessment, n: &str| {
        a.factors
            .iter()
            .find(|f| f.name == n)
            .cloned()
            .unwrap_or_else(|| panic!("no {n}"))
    };
    for a in [&h, &c] {
        assert_eq!(f(a, "severity").contribution, 39.2);
        assert_eq!(f(a, "epss").contribution, 19.7);
        assert_eq!(f(a, "kev").contribution, 20.0);
        assert_eq!(f(a, "fix_available").contribution, 3.0);
        assert!(f(a, "epss").evidence.contains("(grype)"));
    }
    assert_eq!(
        (f(&h, "criticality").value, f(&c, "criticality").value),
        (1.2, 0.8)
    );
    assert_eq!(f(&h, "data").evidence, "restricted (PCI)");
    assert_eq!((f(&h, "data").value, f(&c, "data").value), (1.15, 1.0));
    assert_eq!(
        (f(&h, "exposure").value, f(&c, "exposure").value),
        (1.15, 0.85)
    );
    assert_eq!(
        f(&h, "environment").evidence,
        "production (catalog: checkout@main)"
    );
    assert_eq!(
        f(&c, "environment").evidence,
        "dev (catalog: wiki-bot@develop)"
    );
    assert_eq!(f(&c, "environment").contribution, -27.8);
    assert_eq!(h.decision.as_str(), "Act");
    assert_eq!(c.decision.as_str(), "Attend");
    // The queue, worst first, and its filters.
    let queue = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Risk,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queue[0].id, hot.id);
    assert!(queue.windows(2).all(|w| w[0].risk >= w[1].risk));
    let tools = s
        .list_issues(&IssueQuery {
            team: Some("team-tools".into()),
            sort: IssueSort::Risk,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(tools[0].id, cold.id);
    let ana = s
        .list_issues(&IssueQuery {
            owner: Some("ana@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ana.len(), 2);
    // The catalog changes: wiki-bot becomes tier 1 and internet facing; its score follows.
    let changed = CATALOG
        .replace("tier: 3", "tier: 1")
        .replace("exposure: internal", "exposure: internet");
    std::fs::write(&cat, changed).unwrap();
    let applied = catalog::apply_files(s, &[cat.as_path()], T0 + Duration::hours(1))
        .await
        .unwrap();
    let wiki = applied
        .changes
        .iter()
        .find(|c| c.application == "wiki-bot")
        .unwrap();
    assert_eq!((wiki.version, wiki.changed), (2, true));
    assert!(applied.rescored.changed >= 1);
    let cold = issue_of(s, "wiki-bot", "CVE-2022-22965").await;
    // 81.9 × 1.2 × 1.0 × 1.15 × 0.5 (dev) = 56.5
    assert_eq!(cold.risk, 57);
    assert_eq!(s.catalog_history("wiki-bot").await.unwrap().len(), 2);
}

fn req(status: IssueStatus) -> TriageRequest {
    TriageRequest {
        status,
        actor: "alice".into(),
        reason: "reviewed".into(),
        approver: None,
        expires_at: None,
        justification: None,
        vex_status: None,
    }
}

#[tokio::test]
async fn triage_survives_rescans_undo_and_expiry_reopens() {
    let (s, dir) = store().await;
    let s = s.as_ref();
    let report = grype(dir.path(), "g.json", true);
    ingest_with(s, &report, &opts("shop", "main", T0))
        .await
        .unwrap();
    let crit = issue_of(s, "shop", "CVE-2022-22965").await;
    let low = issue_of(s, "shop", "CVE-2026-0001").await;
    assert!(crit.risk > 0);
    // Incomplete requests are refused with what is missing.
    let e = triage::decide(s, crit.id, &req(IssueStatus::RiskAccepted), T0)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("needs an approver"), "{e}");
    let fp = triage::decide(s, low.id, &req(IssueStatus::FalsePositive), T0)
        .await
        .unwrap();
    assert_eq!(fp.actor, "alice");
    assert_eq!(fp.at, T0);
    let mut accept = req(IssueStatus::RiskAccepted);
    accept.approver = Some("bob".into());
    accept.expires_at = Some(T0 + Duration::days(30));
    triage::decide(s, crit.id, &accept, T0).await.unwrap();
    // A false positive scores 0; the accepted risk keeps its score but leaves the queue.
    assert_eq!(issue_of(s, "shop", "CVE-2026-0001").await.risk, 0);
    let queue = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Risk,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(queue.is_empty());
    // Rescan a week later: both decisions hold (same identities).
    ingest_with(s, &report, &opts("shop", "main", T0 + Duration::days(7)))
        .await
        .unwrap();
    assert_eq!(
        issue_of(s, "shop", "CVE-2026-0001").await.status,
        IssueStatus::FalsePositive
    );
    assert_eq!(
        issue_of(s, "shop", "CVE-2022-22965").await.status,
        IssueStatus::RiskAccepted
    );
    // Undo the false positive: back to open, scored again.
    let undone = triage::undo(s, low.id, "carol", T0 + Duration::days(8))
        .await
        .unwrap();
    assert_eq!(undone.ended_how.as_deref(), Some("undone by carol"));
    let low_now = issue_of(s, "shop", "CVE-2026-0001").await;
    assert_eq!(low_now.status, IssueStatus::Open);
    assert!(low_now.risk > 0);
    // The rescan after the expiry date reopens the accepted risk (the ingest sweeps).
    ingest_with(s, &report, &opts("shop", "main", T0 + Duration::days(31)))
        .await
        .unwrap();
    let crit_now = issue_of(s, "shop", "CVE-2022-22965").await;
    assert_eq!(crit_now.status, IssueStatus::Reopened);
    let history = s.triage_history(crit.id).await.unwrap();
    assert_eq!(history[0].ended_how.as_deref(), Some("expired"));
    let queue = s
        .list_issues(&IssueQuery {
            sort: IssueSort::Risk,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(queue[0].id, crit.id);
}

#[tokio::test]
async fn vex_in_newest_wins_and_out() {
    let Some(openvex) = rampart_formats::corpus::file("defectdojo/openvex/openvex_many_vuln.json")
    else {
        return;
    };
    let (s, dir) = store().await;
    let s = s.as_ref();
    // Our SBOM+VDR: zlib with CVE-2024-10005 (the corpus document says not affected, known
    // there by its GHSA alias too) and busybox with CVE-2024-10002 (affected).
    let bom = write_json(
        dir.path(),
        "vdr.json",
        &json!({
            "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "components": [
                {"type": "library", "bom-ref": "z", "name": "zlib", "version": "1.2.11-r1",
                 "purl": "pkg:apk/alpine/zlib@1.2.11-r1?distro=alpine-3.10.9"},
                {"type": "library", "bom-ref": "b", "name": "busybox", "version": "1.30.1-r3",
                 "purl": "pkg:apk/alpine/busybox@1.30.1-r3"}
            ],
            "vulnerabilities": [
                {"id": "GHSA-jfh8-c2jp-5v3q", "ratings": [{"severity": "high"}], "affects": [{"ref": "z"}]},
                {"id": "CVE-2024-10002", "ratings": [{"severity": "medium"}], "affects": [{"ref": "b"}]}
            ]
        }),
    );
    ingest_with(s, &bom, &opts("img", "main", T0))
        .await
        .unwrap();
    let zlib = issue_of(s, "img", "GHSA-jfh8-c2jp-5v3q").await;
    assert!(zlib.risk > 0);
    let imported = vex::import(s, &openvex, Some("img"), T0).await.unwrap();
    assert_eq!(imported.statements, 6);
    assert_eq!(imported.new, 6);
    assert_eq!(imported.applied, [(zlib.id, IssueStatus::NotAffected)]);
    let zlib_now = issue_of(s, "img", "GHSA-jfh8-c2jp-5v3q").await;
    assert_eq!(zlib_now.status, IssueStatus::NotAffected);
    assert_eq!(zlib_now.risk, 0);
    let d = &s.triage_history(zlib.id).await.unwrap()[0];
    assert_eq!(
        d.actor,
        "vex:https://openvex.dev/docs/public/vex-2222222222222222222222222222222222"
    );
    assert_eq!(
        d.justification.as_deref(),
        Some("inline_mitigations_already_exist")
    );
    // The affected statement is recorded as reachability evidence on busybox.
    let busybox = issue_of(s, "img", "CVE-2024-10002").await;
    let why = risk::explain(s, busybox.id, T0).await.unwrap().unwrap();
    assert!(
        why.factors
            .iter()
            .any(|f| f.name == "reachability" && f.value == 1.1),
        "{:?}",
        why.factors
    );
    // Importing again changes nothing.
    let again = vex::import(s, &openvex, Some("img"), T0).await.unwrap();
    assert_eq!((again.new, again.applied.len()), (0, 0));
    // A newer statement says affected after all: the newest wins, the issue reopens.
    let newer = write_json(
        dir.path(),
        "newer.json",
        &json!({
            "@context": "https://openvex.dev/ns/v0.2.0", "@id": "urn:example:vex:2",
            "timestamp": "2026-08-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2024-10005"},
                "products": [{"@id": "pkg:apk/alpine/zlib@1.2.11-r1"}], "status": "affected",
                "action_statement": "upgrade zlib"}]
        }),
    );
    let r = vex::import(s, &newer, Some("img"), T0).await.unwrap();
    assert_eq!(r.applied, [(zlib.id, IssueStatus::Open)]);
    // An analyst's decision, then VEX out.
    let mut na = req(IssueStatus::NotAffected);
    na.justification = Some("vulnerable_code_not_in_execute_path".into());
    triage::decide(s, zlib.id, &na, T0 + Duration::days(1))
        .await
        .unwrap();
    let out = vex::export(s, "img", VexOutFormat::OpenVex, T0 + Duration::days(2))
        .await
        .unwrap();
    let st = out["statements"].as_array().unwrap();
    let z = st
        .iter()
        .find(|x| x["vulnerability"]["name"] == "GHSA-jfh8-c2jp-5v3q")
        .unwrap();
    assert_eq!(z["status"], "not_affected");
    assert_eq!(z["justification"], "vulnerable_code_not_in_execute_path");
    assert_eq!(
        z["products"][0]["@id"],
        "pkg:apk/alpine/zlib@1.2.11-r1?distro=alpine-3.10.9"
    );
    let cdx = vex::export(s, "img", VexOutFormat::CycloneDx, T0 + Duration::days(2))
        .await
        .unwrap();
    let v = cdx["vulnerabilities"].as_array().unwrap();
    assert!(v.iter().any(|x| x["analysis"]["state"] == "not_affected"
        && x["analysis"]["justification"] == "code_not_reachable"));
}

/// KEV and EPSS imported after a report was ingested rescore its issues
/// (`risk::recompute_all`, which `rampart feeds import` runs when the feeds changed): the
/// report itself says nothing of exploitation, the feed does.
#[tokio::test]
async fn a_feed_import_rescores_the_issues_it_concerns() {
    let (s, dir) = store().await;
    // Grype's own EPSS and KEV taken out: only the feeds can tell.
    let report = grype(dir.path(), "grype.json", true);
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let vuln = &mut doc["matches"][0]["vulnerability"];
    vuln.as_object_mut().unwrap().remove("epss");
    vuln.as_object_mut().unwrap().remove("knownExploited");
    let report = write_json(dir.path(), "grype-plain.json", &doc);
    ingest_with(s.as_ref(), &report, &opts("checkout", "main", T0))
        .await
        .unwrap();
    let spring = issue_of(s.as_ref(), "checkout", "CVE-2022-22965").await;
    let low = issue_of(s.as_ref(), "checkout", "CVE-2026-0001").await;

    let kev = write_json(
        dir.path(),
        "kev.json",
        &json!({"title": "CISA Catalog of Known Exploited Vulnerabilities (test excerpt)",
            "catalogVersion": "2026.11.20", "dateReleased": "2026-11-20T12:00:00Z", "count": 1,
            "vulnerabilities": [{"cveID": "CVE-2022-22965", "vendorProject": "VMware",
                "product": "Spring Framework", "vulnerabilityName": "Spring Framework RCE",
                "dateAdded": "2022-04-04", "shortDescription": "Spring4Shell",
                "requiredAction": "Apply updates.", "dueDate": "2022-04-25",
                "knownRansomwareCampaignUse": "Unknown", "notes": ""}]}),
    );
    let imported = rampart_service::feeds::import(s.as_ref(), &[kev])
        .await
        .unwrap();
    assert_eq!(imported.kev, 1);
    assert!(imported.exploitation_changed);
    // The import alone leaves the stored score as it was.
    assert_eq!(
        issue_of(s.as_ref(), "checkout", "CVE-2022-22965")
            .await
            .risk,
        spring.risk
    );

    let r = risk::recompute_all(s.as_ref(), T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(r.issues, 2);
    assert_eq!(r.changed, 1, "only the issue the feed names changes");
    let after = issue_of(s.as_ref(), "checkout", "CVE-2022-22965").await;
    assert!(
        after.risk > spring.risk,
        "KEV raises the score: {} -> {}",
        spring.risk,
        after.risk
    );
    assert_eq!(
        issue_of(s.as_ref(), "checkout", "CVE-2026-0001").await.risk,
        low.risk
    );
    let why = risk::explain(s.as_ref(), after.id, T0 + Duration::hours(1))
        .await
        .unwrap()
        .expect("the issue");
    assert!(
        why.factors
            .iter()
            .any(|f| f.name == "kev" && f.contribution > 0.0),
        "{:?}",
        why.factors
    );
    // A second pass changes nothing.
    let again = risk::recompute_all(s.as_ref(), T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again.changed, 0);

    // With the feed stored, an ingest scores its new issues with it at once: the same
    // report in another application gets the rescored figure, and a full rescore agrees.
    ingest_with(
        s.as_ref(),
        &report,
        &opts("checkout-copy", "main", T0 + Duration::hours(1)),
    )
    .await
    .unwrap();
    assert_eq!(
        issue_of(s.as_ref(), "checkout-copy", "CVE-2022-22965")
            .await
            .risk,
        after.risk
    );
    let settled = risk::recompute_all(s.as_ref(), T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        settled.changed, 0,
        "the ingest stored the scores a rescore gives"
    );
}
