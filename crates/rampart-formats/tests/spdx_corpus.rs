//! Every file under `spdx/` of the corpus, parsed in place with format detection.
//!
//! The test decides from the bytes, without the parser, what must happen:
//! * a JSON object whose `spdxVersion` is a string starting with `SPDX-2.` is accepted; so is a
//!   text file whose first non-comment line is `SPDXVersion: SPDX-2.x`;
//! * everything else is rejected with an error naming the file: SPDX 3.0 JSON-LD, the JSON
//!   schemas, the YAML / XML / RDF serializations, and guac's `invalid-spdx.json`
//!   (`"spdxVersion": 2`, a number).
//!
//! For accepted files it counts, independently: packages with a non-empty `name` /
//! `PackageName` and `SPDXID` (the inventory's components plus its root), and dependency
//! relationships (`DEPENDS_ON`, `CONTAINS`, `CONTAINED_BY`, `DEPENDENCY_OF`, `*_DEPENDENCY_OF`,
//! `DYNAMIC_LINK`, `STATIC_LINK`)
//! whose two ends are such packages (the inventory's edges).

use rampart_formats::{Format, corpus};
use rampart_model::{Inventory, ToolKind};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

fn is_dependency(kind: &str) -> bool {
    matches!(
        kind,
        "DEPENDS_ON"
            | "CONTAINS"
            | "CONTAINED_BY"
            | "DEPENDENCY_OF"
            | "DYNAMIC_LINK"
            | "STATIC_LINK"
    ) || kind.ends_with("_DEPENDENCY_OF")
}

/// (packages, edges) counted from a JSON document, or `None` when it must be rejected.
fn expect_json(v: &Value) -> Option<(usize, usize)> {
    let version = v.get("spdxVersion")?.as_str()?;
    if !version.starts_with("SPDX-2.") {
        return None;
    }
    let empty = Vec::new();
    let ids: HashSet<&str> = v
        .get("packages")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
        .iter()
        .filter(|p| {
            p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| !n.trim().is_empty())
        })
        .filter_map(|p| p.get("SPDXID").and_then(Value::as_str))
        .filter(|id| !id.is_empty())
        .collect();
    let edges = v
        .get("relationships")
        .and_then(Value::as_array)
        .unwrap_or(&empty)
        .iter()
        .filter(|r| {
            let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("");
            is_dependency(s("relationshipType"))
                && ids.contains(s("spdxElementId"))
                && ids.contains(s("relatedSpdxElement"))
        })
        .count();
    Some((ids.len(), edges))
}

/// (packages, edges) counted from a tag-value document, or `None` when it must be rejected.
fn expect_tag_value(text: &str) -> Option<(usize, usize)> {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    if !first.starts_with("SPDXVersion: SPDX-2.") {
        return None;
    }
    let mut ids: HashSet<&str> = HashSet::new();
    let mut in_package = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("PackageName:") {
            in_package = true;
        } else if line.starts_with("FileName:") || line.starts_with("LicenseID:") {
            in_package = false;
        } else if let Some(id) = line.strip_prefix("SPDXID:")
            && in_package
        {
            ids.insert(id.trim());
            in_package = false;
        }
    }
    let edges = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Relationship:"))
        .filter(|r| {
            let parts: Vec<&str> = r.split_whitespace().collect();
            parts.len() >= 3
                && is_dependency(parts[1])
                && ids.contains(parts[0])
                && ids.contains(parts[2])
        })
        .count();
    Some((ids.len(), edges))
}

fn expected(path: &Path) -> Option<(usize, usize)> {
    let bytes = std::fs::read(path).expect("corpus file");
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) => expect_json(&v),
        Err(_) => expect_tag_value(&String::from_utf8_lossy(&bytes)),
    }
}

fn size(inv: &Inventory) -> usize {
    inv.components.len() + usize::from(inv.root.is_some())
}

#[test]
fn every_spdx_sample() {
    let files = corpus::files("spdx", &[]);
    let files: Vec<_> = files
        .into_iter()
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !(n == "LICENSE"
                || n.ends_with(".md")
                || n.ends_with(".txt")
                || n.starts_with("NOTICE"))
        })
        .collect();
    if files.is_empty() {
        return;
    }
    let (mut accepted, mut rejected) = (0, 0);
    let mut components = 0;
    for path in &files {
        let rel = corpus::relative(path);
        let want = expected(path);
        match (corpus::parse_file(path, None), want) {
            (Ok((outcome, obs)), Some((packages, edges))) => {
                accepted += 1;
                assert!(
                    matches!(
                        outcome.format,
                        Some(Format::SpdxJson | Format::SpdxTagValue)
                    ),
                    "{rel}: {:?}",
                    outcome.format
                );
                assert_eq!(outcome.tool_kind, Some(ToolKind::Sbom), "{rel}");
                assert!(obs.is_empty(), "{rel}: SPDX 2 has no vulnerabilities");
                let inv = outcome.inventory.expect("an SBOM has an inventory");
                assert_eq!(size(&inv), packages, "{rel}: packages");
                assert_eq!(inv.edges.len(), edges, "{rel}: dependency edges");
                components += inv.components.len();
            }
            (Err(e), None) => {
                rejected += 1;
                assert!(
                    e.to_string().contains(&path.display().to_string()),
                    "{rel}: {e}"
                );
            }
            (Ok((o, _)), None) => panic!("{rel}: accepted as {:?} but must be rejected", o.format),
            (Err(e), Some(_)) => panic!("{rel}: rejected: {e}"),
        }
    }
    eprintln!("spdx: {accepted} accepted ({components} components), {rejected} rejected");
    // 2.2/2.3 JSON (34) and tag-value (12) documents of the corpus; everything else rejected.
    assert_eq!(accepted, 34 + 12 - 1, "accepted");
    assert!(rejected >= 30, "{rejected}");
}

fn inventory(rel: &str) -> Option<Inventory> {
    let path = corpus::file(rel)?;
    let (outcome, _) = corpus::parse_file(&path, None).expect(rel);
    outcome.inventory
}

#[test]
fn exact_fields_of_a_few_documents() {
    // syft 0.57.0 on alpine: three packages, purls with the old `pkg:alpine` type.
    let Some(inv) = inventory("spdx/guac-exampledata/alpine-small-spdx.json") else {
        return;
    };
    assert!(inv.root.is_none());
    assert_eq!(inv.components.len(), 3);
    let c = &inv.components[0];
    assert_eq!(c.bom_ref, "SPDXRef-35085779bdf473bb");
    assert_eq!(c.name, "alpine-baselayout");
    assert_eq!(c.version.as_deref(), Some("3.2.0-r22"));
    assert_eq!(
        c.purl.as_deref(),
        Some(
            "pkg:alpine/alpine-baselayout@3.2.0-r22?arch=x86_64&upstream=alpine-baselayout&distro=alpine-3.16.2"
        )
    );
    assert_eq!(c.licenses, vec!["GPL-2.0-only"]);

    // The Maven example: the described package is the root; no purls, so package names;
    // `DYNAMIC_LINK` and `TEST_DEPENDENCY_OF` (reversed) are dependency edges.
    let inv =
        inventory("spdx/spdx-examples/software/example8/spdx2.3/examplemaven-0.0.1.spdx.json")
            .expect("corpus");
    let root = inv.root.as_ref().expect("one described package");
    assert_eq!(root.bom_ref, "SPDXRef-example");
    assert_eq!(inv.components.len(), 5);
    assert_eq!(inv.components[4].name, "Apache Log4j Core");
    assert_eq!(inv.components[0].version.as_deref(), Some("3.8.1"));
    assert_eq!(inv.edges.len(), 5);
    assert!(
        inv.edges
            .iter()
            .any(|e| e.from == "SPDXRef-example" && e.to == "SPDXRef-log4jImpl")
    );
    assert!(
        inv.edges
            .iter()
            .any(|e| e.from == "SPDXRef-example" && e.to == "SPDXRef-junit")
    );

    // Tag-value 2.2: go-lib, its Go distribution package described, CONTAINS edges.
    let inv = inventory("spdx/spdx-examples/software/example6/spdx2.2/example6-lib.spdx")
        .expect("corpus");
    let root = inv.root.as_ref().expect("described");
    assert_eq!(
        (root.name.as_str(), root.version.as_deref()),
        ("go-1.15", Some("1.15.4"))
    );
    assert_eq!(
        root.hashes,
        vec!["SHA256:0d6e1420facd978e532eae7bd5cb6378b65522c12fa9dcf682129e698c34d1b2"]
    );
    assert!(
        inv.edges
            .iter()
            .any(|e| e.from == "SPDXRef-Package-godist" && e.to == "SPDXRef-Package-go-compiler")
    );
}
