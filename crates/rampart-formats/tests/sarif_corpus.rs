//! The SARIF parser on every SARIF log of the shared corpus, read in place, plus a streaming
//! test on a generated million-result log.
//!
//! Which files are SARIF logs (the rule this test applies): under `sarif/`, `defectdojo/`,
//! `real-scans/` and `trivy-golden/`, a file named `*.sarif`, `*.sarif.json` or
//! `*.sarif.golden` is a SARIF log by name, and a `*.json` file is one when its top-level
//! JSON value is an object with a `runs` member and a `version` or `$schema` member. Left out
//! by the rule, and checked separately to be refused: the OASIS JSON schemas in `sarif/`, and
//! the `real-scans/*/manifest.json` files (scan manifests whose `runs` list tool runs).
//!
//! Expected counts are computed here from `serde_json::Value`, independently of the parser.

use rampart_formats::{Format, ParseContext, ParseError, ParseOutcome, corpus, parse_bytes};
use rampart_model::{FindingKind, Location, Observation, Severity, ToolKind};
use serde_json::Value;
use std::path::{Path, PathBuf};

const KEY: &[u8] = b"corpus-test-key";

fn ctx(name: &str) -> ParseContext {
    ParseContext::new(name, KEY.to_vec())
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(b)
}

fn named_sarif(p: &Path) -> bool {
    let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    n.ends_with(".sarif") || n.ends_with(".sarif.json") || n.ends_with(".sarif.golden")
}

/// The SARIF logs under `sub`, by the rule in the module documentation.
fn sarif_logs(sub: &str) -> Vec<PathBuf> {
    corpus::files(sub, &[])
        .into_iter()
        .filter(|p| {
            if named_sarif(p) {
                return true;
            }
            if p.extension().and_then(|e| e.to_str()) != Some("json") {
                return false;
            }
            let bytes = std::fs::read(p).unwrap_or_default();
            matches!(serde_json::from_slice::<Value>(strip_bom(&bytes)), Ok(Value::Object(m))
                if m.contains_key("runs") && (m.contains_key("version") || m.contains_key("$schema")))
        })
        .collect()
}

fn rel(p: &Path) -> String {
    let root = corpus::dir().unwrap_or_default();
    p.strip_prefix(&root).unwrap_or(p).display().to_string()
}

fn parse_file(p: &Path) -> Result<(ParseOutcome, Vec<Observation>), ParseError> {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    parse_bytes(&bytes, None, &ctx(&rel(p)))
}

fn load(relative: &str) -> Option<(ParseOutcome, Vec<Observation>)> {
    let p = corpus::file(relative)?;
    Some(parse_file(&p).unwrap_or_else(|e| panic!("{relative}: {e}")))
}

fn json(relative: &str) -> Value {
    let p = corpus::file(relative).unwrap_or_default();
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{relative}: {e}"));
    serde_json::from_slice(strip_bom(&bytes)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// What a log says, counted from its JSON value.
struct Expected {
    runs: usize,
    results: usize,
    /// Results whose `kind` is `pass` or `notApplicable` (checks that passed).
    not_findings: usize,
    /// Runs with at least one such result (one diagnostic each).
    runs_with_not_findings: usize,
    version_is_standard: bool,
}

fn expected(v: &Value) -> Expected {
    let runs = v["runs"].as_array().cloned().unwrap_or_default();
    let mut e = Expected {
        runs: runs.iter().filter(|r| r.is_object()).count(),
        results: 0,
        not_findings: 0,
        runs_with_not_findings: 0,
        version_is_standard: v["version"].as_str().is_none_or(|s| s == "2.1.0"),
    };
    for run in &runs {
        let results = run["results"].as_array().cloned().unwrap_or_default();
        e.results += results.len();
        let passed = results
            .iter()
            .filter(|r| matches!(r["kind"].as_str(), Some("pass" | "notApplicable")))
            .count();
        e.not_findings += passed;
        e.runs_with_not_findings += usize::from(passed > 0);
    }
    e
}

fn code(o: &Observation) -> &rampart_model::CodeLocation {
    match &o.location {
        Location::Code(c) => c,
        other => panic!("{}: expected a code location, got {other:?}", o.source_ref),
    }
}

fn package(o: &Observation) -> &rampart_model::PackageLocation {
    match &o.location {
        Location::Package(p) => p,
        other => panic!(
            "{}: expected a package location, got {other:?}",
            o.source_ref
        ),
    }
}

fn resource(o: &Observation) -> &rampart_model::ResourceLocation {
    match &o.location {
        Location::Resource(r) => r,
        other => panic!(
            "{}: expected a resource location, got {other:?}",
            o.source_ref
        ),
    }
}

/// Logs that are not valid JSON: the SARIF SDK's BinSkim logs (SARIF 2.0.0 pre-release) end
/// with a trailing comma. The parser must refuse them naming the place.
const BROKEN: &[&str] = &[
    "binskim__MixedMode_x86_VS2015_Default.exe.sarif",
    "binskim__clang.execstack.sarif",
    "binskim__gcc.no_fortification_required.sarif",
];

#[test]
fn every_corpus_sarif_log_parses_with_the_counts_it_states() {
    let Some(_) = corpus::dir() else { return };
    let sets = [
        ("sarif", sarif_logs("sarif"), 44),
        ("defectdojo", sarif_logs("defectdojo"), 23),
        ("real-scans", sarif_logs("real-scans"), 14),
        ("trivy-golden", sarif_logs("trivy-golden"), 1),
    ];
    let mut observations = 0usize;
    for (sub, files, want) in &sets {
        assert_eq!(
            files.len(),
            *want,
            "SARIF logs found under {sub}: {files:#?}"
        );
        for p in files {
            let name = rel(p);
            let bytes = std::fs::read(p).unwrap();
            let value = match serde_json::from_slice::<Value>(strip_bom(&bytes)) {
                Ok(v) => v,
                Err(json_err) => {
                    assert!(
                        BROKEN.iter().any(|b| name.ends_with(b)),
                        "{name}: not JSON: {json_err}"
                    );
                    let e = parse_file(p).expect_err(&name).to_string();
                    let at = format!("line {}, column {}", json_err.line(), json_err.column());
                    assert!(
                        e.starts_with(&format!("{name}: {at}")),
                        "{name}: {e} (serde_json: {json_err})"
                    );
                    continue;
                }
            };
            let want = expected(&value);
            let (outcome, obs) = parse_file(p).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(outcome.format, Some(Format::Sarif), "{name}");
            assert_eq!(
                obs.len(),
                want.results - want.not_findings,
                "{name}: observations"
            );
            assert_eq!(outcome.observations as usize, obs.len(), "{name}");
            assert_eq!(outcome.tools.len(), want.runs, "{name}: one tool per run");
            let want_diags = want.runs_with_not_findings + usize::from(!want.version_is_standard);
            assert_eq!(
                outcome.diagnostics.len(),
                want_diags,
                "{name}: {:#?}",
                outcome.diagnostics
            );
            for t in &outcome.tools {
                assert!(
                    !t.name.is_empty() && t.name == t.name.to_lowercase() && !t.name.contains(' '),
                    "{name}: {t:?}"
                );
            }
            for o in &obs {
                check_observation(&name, &value, o);
            }
            observations += obs.len();
        }
    }
    // 4001 results in 79 readable logs, 3 of them passed checks (counted with Python).
    assert_eq!(observations, 3998, "observations over the whole corpus");
}

/// What must hold of every observation, checked against the result it came from.
fn check_observation(name: &str, log: &Value, o: &Observation) {
    let at = format!("{name}{}", o.source_ref);
    let result = log
        .pointer(&o.source_ref)
        .unwrap_or_else(|| panic!("{at}: source_ref points nowhere"));
    assert!(result.is_object(), "{at}");
    if let Some(id) = result["ruleId"].as_str()
        && o.kind != FindingKind::Dependency
    {
        assert_eq!(o.rule_id, id, "{at}: rule id");
    }
    assert!(
        !o.title.trim().is_empty() && !o.title.contains('\n'),
        "{at}: title {:?}",
        o.title
    );
    assert!(o.title.chars().count() <= 200, "{at}");
    assert_eq!(o.tool.name, o.tool.name.to_lowercase(), "{at}");
    if let Some(file) = o.location.file() {
        assert!(
            !file.is_empty() && !file.starts_with('/') && !file.contains('\\'),
            "{at}: path {file:?}"
        );
    }
    match o.kind {
        FindingKind::Secret => {
            assert!(
                o.snippet.is_none() && o.secret.is_some(),
                "{at}: secret evidence"
            );
            // The region snippet of a secret scanner may be the secret: it is nowhere.
            let snippet =
                result["locations"][0]["physicalLocation"]["region"]["snippet"]["text"].as_str();
            if let Some(s) = snippet.filter(|s| s.trim().len() >= 6 && *s != "REDACTED") {
                let all = serde_json::to_string(o).unwrap();
                assert!(!all.contains(s.trim()), "{at}: the secret leaked");
            }
        }
        FindingKind::Code => {}
        _ => assert!(o.snippet.is_none(), "{at}: snippets are for code findings"),
    }
}

#[test]
fn schemas_and_manifests_are_not_reports() {
    let Some(_) = corpus::dir() else { return };
    let files = [
        "sarif/oasis-sarif-spec/schema/sarif-schema-2.1.0.json",
        "sarif/oasis-sarif-spec/schema/sarif-external-property-file-schema-2.1.0.json",
        "real-scans/dvpwa/manifest.json",
        "real-scans/nodegoat/manifest.json",
        "real-scans/vulpy/manifest.json",
    ];
    for f in files {
        let p = corpus::file(f).unwrap();
        let e = parse_file(&p).expect_err(f);
        assert!(matches!(e, ParseError::UnknownFormat { .. }), "{f}: {e}");
        // Forced as SARIF, the parser says what is wrong: no runs, or runs that are not
        // SARIF runs (a manifest's runs have no driver and no results: one run, tool
        // `unknown`, and a diagnostic saying so).
        let bytes = std::fs::read(&p).unwrap();
        match parse_bytes(&bytes, Some(Format::Sarif), &ctx(f)) {
            Err(e) => assert!(e.to_string().contains("no `runs` array"), "{e}"),
            Ok((o, obs)) => {
                assert!(f.ends_with("manifest.json") && obs.is_empty(), "{f}");
                assert!(
                    o.tools.iter().all(|t| t.name == "unknown"),
                    "{f}: {:?}",
                    o.tools
                );
                assert!(
                    o.diagnostics
                        .iter()
                        .all(|d| d.message.contains("`unknown`")),
                    "{f}: {:?}",
                    o.diagnostics
                );
            }
        }
    }
}

#[test]
fn codeql() {
    let Some((o, obs)) = load("sarif/defectdojo/codeQL-output.sarif") else {
        return;
    };
    assert_eq!(o.tools[0].name, "codeql");
    assert_eq!(o.tools[0].version.as_deref(), Some("2.5.4"));
    assert_eq!(o.tool_kind, Some(ToolKind::Sast));
    let first = &obs[0];
    assert_eq!(
        (first.rule_id.as_str(), first.title.as_str()),
        ("py/empty-except", "Empty except")
    );
    assert_eq!(first.severity.level, Severity::Low);
    assert_eq!(first.severity.tool_label.as_deref(), Some("note"));
    assert_eq!(first.cwes, vec![390]);
    let c = code(first);
    assert_eq!(
        (c.path.as_str(), c.start_line, c.start_column, c.end_column),
        ("good/db_init.py", Some(39), Some(5), Some(30))
    );
    assert_eq!(first.snippet, None, "CodeQL quotes only a context region");
    assert_eq!(
        first.fingerprints["primaryLocationLineHash"],
        "9cbc869fbfffeb60:1"
    );
    let sqli = &obs[59];
    assert_eq!(sqli.rule_id, "py/sql-injection");
    assert_eq!(sqli.cwes, vec![89]);
    assert_eq!(sqli.severity.level, Severity::High);
    assert_eq!(sqli.title, "SQL query built from user-controlled sources");
    assert_eq!(code(sqli).path, "bad/libuser.py");
    assert_eq!(code(sqli).start_line, Some(12));
    assert!(sqli.tags.contains(&"external/owasp/owasp-a1".to_string()));
    // LGTM.com ran CodeQL: two runs, two tools.
    let Some((o, obs)) =
        load("defectdojo/sarif/DefectDojo_django-DefectDojo__2020-12-11_13 42 10__export.sarif")
    else {
        return;
    };
    assert_eq!(
        o.tools.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["codeql", "codeql"]
    );
    assert_eq!(
        obs.iter()
            .filter(|x| x.source_ref.starts_with("/runs/1/"))
            .count(),
        452
    );
}

#[test]
fn semgrep_with_tool_after_results() {
    let Some((o, obs)) = load("real-scans/vulpy/semgrep.sarif") else {
        return;
    };
    assert_eq!(o.tools[0].name, "semgrep");
    assert_eq!(o.tools[0].version.as_deref(), Some("1.185.0"));
    let x = &obs[1];
    assert_eq!(
        x.rule_id,
        "python.lang.security.audit.insecure-transport.requests.request-with-http.request-with-http"
    );
    assert_eq!(x.cwes, vec![319]);
    assert_eq!(
        (x.severity.level, x.severity.tool_label.as_deref()),
        (Severity::Low, Some("note"))
    );
    let c = code(x);
    assert_eq!(
        (
            c.path.as_str(),
            c.start_line,
            c.end_line,
            c.start_column,
            c.end_column
        ),
        ("bad/api_list.py", Some(10), Some(10), Some(22), Some(74))
    );
    assert_eq!(
        x.snippet.as_deref(),
        Some("    r = requests.get('http://127.0.1.1:5000/api/post/{}'.format(username))")
    );
    assert!(
        x.fingerprints.is_empty(),
        "`requires login` is not a fingerprint: {:?}",
        x.fingerprints
    );
    assert!(
        x.title.starts_with("Detected a request using 'http://'"),
        "{}",
        x.title
    );
    assert!(
        x.tags
            .contains(&"OWASP-A02:2021 - Cryptographic Failures".to_string())
    );
    // Older Semgrep: real fingerprints are kept.
    let Some((_, obs)) = load("sarif/secobserve/semgrep.sarif") else {
        return;
    };
    assert!(obs[0].fingerprints["matchBasedId/v1"].starts_with("8482205033004d9d"));
}

#[test]
fn gitleaks_secrets() {
    let Some((o, obs)) = load("sarif/gitleaks/gitleaks__sarif_simple.sarif") else {
        return;
    };
    assert_eq!(o.tool_kind, Some(ToolKind::Secrets));
    let x = &obs[0];
    assert_eq!(
        (x.kind, x.rule_id.as_str()),
        (FindingKind::Secret, "test-rule")
    );
    let ev = x.secret.as_ref().unwrap();
    assert_eq!(
        ev.hmac,
        rampart_formats::secret::evidence(KEY, "a secret").hmac
    );
    assert_eq!(ev.preview.as_deref(), Some("…(8 chars)"));
    assert_eq!(x.snippet, None);
    assert_eq!(code(x).path, "auth.py");
    assert_eq!(x.fingerprints["commitSha"], "0000000000000000");
    assert_eq!(x.tags, ["tag1", "tag2", "tag3"]);
    // Redacted (`--redact`): no value, no hash; empty commit fingerprints dropped.
    let Some((_, obs)) = load("real-scans/nodegoat/gitleaks.sarif") else {
        return;
    };
    assert_eq!(obs.len(), 3);
    for x in &obs {
        assert_eq!(x.secret.as_ref().unwrap().hmac, None);
        assert!(x.fingerprints.is_empty(), "{:?}", x.fingerprints);
    }
    assert_eq!(obs[1].rule_id, "generic-api-key");
    assert_eq!(
        (code(&obs[1]).path.as_str(), code(&obs[1]).start_line),
        ("config/env/development.js", Some(6))
    );
    assert!(
        obs[1].title.starts_with("Detected a Generic API Key"),
        "{}",
        obs[1].title
    );
}

#[test]
fn trivy_vulnerabilities_misconfigurations_and_secrets() {
    let Some((o, obs)) = load("sarif/trivy/trivy__alpine-310.sarif") else {
        return;
    };
    assert_eq!(
        o.tool_kind,
        Some(ToolKind::Container),
        "the run names an image"
    );
    let x = &obs[0];
    assert_eq!(
        (x.kind, x.rule_id.as_str()),
        (FindingKind::Dependency, "CVE-2019-1549")
    );
    assert_eq!(
        x.vuln_ids.iter().map(|v| v.0.as_str()).collect::<Vec<_>>(),
        ["CVE-2019-1549"]
    );
    let p = package(x);
    assert_eq!(
        (p.name.as_str(), p.version.as_deref()),
        ("libcrypto1.1", Some("1.1.1c-r0"))
    );
    assert_eq!(p.fixed_versions, ["1.1.1d-r0"]);
    assert_eq!(
        p.found_in.as_deref(),
        Some("testdata/fixtures/images/alpine-310.tar.gz")
    );
    assert_eq!(
        (x.severity.level, x.severity.tool_label.as_deref()),
        (Severity::Medium, Some("5.3"))
    );
    assert_eq!(
        x.severity.cvss[0].vector.as_deref(),
        Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N")
    );
    assert_eq!(x.severity.cvss[1].score, Some(5.0));
    assert_eq!(x.title, "openssl: information disclosure in fork()");
    // The rule's help names another package (libssl1.1): the result's own message wins.
    assert_eq!(package(&obs[2]).name, "libssl1.1");

    let Some((o, obs)) = load("real-scans/dvpwa/trivy.sarif") else {
        return;
    };
    assert_eq!(o.tool_kind, Some(ToolKind::Iac));
    let x = &obs[0];
    assert_eq!((x.kind, x.rule_id.as_str()), (FindingKind::Iac, "DS-0002"));
    let r = resource(x);
    assert_eq!(
        (r.file.as_deref(), r.resource.as_str(), r.start_line),
        (Some("Dockerfile.app"), "Dockerfile.app", Some(1))
    );
    assert_eq!(x.severity.level, Severity::High);

    let Some((_, obs)) = load("real-scans/nodegoat/trivy.sarif") else {
        return;
    };
    let s = &obs[1];
    assert_eq!(
        (s.kind, s.rule_id.as_str()),
        (FindingKind::Secret, "private-key")
    );
    assert_eq!(s.title, "Asymmetric Private Key");
    assert!(
        !s.message.as_deref().unwrap_or("").contains("Match"),
        "{:?}",
        s.message
    );
    assert_eq!(
        (code(s).path.as_str(), code(s).start_line, code(s).end_line),
        ("artifacts/cert/server.key", Some(2), Some(14))
    );
}

#[test]
fn checkov_resources_match_checkovs_own_json() {
    let Some((o, obs)) = load("real-scans/dvpwa/checkov.sarif") else {
        return;
    };
    assert_eq!(o.tool_kind, Some(ToolKind::Iac));
    let mut sarif: Vec<(String, String, u32)> = obs
        .iter()
        .map(|x| {
            let r = resource(x);
            (
                x.rule_id.clone(),
                r.resource.clone(),
                r.start_line.unwrap_or(0),
            )
        })
        .collect();
    // The same run's native JSON (a list of framework reports, or one).
    let native = json("real-scans/dvpwa/checkov.json");
    let reports = match native {
        Value::Array(a) => a,
        other => vec![other],
    };
    let mut want: Vec<(String, String, u32)> = reports
        .iter()
        .flat_map(|r| {
            r["results"]["failed_checks"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|c| {
            let line = c["file_line_range"][0].as_u64().unwrap_or(0) as u32;
            (
                c["check_id"].as_str().unwrap().to_string(),
                c["resource"].as_str().unwrap().to_string(),
                line,
            )
        })
        .collect();
    sarif.sort();
    want.sort();
    assert_eq!(sarif, want);
    let x = &obs[0];
    assert_eq!(resource(x).file.as_deref(), Some("Dockerfile.app"));
    assert_eq!(
        (x.severity.level, x.severity.tool_label.as_deref()),
        (Severity::High, Some("error"))
    );
    assert_eq!(x.remediation, None, "the help only repeats the check name");
}

#[test]
fn bandit_severities_match_bandits_own_json() {
    let Some((o, obs)) = load("real-scans/vulpy/bandit.sarif") else {
        return;
    };
    assert_eq!(o.tools[0].name, "bandit");
    let native = json("real-scans/vulpy/bandit.json");
    let mut want: Vec<(String, String, Vec<u32>)> = native["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let cwe = r["issue_cwe"]["id"]
                .as_u64()
                .map(|c| vec![c as u32])
                .unwrap_or_default();
            (
                r["test_id"].as_str().unwrap().into(),
                r["issue_severity"].as_str().unwrap().into(),
                cwe,
            )
        })
        .collect();
    let mut got: Vec<(String, String, Vec<u32>)> = obs
        .iter()
        .map(|x| {
            (
                x.rule_id.clone(),
                x.severity.tool_label.clone().unwrap_or_default(),
                x.cwes.clone(),
            )
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let b108 = obs.iter().find(|x| x.rule_id == "B108").unwrap();
    assert_eq!(b108.severity.level, Severity::Medium);
    assert_eq!(
        b108.snippet.as_deref(),
        Some("api_key_file = Path('/tmp/supersecret.txt')\n")
    );
}

#[test]
fn grype_and_dependency_check_packages() {
    let Some((o, obs)) = load("sarif/defectdojo/cxf-3.4.6.sarif") else {
        return;
    };
    assert_eq!(o.tool_kind, Some(ToolKind::Sca));
    let x = &obs[0];
    assert_eq!(
        (x.kind, x.rule_id.as_str()),
        (FindingKind::Dependency, "CVE-2008-0732")
    );
    let p = package(x);
    assert_eq!(
        (
            p.name.as_str(),
            p.version.as_deref(),
            p.ecosystem.as_deref()
        ),
        (
            "geronimo-j2ee-management_1.1_spec",
            Some("1.0.1"),
            Some("maven")
        )
    );
    assert_eq!(
        p.found_in.as_deref(),
        Some("lib/geronimo-j2ee-management_1.1_spec-1.0.1.jar")
    );
    assert!(p.fixed_versions.is_empty());
    assert_eq!(
        (x.severity.level, x.severity.tool_label.as_deref()),
        (Severity::Low, Some("2.1"))
    );

    let Some((_, obs)) = load("sarif/secobserve/dependency-check.sarif") else {
        return;
    };
    let x = &obs[0];
    assert_eq!(x.rule_id, "CVE-2022-42920");
    let p = package(x);
    assert_eq!(
        p.purl.as_deref(),
        Some("pkg:maven/org.apache.bcel/bcel@6.5.0")
    );
    assert_eq!(
        (p.name.as_str(), p.version.as_deref()),
        ("org.apache.bcel:bcel", Some("6.5.0"))
    );
    assert_eq!(
        (x.severity.level, x.severity.tool_label.as_deref()),
        (Severity::Critical, Some("9.8"))
    );
    assert_eq!(
        x.fingerprints["vulnerabilityHash"],
        "252e91c4b99958a439d35727992a52f1"
    );
    // No security-severity, only a CVSS v4 score: the score decides.
    let y = &obs[1];
    assert_eq!(y.severity.level, Severity::High);
    assert_eq!(y.severity.cvss[0].version, rampart_model::CvssVersion::V4);

    let Some((_, obs)) = load("defectdojo/govulncheck/issue_15033_sarif.json") else {
        return;
    };
    assert_eq!(
        obs[0]
            .vuln_ids
            .iter()
            .map(|v| v.0.as_str())
            .collect::<Vec<_>>(),
        ["GO-2026-4864", "CVE-2026-32282"]
    );
    assert_eq!(package(&obs[1]).name, "html/template");
    assert_eq!(
        package(&obs[1]).purl,
        None,
        "a Go package path is not a module"
    );
}

#[test]
fn odd_and_fabricated_defectdojo_logs() {
    // `runs: []`: nothing, and no tool.
    let Some((o, obs)) = load("defectdojo/sarif/no_runs.sarif") else {
        return;
    };
    assert!(obs.is_empty() && o.tools.is_empty());
    // Suppressions: `external`, `inSource`; an empty list is no suppression.
    let Some((_, obs)) = load("defectdojo/sarif/suppression_test.sarif") else {
        return;
    };
    let kinds: Vec<Option<&str>> = obs
        .iter()
        .map(|x| x.suppression.as_ref().map(|s| s.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            Some("external"),
            Some("external"),
            Some("inSource"),
            None,
            None
        ]
    );
    assert_eq!(code(&obs[0]).path, "C:/code/file1.c");
    // The spec's appendix K: message template, suppression `state`, rank.
    let Some((_, obs)) = load("defectdojo/sarif/appendix_k.sarif") else {
        return;
    };
    let x = &obs[0];
    assert_eq!(
        x.message.as_deref(),
        Some("Variable \"ptr\" was used without being initialized. It was declared [here](0).")
    );
    assert_eq!(
        x.suppression.as_ref().and_then(|s| s.status.as_deref()),
        Some("accepted")
    );
    assert!(x.tags.contains(&"rank:95".to_string()));
    // Only a logical location.
    let Some((_, obs)) = load("defectdojo/sarif/appendix_k3.sarif") else {
        return;
    };
    assert_eq!(obs[0].location, Location::None);
    assert!(
        obs[0]
            .message
            .as_deref()
            .unwrap()
            .ends_with("Logical location: Example.Worker.DoWork")
    );
    // Fabricated ShiftLeft bash report: absolute URIs made relative to the working directory,
    // severity from `issue_severity`.
    let Some((_, obs)) = load("defectdojo/sarif/bash-report-fabricated-no-internal-dupes.sarif")
    else {
        return;
    };
    assert_eq!(code(&obs[0]).path, "docker/setEnv.sh");
    assert_eq!(obs[0].severity.tool_label.as_deref(), Some("LOW"));
    assert_eq!(
        obs[0].fingerprints["scanPrimaryLocationHash"],
        "47f57f9669991906"
    );
    // Flawfinder: a `pass` result is not a finding; CWE from relationships; rank kept.
    let Some((o, obs)) = load("sarif/defectdojo/flawfinder.sarif") else {
        return;
    };
    assert_eq!(obs.len(), 53);
    assert!(
        o.diagnostics[0].message.contains("1 result(s)"),
        "{:?}",
        o.diagnostics
    );
    assert_eq!(obs[0].cwes, vec![327]);
    assert!(obs[0].tags.contains(&"rank:0.6".to_string()));
    // SpotBugs: message from the rule's message strings.
    let Some((_, obs)) = load("sarif/defectdojo/spotbugs.sarif") else {
        return;
    };
    assert_eq!(
        obs[1].message.as_deref(),
        Some(
            "Found reliance on default encoding in Boot.writeFrags(Log, String): new java.io.FileWriter(File)."
        )
    );
    // KICS: a passed check is skipped; its secret query is a secret finding.
    let Some((_, obs)) = load("sarif/secobserve/kics.sarif") else {
        return;
    };
    assert_eq!(
        obs.iter().map(|x| x.kind).collect::<Vec<_>>(),
        [FindingKind::Iac, FindingKind::Secret]
    );
    // mobsfscan: one result, several places.
    let Some((_, obs)) = load("defectdojo/sarif/mobsfscan.json") else {
        return;
    };
    assert!(obs[0].message.as_deref().unwrap().contains(
        "Also reported at: app/src/main/java/jakhar/aseem/diva/InsecureDataStorage2Activity.java:71"
    ));
    assert_eq!(obs[0].cwes, vec![532]);
}

// ---------------------------------------------------------------------------------------------
// Streaming: a generated log far bigger than the memory the parse may use.

mod alloc_meter {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    /// Counts the bytes allocated by the current thread (live and peak).
    pub struct Meter;

    thread_local! {
        static LIVE: Cell<isize> = const { Cell::new(0) };
        static PEAK: Cell<isize> = const { Cell::new(0) };
    }

    fn add(n: isize) {
        let _ = LIVE.try_with(|l| {
            let v = l.get() + n;
            l.set(v);
            let _ = PEAK.try_with(|p| {
                if v > p.get() {
                    p.set(v)
                }
            });
        });
    }

    unsafe impl GlobalAlloc for Meter {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(l) };
            if !p.is_null() {
                add(l.size() as isize);
            }
            p
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            unsafe { System.dealloc(p, l) };
            add(-(l.size() as isize));
        }
        unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
            let q = unsafe { System.realloc(p, l, new) };
            if !q.is_null() {
                add(new as isize - l.size() as isize);
            }
            q
        }
    }

    /// Resets the peak to the current live bytes and returns them.
    pub fn start() -> isize {
        let live = LIVE.with(Cell::get);
        PEAK.with(|p| p.set(live));
        live
    }

    /// The peak since [`start`].
    pub fn peak() -> isize {
        PEAK.with(Cell::get)
    }
}

#[global_allocator]
static METER: alloc_meter::Meter = alloc_meter::Meter;

/// A SARIF log generated on the fly: `n` results of about 600 bytes, cycling through 1,000
/// distinct ones built up front (so that generating costs little next to parsing).
struct Generated {
    n: usize,
    next: usize,
    samples: Vec<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
    done: bool,
}

/// Distinct results in [`Generated`].
const SAMPLES: usize = 1000;

impl Generated {
    fn new(n: usize) -> Self {
        let head = r#"{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"Semgrep OSS","semanticVersion":"1.90.0","rules":[{"id":"python.sqli","shortDescription":{"text":"SQL injection"},"defaultConfiguration":{"level":"error"},"properties":{"security-severity":"8.1","tags":["CWE-89: Improper Neutralization of Special Elements used in an SQL Command","security"]}}]}},"results":["#;
        let samples = (0..SAMPLES)
            .map(|i| {
                format!(
                    r#",{{"ruleId":"python.sqli","ruleIndex":0,"message":{{"text":"User input flows into cursor.execute() in handler_{i}: build the query with parameters instead."}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/module_{m}/handlers.py","uriBaseId":"%SRCROOT%"}},"region":{{"startLine":{line},"startColumn":9,"endLine":{line},"endColumn":64,"snippet":{{"text":"        cur.execute(\"SELECT * FROM t WHERE id = %s\" % request.args['id_{i}'])"}}}}}}}}],"fingerprints":{{"matchBasedId/v1":"{i:064x}"}},"properties":{{}}}}"#,
                    m = i % 97,
                    line = i + 1,
                )
                .into_bytes()
            })
            .collect();
        Generated {
            n,
            next: 0,
            samples,
            buf: head.as_bytes().to_vec(),
            pos: 0,
            done: false,
        }
    }

    fn refill(&mut self) {
        self.buf.clear();
        self.pos = 0;
        if self.next == self.n {
            if !self.done {
                self.buf.extend_from_slice(b"]}]}");
                self.done = true;
            }
            return;
        }
        let sample = &self.samples[self.next % SAMPLES];
        // The first result has no leading comma.
        let skip = usize::from(self.next == 0);
        self.buf.extend_from_slice(&sample[skip..]);
        self.next += 1;
    }
}

impl std::io::Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.buf.len() {
            self.refill();
            if self.buf.is_empty() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[test]
fn a_million_results_stream_in_constant_memory() {
    // Debug builds are ~20x slower: a million results in release builds, 50,000 in debug ones.
    let n: usize = if cfg!(debug_assertions) {
        50_000
    } else {
        1_000_000
    };
    let mut count = 0usize;
    let mut last_line = 0u32;
    let mut sink = |o: Observation| {
        count += 1;
        if let Location::Code(c) = &o.location {
            last_line = c.start_line.unwrap_or(0);
        }
        Ok(())
    };
    let mut emitter = rampart_formats::Emitter::new(&mut sink);
    let base = alloc_meter::start();
    let cpu_before = thread_cpu_seconds();
    let started = std::time::Instant::now();
    let outcome = rampart_formats::parse(
        Generated::new(n),
        None,
        &ctx("generated.sarif"),
        &mut emitter,
    )
    .expect("parse");
    let elapsed = started.elapsed();
    let cpu = thread_cpu_seconds().zip(cpu_before).map(|(a, b)| a - b);
    let peak = alloc_meter::peak() - base;
    drop(emitter);
    assert_eq!(count, n);
    assert_eq!(outcome.observations as usize, n);
    assert_eq!(last_line as usize, (n - 1) % SAMPLES + 1);
    let bytes_in = n * 600;
    eprintln!(
        "{n} results (~{} MB) in {:.2?}: {:.0} results/s ({}), peak heap {:.1} MB",
        bytes_in / 1_000_000,
        elapsed,
        n as f64 / elapsed.as_secs_f64(),
        match cpu {
            Some(c) if c > 0.0 =>
                format!("{:.0} results per CPU-second of this thread", n as f64 / c),
            _ => "thread CPU time unknown".to_string(),
        },
        peak as f64 / 1e6
    );
    // Held back: the first WINDOW results as raw text (~0.6 MB), the read buffer, one result.
    assert!(
        peak < 8_000_000,
        "peak heap {peak} bytes for a {bytes_in}-byte log: not streaming"
    );
}

/// CPU time of the current thread (Linux), to report throughput on a busy machine.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
