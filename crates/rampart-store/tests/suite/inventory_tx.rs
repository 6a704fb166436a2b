//! An SBOM's inventory is written in the SBOM's own ingest session: a session that does not
//! finish stores neither the scan nor the inventory; one that finishes stores both, with the
//! match digest. And the re-match queries: inventories by package, in rounds, advisories by
//! package, the packages stored advisories name.

use crate::backend::Backend;
use crate::build::{Report, at, dep, keyed};
use rampart_model::{Component, Severity};
use rampart_store::{AdvisoryRow, InventoryComponent, NewInventory, ScanEnd};

fn component(name: &str) -> InventoryComponent {
    InventoryComponent {
        component: Component {
            bom_ref: name.into(),
            name: name.into(),
            version: Some("1.0".into()),
            purl: Some(format!("pkg:npm/{name}@1.0")),
            component_type: Some("library".into()),
            licenses: vec![],
            hashes: vec![],
        },
        key: Some(("npm".into(), name.into())),
        direct: None,
    }
}

fn inventory(app: &str, names: &[&str]) -> NewInventory {
    NewInventory {
        application: app.into(),
        target: app.into(),
        branch: "main".into(),
        scan_id: None,
        at: at(1),
        root: None,
        components: names.iter().map(|n| component(n)).collect(),
        edges: vec![],
    }
}

pub async fn failed_sbom_ingest_stores_no_inventory(b: &Backend) {
    let s = b.store.as_ref();
    let rules = rampart_engine::DefaultLifecycle;
    let report = Report::new("shop", "cyclonedx", 1);

    // A session that writes observations and the inventory, then fails (is dropped).
    let mut session = s.begin_ingest(report.meta()).await.expect("begin");
    session
        .write(
            keyed(
                "shop",
                vec![dep("rampart", "CVE-1", "left-pad", "1.0", Severity::High)],
            ),
            &rules,
        )
        .await
        .expect("write");
    let previous = session
        .put_inventory(inventory("shop", &["left-pad", "other"]), "d1")
        .await
        .expect("inventory in the session");
    assert_eq!(previous, "");
    drop(session);
    let c = s.intel_counts().await.expect("counts");
    assert_eq!(
        (c.inventories, c.components),
        (0, 0),
        "a failed ingest stores no inventory"
    );
    assert!(s.inventories(None).await.expect("inventories").is_empty());

    // The same, finished: the scan, its inventory and its digest are stored together.
    let mut session = s.begin_ingest(report.meta()).await.expect("begin");
    let previous = session
        .put_inventory(inventory("shop", &["left-pad", "other"]), "d1")
        .await
        .expect("inventory in the session");
    assert_eq!(previous, "");
    let scan = session
        .finish(
            ScanEnd {
                tools: vec!["cyclonedx".into(), "rampart".into()],
                report_sha256: String::new(),
            },
            &rules,
        )
        .await
        .expect("finish");
    let all = s.inventories(None).await.expect("inventories");
    assert_eq!(all.len(), 1);
    assert_eq!(
        (all[0].match_digest.as_str(), all[0].components.len()),
        ("d1", 2)
    );

    // A second SBOM of the target replaces it; the session reports the previous digest.
    let mut session = s
        .begin_ingest(Report::new("shop", "cyclonedx", 2).meta())
        .await
        .expect("begin");
    let previous = session
        .put_inventory(inventory("shop", &["left-pad"]), "d2")
        .await
        .expect("inventory in the session");
    assert_eq!(previous, "d1");
    let second = session
        .finish(
            ScanEnd {
                tools: vec!["cyclonedx".into()],
                report_sha256: String::new(),
            },
            &rules,
        )
        .await
        .expect("finish");
    assert_ne!(second.id, scan.id);
    let all = s.inventories(None).await.expect("inventories");
    assert_eq!(
        (all[0].match_digest.as_str(), all[0].components.len()),
        ("d2", 1)
    );
}

fn advisory(id: &str, packages: &[&str]) -> AdvisoryRow {
    AdvisoryRow {
        id: id.into(),
        modified: Some("2024-01-01T00:00:00Z".into()),
        withdrawn: None,
        aliases: vec![],
        source: "test".into(),
        json: format!(r#"{{"id":"{id}"}}"#),
        packages: packages
            .iter()
            .map(|p| ("npm".to_owned(), p.to_string()))
            .collect(),
    }
}

pub async fn rematch_reads_by_package(b: &Backend) {
    let s = b.store.as_ref();
    let mut ids = Vec::new();
    for (n, (app, names)) in [
        ("a", &["left-pad", "x"][..]),
        ("b", &["y"][..]),
        ("c", &["left-pad", "z"][..]),
    ]
    .into_iter()
    .enumerate()
    {
        let scan = crate::build::ingest(s, &Report::new(app, "cyclonedx", n as i64), vec![]).await;
        let inv = NewInventory {
            scan_id: Some(scan.id),
            ..inventory(app, names)
        };
        ids.push(s.put_inventory(inv).await.expect("inventory"));
    }
    assert_eq!(s.inventory_ids(None).await.expect("all"), ids);
    let key = |n: &str| ("npm".to_owned(), n.to_owned());
    assert_eq!(
        s.inventory_ids(Some(&[key("left-pad"), key("nothing")]))
            .await
            .expect("by package"),
        vec![ids[0], ids[2]]
    );
    assert_eq!(
        s.inventory_ids(Some(&[("PyPI".to_owned(), "left-pad".to_owned())]))
            .await
            .expect("other ecosystem"),
        Vec::<i64>::new()
    );
    let some = rampart_store::IntelStore::inventories_in(s, &[ids[2], ids[1], 9_999_999])
        .await
        .expect("in");
    let got: Vec<(&str, usize)> = some
        .iter()
        .map(|i| (i.application.as_str(), i.components.len()))
        .collect();
    assert_eq!(got, vec![("b", 1), ("c", 2)]);
    assert_eq!(some[1].components[1].component.name, "z");

    s.put_advisories(vec![
        advisory("GHSA-1", &["left-pad", "y"]),
        advisory("GHSA-2", &["z"]),
    ])
    .await
    .expect("put");
    let found = s
        .advisories_for_packages(&[key("left-pad"), key("y")])
        .await
        .expect("advisories");
    assert_eq!(found.len(), 1, "one advisory, once: {found:?}");
    assert!(found[0].contains("GHSA-1"));
    let mut named = s
        .advisory_packages_of(&["GHSA-1".into(), "GHSA-3".into()])
        .await
        .expect("packages");
    named.sort();
    assert_eq!(named, vec![key("left-pad"), key("y")]);
}
