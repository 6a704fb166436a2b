//! Every Semgrep sample of the shared corpus, parsed in place: `semgrep --json` reports
//! (DefectDojo samples, the real-scans runs, gatecheck's report) and Semgrep API exports
//! (DefectDojo's `semgrep_pro` findings and the Supply Chain `vulns` export).

use rampart_formats::corpus::{json as value, relative as rel};
use rampart_formats::{Emitter, Format, ParseContext, ParseError, ParseOutcome, corpus, secret};
use rampart_model::{FindingKind, Location, Observation, Severity, ToolKind};
use serde_json::Value;
use std::io::BufReader;
use std::path::{Path, PathBuf};

const KEY: &[u8] = b"corpus-test-key";

fn ctx(path: &Path) -> ParseContext {
    ParseContext::new(path.display().to_string(), KEY.to_vec())
}

/// Parses a file in place, streaming it from disk.
fn parse(
    path: &Path,
    format: Option<Format>,
) -> Result<(ParseOutcome, Vec<Observation>), ParseError> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut all = Vec::new();
    let mut sink = |o: Observation| {
        all.push(o);
        Ok(())
    };
    let mut emitter = Emitter::new(&mut sink);
    let outcome = rampart_formats::parse(BufReader::new(file), format, &ctx(path), &mut emitter)?;
    drop(emitter);
    Ok((outcome, all))
}

fn array_len(v: &Value, key: &str) -> usize {
    v.get(key).and_then(Value::as_array).map_or(0, Vec::len)
}

/// Every Semgrep sample; `None` when the corpus is absent.
fn semgrep_files() -> Option<Vec<PathBuf>> {
    corpus::dir()?;
    let mut files = corpus::files("defectdojo/semgrep", &[]);
    files.extend(corpus::files("defectdojo/semgrep_pro", &[]));
    files.extend(
        corpus::files("real-scans", &["semgrep.json"])
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "semgrep.json")),
    );
    files.extend(corpus::file(
        "scanner-misc/gatecheck/semgrep-sast-report.json",
    ));
    Some(files)
}

/// Records the file holds, counted from the JSON itself: CLI `results`, API `findings` except
/// those Semgrep reports fixed or removed, Supply Chain `vulns` except those triaged closed.
/// Returns (usable, skipped-as-not-open).
fn expected_records(v: &Value) -> (usize, usize) {
    let mut usable = array_len(v, "results");
    let mut closed = 0;
    for f in v
        .get("findings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let gone = ["state", "status"]
            .iter()
            .any(|k| matches!(f.get(*k).and_then(Value::as_str), Some("fixed" | "removed")));
        if gone { closed += 1 } else { usable += 1 }
    }
    for x in v
        .get("vulns")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let status = x
            .pointer("/triage/status")
            .and_then(Value::as_str)
            .unwrap_or("");
        if matches!(status, "CLOSED" | "FIXED") {
            closed += 1
        } else {
            usable += 1
        }
    }
    (usable, closed)
}

/// The values a secrets finding matched, taken from the raw result: every bound metavariable
/// and the quoted lines (unless `requires login`).
fn raw_secret_texts(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in v
        .get("results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let id = r.get("check_id").and_then(Value::as_str).unwrap_or("");
        if !id.split('.').any(|s| s == "secrets") {
            continue;
        }
        if let Some(mv) = r.pointer("/extra/metavars").and_then(Value::as_object) {
            for m in mv.values() {
                if let Some(s) = m.get("abstract_content").and_then(Value::as_str) {
                    out.push(s.trim().to_string());
                }
            }
        }
        if let Some(l) = r.pointer("/extra/lines").and_then(Value::as_str)
            && l != "requires login"
        {
            out.push(l.trim().to_string());
        }
    }
    out.retain(|s| s.len() >= 8);
    out
}

#[test]
fn every_semgrep_sample_parses_as_the_file_says() {
    let Some(files) = semgrep_files() else { return };
    // 11 DefectDojo semgrep + 3 semgrep_pro + 3 real-scans + 1 gatecheck.
    assert_eq!(files.len(), 18, "semgrep samples found: {files:#?}");
    let mut total = 0;
    for path in &files {
        let name = rel(path);
        let raw = value(path);
        // `{"findings": []}` has nothing that tells Semgrep from the other tools whose exports
        // are `{"findings": [...]}` (AWS Inspector2, Security Hub, Veracode): detection refuses
        // it, and `--format semgrep` reads it.
        let undetectable = name == "defectdojo/semgrep_pro/no_vuln.json";
        let detected = parse(path, None);
        let (outcome, obs) = if undetectable {
            let e = detected
                .expect_err("an empty findings list is not detectable")
                .to_string();
            assert!(
                e.contains("unknown report format") && e.contains("[findings]"),
                "{name}: {e}"
            );
            parse(path, Some(Format::Semgrep)).unwrap_or_else(|e| panic!("{name}: {e}"))
        } else {
            detected.unwrap_or_else(|e| panic!("{name}: {e}"))
        };
        assert_eq!(outcome.format, Some(Format::Semgrep), "{name}");
        let (usable, closed) = expected_records(&raw);
        assert_eq!(obs.len(), usable, "{name}: observations");
        assert_eq!(outcome.observations as usize, usable, "{name}");
        let tool_errors = array_len(&raw, "errors");
        let skipped = outcome
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("skipped"))
            .count();
        assert_eq!(skipped, closed, "{name}: {:#?}", outcome.diagnostics);
        let reported = outcome
            .diagnostics
            .iter()
            .filter(|d| d.place.starts_with("/errors/"))
            .count();
        assert_eq!(reported, tool_errors, "{name}: tool errors");
        // The tool is listed even with zero results, with the version the report states.
        assert_eq!(outcome.tools.len(), 1, "{name}");
        assert_eq!(outcome.tools[0].name, "semgrep");
        assert_eq!(
            outcome.tools[0].version.as_deref(),
            raw.get("version").and_then(Value::as_str),
            "{name}"
        );
        let kind = if raw.get("vulns").is_some() {
            ToolKind::Sca
        } else {
            ToolKind::Sast
        };
        assert_eq!(outcome.tool_kind, Some(kind), "{name}");
        for (o, i) in obs.iter().zip(0..) {
            assert!(
                !o.rule_id.is_empty() && !o.title.is_empty() && !o.title.contains('\n'),
                "{name} #{i}"
            );
            assert!(o.source_ref.starts_with('/'), "{name} #{i}");
            if o.kind == FindingKind::Secret {
                assert_eq!(o.snippet, None, "{name}: secret with a snippet");
                assert!(o.secret.is_some(), "{name}: secret without evidence");
            }
            if let Some(s) = &o.snippet {
                assert_ne!(s, "requires login", "{name}");
            }
            assert!(
                o.fingerprints.values().all(|f| f != "requires login"),
                "{name}"
            );
        }
        let text = serde_json::to_string(&obs).unwrap();
        for s in raw_secret_texts(&raw) {
            assert!(
                !text.contains(&s),
                "{name}: a matched secret leaked into the observations: {s}"
            );
        }
        total += obs.len();
    }
    // DefectDojo semgrep 83 (21 of the 22 Supply Chain vulns), semgrep_pro 2, real-scans
    // 7 + 30 + 80, gatecheck 62.
    assert_eq!(total, 264);
}

fn only(path: &str) -> Option<(ParseOutcome, Vec<Observation>)> {
    let p = corpus::file(path)?;
    Some(parse(&p, None).unwrap_or_else(|e| panic!("{path}: {e}")))
}

fn code(o: &Observation) -> (&str, Option<u32>, Option<u32>, Option<u32>, Option<u32>) {
    match &o.location {
        Location::Code(c) => (
            c.path.as_str(),
            c.start_line,
            c.start_column,
            c.end_line,
            c.end_column,
        ),
        other => panic!("not a code location: {other:?}"),
    }
}

#[test]
fn one_finding_in_detail() {
    let Some((_, obs)) = only("defectdojo/semgrep/one_finding.json") else {
        return;
    };
    let o = &obs[0];
    assert_eq!(
        o.rule_id,
        "java.lang.security.audit.cbc-padding-oracle.cbc-padding-oracle"
    );
    assert_eq!(o.rule_name.as_deref(), Some("cbc-padding-oracle"));
    assert_eq!(
        o.title,
        "cbc-padding-oracle: Using CBC with PKCS5Padding is susceptible to padding orcale attacks. A malicious actor"
    );
    assert_eq!(o.kind, FindingKind::Code);
    assert_eq!(o.severity.level, Severity::Medium);
    assert_eq!(o.severity.tool_label.as_deref(), Some("WARNING"));
    assert_eq!(o.cwes, [696]);
    assert_eq!(
        code(o),
        (
            "src/main/java/org/owasp/benchmark/testcode/BenchmarkTest02194.java",
            Some(64),
            Some(4),
            Some(64),
            Some(83)
        )
    );
    assert_eq!(
        o.snippet.as_deref(),
        Some(
            "\t\t\tjavax.crypto.Cipher c = javax.crypto.Cipher.getInstance(\"DES/CBC/PKCS5Padding\");"
        )
    );
    assert_eq!(
        o.remediation.as_deref(),
        Some("javax crypto Cipher.getInstance(\"AES/GCM/NoPadding\");")
    );
    assert_eq!(
        o.references,
        [
            "https://capec.mitre.org/data/definitions/463.html",
            "https://find-sec-bugs.github.io/bugs.htm#PADDING_ORACLE"
        ]
    );
    assert!(
        o.tags
            .contains(&"owasp:A3: Sensitive Data Exposure".to_string())
    );
    assert!(
        o.message
            .as_deref()
            .unwrap()
            .ends_with("Use 'AES/GCM/NoPadding' instead.")
    );
    assert_eq!(o.source_ref, "/results/0");
    assert!(o.fingerprints.is_empty());
}

#[test]
fn cwe_lists_severities_and_fingerprints() {
    if let Some((_, obs)) = only("defectdojo/semgrep/multiple_cwes_fabricated.json") {
        assert_eq!(obs[0].cwes, [327, 696]);
    }
    if let Some((outcome, obs)) = only("defectdojo/semgrep/cwe_list.json") {
        let o = &obs[0];
        assert_eq!(outcome.tools[0].version.as_deref(), Some("0.96.0"));
        assert_eq!(
            o.tool.version.as_deref(),
            None,
            "`version` follows `results` in this file"
        );
        assert_eq!(o.cwes, [352]);
        assert_eq!(o.severity.level, Severity::Low);
        assert_eq!(o.severity.tool_label.as_deref(), Some("INFO"));
        assert_eq!(code(o), ("index.js", Some(12), Some(7), Some(12), Some(22)));
        assert_eq!(
            o.fingerprints["matchBasedId/v1"],
            "143cb0c62f3740d62180cbde3ffa976e"
        );
        assert_eq!(o.snippet.as_deref(), Some("const app = express();"));
        assert!(o.references.contains(
            &"https://semgrep.dev/r/javascript.express.security.audit.express-check-csurf-middleware-usage.express-check-csurf-middleware-usage".to_string()
        ));
        assert!(
            o.tags
                .contains(&"owasp:A01:2021 - Broken Access Control".to_string())
        );
    }
    if let Some((_, obs)) = only("defectdojo/semgrep/high-medium-low-severities.json") {
        assert!(obs.iter().all(|o| o.severity.level == Severity::Low
            && o.severity.tool_label.as_deref() == Some("LOW")));
        // An absolute path as semgrep wrote it, made relative by the shared normalizer.
        assert_eq!(
            code(&obs[0]).0,
            "Users/user.example/git/company/full-codebase/company/lead-magnet/src/templates/base.html.twig"
        );
    }
    if let Some((_, obs)) = only("defectdojo/semgrep/many_vulns.json") {
        let errors = obs
            .iter()
            .filter(|o| o.severity.level == Severity::High)
            .count();
        assert_eq!(errors, 13);
        assert_eq!(
            obs[0].rule_id,
            "python.lang.correctness.tempfile.flush.tempfile-without-flush"
        );
        assert_eq!(
            code(&obs[0]),
            ("tasks.py", Some(186), Some(39), Some(186), Some(48))
        );
        assert_eq!(
            obs[38].remediation.as_deref(),
            Some("replace the match of regex `xml` with `defusedxml`")
        );
    }
}

#[test]
fn real_scan_without_login_keeps_no_placeholder() {
    let Some((outcome, obs)) = only("real-scans/nodegoat/semgrep.json") else {
        return;
    };
    assert_eq!(outcome.tools[0].version.as_deref(), Some("1.185.0"));
    assert!(
        obs.iter()
            .all(|o| o.tool.version.as_deref() == Some("1.185.0"))
    );
    assert!(
        obs.iter()
            .all(|o| o.snippet.is_none() && o.fingerprints.is_empty())
    );
    // The 9 `generic.secrets.*` results are secrets; semgrep quoted nothing, so no hash.
    let secrets: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.kind == FindingKind::Secret)
        .collect();
    assert_eq!(secrets.len(), 9);
    assert!(
        secrets
            .iter()
            .all(|o| o.secret.as_ref().unwrap().hmac.is_none())
    );
    let pk = &obs[12];
    assert_eq!(
        pk.rule_id,
        "generic.secrets.gitleaks.private-key.private-key"
    );
    assert_eq!(
        code(pk),
        (
            "artifacts/cert/server.key",
            Some(1),
            Some(1),
            Some(15),
            Some(29)
        )
    );
    assert_eq!(pk.cwes, [798]);
    assert_eq!(pk.severity.level, Severity::Low);
    let eval = &obs[4];
    assert_eq!(
        eval.rule_id,
        "javascript.lang.security.audit.code-string-concat.code-string-concat"
    );
    assert_eq!(eval.kind, FindingKind::Code);
    assert_eq!(eval.severity.level, Severity::High);
    assert_eq!(eval.cwes, [95]);
    assert_eq!(
        code(eval),
        (
            "app/routes/contributions.js",
            Some(32),
            Some(24),
            Some(32),
            Some(45)
        )
    );
}

#[test]
fn gatecheck_secret_is_hashed_and_matches_gitleaks() {
    let Some((outcome, obs)) = only("scanner-misc/gatecheck/semgrep-sast-report.json") else {
        return;
    };
    assert_eq!(outcome.tools[0].version.as_deref(), Some("1.72.0"));
    assert_eq!(outcome.diagnostics.len(), 32, "one per tool error");
    assert!(
        outcome.diagnostics[0].message.starts_with("semgrep warn"),
        "{:?}",
        outcome.diagnostics[0]
    );
    let secrets: Vec<&Observation> = obs
        .iter()
        .filter(|o| o.kind == FindingKind::Secret)
        .collect();
    assert_eq!(secrets.len(), 1);
    let s = secrets[0];
    assert_eq!(
        s.rule_id,
        "generic.secrets.security.detected-generic-secret.detected-generic-secret"
    );
    assert_eq!(
        code(s),
        (
            "data/static/users.yml",
            Some(150),
            Some(7),
            Some(150),
            Some(47)
        )
    );
    let ev = s.secret.as_ref().unwrap();
    assert_eq!(ev.preview.as_deref(), Some("IFTX…(32 chars)"));
    // The JWT rule matches code about a secret, not a secret value: a code finding.
    let jwt = obs
        .iter()
        .find(|o| o.rule_id == "javascript.jsonwebtoken.security.jwt-hardcode.hardcoded-jwt-secret")
        .unwrap();
    assert_eq!(jwt.kind, FindingKind::Code);
    assert!(
        jwt.snippet
            .as_deref()
            .unwrap()
            .starts_with("export const authorize")
    );
    assert_eq!(
        jwt.fingerprints["matchBasedId/v1"],
        "a49b6df23d44cd84c24a0a46333b4f84c29344ebd6fc6983dc550cf5fbd28961e8d6e2ef41c00fc6ba2402f3d6970d98309fdad1dfcaa451c3046661ba13881a_0"
    );
    // Gitleaks found the same TOTP secret in another file of the same application: the two
    // tools' observations share the keyed hash, so they correlate without the value.
    let gitleaks = value(&corpus::file("scanner-misc/gatecheck/gitleaks-report.json").unwrap());
    let totp = gitleaks
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.get("Secret").and_then(Value::as_str))
        .find(|s| s.starts_with("IFTX"))
        .unwrap();
    assert_eq!(ev, &secret::evidence(KEY, totp));
}

#[test]
fn semgrep_app_findings() {
    let Some((outcome, obs)) = only("defectdojo/semgrep_pro/one_vuln.json") else {
        return;
    };
    assert_eq!(outcome.tools[0].version, None);
    let o = &obs[0];
    assert_eq!(
        o.rule_id,
        "typescript.react.security.audit.react-no-refs.react-no-refs"
    );
    assert_eq!(
        o.title,
        "react-no-refs: `ref` usage found. refs give direct DOM access and may create a possibility for XSS, which could cause"
    );
    assert_eq!(o.severity.level, Severity::Medium);
    assert_eq!(o.severity.tool_label.as_deref(), Some("medium"));
    assert_eq!(o.cwes, [319]);
    assert_eq!(
        code(o),
        (
            "frontend/src/corpComponents/Code.tsx",
            Some(120),
            Some(8),
            Some(124),
            Some(16)
        )
    );
    assert!(o.fingerprints["matchBasedId/v1"].ends_with("_1"));
    assert_eq!(
        o.fingerprints["syntacticId"],
        "440eeface888e78afceac3dc7d4cc2cf"
    );
    assert!(
        o.tags
            .contains(&"owasp:A02:2021 - Cryptographic Failures".to_string())
    );
    assert!(o.tags.contains(&"autotriage:false_positive".to_string()));
    assert!(
        o.remediation
            .as_deref()
            .unwrap()
            .starts_with("Use a template rendering engine")
    );
    assert_eq!(o.suppression, None, "untriaged");
    assert_eq!(o.references.len(), 1);
    if let Some((_, obs)) = only("defectdojo/semgrep_pro/multiple_cwes_fabricated.json") {
        assert_eq!(obs[0].cwes, [319, 311]);
    }
}

#[test]
fn semgrep_supply_chain_export() {
    let Some(path) = corpus::file("defectdojo/semgrep/sca-deployments-vulns.json") else {
        return;
    };
    let raw = value(&path);
    let (outcome, obs) = parse(&path, None).unwrap();
    assert_eq!(outcome.tool_kind, Some(ToolKind::Sca));
    let closed: Vec<usize> = raw["vulns"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, v)| v.pointer("/triage/status") == Some(&Value::from("CLOSED")))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(closed.len(), 1);
    let places: Vec<&str> = outcome
        .diagnostics
        .iter()
        .map(|d| d.place.as_str())
        .collect();
    assert_eq!(
        places,
        [format!("/vulns/{}", closed[0]).as_str(), "/hasMore"]
    );
    let o = &obs[0];
    assert_eq!(o.kind, FindingKind::Dependency);
    assert_eq!(o.rule_id, "ssc-82207871-bbda-49be-b1af-49fd927a2f93");
    assert_eq!(o.title, "Reachable Assertion in grpc");
    assert_eq!(o.severity.level, Severity::High);
    assert_eq!(o.cwes, [617]);
    let ids: Vec<&str> = o.vuln_ids.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(ids, ["CVE-2023-1428", "GHSA-6628-q6j9-w8vg"]);
    let Location::Package(p) = &o.location else {
        panic!("{:?}", o.location)
    };
    // The advisory says `gem`, but grpcio 1.47.0 in requirements3.txt is the PyPI package, as
    // the rule's own dependency list says.
    assert_eq!(p.purl.as_deref(), Some("pkg:pypi/grpcio@1.47.0"));
    assert_eq!(p.ecosystem.as_deref(), Some("pypi"));
    assert_eq!(p.fixed_versions, ["1.53.0"]);
    assert_eq!(p.found_in.as_deref(), Some("requirements3.txt"));
    assert!(o.tags.contains(&"exposure:REACHABLE".to_string()));
    assert_eq!(o.remediation.as_deref(), Some("upgrade grpcio to 1.53.0"));
    assert!(
        o.message
            .as_deref()
            .unwrap()
            .contains("\nReachable if you use")
    );
    // The one CRITICAL record (url-parse) is the closed one.
    assert!(obs.iter().all(|o| o.severity.level == Severity::High));
}

#[test]
fn empty_reports_still_name_the_tool() {
    let Some((outcome, obs)) = only("defectdojo/semgrep/empty.json") else {
        return;
    };
    assert!(obs.is_empty());
    assert_eq!(outcome.tools[0].name, "semgrep");
    assert_eq!(outcome.tool_kind, Some(ToolKind::Sast));
}

#[test]
fn truncated_reports_give_errors_naming_the_file() {
    let Some(files) = semgrep_files() else { return };
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let is_text = |b: &u8| !b.is_ascii_whitespace();
        let start = bytes.iter().position(is_text).unwrap() + 1;
        let end = bytes.iter().rposition(is_text).unwrap();
        for cut in [start, end / 3, end / 2, end] {
            let ctx = ParseContext::new("cut.json", KEY.to_vec());
            let e = rampart_formats::parse_bytes(&bytes[..cut], Some(Format::Semgrep), &ctx)
                .expect_err("a truncated report must not parse");
            let msg = e.to_string();
            assert!(msg.starts_with("cut.json: line "), "{}: {msg}", rel(path));
        }
    }
}
