//! Intelligence storage: advisories (incremental, withdrawn), alias groups, KEV, EPSS (newer
//! dates win), CWE, EPSS/KEV found through an alias group, and inventories with their match
//! digests.

use crate::backend::Backend;
use crate::build::{Report, at, ingest};
use rampart_model::{Component, DependencyEdge, EpssScore, KevFacts};
use rampart_store::{AdvisoryRow, CweRow, InventoryComponent, NewInventory};

fn advisory(
    id: &str,
    modified: &str,
    withdrawn: bool,
    aliases: &[&str],
    package: &str,
) -> AdvisoryRow {
    AdvisoryRow {
        id: id.into(),
        modified: Some(modified.into()),
        withdrawn: withdrawn.then(|| modified.to_owned()),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        source: "test".into(),
        json: format!(
            r#"{{"id":"{id}","modified":"{modified}","affected":[{{"package":{{"ecosystem":"npm","name":"{package}"}}}}]}}"#
        ),
        packages: vec![("npm".into(), package.into())],
    }
}

fn epss(cve: &str, p: f64, date: &str) -> EpssScore {
    EpssScore {
        cve: cve.into(),
        probability: p,
        percentile: p,
        score_date: Some(date.into()),
        model_version: Some("v1".into()),
    }
}

pub async fn advisories_aliases_kev_epss(b: &Backend) {
    let s = b.store.as_ref();
    s.put_advisories(vec![
        advisory(
            "GHSA-aaaa",
            "2024-01-01T00:00:00Z",
            false,
            &["CVE-2024-1"],
            "left-pad",
        ),
        advisory("GHSA-bbbb", "2024-01-01T00:00:00Z", true, &[], "left-pad"),
    ])
    .await
    .expect("put");
    let modified = s.advisory_modified().await.expect("modified");
    assert_eq!(modified.len(), 2);
    assert_eq!(
        modified["GHSA-aaaa"].as_deref(),
        Some("2024-01-01T00:00:00Z")
    );
    // Withdrawn advisories are not part of alias groups.
    let lists = s.advisory_alias_lists().await.expect("lists");
    assert_eq!(
        lists,
        vec![("GHSA-aaaa".to_owned(), vec!["CVE-2024-1".to_owned()])]
    );
    s.replace_alias_groups(vec![
        ("CVE-2024-1".into(), "CVE-2024-1".into()),
        ("GHSA-aaaa".into(), "CVE-2024-1".into()),
        ("PYSEC-1".into(), "CVE-2024-1".into()),
    ])
    .await
    .expect("groups");
    let mut g = s
        .alias_groups_of(&["GHSA-aaaa".into()])
        .await
        .expect("groups of");
    g.sort();
    assert_eq!(g.len(), 3);
    assert_eq!(g[0], ("CVE-2024-1".to_owned(), "CVE-2024-1".to_owned()));

    // Advisories and alias groups are no exploitation facts.
    assert!(!s.has_exploit_facts().await.expect("has facts"));
    s.put_kev(vec![KevFacts {
        cve: "CVE-2024-1".into(),
        vendor_project: "V".into(),
        product: "P".into(),
        name: "N".into(),
        date_added: "2024-02-01".into(),
        due_date: None,
        known_ransomware_campaign_use: true,
        required_action: "patch".into(),
    }])
    .await
    .expect("kev");
    assert!(s.has_exploit_facts().await.expect("has facts"));
    assert_eq!(
        s.put_epss(vec![epss("CVE-2024-1", 0.5, "2024-03-02")])
            .await
            .expect("epss"),
        1
    );
    // An older day's score does not replace a newer one; a newer one does.
    s.put_epss(vec![epss("CVE-2024-1", 0.1, "2024-03-01")])
        .await
        .expect("epss");
    let facts = s
        .vuln_intel(&["GHSA-aaaa".into(), "PYSEC-1".into(), "CVE-9999-1".into()])
        .await
        .expect("intel");
    assert_eq!(facts.len(), 2);
    assert_eq!(
        facts["PYSEC-1"].epss.as_ref().map(|e| e.probability),
        Some(0.5)
    );
    assert!(
        facts["GHSA-aaaa"]
            .kev
            .as_ref()
            .is_some_and(|k| k.known_ransomware_campaign_use)
    );
    s.put_epss(vec![epss("CVE-2024-1", 0.7, "2024-03-03")])
        .await
        .expect("epss");
    let facts = s.vuln_intel(&["CVE-2024-1".into()]).await.expect("intel");
    assert_eq!(
        facts["CVE-2024-1"].epss.as_ref().map(|e| e.probability),
        Some(0.7)
    );

    s.put_cwes(vec![CweRow {
        id: 79,
        name: "XSS".into(),
        kind: "weakness".into(),
        abstraction: Some("Base".into()),
        status: None,
        parent: Some(74),
    }])
    .await
    .expect("cwe");
    assert_eq!(s.cwe_names(&[79, 80]).await.expect("names")[0].name, "XSS");
    let c = s.intel_counts().await.expect("counts");
    assert_eq!(
        (c.advisories, c.withdrawn, c.alias_ids, c.kev, c.epss, c.cwe),
        (2, 1, 3, 1, 1, 1)
    );
}

pub async fn inventories_and_digests(b: &Backend) {
    let s = b.store.as_ref();
    // The SBOM's scan creates the application and target.
    let scan = ingest(s, &Report::new("shop", "cyclonedx", 1), vec![]).await;
    let comp = |name: &str, key: Option<(&str, &str)>, direct: Option<bool>| InventoryComponent {
        component: Component {
            bom_ref: name.into(),
            name: name.into(),
            version: Some("1.0".into()),
            purl: Some(format!("pkg:npm/{name}@1.0")),
            component_type: Some("library".into()),
            licenses: vec!["MIT".into()],
            hashes: vec![],
        },
        key: key.map(|(e, n)| (e.to_owned(), n.to_owned())),
        direct,
    };
    let inv = |components: Vec<InventoryComponent>| NewInventory {
        application: "shop".into(),
        target: "shop".into(),
        branch: "main".into(),
        scan_id: Some(scan.id),
        at: at(1),
        root: None,
        components,
        edges: vec![DependencyEdge {
            from: "a".into(),
            to: "b".into(),
        }],
    };
    let id = s
        .put_inventory(inv(vec![
            comp("left-pad", Some(("npm", "left-pad")), Some(true)),
            comp("other", Some(("npm", "other")), Some(false)),
            comp("nokey", None, None),
        ]))
        .await
        .expect("inventory");
    s.put_advisories(vec![
        advisory("GHSA-aaaa", "2024-01-01T00:00:00Z", false, &[], "left-pad"),
        advisory("GHSA-cccc", "2024-01-01T00:00:00Z", true, &[], "left-pad"),
        advisory("GHSA-dddd", "2024-01-01T00:00:00Z", false, &[], "unused"),
    ])
    .await
    .expect("put");
    let found = s
        .advisories_for_inventories(None)
        .await
        .expect("advisories");
    assert_eq!(
        found.len(),
        1,
        "withdrawn and unrelated advisories are not loaded"
    );
    assert!(found[0].contains("GHSA-aaaa"));
    assert_eq!(
        s.advisories_for_inventories(Some(id + 1))
            .await
            .expect("none")
            .len(),
        0
    );
    let all = s.inventories(None).await.expect("inventories");
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].application.as_str(), all[0].match_digest.as_str()),
        ("shop", "")
    );
    assert_eq!(all[0].components.len(), 3);
    assert_eq!(all[0].components[0].direct, Some(true));
    assert_eq!(all[0].components[1].direct, Some(false));
    assert_eq!(all[0].components[2].key, None);
    assert_eq!(all[0].components[0].component.licenses, vec!["MIT"]);
    s.set_match_digests(vec![(id, "abc".into())])
        .await
        .expect("digest");
    // A new SBOM replaces the components and keeps the digest.
    let again = s
        .put_inventory(inv(vec![comp("left-pad", Some(("npm", "left-pad")), None)]))
        .await
        .expect("inventory");
    assert_eq!(again, id);
    let all = s.inventories(Some(id)).await.expect("inventories");
    assert_eq!(
        (all[0].components.len(), all[0].match_digest.as_str()),
        (1, "abc")
    );
    let c = s.intel_counts().await.expect("counts");
    assert_eq!((c.inventories, c.components), (1, 1));
}
