//! Every VEX and CSAF sample of the corpus: statements counted independently from the JSON,
//! exact statuses, justifications and products for a few.

use rampart_formats::vex::{self, VexFormat};
use rampart_formats::{ParseContext, corpus};
use rampart_model::VexStatus;
use serde_json::Value;
use std::path::PathBuf;

fn ctx(rel: &str) -> ParseContext {
    ParseContext::new(rel, b"test-key".to_vec())
}

fn samples() -> Vec<PathBuf> {
    let mut files = corpus::files("vex-csaf", &["json"]);
    files.extend(corpus::files("defectdojo/openvex", &["json"]));
    files.extend(corpus::files("defectdojo/csaf", &["json"]));
    files.extend(corpus::files("trivy-golden/fixtures/vex/file", &["json"]));
    files.extend(
        corpus::files("cyclonedx/guac-exampledata", &["json", "xml"])
            .into_iter()
            .filter(|p| p.to_string_lossy().contains("vex")),
    );
    files.extend(corpus::files("cyclonedx/bom-examples/VEX", &["vex.json"]));
    files
}

/// Statements a document holds, counted from its JSON without the parser.
fn expected(v: &Value) -> usize {
    if let Some(s) = v.get("statements").and_then(Value::as_array) {
        return s.len();
    }
    if v.pointer("/document/csaf_version").is_some() {
        let keys = [
            "known_not_affected",
            "known_affected",
            "first_affected",
            "last_affected",
            "fixed",
            "first_fixed",
            "under_investigation",
        ];
        return v["vulnerabilities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|vu| {
                keys.iter()
                    .filter_map(|k| vu.pointer(&format!("/product_status/{k}")))
                    .filter_map(Value::as_array)
                    .map(Vec::len)
                    .sum::<usize>()
            })
            .sum();
    }
    // CycloneDX: one statement per vulnerability (with an analysis state) and affected ref.
    let states = [
        "resolved",
        "resolved_with_pedigree",
        "exploitable",
        "in_triage",
        "false_positive",
        "not_affected",
    ];
    v["vulnerabilities"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|vu| vu.get("id").is_some())
        .filter(|vu| {
            vu.pointer("/analysis/state")
                .and_then(Value::as_str)
                .is_some_and(|s| states.contains(&s))
        })
        .map(|vu| vu["affects"].as_array().map_or(1, |a| a.len().max(1)))
        .sum()
}

#[test]
fn every_vex_and_csaf_sample() {
    let files = samples();
    if files.is_empty() {
        return;
    }
    let mut total = 0;
    let mut by_format = [0usize; 3];
    for path in &files {
        let rel = corpus::relative(path);
        let bytes = std::fs::read(path).unwrap();
        let parsed = vex::parse(&bytes, &ctx(&rel));
        if rel.ends_with("csaf_unsupported_version.json") {
            let e = parsed.unwrap_err().to_string();
            assert_eq!(
                e,
                format!("{rel}: /document/csaf_version: `1.2`: expected CSAF 2.0")
            );
            continue;
        }
        let d = parsed.unwrap_or_else(|e| panic!("{rel}: {e}"));
        if rel.ends_with(".json") {
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(d.statements.len(), expected(&v), "{rel}");
        } else {
            assert!(!d.statements.is_empty(), "{rel}");
        }
        total += d.statements.len();
        by_format[match d.format {
            VexFormat::OpenVex => 0,
            VexFormat::Csaf => 1,
            VexFormat::CycloneDx => 2,
        }] += 1;
        for s in &d.statements {
            assert!(!s.vulnerability.is_empty(), "{rel} {}", s.source_ref);
        }
    }
    assert!(by_format.iter().all(|n| *n > 0), "{by_format:?}");
    assert!(total > 50, "{total}");
}

#[test]
fn exact_statements() {
    let Some(p) = corpus::file("defectdojo/openvex/openvex_many_vuln.json") else {
        return;
    };
    let d = vex::parse(&std::fs::read(p).unwrap(), &ctx("many.json")).unwrap();
    let s = &d.statements;
    assert_eq!(s.len(), 6);
    assert_eq!(s[0].vulnerability, "CVE-2024-10001");
    assert_eq!(s[0].status, VexStatus::NotAffected);
    assert_eq!(
        s[0].justification.as_deref(),
        Some("vulnerable_code_not_present")
    );
    assert_eq!(
        s[0].products,
        ["pkg:apk/alpine/apk-tools@2.10.6-r0?arch=x86_64&distro=alpine-3.10.9"]
    );
    assert_eq!(s[2].status, VexStatus::Fixed);
    assert_eq!(s[3].status, VexStatus::UnderInvestigation);
    assert_eq!(s[4].aliases, ["GHSA-jfh8-c2jp-5v3q"]);
    assert_eq!(s[5].vulnerability, "CVE-2024-10006");
    assert_eq!(s[5].products, ["pkg:apk/alpine/openssl@1.1.1k-r0"]);

    let p = corpus::file("vex-csaf/guac-exampledata/rhsa-csaf.json").unwrap();
    let d = vex::parse(&std::fs::read(p).unwrap(), &ctx("rhsa.json")).unwrap();
    assert_eq!(d.id, "RHSA-2023:1441");
    assert_eq!(d.statements.len(), 36);
    let affected: Vec<_> = d
        .statements
        .iter()
        .filter(|s| s.status == VexStatus::Affected)
        .collect();
    assert_eq!(affected.len(), 1);
    assert!(
        d.statements
            .iter()
            .all(|s| s.vulnerability == "CVE-2023-0286")
    );
    let fixed_purl = d
        .statements
        .iter()
        .filter(|s| s.status == VexStatus::Fixed)
        .filter(|s| s.products[0].starts_with("pkg:rpm/redhat/openssl@1.1.1k-8.el8_6?arch=aarch64"))
        .count();
    assert_eq!(fixed_purl, 1);
    assert!(d.statements.iter().any(|s| {
        s.detail
            .as_deref()
            .is_some_and(|x| x.starts_with("vendor_fix: "))
    }));

    let p = corpus::file("defectdojo/csaf/csaf_many_vuln.json").unwrap();
    let d = vex::parse(&std::fs::read(p).unwrap(), &ctx("many.json")).unwrap();
    assert_eq!(d.statements.len(), 5);
    let na = d
        .statements
        .iter()
        .find(|s| s.status == VexStatus::NotAffected)
        .unwrap();
    assert_eq!(na.products, ["Generic App 2.0.0"]);
    let aff = &d
        .statements
        .iter()
        .filter(|s| s.status == VexStatus::Affected)
        .collect::<Vec<_>>();
    assert_eq!(aff.len(), 2);
    assert_eq!(
        aff[0].detail.as_deref(),
        Some("vendor_fix: Upgrade to Generic App 1.0.1.")
    );
    assert_eq!(aff[1].vulnerability, "EXAMPLE-2026-0002-B");
    assert_eq!(
        aff[1].products,
        ["Generic Library 3.4.5 as a component of Generic App 1.0.0"]
    );

    let p = corpus::file("trivy-golden/fixtures/vex/file/openvex.json").unwrap();
    let d = vex::parse(&std::fs::read(p).unwrap(), &ctx("openvex.json")).unwrap();
    assert_eq!(d.statements[0].vulnerability, "CVE-2022-23628");
    assert_eq!(
        d.statements[0].products,
        [
            "pkg:golang/github.com/testdata/testdata",
            "pkg:golang/github.com/open-policy-agent/opa@v0.35.0"
        ]
    );
}
