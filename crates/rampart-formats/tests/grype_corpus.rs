//! Every Grype JSON report of the corpus, parsed in place: `defectdojo/anchore_grype/*`
//! (Grype 0.7 to 0.75, three hand-made by DefectDojo) and `scanner-misc/gatecheck/
//! grype-report.json` (Grype 0.64.2). Counts and values are computed independently from a
//! `serde_json::Value` of each file. Xeol reports (`defectdojo/xeol/`), which share Grype's
//! layout, must be refused by the Grype parser with a clear error.

use rampart_formats::{Format, ParseContext, ParseError, ParseOutcome, corpus, parse_bytes};
use rampart_model::{
    Cvss, CvssVersion, FindingKind, Location, Observation, Severity, ToolKind, normalize_vuln_id,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn ctx(path: &Path) -> ParseContext {
    ParseContext::new(
        path.display().to_string(),
        b"test-installation-key".to_vec(),
    )
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The distinct CVSS entries of a match: its vulnerability's `cvss[]` (and the old `cvssV3`,
/// `cvssV2`), then those of the related vulnerabilities.
fn expected_cvss(m: &Value) -> Vec<(Option<String>, Option<f64>)> {
    let mut out: Vec<(Option<String>, Option<f64>)> = Vec::new();
    let vulns = std::iter::once(&m["vulnerability"]).chain(arr(m, "relatedVulnerabilities"));
    for v in vulns {
        let mut entries: Vec<(Option<String>, Option<f64>)> = arr(v, "cvss")
            .iter()
            .map(|c| {
                (
                    str_at(c, "/vector").map(String::from),
                    c.pointer("/metrics/baseScore").and_then(Value::as_f64),
                )
            })
            .collect();
        for old in ["cvssV3", "cvssV2"] {
            if let Some(c) = v.get(old).filter(|c| c.is_object()) {
                entries.push((
                    str_at(c, "/vector").map(String::from),
                    c.get("baseScore").and_then(Value::as_f64),
                ));
            }
        }
        for e in entries {
            if (e.0.is_some() || e.1.is_some()) && !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}

struct Parsed {
    path: PathBuf,
    outcome: ParseOutcome,
    obs: Vec<Observation>,
}

/// Parses one file with detection and checks every observation against its match.
fn parse_checked(path: &Path) -> Parsed {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: Value = serde_json::from_slice(&bytes).unwrap();
    let (outcome, obs) =
        parse_bytes(&bytes, None, &ctx(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(outcome.format, Some(Format::Grype), "{}", path.display());
    let matches = arr(&doc, "matches");
    let with_id = matches
        .iter()
        .filter(|m| str_at(m, "/vulnerability/id").is_some())
        .count();
    let ignored = arr(&doc, "ignoredMatches").len();
    assert_eq!(obs.len(), with_id + ignored, "{}", path.display());
    assert_eq!(
        outcome.diagnostics.len(),
        matches.len() - with_id,
        "{}",
        path.display()
    );
    assert_eq!(outcome.tools.len(), 1);
    assert_eq!(outcome.tools[0].name, "grype");
    assert_eq!(
        outcome.tools[0].version.as_deref(),
        str_at(&doc, "/descriptor/version")
    );
    let image = str_at(&doc, "/source/type") == Some("image");
    let kind = if image {
        ToolKind::Container
    } else {
        ToolKind::Sca
    };
    assert_eq!(outcome.tool_kind, Some(kind), "{}", path.display());
    for o in &obs {
        let m = doc
            .pointer(&o.source_ref)
            .unwrap_or_else(|| panic!("{}: {} does not resolve", path.display(), o.source_ref));
        let at = format!("{} {}", path.display(), o.source_ref);
        assert_eq!(o.kind, FindingKind::Dependency);
        assert_eq!(o.tool.name, "grype");
        assert_eq!(
            Some(o.rule_id.as_str()),
            str_at(m, "/vulnerability/id"),
            "{at}"
        );
        assert_eq!(
            o.severity.tool_label.as_deref(),
            str_at(m, "/vulnerability/severity"),
            "{at}"
        );
        // Ids: the match's first, then every related id (normalized, de-duplicated).
        let mut ids = vec![normalize_vuln_id(&o.rule_id).unwrap()];
        for r in arr(m, "relatedVulnerabilities") {
            let id = normalize_vuln_id(str_at(r, "/id").unwrap()).unwrap();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        assert_eq!(o.vuln_ids, ids, "{at}");
        let Location::Package(p) = &o.location else {
            panic!("{at}: not a package")
        };
        assert_eq!(p.purl.as_deref(), str_at(m, "/artifact/purl"), "{at}");
        assert_eq!(Some(p.name.as_str()), str_at(m, "/artifact/name"), "{at}");
        assert_eq!(p.version.as_deref(), str_at(m, "/artifact/version"), "{at}");
        assert_eq!(p.ecosystem.as_deref(), str_at(m, "/artifact/type"), "{at}");
        let fixed: Vec<&str> = match m
            .pointer("/vulnerability/fix/versions")
            .and_then(Value::as_array)
        {
            Some(v) if !v.is_empty() => v.iter().filter_map(Value::as_str).collect(),
            _ => str_at(m, "/vulnerability/fixedInVersion")
                .into_iter()
                .collect(),
        };
        assert_eq!(p.fixed_versions, fixed, "{at}");
        let first_path = str_at(m, "/artifact/locations/0/path").map(|s| s.trim_start_matches('/'));
        assert_eq!(p.found_in.as_deref(), first_path, "{at}");
        let cvss: Vec<(Option<String>, Option<f64>)> = o
            .severity
            .cvss
            .iter()
            .map(|c: &Cvss| (c.vector.clone(), c.score))
            .collect();
        let mut want = expected_cvss(m);
        assert_eq!(cvss.len(), want.len(), "{at}");
        want.retain(|w| !cvss.contains(w));
        assert!(want.is_empty(), "{at}: missing CVSS {want:?}");
        if let Some(ds) = str_at(m, "/vulnerability/dataSource") {
            assert_eq!(o.references.first().map(String::as_str), Some(ds), "{at}");
        }
        assert!(!o.title.contains('\n'));
    }
    Parsed {
        path: path.to_path_buf(),
        outcome,
        obs,
    }
}

fn find<'a>(parsed: &'a [Parsed], suffix: &str) -> &'a Parsed {
    parsed
        .iter()
        .find(|p| p.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} not in the corpus"))
}

#[test]
fn every_grype_report_parses_with_detection() {
    if corpus::dir().is_none() {
        return;
    }
    let dojo = corpus::files("defectdojo/anchore_grype", &[".json"]);
    let gatecheck = corpus::files("scanner-misc/gatecheck", &["grype-report.json"]);
    assert_eq!(dojo.len(), 12, "defectdojo/anchore_grype files");
    assert_eq!(gatecheck.len(), 1, "gatecheck grype report");
    let parsed: Vec<Parsed> = dojo
        .iter()
        .chain(&gatecheck)
        .map(|p| parse_checked(p))
        .collect();
    let total: usize = parsed.iter().map(|p| p.obs.len()).sum();
    assert_eq!(total, 1916);

    // Grype 0.64.2, an image: Debian's "Negligible" is kept as the label (info), while the
    // related NVD record brings a CVSS v2 score.
    let g = find(&parsed, "scanner-misc/gatecheck/grype-report.json");
    assert_eq!(g.obs.len(), 62);
    assert_eq!(g.outcome.tool_kind, Some(ToolKind::Container));
    let o = &g.obs[0];
    assert_eq!(o.rule_id, "CVE-2007-6755");
    assert_eq!(o.source_ref, "/matches/0");
    assert_eq!(o.severity.level, Severity::Info);
    assert_eq!(o.severity.tool_label.as_deref(), Some("Negligible"));
    assert_eq!(o.severity.cvss.len(), 1);
    assert_eq!(o.severity.cvss[0].version, CvssVersion::V2);
    assert_eq!(
        o.severity.cvss[0].vector.as_deref(),
        Some("AV:N/AC:M/Au:N/C:P/I:P/A:N")
    );
    assert_eq!(o.severity.cvss[0].score, Some(5.8));
    let Location::Package(p) = &o.location else {
        panic!()
    };
    assert_eq!(p.name, "libssl1.1");
    assert_eq!(
        p.found_in.as_deref(),
        Some("usr/share/doc/libssl1.1/copyright")
    );
    assert!(p.fixed_versions.is_empty());
    assert!(o.tags.iter().any(|t| t == "fix-state:not-fixed"));
    assert!(
        o.tags
            .iter()
            .any(|t| t == "namespace:debian:distro:debian:11")
    );
    assert!(
        o.references
            .iter()
            .any(|r| r == "https://nvd.nist.gov/vuln/detail/CVE-2007-6755")
    );
    assert_eq!(o.tool.version, None, "descriptor comes after matches");

    // Only `matches`: no tool version, no source; a GHSA with its CVE alias.
    let e = find(&parsed, "anchore_grype_epss_problem.json");
    assert_eq!(e.outcome.tool_kind, Some(ToolKind::Sca));
    let o = &e.obs[0];
    let ids: Vec<&str> = o.vuln_ids.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(ids, ["GHSA-4374-p667-p6c8", "CVE-2023-39325"]);
    assert_eq!(o.severity.level, Severity::High);
    assert_eq!(o.severity.cvss[0].version, CvssVersion::V3);
    assert_eq!(o.severity.cvss[0].score, Some(7.5));
    let Location::Package(p) = &o.location else {
        panic!()
    };
    assert_eq!(
        p.purl.as_deref(),
        Some("pkg:golang/golang.org/x/net@v0.9.0")
    );
    assert_eq!(p.fixed_versions, ["0.17.0"]);
    assert_eq!(p.ecosystem.as_deref(), Some("go-module"));
    // The EPSS Grype reported (`vulnerability.epss[0]`); no KEV entry.
    let x = o.exploit.as_ref().expect("EPSS from grype");
    assert_eq!(x.epss, Some(0.00163));
    assert_eq!(x.epss_percentile, Some(0.37957));
    assert_eq!(x.kev, None);

    // Hand-made by DefectDojo: two related CVEs.
    let d = find(&parsed, "check_all_fields_different_ids_fabricated.json");
    let ids: Vec<&str> = d.obs[0].vuln_ids.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(
        ids,
        ["GHSA-v6rh-hp5x-86rv", "CVE-2021-1234", "CVE-2021-5678"]
    );
    assert_eq!(d.obs[0].title, "GHSA-v6rh-hp5x-86rv in Django 3.2.9");
    assert_eq!(d.outcome.tools[0].version.as_deref(), Some("0.28.0"));

    // Grype 0.7.0: the old layout (cvssV2/cvssV3, links, fixedInVersion).
    let m = find(&parsed, "anchore_grype/many_vulns.json");
    assert_eq!(m.obs.len(), 1509);
    assert_eq!(m.outcome.tools[0].version.as_deref(), Some("0.7.0"));
    let o = &m.obs[0];
    assert_eq!(
        (o.rule_id.as_str(), o.severity.level),
        ("CVE-2011-3389", Severity::Medium)
    );
    assert_eq!(
        o.severity.cvss[0].vector.as_deref(),
        Some("AV:N/AC:M/Au:N/C:P/I:N/A:N")
    );
    assert_eq!(
        o.references,
        ["https://security-tracker.debian.org/tracker/CVE-2011-3389"]
    );
    let Location::Package(p) = &o.location else {
        panic!()
    };
    assert_eq!(p.found_in.as_deref(), Some("var/lib/dpkg/status"));
    let unknown = m
        .obs
        .iter()
        .filter(|o| o.severity.tool_label.as_deref() == Some("Unknown"))
        .count();
    assert_eq!(unknown, 76);
    let fixed = m
        .obs
        .iter()
        .find(|o| matches!(&o.location, Location::Package(p) if !p.fixed_versions.is_empty()))
        .unwrap();
    let Location::Package(p) = &fixed.location else {
        panic!()
    };
    assert_eq!(p.fixed_versions, ["2.4.47+dfsg-3+deb10u5"]);

    // One vulnerability, one package, two paths: two observations told apart by `found_in`.
    let s = find(&parsed, "same_cve_different_paths.json");
    let places: Vec<Option<&str>> = s.obs.iter().map(|o| o.location.file()).collect();
    assert_eq!(
        places,
        [
            Some("usr/lib/x86_64-linux-gnu/libc.so.6"),
            Some("lib/x86_64-linux-gnu/libc.so.6")
        ]
    );
    assert!(
        s.obs
            .iter()
            .all(|o| o.rule_id == "CVE-2021-33574" && o.severity.level == Severity::Critical)
    );

    // A directory scan is SCA.
    let dir = find(&parsed, "many_vulns4.json");
    assert_eq!(dir.outcome.tool_kind, Some(ToolKind::Sca));
    assert_eq!(dir.obs[0].location.file(), Some("components/yarn.lock"));

    let none = find(&parsed, "no_vuln.json");
    assert!(none.obs.is_empty());
    assert_eq!(none.outcome.tools[0].version.as_deref(), Some("0.7.0"));
}

#[test]
fn xeol_reports_are_refused_by_the_grype_parser() {
    if corpus::dir().is_none() {
        return;
    }
    let files = corpus::files("defectdojo/xeol", &[".json"]);
    assert_eq!(files.len(), 3, "defectdojo/xeol files");
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        // Xeol (end-of-life products) writes Grype's layout: detection cannot tell them apart
        // from the top-level keys, the descriptor can.
        assert_eq!(rampart_formats::detect(&bytes), Ok(Format::Grype));
        let e = parse_bytes(&bytes, None, &ctx(path)).unwrap_err();
        let ParseError::Invalid { place, message, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(place, "/descriptor/name");
        assert!(message.contains("`xeol`, not Grype"), "{message}");
    }
}

/// Every truncation and a few thousand byte-level corruptions of a real report: the parser
/// returns a result or an error naming the file, and never panics.
#[test]
fn damaged_reports_never_panic() {
    let Some(path) =
        corpus::file("defectdojo/anchore_grype/check_all_fields_different_ids_fabricated.json")
    else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let ctx = ctx(&path);
    for cut in (0..bytes.len()).step_by(3) {
        if let Err(e) = parse_bytes(&bytes[..cut], Some(Format::Grype), &ctx) {
            assert!(e.to_string().starts_with(&ctx.file_name), "{e}");
        }
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const NASTY: &[u8] = b"{}[]\",:\\0n-e \n\xff";
    for _ in 0..1500 {
        let mut damaged = bytes.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() % damaged.len() as u64) as usize;
            damaged[at] = NASTY[(next() % NASTY.len() as u64) as usize];
        }
        if let Err(e) = parse_bytes(&damaged, Some(Format::Grype), &ctx) {
            assert!(e.to_string().starts_with(&ctx.file_name), "{e}");
        }
    }
}
