//! The Log4Shell scenario: SBOMs of several applications (CycloneDX, SPDX JSON, SPDX
//! tag-value) are stored; one feed update (an osv.dev-style .zip) adds the advisory; exactly the
//! applications that contain an affected log4j-core version get the issue, with aliases,
//! range, fixed versions, scored CVSS, EPSS and KEV (found through the CVE of the GHSA's alias
//! group); a Trivy finding of the same CVE and package joins the same issue; withdrawing the
//! advisory fixes the issues no other tool still reports.

mod common;

use rampart_model::{Issue, IssueStatus, Location, Severity};
use rampart_service::feeds::import;
use rampart_service::matching::{Selection, rematch, rematch_selected};
use rampart_store::{IssueQuery, Store};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

const GHSA: &str = "GHSA-jfh8-c2jp-5v3q";
const CVE: &str = "CVE-2021-44228";

fn log4shell(modified: &str, withdrawn: Option<&str>) -> serde_json::Value {
    let mut v = json!({
        "schema_version": "1.6.0",
        "id": GHSA,
        "modified": modified,
        "published": "2021-12-10T00:40:56Z",
        "aliases": [CVE],
        "summary": "Remote code injection in Log4j",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"}],
        "affected": [{
            "package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
            "ranges": [{"type": "ECOSYSTEM", "events": [
                {"introduced": "2.0-beta9"}, {"fixed": "2.3.1"},
                {"introduced": "2.4"}, {"fixed": "2.12.2"},
                {"introduced": "2.13.0"}, {"fixed": "2.15.0"}
            ]}]
        }],
        "database_specific": {"cwe_ids": ["CWE-502", "CWE-917"], "severity": "CRITICAL"}
    });
    if let Some(w) = withdrawn {
        v["withdrawn"] = json!(w);
    }
    v
}

/// A zip holding `records`, as osv.dev publishes `<Ecosystem>/all.zip`.
fn zip_of(dir: &Path, name: &str, records: &[serde_json::Value]) -> PathBuf {
    let path = dir.join(name);
    let file = std::fs::File::create(&path).expect("zip file");
    let mut zip = zip::ZipWriter::new(file);
    for r in records {
        let id = r["id"].as_str().expect("id");
        zip.start_file(
            format!("{id}.json"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("member");
        zip.write_all(&serde_json::to_vec(r).expect("json"))
            .expect("write");
    }
    zip.finish().expect("finish");
    path
}

fn cyclonedx(dir: &Path, name: &str, deps: &[(&str, &str, &str)]) -> PathBuf {
    // deps: (group, artifact, version); the first is the app's direct dependency, the others
    // hang below it.
    let components: Vec<serde_json::Value> = deps
        .iter()
        .map(|(g, a, v)| {
            json!({"bom-ref": format!("{g}:{a}"), "type": "library", "group": g, "name": a,
                   "version": v, "purl": format!("pkg:maven/{g}/{a}@{v}")})
        })
        .collect();
    let refs: Vec<String> = deps.iter().map(|(g, a, _)| format!("{g}:{a}")).collect();
    let doc = json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "metadata": {"component": {"bom-ref": "app", "type": "application", "name": name}},
        "components": components,
        "dependencies": [
            {"ref": "app", "dependsOn": [refs[0]]},
            {"ref": refs[0], "dependsOn": refs[1..]}
        ]
    });
    common::write_json(dir, &format!("{name}.cdx.json"), &doc)
}

async fn issues(store: &dyn Store, app: &str) -> Vec<Issue> {
    store
        .list_issues(&IssueQuery {
            application: Some(app.into()),
            all_statuses: true,
            ..IssueQuery::default()
        })
        .await
        .expect("issues")
}

#[tokio::test]
async fn log4shell_reaches_exactly_the_affected_applications() {
    let (store, dir) = common::store().await;
    let d = dir.path();

    // Exploitation facts arrive first (KEV JSON and a gzipped EPSS CSV), keyed by the CVE.
    let kev = common::write_json(
        d,
        "kev.json",
        &json!({
            "title": "CISA Catalog of Known Exploited Vulnerabilities", "catalogVersion": "2026.11.27",
            "count": 1,
            "vulnerabilities": [{"cveID": CVE, "vendorProject": "Apache", "product": "Log4j2",
                "vulnerabilityName": "Apache Log4j2 Remote Code Execution Vulnerability",
                "dateAdded": "2021-12-10", "dueDate": "2021-12-24",
                "knownRansomwareCampaignUse": "Known", "requiredAction": "Apply updates"}]
        }),
    );
    let epss = d.join("epss_scores-2026-11-26.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&epss).expect("gz"),
        flate2::Compression::default(),
    );
    gz.write_all(b"#model_version:v2025.03.14,score_date:2026-11-26T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99957\n").expect("gz");
    gz.finish().expect("gz");
    let r = import(store.as_ref(), &[kev, epss]).await.expect("import");
    assert_eq!((r.kev, r.epss, r.advisories_read), (1, 1, 0));

    // Five applications' SBOMs, in three syntaxes.
    let shop = cyclonedx(
        d,
        "shop",
        &[
            (
                "org.springframework.boot",
                "spring-boot-starter-log4j2",
                "2.6.1",
            ),
            ("org.apache.logging.log4j", "log4j-core", "2.14.1"),
            ("org.apache.logging.log4j", "log4j-api", "2.14.1"),
        ],
    );
    let billing = common::write_json(
        d,
        "billing.spdx.json",
        &json!({
            "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "billing",
            "documentDescribes": ["SPDXRef-billing"],
            "packages": [
                {"SPDXID": "SPDXRef-billing", "name": "billing", "versionInfo": "1.0"},
                {"SPDXID": "SPDXRef-l4j", "name": "log4j-core", "versionInfo": "2.17.1",
                 "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                    "referenceLocator": "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"}]}
            ],
            "relationships": [{"spdxElementId": "SPDXRef-billing", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-l4j"}]
        }),
    );
    let search = d.join("search.spdx");
    std::fs::write(&search, "SPDXVersion: SPDX-2.2\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: search\n\
        Creator: Tool: example-1.0\n\n\
        PackageName: search\nSPDXID: SPDXRef-search\nPackageVersion: 3.1\n\n\
        PackageName: log4j-core\nSPDXID: SPDXRef-l4j\nPackageVersion: 2.12.1\n\
        ExternalRef: PACKAGE-MANAGER purl pkg:maven/org.apache.logging.log4j/log4j-core@2.12.1\n\n\
        Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-search\n\
        Relationship: SPDXRef-search DEPENDS_ON SPDXRef-l4j\n").expect("write");
    let wiki = cyclonedx(
        d,
        "wiki",
        &[("org.apache.commons", "commons-text", "1.10.0")],
    );
    let legacy = cyclonedx(d, "legacy", &[("log4j", "log4j", "1.2.17")]);
    for (path, app) in [
        (&shop, "shop"),
        (&billing, "billing"),
        (&search, "search"),
        (&wiki, "wiki"),
        (&legacy, "legacy"),
    ] {
        let r = common::ingest(store.as_ref(), path, app)
            .await
            .expect("ingest");
        let m = r.matching.expect("an SBOM is matched");
        assert_eq!(m.matches, 0, "{app}: nothing is known yet");
        assert!(m.changed.is_empty(), "{app}");
    }
    assert_eq!(store.intel_counts().await.expect("counts").inventories, 5);

    // The feed update: an osv.dev-style zip with the advisory; then the re-match.
    let feed = zip_of(
        d,
        "Maven-all.zip",
        &[log4shell("2021-12-10T00:40:56Z", None)],
    );
    let r = import(store.as_ref(), std::slice::from_ref(&feed))
        .await
        .expect("import");
    assert_eq!(
        (r.advisories_new, r.files, r.problems.len()),
        (1, 1, 0),
        "{:?}",
        r.problems
    );
    // Only the inventories with a package the changed advisory names are read (shop, billing
    // and search hold log4j-core; wiki and legacy do not).
    let key = (
        "Maven".to_owned(),
        "org.apache.logging.log4j:log4j-core".to_owned(),
    );
    assert_eq!(r.changed_packages, vec![key.clone()]);
    let m = rematch_selected(
        store.as_ref(),
        Selection::Packages(r.changed_packages),
        None,
        "feeds import",
    )
    .await
    .expect("rematch");
    assert_eq!(m.inventories, 3);
    assert_eq!(m.matches, 2);
    let mut changed: Vec<(&str, u64)> = m
        .changed
        .iter()
        .map(|c| (c.application.as_str(), c.summary.new))
        .collect();
    changed.sort();
    assert_eq!(changed, vec![("search", 1), ("shop", 1)]);
    for app in ["billing", "wiki", "legacy"] {
        assert!(issues(store.as_ref(), app).await.is_empty(), "{app}");
    }

    // What the issue and its observation say.
    let shop_issues = issues(store.as_ref(), "shop").await;
    assert_eq!(shop_issues.len(), 1);
    let issue = &shop_issues[0];
    assert_eq!(issue.status, IssueStatus::Open);
    assert_eq!(issue.severity, Severity::Critical);
    assert_eq!(issue.rule_id, GHSA);
    assert_eq!(issue.cwes, vec![502, 917]);
    let ids: Vec<&str> = issue.vuln_ids.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(ids, vec![CVE, GHSA]);
    let detail = store
        .issue_detail(issue.id)
        .await
        .expect("detail")
        .expect("issue");
    let obs: rampart_model::Observation =
        serde_json::from_value(detail.observations[0].observation.clone()).expect("observation");
    assert_eq!(obs.tool.name, "rampart");
    let Location::Package(p) = &obs.location else {
        panic!("{:?}", obs.location)
    };
    assert_eq!(
        p.purl.as_deref(),
        Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1")
    );
    assert_eq!(p.fixed_versions, vec!["2.3.1", "2.12.2", "2.15.0"]);
    assert!(
        obs.tags
            .contains(&"affected:>= 2.13.0, < 2.15.0".to_owned()),
        "{:?}",
        obs.tags
    );
    assert!(
        obs.tags.contains(&"transitive".to_owned()),
        "{:?}",
        obs.tags
    );
    assert_eq!(obs.severity.cvss[0].score, Some(10.0));
    let intel = obs.intel.expect("EPSS and KEV through the alias group");
    assert_eq!(
        intel.epss.as_ref().map(|e| (e.cve.as_str(), e.probability)),
        Some((CVE, 0.94358))
    );
    assert!(
        intel
            .kev
            .as_ref()
            .is_some_and(|k| k.known_ransomware_campaign_use)
    );
    // The same facts through the store, asked by the GHSA id alone.
    let facts = store.vuln_intel(&[GHSA.to_owned()]).await.expect("intel");
    assert_eq!(
        facts[GHSA].epss.as_ref().map(|e| e.percentile),
        Some(0.99957)
    );
    assert_eq!(
        facts[GHSA].kev.as_ref().map(|k| k.date_added.as_str()),
        Some("2021-12-10")
    );
    // And as the risk score sees them: the feeds' facts of the GHSA id's alias group.
    let exploit = rampart_service::risk::feed_exploit_facts(store.as_ref(), &[GHSA.to_owned()])
        .await
        .expect("feed facts");
    // (keyed upper-case, as the formula looks ids up)
    let exploit = &exploit[&GHSA.to_ascii_uppercase()];
    assert_eq!(
        (exploit.epss, exploit.epss_percentile, exploit.kev),
        (Some(0.94358), Some(0.99957), Some(true))
    );
    assert_eq!(
        exploit.ransomware,
        facts[GHSA]
            .kev
            .as_ref()
            .map(|k| k.known_ransomware_campaign_use)
    );
    assert_eq!(
        exploit.source.as_deref(),
        Some("epss feed 2026-11-26, cisa kev 2021-12-10")
    );

    // Trivy reports the same CVE on the same package of shop: one issue, two tools.
    let trivy = common::write_json(
        d,
        "trivy.json",
        &json!({
            "SchemaVersion": 2, "ArtifactName": "shop", "ArtifactType": "filesystem",
            "Results": [{"Target": "pom.xml", "Class": "lang-pkgs", "Type": "pom", "Vulnerabilities": [{
                "VulnerabilityID": CVE, "PkgName": "org.apache.logging.log4j:log4j-core",
                "PkgIdentifier": {"PURL": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
                "InstalledVersion": "2.14.1", "FixedVersion": "2.15.0", "Severity": "CRITICAL",
                "Title": "log4j-core: Remote code execution in Log4j 2.x"}]}]
        }),
    );
    let r = common::ingest(store.as_ref(), &trivy, "shop")
        .await
        .expect("trivy");
    assert_eq!((r.scan.summary.new, r.scan.summary.unchanged), (0, 1));
    let shop_issues = issues(store.as_ref(), "shop").await;
    assert_eq!(shop_issues.len(), 1);
    assert_eq!(shop_issues[0].tools, vec!["rampart", "trivy"]);

    // Importing the same feed again changes nothing.
    let r = import(store.as_ref(), &[feed]).await.expect("import");
    assert_eq!(
        (
            r.advisories_unchanged,
            r.advisories_new,
            r.advisories_changed
        ),
        (1, 0, false)
    );
    assert!(r.changed_packages.is_empty());
    let m = rematch(store.as_ref(), None, None, "again")
        .await
        .expect("rematch");
    assert_eq!((m.inventories, m.matches), (5, 2));
    assert!(m.changed.is_empty());

    // A new SBOM of wiki with an affected log4j-core is matched by its own ingest: the
    // observation of tool `rampart` is part of the SBOM's scan.
    let wiki2 = cyclonedx(
        d,
        "wiki2",
        &[("org.apache.logging.log4j", "log4j-core", "2.14.0")],
    );
    let r = common::ingest(store.as_ref(), &wiki2, "wiki")
        .await
        .expect("ingest");
    assert_eq!(r.scan.summary.new, 1);
    let wiki_issues = issues(store.as_ref(), "wiki").await;
    assert_eq!(wiki_issues.len(), 1);
    assert_eq!(wiki_issues[0].tools, vec!["rampart"]);
    let m = r.matching.expect("matched");
    assert_eq!((m.matches, m.changed.len()), (1, 1));
    assert_eq!(m.changed[0].scan_id, r.scan.id);
    // Re-ingesting it changes no verdict.
    let r = common::ingest(store.as_ref(), &wiki2, "wiki")
        .await
        .expect("ingest");
    assert_eq!(r.scan.summary.unchanged, 1);
    assert!(r.matching.expect("matched").changed.is_empty());

    // The advisory is withdrawn: search's issue (rampart only) is fixed; shop's stays open
    // because Trivy still reports it.
    let feed = zip_of(
        d,
        "Maven-all-2.zip",
        &[log4shell(
            "2021-12-20T00:00:00Z",
            Some("2021-12-20T00:00:00Z"),
        )],
    );
    let r = import(store.as_ref(), &[feed]).await.expect("import");
    assert_eq!((r.advisories_updated, r.advisories_withdrawn), (1, 1));
    // The withdrawn copy names no package any more; its stored copy did.
    assert_eq!(r.changed_packages, vec![key]);
    let m = rematch_selected(
        store.as_ref(),
        Selection::Packages(r.changed_packages),
        None,
        "withdrawn",
    )
    .await
    .expect("rematch");
    assert_eq!((m.inventories, m.matches), (4, 0));
    let mut fixed: Vec<(&str, u64)> = m
        .changed
        .iter()
        .map(|c| (c.application.as_str(), c.summary.fixed))
        .collect();
    fixed.sort();
    assert_eq!(fixed, vec![("search", 1), ("shop", 0), ("wiki", 1)]);
    assert_eq!(
        issues(store.as_ref(), "search").await[0].status,
        IssueStatus::Fixed
    );
    assert_eq!(
        issues(store.as_ref(), "shop").await[0].status,
        IssueStatus::Open
    );
}

#[tokio::test]
async fn malformed_feed_files_are_reported_and_skipped() {
    let (store, dir) = common::store().await;
    let d = &dir.path().join("feeds");
    std::fs::create_dir(d).expect("dir");
    std::fs::write(
        d.join("broken.json"),
        b"{\"id\": \"GHSA-x\", \"affected\": [",
    )
    .expect("w");
    std::fs::write(d.join("noid.json"), b"{\"affected\": []}").expect("w");
    std::fs::write(d.join("ok.yaml"), b"id: PYSEC-1\nmodified: '2024-01-01T00:00:00Z'\naliases: [CVE-2024-1]\naffected:\n- package: {ecosystem: PyPI, name: Django_Rest}\n  versions: [1.10]\n").expect("w");
    std::fs::write(d.join("README.md"), b"# not a feed").expect("w");
    std::fs::write(d.join("bad.zip"), b"PK not really").expect("w");
    let r = import(store.as_ref(), std::slice::from_ref(d))
        .await
        .expect("import");
    assert_eq!(r.advisories_new, 1);
    assert_eq!(r.not_feeds, 1);
    let files: Vec<String> = r
        .problems
        .iter()
        .map(|p| p.file.rsplit('/').next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        files,
        vec!["bad.zip", "broken.json", "noid.json (record #0)"],
        "{:?}",
        r.problems
    );
    assert!(
        r.problems[1].reason.contains("line 1"),
        "{:?}",
        r.problems[1]
    );
    assert_eq!(store.intel_counts().await.expect("counts").alias_ids, 2);
}

#[tokio::test]
async fn a_failed_sbom_ingest_stores_no_inventory_and_no_match() {
    let (store, dir) = common::store().await;
    let d = dir.path();
    let feed = zip_of(
        d,
        "Maven-all.zip",
        &[log4shell("2021-12-10T00:40:56Z", None)],
    );
    import(store.as_ref(), &[feed]).await.expect("import");
    let sbom = cyclonedx(
        d,
        "shop",
        &[("org.apache.logging.log4j", "log4j-core", "2.14.1")],
    );
    // The ingest fails after the SBOM was parsed (its bytes are not the ones announced).
    let mut opts = rampart_service::IngestOptions::new("shop");
    opts.expected_sha256 = Some("0".repeat(64));
    let err = common::ingest_with(store.as_ref(), &sbom, &opts)
        .await
        .expect_err("the digest does not match");
    assert!(err.to_string().contains("expected"), "{err}");
    let c = store.intel_counts().await.expect("counts");
    assert_eq!((c.inventories, c.components), (0, 0));
    assert!(issues(store.as_ref(), "shop").await.is_empty());

    // The same SBOM without the wrong digest: scan, inventory and match together.
    let r = common::ingest(store.as_ref(), &sbom, "shop")
        .await
        .expect("ingest");
    assert_eq!(r.matching.expect("matched").matches, 1);
    let c = store.intel_counts().await.expect("counts");
    assert_eq!((c.inventories, c.components), (1, 1));
    let found = issues(store.as_ref(), "shop").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].rule_id, GHSA);
}
