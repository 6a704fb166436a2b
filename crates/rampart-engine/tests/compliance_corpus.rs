//! The compliance weakness table (`data/compliance/cwe-map.tsv`) against the corpus's own
//! mapping data, read in place: the CWE → OWASP Top Ten 2021 list derived independently from
//! `cwec_v4.14.xml` (`intel/mappings/cwe_to_owasp_top10_and_top25__derived_from_cwec_v4.14.csv`)
//! and DefectDojo's ASVS 4.0.1 requirement → CWE fixtures.

use rampart_engine::compliance::{asvs_of, owasp_of};
use rampart_model::FindingKind;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

#[test]
fn owasp_top10_2021_matches_the_corpus_list() {
    let Some(corpus) = rampart_formats::corpus::dir() else {
        return;
    };
    let path =
        corpus.join("intel/mappings/cwe_to_owasp_top10_and_top25__derived_from_cwec_v4.14.csv");
    let mut reader = csv::Reader::from_path(&path).expect("read the CSV");
    let mut expected: HashMap<u32, BTreeSet<String>> = HashMap::new();
    for row in reader.records() {
        let row = row.expect("a CSV row");
        if &row[2] != "OWASP Top Ten 2021" {
            continue;
        }
        let cwe: u32 = row[0].trim_start_matches("CWE-").parse().expect("a CWE id");
        // "OWASP Top Ten 2021 Category A03:2021 - Injection" -> A03
        let cat = row[4]
            .split("Category ")
            .nth(1)
            .and_then(|c| c.split(':').next())
            .expect("a category")
            .to_string();
        expected.entry(cwe).or_default().insert(cat);
    }
    assert!(expected.len() > 150, "{} CWEs", expected.len());
    for (cwe, cats) in &expected {
        let got: BTreeSet<String> = owasp_of(FindingKind::Code, &[*cwe])
            .into_iter()
            .map(str::to_string)
            .collect();
        assert_eq!(&got, cats, "CWE-{cwe}");
    }
    // Every category appears.
    let all: BTreeSet<&String> = expected.values().flatten().collect();
    assert_eq!(all.len(), 10);
}

#[test]
fn asvs_requirements_match_defectdojo_fixtures() {
    let Some(corpus) = rampart_formats::corpus::dir() else {
        return;
    };
    let dir = corpus.join("intel/mappings/defectdojo-fixtures");
    let load = |name: &str| -> Vec<Value> {
        serde_json::from_slice(&std::fs::read(dir.join(name)).expect("read fixture"))
            .expect("JSON fixture")
    };
    let version_4: BTreeSet<i64> = load("benchmark_type.json")
        .iter()
        .filter(|t| t["fields"]["version"].as_str().map(str::trim) == Some("v. 4.0.1"))
        .map(|t| t["pk"].as_i64().unwrap())
        .collect();
    let chapters: BTreeSet<i64> = load("benchmark_category.json")
        .iter()
        .filter(|c| version_4.contains(&c["fields"]["type"].as_i64().unwrap()))
        .map(|c| c["pk"].as_i64().unwrap())
        .collect();
    let requirements: HashMap<i64, String> = load("benchmark_requirement.json")
        .iter()
        .filter(|r| chapters.contains(&r["fields"]["category"].as_i64().unwrap()))
        .map(|r| {
            (
                r["pk"].as_i64().unwrap(),
                r["fields"]["objective_number"]
                    .as_str()
                    .unwrap()
                    .trim()
                    .to_string(),
            )
        })
        .collect();
    let cwe_numbers: HashMap<i64, u32> = load("cwe.json")
        .iter()
        .map(|c| {
            (
                c["pk"].as_i64().unwrap(),
                c["fields"]["number"].as_u64().unwrap() as u32,
            )
        })
        .collect();
    let mut checked = 0;
    for m in load("benchmark_requirement_cwe_mapping.json") {
        let req = &requirements[&m["fields"]["benchmark_requirement"].as_i64().unwrap()];
        let cwe = cwe_numbers[&m["fields"]["cwe"].as_i64().unwrap()];
        assert!(
            asvs_of(&[cwe]).contains(req.as_str()),
            "CWE-{cwe} should map to ASVS {req}"
        );
        checked += 1;
    }
    assert_eq!(checked, 132);
}
