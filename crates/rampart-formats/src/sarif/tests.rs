//! Unit tests of the SARIF parser on small hand-written logs (the corpus tests are in
//! `tests/sarif_corpus.rs`).

use super::WINDOW;
use crate::{Emitter, Format, ParseContext, ParseError, ParseOutcome, parse_bytes};
use rampart_model::{FindingKind, Location, Observation, Severity};

fn ctx() -> ParseContext {
    ParseContext::new("t.sarif", b"test-key".to_vec())
}

fn parse(s: &str) -> Result<(ParseOutcome, Vec<Observation>), ParseError> {
    parse_bytes(s.as_bytes(), Some(Format::Sarif), &ctx())
}

fn ok(s: &str) -> (ParseOutcome, Vec<Observation>) {
    match parse(s) {
        Ok(v) => v,
        Err(e) => panic!("parse failed: {e}"),
    }
}

fn err(s: &str) -> String {
    match parse(s) {
        Ok((o, obs)) => panic!(
            "expected an error, got {} observations, {:?}",
            obs.len(),
            o.diagnostics
        ),
        Err(e) => e.to_string(),
    }
}

fn result(i: usize) -> String {
    format!(
        r#"{{"ruleId":"R1","message":{{"text":"m{i}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/a{i}.py"}},"region":{{"startLine":{line}}}}}}}]}}"#,
        line = i + 1
    )
}

fn results(n: usize) -> String {
    (0..n).map(result).collect::<Vec<_>>().join(",")
}

const TOOL: &str = r#"{"driver":{"name":"Semgrep OSS","version":"1.0","rules":[{"id":"R1","shortDescription":{"text":"Rule one"},"defaultConfiguration":{"level":"error"},"properties":{"tags":["CWE-89: SQL injection","security"]}}]}}"#;

#[test]
fn nesting_10000_levels_is_a_clear_error() {
    let deep =
        |open: &str, close: &str| format!("{}1{}", open.repeat(10_000), close.repeat(10_000));
    // Inside a rule (read as part of the document).
    let s = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"x","rules":[{{"id":"a","properties":{{"p":{}}}}}]}}}},"results":[]}}]}}"#,
        deep("[", "]")
    );
    let e = err(&s);
    assert!(e.contains("t.sarif") && e.contains("too deep"), "{e}");
    // Anywhere else, read or skipped.
    for (member, open, close) in [("results", "[", "]"), ("conversion", r#"{"a":"#, "}")] {
        let s = format!(
            r#"{{"version":"2.1.0","runs":[{{"tool":{TOOL},"{member}":[{}]}}]}}"#,
            deep(open, close)
        );
        let e = err(&s);
        assert!(
            e.contains("too deep") && e.contains(&format!("/runs/0/{member}")),
            "{e}"
        );
    }
    // Where the log itself should be.
    let e = err(&deep("[", "]"));
    assert!(e.contains("expected a SARIF log"), "{e}");
}

#[test]
fn truncated_log_is_a_clear_error() {
    let full = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{TOOL},"results":[{}]}}]}}"#,
        results(3)
    );
    for cut in [full.len() / 2, full.len() - 3, 40] {
        let e = err(&full[..cut]);
        assert!(e.starts_with("t.sarif: line 1, column"), "{e}");
        assert!(e.contains("truncated"), "cut at {cut}: {e}");
    }
}

#[test]
fn not_a_sarif_log() {
    assert!(err(r#"{"version":"2.1.0"}"#).contains("no `runs` array"));
    assert!(
        err(r#"{"version":"1.0.0","runs":[]}"#).contains("SARIF version 1.0.0 is not supported")
    );
    assert!(err(r#"{"version":"2.1.0","runs":{"a":1}}"#).contains("an array of runs"));
    let (o, obs) = ok(r#"{"version":"2.1.0","runs":[]}"#);
    assert!(obs.is_empty() && o.tools.is_empty() && o.diagnostics.is_empty());
}

#[test]
fn tool_after_results_is_applied() {
    let s = format!(
        r#"{{"version":"2.1.0","runs":[{{"results":[{}],"tool":{TOOL}}}]}}"#,
        results(2)
    );
    let (o, obs) = ok(&s);
    assert_eq!(obs.len(), 2);
    assert_eq!(o.tools.len(), 1);
    assert_eq!(o.tools[0].name, "semgrep");
    let a = &obs[1];
    assert_eq!(a.tool.name, "semgrep");
    assert_eq!(a.title, "Rule one");
    assert_eq!(a.severity.level, Severity::High);
    assert_eq!(a.severity.tool_label.as_deref(), Some("error"));
    assert_eq!(a.cwes, vec![89]);
    assert_eq!(a.tags, vec!["security".to_string()]);
    assert_eq!(a.source_ref, "/runs/0/results/1");
    match &a.location {
        Location::Code(c) => assert_eq!((c.path.as_str(), c.start_line), ("src/a1.py", Some(2))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn late_run_members_apply_within_the_window_and_are_reported_beyond() {
    let small = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{TOOL},"results":[{}],"automationDetails":{{"id":"ci/42"}}}}]}}"#,
        results(5)
    );
    let (o, obs) = ok(&small);
    assert!(
        obs.iter()
            .all(|x| x.tags.contains(&"automation:ci/42".to_string()))
    );
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);

    let n = WINDOW + 10;
    let big = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{TOOL},"results":[{}],"automationDetails":{{"id":"ci/42"}}}}]}}"#,
        results(n)
    );
    let (o, obs) = ok(&big);
    assert_eq!(obs.len(), n);
    assert!(
        obs.iter()
            .all(|x| !x.tags.iter().any(|t| t.starts_with("automation:")))
    );
    assert_eq!(o.diagnostics.len(), 1, "{:?}", o.diagnostics);
    assert_eq!(o.diagnostics[0].place, "/runs/0/automationDetails");
    assert!(
        o.diagnostics[0]
            .message
            .contains(&format!("after {n} results")),
        "{:?}",
        o.diagnostics
    );
}

#[test]
fn unusable_results_are_diagnosed_and_the_rest_parsed() {
    let s = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{TOOL},"results":[42, {}, null, {{"ruleId":"R1","kind":"pass"}}]}}, null]}}"#,
        result(0)
    );
    let (o, obs) = ok(&s);
    assert_eq!(obs.len(), 1);
    assert_eq!(obs[0].source_ref, "/runs/0/results/1");
    let places: Vec<&str> = o.diagnostics.iter().map(|d| d.place.as_str()).collect();
    assert_eq!(
        places,
        vec![
            "/runs/0/results/0",
            "/runs/0/results/2",
            "/runs/0/results/3",
            "/runs/1"
        ],
        "{:?}",
        o.diagnostics
    );
    assert!(o.diagnostics[2].message.contains("1 result(s)"));
}

#[test]
fn sink_errors_stop_the_parse() {
    let s = format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{TOOL},"results":[{}]}}]}}"#,
        results(3)
    );
    let mut seen = 0;
    let mut sink = |_o: Observation| {
        seen += 1;
        Err("database is gone".to_string())
    };
    let mut emitter = Emitter::new(&mut sink);
    let e = crate::parse(s.as_bytes(), Some(Format::Sarif), &ctx(), &mut emitter).unwrap_err();
    drop(emitter);
    assert!(matches!(e, ParseError::Sink { .. }), "{e}");
    assert_eq!(seen, 1);
}

#[test]
fn gitleaks_secret_is_hashed_and_never_kept() {
    let s = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gitleaks","semanticVersion":"v8.18.0"}},
      "results":[{"ruleId":"aws-access-token","message":{"text":"aws-access-token has detected secret AKIAIOSFODNN7EXAMPLE for file a.py."},
      "locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.py"},"region":{"startLine":3,"snippet":{"text":"AKIAIOSFODNN7EXAMPLE"}}}}],
      "partialFingerprints":{"commitSha":"abc","commitMessage":"add AKIAIOSFODNN7EXAMPLE"}}]}]}"#;
    let (o, obs) = ok(s);
    assert_eq!(o.tool_kind, Some(rampart_model::ToolKind::Secrets));
    let x = &obs[0];
    assert_eq!(x.kind, FindingKind::Secret);
    assert!(x.snippet.is_none());
    let ev = x.secret.as_ref().unwrap();
    assert_eq!(
        ev.hmac,
        crate::secret::evidence(b"test-key", "AKIAIOSFODNN7EXAMPLE").hmac
    );
    assert_eq!(ev.preview.as_deref(), Some("AKIA…(20 chars)"));
    let json = serde_json::to_string(x).unwrap();
    assert!(!json.contains("AKIAIOSFODNN7EXAMPLE"), "{json}");
}

#[test]
fn message_templates_and_rule_lookup() {
    let s = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"SpotBugs","rules":[
        {"id":"X","messageStrings":{"default":{"text":"Bad {0} in {1}."}},"relationships":[{"target":{"id":"CWE-22","toolComponent":{"name":"CWE"}}}]}],
        "globalMessageStrings":{"g":{"text":"Global {0}"}}},
        "extensions":[{"name":"pack","rules":[{"id":"Y","properties":{"security-severity":"9.1"}}]}]},
      "results":[
        {"ruleIndex":0,"message":{"id":"default","arguments":["thing","Main.java"]}},
        {"rule":{"id":"Y","index":0,"toolComponent":{"index":0}},"message":{"id":"g","arguments":["z"]},"level":"note"},
        {"ruleId":"X/sub","ruleIndex":7,"message":{"text":"t"}}]}]}"#;
    let (_, obs) = ok(s);
    assert_eq!(obs[0].rule_id, "X");
    assert_eq!(obs[0].message.as_deref(), Some("Bad thing in Main.java."));
    assert_eq!(obs[0].cwes, vec![22]);
    assert_eq!(obs[0].location, Location::None);
    assert_eq!(obs[1].rule_id, "Y");
    assert_eq!(obs[1].message.as_deref(), Some("Global z"));
    assert_eq!(obs[1].severity.level, Severity::Critical);
    assert_eq!(obs[1].severity.tool_label.as_deref(), Some("9.1"));
    assert_eq!(obs[2].rule_id, "X/sub");
    assert_eq!(
        obs[2].cwes,
        vec![22],
        "hierarchical id resolves to its parent rule"
    );
}

#[test]
fn absolute_uris_are_made_relative_to_the_run_bases() {
    let s = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},
      "invocations":[{"workingDirectory":{"uri":"file:///home/ci/repo"}}],
      "artifacts":[{"location":{"uri":"file:///home/ci/repo/lib/b.c"}}],
      "results":[
        {"ruleId":"a","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///home/ci/repo/src/a.c"}}}]},
        {"ruleId":"a","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"index":0}}}]},
        {"ruleId":"a","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"C:\\other\\x.c"}}}]}]}]}"#;
    let (_, obs) = ok(s);
    let files: Vec<Option<&str>> = obs.iter().map(|o| o.location.file()).collect();
    assert_eq!(
        files,
        vec![Some("src/a.c"), Some("lib/b.c"), Some("C:/other/x.c")]
    );
}

#[test]
fn malformed_json_inside_a_result_is_placed_in_the_document() {
    let s = format!(
        "{{\"version\":\"2.1.0\",\"runs\":[{{\"tool\":{TOOL},\"results\":[\n{},\n  {{\"ruleId\": tru, \"x\": 1}}\n]}}]}}",
        result(0)
    );
    let e = err(&s);
    // The same place serde_json gives for the whole document.
    let whole = serde_json::from_str::<serde_json::Value>(&s).unwrap_err();
    let at = format!(
        "t.sarif: line {}, column {} (at /runs/0/results/1)",
        whole.line(),
        whole.column()
    );
    assert!(e.starts_with(&at), "{e} / {whole}");
    assert!(e.contains("expected ident"), "{e}");
    let e = err("  \n ");
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn results_before_the_tool_are_all_held_whatever_their_number() {
    let n = WINDOW + 5;
    let s = format!(
        r#"{{"version":"2.1.0","runs":[{{"results":[{}],"tool":{TOOL}}}]}}"#,
        results(n)
    );
    let (o, obs) = ok(&s);
    assert_eq!(obs.len(), n);
    assert!(obs.iter().all(|x| x.title == "Rule one" && x.cwes == [89]));
    assert!(o.diagnostics.is_empty(), "{:?}", o.diagnostics);
}

/// A small log with most of what the parser reads, including multi-byte text.
const RICH: &str = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Trivy","rules":[
 {"id":"CVE-2021-1","name":"OsPackageVulnerability","shortDescription":{"text":"ümlaut ☃"},
  "help":{"text":"Package: x\nVersion: 1\nFixed Version: 2"},"properties":{"security-severity":"7.5","tags":["CWE-79","vulnerability"]}},
 {"id":"DS-1","name":"Misconfiguration","messageStrings":{"m":{"text":"{0} é"}}}]}},
 "originalUriBaseIds":{"ROOT":{"uri":"file:///src/"}},"artifacts":[{"location":{"uri":"file:///src/a%20b.txt"}}],
 "results":[{"ruleId":"CVE-2021-1","ruleIndex":0,"level":"Error","message":{"text":"Package: x\nInstalled Version: 1"},
   "locations":[{"physicalLocation":{"artifactLocation":{"index":0},"region":{"startLine":"3","snippet":{"text":"ü"}}},
   "logicalLocations":[{"fullyQualifiedName":"pkg:npm/%40s/x@1"}]}],"fingerprints":{"f":"é"},"suppressions":[{"kind":"inSource","status":"rejected"}]},
  {"ruleId":"DS-1","message":{"id":"m","arguments":["ß"]},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"C:\\x\\y.tf"}}}],"rank":12.5},
  {"kind":"pass"}]}]}"#;

#[test]
fn never_panics_on_damaged_input() {
    let (o, obs) = ok(RICH);
    assert_eq!(obs.len(), 2, "{:?}", o.diagnostics);
    assert_eq!(obs[0].kind, FindingKind::Dependency);
    assert_eq!(obs[0].location.file(), Some("a b.txt"));
    assert_eq!(obs[1].kind, FindingKind::Iac);
    assert_eq!(obs[1].message.as_deref(), Some("ß é"));
    let bytes = RICH.as_bytes();
    for cut in 0..bytes.len() {
        let _ = parse_bytes(&bytes[..cut], Some(Format::Sarif), &ctx());
    }
    for i in 0..bytes.len() {
        for b in [b'"', b'{', b']', b'\\', b'0', b',', b' ', 0xC3] {
            let mut m = bytes.to_vec();
            m[i] = b;
            let _ = parse_bytes(&m, Some(Format::Sarif), &ctx());
        }
    }
}
