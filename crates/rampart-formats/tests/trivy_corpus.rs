//! Every Trivy JSON report of the corpus, parsed in place.
//!
//! Files: `defectdojo/trivy/*` (SchemaVersion 2, Kubernetes and legacy reports),
//! `trivy-golden/**` selected by content (a top-level `SchemaVersion` key: the other goldens
//! are SARIF, CycloneDX, SPDX, ASFF, GitLab ... written by Trivy's other formatters),
//! `real-scans/*/trivy.json`, and `defectdojo/trivy_operator/*` (Trivy Operator custom
//! resources: another format, which detection must reject clearly).
//!
//! Counts are computed independently from a `serde_json::Value` of each file.

use rampart_formats::{
    Emitter, Format, ParseContext, ParseError, ParseOutcome, corpus, parse_bytes,
};
use rampart_model::{CvssVersion, FindingKind, Location, Observation, Severity, ToolKind};
use serde_json::Value;
use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

fn ctx(path: &Path) -> ParseContext {
    ParseContext::new(
        path.display().to_string(),
        b"test-installation-key".to_vec(),
    )
}

fn load(path: &Path) -> (Vec<u8>, Option<Value>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value = serde_json::from_slice(&bytes).ok();
    (bytes, value)
}

/// Every result object of a Trivy document, whatever its shape.
fn results(doc: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    match doc {
        Value::Array(items) => out.extend(items.iter()),
        Value::Object(map) => {
            if let Some(Value::Array(rs)) = map.get("Results") {
                out.extend(rs.iter());
            }
            if map.contains_key("ClusterName") {
                for key in ["Resources", "Vulnerabilities", "Misconfigurations"] {
                    for res in map.get(key).and_then(Value::as_array).into_iter().flatten() {
                        if let Some(Value::Array(rs)) = res.get("Results") {
                            out.extend(rs.iter());
                        }
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn has_str(v: &Value, key: &str) -> bool {
    v.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

/// What a file says, counted from its JSON.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    dependency: usize,
    iac: usize,
    secret: usize,
    license: usize,
    suppressed: usize,
    /// Records the parser must report as skipped.
    skipped: usize,
}

fn expected(doc: &Value) -> Expected {
    let mut e = Expected::default();
    for r in results(doc) {
        for v in arr(r, "Vulnerabilities") {
            if has_str(v, "VulnerabilityID") {
                e.dependency += 1;
            } else {
                e.skipped += 1;
            }
        }
        for m in arr(r, "Misconfigurations") {
            let status = m.get("Status").and_then(Value::as_str).unwrap_or("FAIL");
            if status != "PASS" {
                e.iac += 1;
                if status == "EXCEPTION" {
                    e.suppressed += 1;
                }
            }
        }
        e.secret += arr(r, "Secrets").len();
        e.license += arr(r, "Licenses").len();
        for m in arr(r, "ExperimentalModifiedFindings") {
            e.suppressed += 1;
            match m.get("Type").and_then(Value::as_str) {
                Some("vulnerability") => e.dependency += 1,
                Some("misconfiguration") => e.iac += 1,
                Some("secret") => e.secret += 1,
                Some("license") => e.license += 1,
                _ => e.skipped += 1,
            }
        }
    }
    e
}

fn actual(obs: &[Observation], diagnostics: usize) -> Expected {
    let n = |k: FindingKind| obs.iter().filter(|o| o.kind == k).count();
    Expected {
        dependency: n(FindingKind::Dependency),
        iac: n(FindingKind::Iac),
        secret: n(FindingKind::Secret),
        license: n(FindingKind::License),
        suppressed: obs.iter().filter(|o| o.suppression.is_some()).count(),
        skipped: diagnostics,
    }
}

/// The record each observation's `source_ref` points at must be the record it came from.
fn check_source_refs(path: &Path, doc: &Value, obs: &[Observation]) {
    for o in obs {
        let rec = doc
            .pointer(&o.source_ref)
            .unwrap_or_else(|| panic!("{}: {} does not resolve", path.display(), o.source_ref));
        let id_key = match o.kind {
            FindingKind::Dependency => "VulnerabilityID",
            FindingKind::Iac => "ID",
            FindingKind::Secret => "RuleID",
            FindingKind::License => "Name",
            other => panic!("unexpected kind {other:?}"),
        };
        assert_eq!(
            rec.get(id_key).and_then(Value::as_str).map(str::trim),
            Some(o.rule_id.as_str()),
            "{}: {}",
            path.display(),
            o.source_ref
        );
        if o.kind == FindingKind::Dependency {
            let Location::Package(p) = &o.location else {
                panic!("dependency without package location")
            };
            if let Some(purl) = rec.pointer("/PkgIdentifier/PURL").and_then(Value::as_str) {
                assert_eq!(p.purl.as_deref(), Some(purl), "{}", o.source_ref);
            }
            assert_eq!(
                p.name,
                rec.get("PkgName").and_then(Value::as_str).unwrap_or(""),
                "{}",
                o.source_ref
            );
        }
        assert!(
            !o.title.contains('\n'),
            "{}: title is one line",
            o.source_ref
        );
        assert_eq!(o.tool.name, "trivy");
    }
}

/// A report written by Trivy's JSON formatter (the goldens also hold SARIF, CycloneDX ...).
fn is_trivy_json(doc: &Option<Value>) -> bool {
    matches!(doc, Some(Value::Object(m)) if m.contains_key("SchemaVersion"))
}

struct Parsed {
    path: PathBuf,
    doc: Value,
    outcome: ParseOutcome,
    obs: Vec<Observation>,
}

/// Parses one file with detection, checks counts and source refs, and returns it all.
fn parse_checked(path: &Path) -> Parsed {
    let (bytes, doc) = load(path);
    let doc = doc.unwrap_or_else(|| panic!("{}: not JSON", path.display()));
    let (outcome, obs) =
        parse_bytes(&bytes, None, &ctx(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(outcome.format, Some(Format::Trivy), "{}", path.display());
    assert_eq!(
        actual(&obs, outcome.diagnostics.len()),
        expected(&doc),
        "{}: {:?}",
        path.display(),
        outcome.diagnostics
    );
    assert_eq!(outcome.observations as usize, obs.len());
    assert_eq!(outcome.tools.len(), 1);
    assert_eq!(outcome.tools[0].name, "trivy");
    assert_eq!(
        outcome.tools[0].version.as_deref(),
        doc.pointer("/Trivy/Version").and_then(Value::as_str),
        "{}",
        path.display()
    );
    let container = doc.get("ArtifactType").and_then(Value::as_str) == Some("container_image")
        || doc.get("ClusterName").is_some();
    let kind = if container {
        ToolKind::Container
    } else {
        ToolKind::Sca
    };
    assert_eq!(outcome.tool_kind, Some(kind), "{}", path.display());
    check_source_refs(path, &doc, &obs);
    check_no_secret_leaks(path, &doc, &obs);
    Parsed {
        path: path.to_path_buf(),
        doc,
        outcome,
        obs,
    }
}

/// No secret value of a report, nor any line quoted around a secret, appears anywhere in the
/// serialized observations.
fn check_no_secret_leaks(path: &Path, doc: &Value, obs: &[Observation]) {
    let json = serde_json::to_string(obs).expect("serializes");
    for r in results(doc) {
        for s in arr(r, "Secrets") {
            let matched = s.get("Match").and_then(Value::as_str).unwrap_or("").trim();
            if !matched.is_empty() && !matched.contains("***") {
                assert!(
                    !json.contains(matched),
                    "{}: unmasked Match leaked",
                    path.display()
                );
            }
            for line in arr(s.get("Code").unwrap_or(&Value::Null), "Lines") {
                let content = line
                    .get("Content")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim();
                if content.len() >= 12 {
                    assert!(
                        !json.contains(content),
                        "{}: code around a secret leaked: {content}",
                        path.display()
                    );
                }
            }
        }
    }
    for o in obs.iter().filter(|o| o.kind == FindingKind::Secret) {
        assert_eq!(o.snippet, None);
        assert!(o.secret.is_some());
    }
}

fn trivy_files() -> Option<(Vec<PathBuf>, Vec<PathBuf>, Vec<PathBuf>)> {
    corpus::dir()?;
    let dojo = corpus::files("defectdojo/trivy", &[".json"]);
    let golden_all = corpus::files("trivy-golden", &[]);
    let golden: Vec<PathBuf> = golden_all
        .iter()
        .filter(|p| is_trivy_json(&load(p).1))
        .cloned()
        .collect();
    let real = corpus::files("real-scans", &["trivy.json"]);
    Some((dojo, golden, real))
}

fn find<'a>(parsed: &'a [Parsed], suffix: &str) -> &'a Parsed {
    parsed
        .iter()
        .find(|p| p.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} not in the corpus"))
}

fn by_ref<'a>(p: &'a Parsed, source_ref: &str) -> &'a Observation {
    p.obs
        .iter()
        .find(|o| o.source_ref == source_ref)
        .unwrap_or_else(|| panic!("{}: no observation at {source_ref}", p.path.display()))
}

#[test]
fn every_trivy_report_parses_with_detection() {
    let _alone = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    let Some((dojo, golden, real)) = trivy_files() else {
        return;
    };
    assert_eq!(dojo.len(), 16, "defectdojo/trivy files");
    assert_eq!(golden.len(), 83, "Trivy JSON goldens");
    assert_eq!(real.len(), 3, "real-scans trivy.json");
    let mut parsed = Vec::new();
    let mut totals = Expected::default();
    for path in dojo.iter().chain(&golden).chain(&real) {
        // Legacy Trivy wrote `null` for a clean scan: no tool can be told from that.
        if path.ends_with("defectdojo/trivy/legacy_no_vuln.json") {
            let bytes = std::fs::read(path).unwrap();
            assert_eq!(bytes.trim_ascii(), b"null");
            let e = parse_bytes(&bytes, None, &ctx(path)).unwrap_err();
            assert!(matches!(e, ParseError::UnknownFormat { .. }), "{e}");
            let (outcome, obs) = parse_bytes(&bytes, Some(Format::Trivy), &ctx(path)).unwrap();
            assert!(obs.is_empty() && outcome.diagnostics.is_empty());
            assert_eq!(outcome.tools[0].name, "trivy");
            continue;
        }
        let p = parse_checked(path);
        let e = expected(&p.doc);
        totals.dependency += e.dependency;
        totals.iac += e.iac;
        totals.secret += e.secret;
        totals.license += e.license;
        totals.suppressed += e.suppressed;
        totals.skipped += e.skipped;
        parsed.push(p);
    }
    eprintln!("trivy corpus: {} files, {totals:?}", parsed.len());
    assert_eq!(parsed.len(), 101);
    assert_eq!(
        totals,
        Expected {
            dependency: 191,
            iac: 156,
            secret: 5,
            license: 22,
            suppressed: 1,
            skipped: 1
        }
    );

    // Goldens that are other formats written by Trivy are not mistaken for Trivy JSON.
    for path in corpus::files("trivy-golden", &[]) {
        let (bytes, doc) = load(&path);
        if is_trivy_json(&doc) {
            continue;
        }
        let detected = rampart_formats::detect(&bytes[..bytes.len().min(64 * 1024)]);
        assert_ne!(detected, Ok(Format::Trivy), "{}", path.display());
    }

    check_alpine_image(find(&parsed, "trivy-golden/alpine-310.json.golden"));
    check_cvss_v4(find(
        &parsed,
        "defectdojo/trivy/cvssv4_severity_source.json",
    ));
    check_misconfig_and_secrets(find(
        &parsed,
        "defectdojo/trivy/misconfigurations_and_secrets.json",
    ));
    check_terraform(find(
        &parsed,
        "trivy-golden/terraform-remote-module.json.golden",
    ));
    check_kubernetes(find(&parsed, "defectdojo/trivy/kubernetes.json"));
    check_k8s_resources(find(&parsed, "defectdojo/trivy/issue_10991.json"));
    check_licenses(find(&parsed, "defectdojo/trivy/license_scheme.json"));
    check_golden_secrets(find(&parsed, "trivy-golden/secrets.json.golden"));
    check_suppressed(find(
        &parsed,
        "trivy-golden/fixtures/convert/npm-with-suppressed.json.golden",
    ));
    check_legacy(find(&parsed, "defectdojo/trivy/legacy_trivy_mix.json"));
    check_statuses(find(&parsed, "defectdojo/trivy/all_statuses.json"));
    check_real_scan(find(&parsed, "real-scans/nodegoat/trivy.json"));
    let empty = find(&parsed, "real-scans/vulpy/trivy.json");
    assert!(empty.obs.is_empty());
    assert_eq!(empty.outcome.tools[0].version.as_deref(), Some("0.76.0"));
}

fn check_alpine_image(p: &Parsed) {
    assert_eq!(p.obs.len(), 4);
    assert_eq!(p.outcome.tool_kind, Some(ToolKind::Container));
    let o = by_ref(p, "/Results/0/Vulnerabilities/0");
    assert_eq!(o.rule_id, "CVE-2019-1549");
    assert_eq!(o.title, "openssl: information disclosure in fork()");
    assert_eq!(o.tool.version.as_deref(), Some("dev"));
    assert_eq!(o.severity.level, Severity::Medium);
    assert_eq!(o.severity.tool_label.as_deref(), Some("MEDIUM"));
    // SeveritySource is nvd: its v3 vector comes first, then redhat's, then nvd's v2.
    let c = &o.severity.cvss;
    assert_eq!(c.len(), 3);
    assert_eq!(c[0].version, CvssVersion::V3);
    assert_eq!(
        c[0].vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N")
    );
    assert_eq!(c[0].score, Some(5.3));
    assert_eq!(c[1].score, Some(4.8));
    assert_eq!((c[2].version, c[2].score), (CvssVersion::V2, Some(5.0)));
    assert_eq!(o.cwes, vec![330]);
    let Location::Package(pkg) = &o.location else {
        panic!()
    };
    assert_eq!(
        pkg.purl.as_deref(),
        Some("pkg:apk/alpine/libcrypto1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2")
    );
    assert_eq!(pkg.ecosystem.as_deref(), Some("apk"));
    assert_eq!(pkg.version.as_deref(), Some("1.1.1c-r0"));
    assert_eq!(pkg.fixed_versions, vec!["1.1.1d-r0"]);
    assert_eq!(
        pkg.found_in.as_deref(),
        Some("testdata/fixtures/images/alpine-310.tar.gz (alpine 3.10.2)")
    );
    assert_eq!(o.references[0], "https://avd.aquasec.com/nvd/cve-2019-1549");
    assert_eq!(
        o.fingerprints.get("fingerprint").map(String::as_str),
        Some("sha256:6843bc8bcd09d2629416906fb83f17f31dde9a2702183571f9d447c3185814ca")
    );
    for tag in [
        "artifact-type:container_image",
        "os:alpine 3.10.2",
        "class:os-pkgs",
        "status:fixed",
    ] {
        assert!(o.tags.iter().any(|t| t == tag), "{tag} in {:?}", o.tags);
    }
}

fn check_cvss_v4(p: &Parsed) {
    assert_eq!(p.outcome.tool_kind, Some(ToolKind::Sca));
    let o = by_ref(p, "/Results/0/Vulnerabilities/0");
    assert_eq!(o.rule_id, "CVE-2025-66614");
    assert_eq!(o.tool.version.as_deref(), Some("0.69.1"));
    assert_eq!(o.severity.cvss[0].version, CvssVersion::V4);
    assert_eq!(
        o.severity.cvss[0].vector.as_deref(),
        Some("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N")
    );
    assert_eq!(o.severity.cvss[0].score, Some(6.3));
    assert_eq!(o.severity.cvss[1].score, Some(5.3));
    let Location::Package(pkg) = &o.location else {
        panic!()
    };
    assert_eq!(pkg.fixed_versions, vec!["11.0.14", "10.1.49", "9.0.112"]);
    assert_eq!(
        pkg.purl.as_deref(),
        Some("pkg:maven/org.apache.tomcat/tomcat-catalina@9.0.109")
    );
    assert_eq!(o.cwes, vec![20]);
    // Bitnami and Red Hat state the same v3 vector and score: kept once.
    let o = by_ref(p, "/Results/0/Vulnerabilities/1");
    assert_eq!(o.severity.cvss.len(), 2);
    assert_eq!(o.severity.level, Severity::Low);
}

fn check_misconfig_and_secrets(p: &Parsed) {
    let o = by_ref(p, "/Results/1/Misconfigurations/0");
    assert_eq!(o.kind, FindingKind::Iac);
    assert_eq!(o.rule_id, "DS002");
    assert_eq!(o.severity.level, Severity::High);
    assert_eq!(
        o.remediation.as_deref(),
        Some("Add 'USER <non root user name>' line to the Dockerfile")
    );
    assert_eq!(
        o.message.as_deref(),
        Some("Specify at least 1 USER command in Dockerfile with non-root user as argument")
    );
    let Location::Resource(r) = &o.location else {
        panic!()
    };
    assert_eq!(
        (r.file.as_deref(), r.resource.as_str()),
        (Some("Dockerfile"), "Dockerfile/general")
    );
    assert_eq!(r.start_line, None);
    assert_eq!(o.snippet, None);
    let s = by_ref(p, "/Results/2/Secrets/0");
    assert_eq!(
        (s.kind, s.rule_id.as_str()),
        (FindingKind::Secret, "github-pat")
    );
    assert_eq!(s.severity.level, Severity::Critical);
    let Location::Code(c) = &s.location else {
        panic!()
    };
    assert_eq!((c.path.as_str(), c.start_line), ("Dockerfile", Some(24)));
    // Masked by Trivy: redacted evidence, but a keyed fingerprint of the masked line.
    assert_eq!(s.secret.as_ref().unwrap().hmac, None);
    assert_eq!(
        s.fingerprints.get("trivy/match-hmac").map(String::len),
        Some(64)
    );
    let other = by_ref(p, "/Results/3/Secrets/0");
    assert_ne!(s.fingerprints, other.fingerprints);
    let v = by_ref(p, "/Results/0/Vulnerabilities/0");
    let Location::Package(pkg) = &v.location else {
        panic!()
    };
    // No PkgIdentifier in this report: the purl is built from the result type `pip`.
    assert_eq!(pkg.purl.as_deref(), Some("pkg:pypi/urllib3@1.26.3"));
    assert_eq!(pkg.found_in.as_deref(), Some("requirements.txt"));
}

fn check_terraform(p: &Parsed) {
    assert_eq!(p.obs.len(), 3);
    let o = &p.obs[0];
    assert_eq!(o.rule_id, "AWS-0089");
    assert_eq!(o.title, "S3 Bucket Logging");
    assert_eq!(o.severity.level, Severity::Low);
    let Location::Resource(r) = &o.location else {
        panic!()
    };
    assert_eq!(
        r.file.as_deref(),
        Some("terraform-aws-modules/s3-bucket/aws/main.tf")
    );
    assert_eq!(r.resource, "module.bucket");
    assert_eq!((r.start_line, r.end_line), (Some(25), Some(36)));
    let snippet = o.snippet.as_deref().unwrap();
    assert!(
        snippet.starts_with("resource \"aws_s3_bucket\" \"this\" {\n"),
        "{snippet}"
    );
    assert!(
        !snippet.contains('\u{1b}'),
        "the plain content, not the highlighted one"
    );
    assert!(o.tags.iter().any(|t| t == "provider:AWS"));
}

fn check_kubernetes(p: &Parsed) {
    let o = by_ref(p, "/Misconfigurations/0/Results/0/Misconfigurations/0");
    assert_eq!(o.rule_id, "KSV001");
    let Location::Resource(r) = &o.location else {
        panic!()
    };
    assert_eq!(r.resource, "default/Deployment/redis-follower");
    assert_eq!(r.file, None);
    assert_eq!((r.start_line, r.end_line), (Some(132), Some(143)));
    assert!(
        o.snippet
            .as_deref()
            .unwrap()
            .contains("gb-redis-follower:v2")
    );
    assert!(
        o.tags
            .iter()
            .any(|t| t == "k8s:default/Deployment/redis-follower")
    );
    let v = by_ref(p, "/Vulnerabilities/0/Results/0/Vulnerabilities/0");
    assert_eq!(v.rule_id, "CVE-2020-27350");
    let ids: Vec<&str> = v.vuln_ids.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(ids, ["CVE-2020-27350", "DSA-4808-1"]);
    let Location::Package(pkg) = &v.location else {
        panic!()
    };
    assert_eq!(pkg.purl.as_deref(), Some("pkg:deb/debian/apt@1.8.2.1"));
    assert_eq!(pkg.fixed_versions, vec!["1.8.2.2"]);
}

fn check_k8s_resources(p: &Parsed) {
    let o = by_ref(p, "/Resources/0/Results/0/Misconfigurations/0");
    assert_eq!(o.rule_id, "KSV116");
    assert!(o.tags.iter().any(|t| t == "avdid:AVD-KSV-0116"));
    let Location::Resource(r) = &o.location else {
        panic!()
    };
    assert_eq!(r.resource, "default/Service/kubernetes");
    assert_eq!(o.severity.level, Severity::Low);
}

fn check_licenses(p: &Parsed) {
    let o = by_ref(p, "/Results/0/Licenses/0");
    assert_eq!(
        (o.kind, o.rule_id.as_str()),
        (FindingKind::License, "GPL-2.0")
    );
    assert_eq!(o.severity.level, Severity::High);
    assert!(o.tags.iter().any(|t| t == "category:restricted"));
    let Location::Package(pkg) = &o.location else {
        panic!()
    };
    assert_eq!(pkg.name, "alpine-baselayout");
    let loose = p
        .obs
        .iter()
        .find(|o| matches!(&o.location, Location::Code(c) if c.path == "etc/ssl/misc/CA.pl"))
        .expect("loose license file");
    assert_eq!(loose.rule_id, "OpenSSL");
    assert_eq!(
        loose.references,
        vec!["https://spdx.org/licenses/OpenSSL.html"]
    );
}

fn check_golden_secrets(p: &Parsed) {
    let rules: Vec<(&str, Option<u32>, Severity)> = p
        .obs
        .iter()
        .map(|o| (o.rule_id.as_str(), o.location.line(), o.severity.level))
        .collect();
    assert_eq!(
        rules,
        [
            ("aws-access-key-id", Some(3), Severity::Critical),
            ("mysecret", Some(7), Severity::High)
        ]
    );
    // Line 5 of deploy.sh, quoted by Trivy around the second finding, holds an unmasked token.
    let json = serde_json::to_string(&p.obs).unwrap();
    assert!(!json.contains("ghp_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    assert!(!json.contains("0123456789ABCDEF"));
    assert_eq!(p.obs[0].title, "AWS Access Key ID");
}

fn check_suppressed(p: &Parsed) {
    assert_eq!(p.obs.len(), 2);
    let o = by_ref(p, "/Results/0/ExperimentalModifiedFindings/0/Finding");
    assert_eq!(o.rule_id, "CVE-2017-16137");
    let s = o.suppression.as_ref().unwrap();
    assert_eq!(s.status.as_deref(), Some("not_affected"));
    assert_eq!(
        s.justification.as_deref(),
        Some("vulnerable_code_not_in_execute_path")
    );
    assert!(o.tags.iter().any(|t| t == "suppressed-by:./vex.json"));
    assert!(
        by_ref(p, "/Results/0/Vulnerabilities/0")
            .suppression
            .is_none()
    );
}

fn check_legacy(p: &Parsed) {
    // The first record names a package but no vulnerability.
    assert_eq!(p.outcome.diagnostics.len(), 1);
    assert_eq!(p.outcome.diagnostics[0].place, "/0/Vulnerabilities/0");
    let o = by_ref(p, "/1/Vulnerabilities/0");
    let Location::Package(pkg) = &o.location else {
        panic!()
    };
    assert_eq!(pkg.purl.as_deref(), Some("pkg:npm/lodash@4.17.4"));
    assert_eq!(pkg.found_in.as_deref(), Some("node-app/package-lock.json"));
    let o = by_ref(p, "/2/Vulnerabilities/0");
    assert_eq!(o.rule_id, "CVE-2018-16840");
    let Location::Package(pkg) = &o.location else {
        panic!()
    };
    assert_eq!(pkg.purl.as_deref(), Some("pkg:apk/alpine/curl@7.61.0-r0"));
    assert_eq!(
        pkg.found_in.as_deref(),
        Some("trivy-ci-test (alpine 3.7.1)")
    );
}

fn check_statuses(p: &Parsed) {
    let statuses: Vec<&str> = p
        .obs
        .iter()
        .filter(|o| o.source_ref.starts_with("/Results/0/"))
        .filter_map(|o| o.tags.iter().find_map(|t| t.strip_prefix("status:")))
        .collect();
    assert_eq!(
        statuses,
        [
            "unknown",
            "not_affected",
            "affected",
            "fixed",
            "under_investigation",
            "will_not_fix",
            "fix_deferred",
            "end_of_life"
        ]
    );
    let temp = p
        .obs
        .iter()
        .find(|o| o.rule_id == "TEMP-0841856-B18BAF")
        .unwrap();
    assert_eq!(temp.vuln_ids[0].0, "TEMP-0841856-B18BAF");
}

fn check_real_scan(p: &Parsed) {
    assert_eq!(p.outcome.tools[0].version.as_deref(), Some("0.76.0"));
    let s = p
        .obs
        .iter()
        .find(|o| o.kind == FindingKind::Secret)
        .unwrap();
    assert_eq!(s.rule_id, "private-key");
    let Location::Code(c) = &s.location else {
        panic!()
    };
    assert_eq!(c.path, "artifacts/cert/server.key");
    assert_eq!(s.secret.as_ref().unwrap().hmac, None);
    let m = p.obs.iter().find(|o| o.kind == FindingKind::Iac).unwrap();
    let Location::Resource(r) = &m.location else {
        panic!()
    };
    assert_eq!(r.file.as_deref(), Some("Dockerfile"));
}

#[test]
fn trivy_operator_reports_are_rejected_clearly() {
    let _alone = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    let files = corpus::files("defectdojo/trivy_operator", &[".json"]);
    if corpus::dir().is_none() {
        return;
    }
    assert_eq!(files.len(), 17, "defectdojo/trivy_operator files");
    for path in &files {
        let (bytes, _) = load(path);
        let e = parse_bytes(&bytes, None, &ctx(path)).unwrap_err();
        let ParseError::UnknownFormat { hint, .. } = &e else {
            panic!("{}: {e}", path.display())
        };
        // The hint names what was seen: Kubernetes objects (`apiVersion`, `kind`) or the
        // operator's custom-resource names.
        assert!(
            hint.contains("apiVersion") || hint.contains("aquasecurity.github.io"),
            "{}: {hint}",
            path.display()
        );
        // Forced as Trivy, they are refused (objects) or every element is reported (lists):
        // never an empty success.
        match parse_bytes(&bytes, Some(Format::Trivy), &ctx(path)) {
            Err(e) => assert!(
                e.to_string().contains("expected a Trivy JSON report"),
                "{e}"
            ),
            Ok((outcome, obs)) => {
                assert!(obs.is_empty());
                assert!(!outcome.diagnostics.is_empty(), "{}", path.display());
                assert!(
                    outcome.diagnostics[0]
                        .message
                        .contains("expected a Trivy result")
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming: a 200,000-vulnerability report in constant memory.
// ---------------------------------------------------------------------------------------------

/// Counts live heap bytes and their peak, to show that memory does not grow with the report.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// Held by every test of this file, so the memory measurement sees no other test's heap.
static EXCLUSIVE: Mutex<()> = Mutex::new(());
static PEAK: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Generates a Trivy report with `n` vulnerabilities on the fly, never holding it whole
/// (cycling through 1,000 pre-rendered records, so the generator costs little of the time).
struct Generated {
    n: usize,
    i: usize,
    records: Vec<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Generated {
    fn new(n: usize) -> Self {
        let head = br#"{"SchemaVersion":2,"Trivy":{"Version":"0.50.0"},"ArtifactName":"big","ArtifactType":"container_image","Metadata":{"OS":{"Family":"debian","Name":"12"}},"Results":[{"Target":"big (debian 12)","Class":"os-pkgs","Type":"debian","Vulnerabilities":["#;
        let records = (0..1000).map(record).collect();
        Generated {
            n,
            i: 0,
            records,
            buf: head.to_vec(),
            pos: 0,
            done: false,
        }
    }

    /// Renders the next 64 KiB or so, as a file read would return them.
    fn refill(&mut self) {
        self.buf.clear();
        self.pos = 0;
        while self.buf.len() < 64 * 1024 && self.i < self.n {
            if self.i > 0 {
                self.buf.push(b',');
            }
            self.buf
                .extend_from_slice(&self.records[self.i % self.records.len()]);
            self.i += 1;
        }
        if self.i == self.n && !self.done {
            self.buf.extend_from_slice(b"]}]}");
            self.done = true;
        }
    }
}

/// One realistic vulnerability record (about 1.6 kB, like Trivy's for an OS package).
fn record(i: usize) -> Vec<u8> {
    format!(
        r#"{{"VulnerabilityID":"CVE-2024-{i}","VendorIDs":["DSA-{i}-1"],"PkgID":"libpkg{m}@1.{i}","PkgName":"libpkg{m}","PkgIdentifier":{{"PURL":"pkg:deb/debian/libpkg{m}@1.{i}?arch=amd64&distro=debian-12","UID":"{i:016x}"}},"InstalledVersion":"1.{i}","FixedVersion":"1.{i}.1, 2.0","Status":"fixed","Layer":{{"DiffID":"sha256:0000"}},"SeveritySource":"nvd","PrimaryURL":"https://avd.aquasec.com/nvd/cve-2024-{i}","DataSource":{{"ID":"debian","Name":"Debian Security Tracker","URL":"https://salsa.debian.org/security-tracker-team/security-tracker"}},"Title":"libpkg: a problem number {i}","Description":"A flaw was found in libpkg where a crafted input could lead to a denial of service. This is record {i} of a generated report used to measure streaming.","Severity":"HIGH","CweIDs":["CWE-787"],"VendorSeverity":{{"debian":1,"nvd":3}},"CVSS":{{"nvd":{{"V3Vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H","V3Score":7.5}},"redhat":{{"V3Vector":"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H","V3Score":5.9}}}},"References":["https://access.redhat.com/security/cve/CVE-2024-{i}","https://nvd.nist.gov/vuln/detail/CVE-2024-{i}","https://security-tracker.debian.org/tracker/CVE-2024-{i}"],"PublishedDate":"2024-01-01T00:00:00Z","LastModifiedDate":"2024-02-01T00:00:00Z"}}"#,
        m = i % 97
    )
    .into_bytes()
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.refill();
        }
        let n = (self.buf.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// 200,000 vulnerabilities (about 330 MB of JSON) in release builds; 20,000 (33 MB, still
/// far above the memory bound asserted) in debug builds, where the unoptimized scanner would
/// take half a minute. `cargo test --release -p rampart-formats --test trivy_corpus` runs the
/// full size and prints the throughput.
#[test]
fn a_200k_vulnerability_report_streams_in_constant_memory() {
    const N: usize = if cfg!(debug_assertions) {
        20_000
    } else {
        200_000
    };
    let ctx = ParseContext::new("generated.json", b"k".to_vec());
    let mut count = 0usize;
    let mut last_ref = String::new();
    let mut sink = |o: Observation| {
        count += 1;
        if count == N {
            last_ref = o.source_ref.clone();
        }
        Ok(())
    };
    let mut emitter = Emitter::new(&mut sink);
    let report = Generated::new(N);
    let _alone = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed);
    let start = std::time::Instant::now();
    let outcome = rampart_formats::parse(report, None, &ctx, &mut emitter).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations;
    drop(emitter);
    assert_eq!(outcome.observations as usize, N);
    assert_eq!(count, N);
    assert_eq!(last_ref, format!("/Results/0/Vulnerabilities/{}", N - 1));
    assert!(outcome.diagnostics.is_empty());
    // The report is ~330 MB; the parse holds one record plus the 256 KiB read buffer and the
    // 64 KiB detection head (the other tests of this file wait: see EXCLUSIVE).
    eprintln!(
        "trivy: {N} vulnerabilities in {secs:.2}s = {:.0} vulns/s, peak heap growth {} KiB, \
         {} allocations per vulnerability",
        N as f64 / secs,
        peak / 1024,
        allocations / N
    );
    assert!(peak < 4 * 1024 * 1024, "peak heap growth {peak} bytes");
}

/// Every truncation and a few thousand byte-level corruptions of real reports: the parser
/// returns a result or an error naming the file, and never panics.
#[test]
fn damaged_reports_never_panic() {
    let _alone = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    let Some(path) = corpus::file("defectdojo/trivy/misconfigurations_and_secrets.json") else {
        return;
    };
    let k8s =
        corpus::file("defectdojo/trivy/kubernetes_fabricated_internal_duplicates_subset.json")
            .unwrap();
    for path in [path, k8s] {
        let bytes = std::fs::read(&path).unwrap();
        let ctx = ctx(&path);
        let step = (bytes.len() / 600).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            if let Err(e) = parse_bytes(&bytes[..cut], Some(Format::Trivy), &ctx) {
                assert!(e.to_string().starts_with(&ctx.file_name), "{e}");
            }
        }
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        const NASTY: &[u8] = b"{}[]\",:\\0n-e \n\xff";
        for _ in 0..600 {
            let mut damaged = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % damaged.len() as u64) as usize;
                damaged[at] = NASTY[(next() % NASTY.len() as u64) as usize];
            }
            if let Err(e) = parse_bytes(&damaged, Some(Format::Trivy), &ctx) {
                assert!(e.to_string().starts_with(&ctx.file_name), "{e}");
            }
        }
    }
}
