//! The intelligence feeds of the corpus, read in place: CISA KEV (JSON and CSV of the same
//! catalog), the EPSS samples (two valid, two negative cases), the CWE catalog, and the GHSA
//! records for npm and Maven under `osv/ghsa-npm` (parsed, scored, matched). Expected counts
//! come from the files themselves (`serde_json::Value`, plain text) or the corpus README.

mod common;

use rampart_intel::feeds::{cwe, epss, kev};
use rampart_intel::matching::match_components;
use rampart_intel::observe::severity;
use rampart_intel::osv::{AdvisoryIndex, Affectedness, Event, RangeKind, affected, from_json};
use rampart_model::{Component, CvssVersion, Severity};
use serde_json::Value;
use std::collections::HashMap;

fn read(rel: &str) -> Option<Vec<u8>> {
    let path = common::file(rel)?;
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

#[test]
fn kev_json_and_csv_agree_with_the_catalog() {
    let Some(json) = read("intel/cisa-kev/known_exploited_vulnerabilities.json") else {
        return;
    };
    let csv = read("intel/cisa-kev/known_exploited_vulnerabilities.csv").expect("csv");
    let v: Value = serde_json::from_slice(&json).expect("json");
    let listed = v["vulnerabilities"].as_array().expect("array");
    let known_ransomware = listed
        .iter()
        .filter(|e| e["knownRansomwareCampaignUse"] == "Known")
        .count();
    assert_eq!(v["count"], 1404);
    let from_json = kev::parse_json(&json).expect("KEV JSON");
    assert_eq!(from_json.version.as_deref(), Some("2025.08.25"));
    assert_eq!(from_json.entries.len(), listed.len());
    assert!(from_json.problems.is_empty(), "{:?}", from_json.problems);
    assert_eq!(
        from_json
            .entries
            .iter()
            .filter(|e| e.known_ransomware_campaign_use)
            .count(),
        known_ransomware
    );
    let first = &from_json.entries[0];
    assert_eq!(
        (
            first.cve.as_str(),
            first.vendor_project.as_str(),
            first.product.as_str()
        ),
        ("CVE-2025-48384", "Git", "Git")
    );
    assert_eq!(first.date_added, "2025-08-25");
    assert_eq!(first.due_date.as_deref(), Some("2025-09-15"));
    assert!(!first.known_ransomware_campaign_use);

    let from_csv = kev::parse_csv(&csv).expect("KEV CSV");
    assert!(from_csv.problems.is_empty(), "{:?}", from_csv.problems);
    assert_eq!(
        from_csv.entries, from_json.entries,
        "the CSV says what the JSON says"
    );
}

#[test]
fn epss_samples() {
    let Some(one) = read("epss/anchore-vunnel/example-1.csv") else {
        return;
    };
    let f = epss::parse(&one).expect("example-1");
    assert_eq!(f.model_version.as_deref(), Some("v2023.03.01"));
    assert_eq!(f.score_date, "2025-02-20T00:00:00+0000");
    assert_eq!(f.scores.len(), 5);
    assert_eq!(
        (
            f.scores[0].cve.as_str(),
            f.scores[0].probability,
            f.scores[0].percentile
        ),
        ("CVE-1999-0001", 0.00383, 0.73075)
    );
    let text = read("epss/vulnerablecode/epss_scores-2025-x-x.csv").expect("csv");
    let rows = String::from_utf8_lossy(&text)
        .lines()
        .filter(|l| l.starts_with("CVE-"))
        .count();
    let f = epss::parse(&text).expect("vulnerablecode");
    assert_eq!(rows, 27);
    assert_eq!(f.scores.len(), rows);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    assert_eq!(f.score_date, "2025-12-26T12:55:00Z");
    assert!(
        f.scores.iter().any(|s| s.probability == 7e-05),
        "exponent form"
    );
    let missing = epss::parse(&read("epss/anchore-vunnel/missing-date.csv").expect("f"));
    assert!(missing.unwrap_err().to_string().contains("score_date"));
    let header = epss::parse(&read("epss/anchore-vunnel/invalid-header.csv").expect("f"));
    assert!(
        header
            .unwrap_err()
            .to_string()
            .contains("line 2: expected the header `cve,epss,percentile`")
    );
}

#[test]
fn cwe_catalog() {
    let Some(xml) = read("intel/cwe/cwec_v4.14.xml") else {
        return;
    };
    let text = String::from_utf8_lossy(&xml);
    let count = |tag: &str| text.matches(&format!("<{tag} ID=\"")).count();
    let c = cwe::parse(&xml).expect("catalog");
    assert_eq!(c.version.as_deref(), Some("4.14"));
    let kinds = |k: cwe::CweKind| c.entries.iter().filter(|e| e.kind == k).count();
    assert_eq!(kinds(cwe::CweKind::Weakness), count("Weakness"));
    assert_eq!(kinds(cwe::CweKind::Category), count("Category"));
    assert_eq!(kinds(cwe::CweKind::View), count("View"));
    let xss = c.entries.iter().find(|e| e.id == 79).expect("CWE-79");
    assert_eq!(
        xss.name,
        "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    );
    assert_eq!(
        (xss.abstraction.as_deref(), xss.parent),
        (Some("Base"), Some(74))
    );
}

fn ghsa_records() -> Vec<(String, rampart_intel::osv::Record)> {
    common::files("osv/ghsa-npm", &[".json"])
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).expect("read");
            let r = from_json(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let folder = p
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned();
            (folder, r)
        })
        .collect()
}

#[test]
fn ghsa_npm_and_maven_records() {
    let records = ghsa_records();
    if records.is_empty() {
        return;
    }
    let per_folder = |f: &str| records.iter().filter(|(d, _)| d == f).count();
    assert_eq!(per_folder("osv-scanner-santatracker"), 160);
    assert_eq!(per_folder("osv-scalibr-zeppelin-maven"), 34);
    assert_eq!(per_folder("github-native"), 4);
    // Every santatracker record affects npm; every zeppelin record affects Maven only.
    for (folder, r) in &records {
        let ecos: Vec<&str> = r
            .affected
            .iter()
            .filter_map(|a| a.package.as_ref().map(|p| p.ecosystem.as_str()))
            .collect();
        match folder.as_str() {
            "osv-scanner-santatracker" => assert!(ecos.contains(&"npm"), "{}", r.id),
            "osv-scalibr-zeppelin-maven" => assert!(ecos.iter().all(|e| *e == "Maven"), "{}", r.id),
            _ => {}
        }
    }
    // Range shapes of santatracker, as the corpus README counts them.
    let mut shapes: HashMap<(RangeKind, bool, bool), usize> = HashMap::new();
    for (_, r) in records
        .iter()
        .filter(|(d, _)| d == "osv-scanner-santatracker")
    {
        for range in r.affected.iter().flat_map(|a| a.ranges.iter()) {
            let has = |f: fn(&Event) -> bool| range.events.iter().any(f);
            *shapes
                .entry((
                    range.kind.clone(),
                    has(|e| matches!(e, Event::Fixed(_))),
                    has(|e| matches!(e, Event::LastAffected(_))),
                ))
                .or_default() += 1;
        }
    }
    assert_eq!(shapes[&(RangeKind::Semver, true, false)], 248);
    assert_eq!(shapes[&(RangeKind::Semver, false, true)], 12);
    assert_eq!(shapes[&(RangeKind::Semver, false, false)], 1);
    assert_eq!(shapes[&(RangeKind::Ecosystem, true, false)], 40);
    assert_eq!(shapes[&(RangeKind::Ecosystem, false, true)], 1);

    // Every CVSS vector scores; a CVSS v3-only record's level is GitHub's own label.
    let (mut v3, mut v4, mut agree, mut v3_only) = (0, 0, 0, 0);
    let mut disagree: Vec<&str> = Vec::new();
    for (_, r) in &records {
        let s = severity(r);
        for c in &s.cvss {
            assert!(c.score.is_some(), "{}: {:?} does not score", r.id, c.vector);
            match c.version {
                CvssVersion::V3 => v3 += 1,
                CvssVersion::V4 => v4 += 1,
                CvssVersion::V2 => {}
            }
        }
        let label = r.database_severity().and_then(Severity::from_label);
        if s.cvss.len() == 1 && s.cvss[0].version == CvssVersion::V3 {
            v3_only += 1;
            if label == Some(s.level) {
                agree += 1;
            } else {
                disagree.push(&r.id);
            }
        }
    }
    assert_eq!((v3, v4), (134 + 29 + 3, 15 + 7 + 1));
    // GitHub derives its label from the v3 score, except in two records whose label was set by
    // hand below the vector's 9.8 (`AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H` is critical by the
    // CVSS v3.1 scale): GHSA-86wf-436m-h424 says MODERATE, GHSA-92xj-mqp7-vmcj (whose vector
    // also carries temporal metrics) says HIGH. Rampart goes by the vector.
    disagree.sort_unstable();
    assert_eq!(disagree, vec!["GHSA-86wf-436m-h424", "GHSA-92xj-mqp7-vmcj"]);
    assert_eq!(agree + 2, v3_only);

    // Each range's own bounds: `fixed` is not affected, a non-zero `introduced` is affected
    // (unless the same range also fixes it there).
    let mut checked = 0;
    for (_, r) in &records {
        for a in &r.affected {
            for range in a.ranges.iter().filter(|g| g.kind != RangeKind::Git) {
                for e in &range.events {
                    match e {
                        Event::Fixed(v) => {
                            assert_eq!(
                                affected(a, v),
                                Affectedness::NotAffected,
                                "{} fixed {v}",
                                r.id
                            );
                            checked += 1;
                        }
                        Event::Introduced(v) if v != "0" && a.versions.is_empty() => {
                            let fixed_here =
                                range.events.iter().any(|x| x == &Event::Fixed(v.clone()));
                            if !fixed_here {
                                assert!(affected(a, v).is_affected(), "{} introduced {v}", r.id);
                                checked += 1;
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn ghsa_records_match_components() {
    let records = ghsa_records();
    if records.is_empty() {
        return;
    }
    let mut index = AdvisoryIndex::new();
    for (_, r) in records {
        index.insert(r);
    }
    let comp = |purl: &str| Component {
        bom_ref: purl.into(),
        name: String::new(),
        version: None,
        purl: Some(purl.into()),
        component_type: None,
        licenses: vec![],
        hashes: vec![],
    };
    let components = vec![
        comp("pkg:npm/ms@0.7.0"),
        comp("pkg:npm/ms@2.1.3"),
        comp("pkg:maven/log4j/log4j@1.2.17"),
        comp("pkg:maven/log4j/log4j@1.1.3"),
    ];
    let out = match_components(&index, &components);
    let ids = |i: usize| {
        let mut v: Vec<&str> = out
            .matches
            .iter()
            .filter(|m| m.component == i)
            .map(|m| m.record.id.as_str())
            .collect();
        v.sort();
        v
    };
    // ms 0.7.0: the ReDoS fixed in 0.7.1 (github-native) and the one fixed in 2.0.0.
    assert!(ids(0).contains(&"GHSA-3fx5-fwvr-xrjg"), "{:?}", ids(0));
    assert!(ids(1).is_empty(), "{:?}", ids(1));
    // log4j 1.2.17: CVE-2019-17571 (introduced 1.2, last_affected 1.2.17) and more; 1.1.3 not.
    assert!(ids(2).contains(&"GHSA-2qrg-x229-3v8q"), "{:?}", ids(2));
    assert!(!ids(3).contains(&"GHSA-2qrg-x229-3v8q"), "{:?}", ids(3));
}
