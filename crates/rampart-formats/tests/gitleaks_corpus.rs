//! Every Gitleaks JSON sample of the shared corpus, parsed in place: DefectDojo's v7 and v8
//! samples, the real-scans runs (gitleaks 8.30.1, redacted) and gatecheck's report (not
//! redacted). The test that matters most: no secret value reaches an observation.

use rampart_formats::corpus::{json as value, relative as rel};
use rampart_formats::{Emitter, Format, ParseContext, ParseError, ParseOutcome, corpus, secret};
use rampart_model::{FindingKind, Location, Observation, Severity, ToolKind};
use serde_json::Value;
use std::io::BufReader;
use std::path::{Path, PathBuf};

const KEY: &[u8] = b"corpus-test-key";

/// Parses a file in place, streaming it from disk.
fn parse(
    path: &Path,
    format: Option<Format>,
) -> Result<(ParseOutcome, Vec<Observation>), ParseError> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ctx = ParseContext::new(path.display().to_string(), KEY.to_vec());
    let mut all = Vec::new();
    let mut sink = |o: Observation| {
        all.push(o);
        Ok(())
    };
    let mut emitter = Emitter::new(&mut sink);
    let outcome = rampart_formats::parse(BufReader::new(file), format, &ctx, &mut emitter)?;
    drop(emitter);
    Ok((outcome, all))
}

/// Every Gitleaks JSON sample; `None` when the corpus is absent.
fn gitleaks_files() -> Option<Vec<PathBuf>> {
    corpus::dir()?;
    let mut files = corpus::files("defectdojo/gitleaks", &[]);
    files.extend(
        corpus::files("real-scans", &["gitleaks.json"])
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "gitleaks.json")),
    );
    files.extend(corpus::file("scanner-misc/gatecheck/gitleaks-report.json"));
    Some(files)
}

/// What must never appear in an observation: every secret (`Secret`, v7 `offender`), every
/// full source line (v7 `line`) and every e-mail address, from the raw file.
fn forbidden(raw: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for leak in raw.as_array().into_iter().flatten() {
        for key in ["Secret", "offender", "line", "Email", "email"] {
            if let Some(s) = leak.get(key).and_then(Value::as_str) {
                let s = s.trim();
                if !s.is_empty() && !secret::is_redacted(s) {
                    out.push(s.to_string());
                }
            }
        }
    }
    out
}

#[test]
fn every_gitleaks_sample_parses_and_keeps_no_secret() {
    let Some(files) = gitleaks_files() else {
        return;
    };
    // 5 DefectDojo + 3 real-scans + 1 gatecheck.
    assert_eq!(files.len(), 9, "gitleaks samples found: {files:#?}");
    let mut total = 0;
    for path in &files {
        let name = rel(path);
        let raw = value(path);
        // An empty report (`[]` from v8, `null` from v7) does not say which tool wrote it:
        // detection refuses it with a hint, and `--format gitleaks` reads it as a clean scan.
        let empty = raw.as_array().is_none_or(Vec::is_empty);
        let (outcome, obs) = if empty {
            let e = parse(path, None)
                .expect_err("an empty report is not detectable")
                .to_string();
            assert!(e.contains("--format gitleaks"), "{name}: {e}");
            parse(path, Some(Format::Gitleaks)).unwrap_or_else(|e| panic!("{name}: {e}"))
        } else {
            parse(path, None).unwrap_or_else(|e| panic!("{name}: {e}"))
        };
        let expected = raw.as_array().map_or(0, Vec::len);
        assert_eq!(obs.len(), expected, "{name}: observations");
        assert!(
            outcome.diagnostics.is_empty(),
            "{name}: {:#?}",
            outcome.diagnostics
        );
        assert_eq!(outcome.format, Some(Format::Gitleaks));
        assert_eq!(outcome.tool_kind, Some(ToolKind::Secrets));
        assert_eq!(outcome.tools.len(), 1);
        assert_eq!(outcome.tools[0].name, "gitleaks");
        for (o, leak) in obs.iter().zip(raw.as_array().into_iter().flatten()) {
            assert_eq!(o.kind, FindingKind::Secret, "{name}");
            assert_eq!(o.snippet, None, "{name}");
            assert_eq!(o.severity.level, Severity::High, "{name}");
            let value = leak
                .get("Secret")
                .or(leak.get("offender"))
                .and_then(Value::as_str)
                .unwrap();
            assert_eq!(
                o.secret.as_ref(),
                Some(&secret::evidence(KEY, value)),
                "{name}"
            );
            assert!(
                o.tags.iter().all(|t| !t.contains('@')),
                "{name}: e-mail in tags"
            );
        }
        let text = serde_json::to_string(&obs).unwrap();
        for s in forbidden(&raw) {
            assert!(
                !text.contains(&s),
                "{name}: `{s}` leaked into the observations"
            );
        }
        total += obs.len();
    }
    // DefectDojo 2 + 4 + 1 + 0 + 8, real-scans 0 + 3 + 1, gatecheck 113.
    assert_eq!(total, 132);
}

fn only(path: &str, format: Option<Format>) -> Option<(ParseOutcome, Vec<Observation>)> {
    let p = corpus::file(path)?;
    Some(parse(&p, format).unwrap_or_else(|e| panic!("{path}: {e}")))
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
fn v8_sample_in_detail() {
    let Some((_, obs)) = only("defectdojo/gitleaks/gitleaks8_many.json", None) else {
        return;
    };
    let aws = &obs[0];
    assert_eq!(aws.rule_id, "aws-access-token");
    assert_eq!(aws.title, "AWS");
    assert_eq!(
        code(aws),
        ("conf/aws.tf", Some(2), Some(24038), Some(2), Some(24057))
    );
    // The same value twice (two commits): one keyed hash.
    assert_eq!(aws.secret, obs[1].secret);
    assert!(aws.tags.contains(&"author:Firstname Lastname".to_string()));
    let generic = &obs[3];
    assert_eq!(generic.rule_id, "generic-api-key");
    assert_eq!(
        code(generic),
        ("tests/api.py", Some(21), Some(10), Some(21), Some(46))
    );
    assert_eq!(
        generic.message.as_deref(),
        Some(
            "Generic API Key in tests/api.py:21 (commit 69235ea9ea4d59e18e2cc3c295526de46aa1365c1f0c7a95a22ff1537acdf517): apikey = \"***\""
        )
    );
    assert_eq!(
        generic.secret.as_ref().unwrap().preview.as_deref(),
        Some("dfjk…(24 chars)")
    );
    let pk = &obs[2];
    assert_eq!(pk.tags, ["tag1", "tag2"]);
    assert_eq!(
        pk.message.as_deref(),
        Some("RSA private key in conf/rsa.pk:57: ***")
    );
}

#[test]
fn v7_samples_in_detail() {
    if let Some((_, obs)) = only("defectdojo/gitleaks/version_7.5.0.json", None) {
        let o = &obs[0];
        assert_eq!(o.rule_id, "AWS Access Key");
        assert_eq!(o.title, "AWS Access Key");
        assert_eq!(
            code(o),
            (
                "dojo/unittests/scans/gitlab_secret_detection_report/gitlab_secret_detection_report_1_vuln.json",
                Some(13),
                None,
                Some(13),
                None
            )
        );
        assert_eq!(
            o.tags,
            [
                "key",
                "AWS",
                "commit:6d127980966808f7413935678e079dcd7fedf9c2",
                "author:Bhurinat Wangsutthitham"
            ]
        );
        assert_eq!(
            o.secret.as_ref().unwrap().preview.as_deref(),
            Some("AKIA…(20 chars)")
        );
        assert!(o.fingerprints.is_empty());
    }
    if let Some((_, obs)) = only("defectdojo/gitleaks/data_many.json", None) {
        // No line numbers in this v7 sample.
        assert_eq!(code(&obs[0]), (".bashrc", None, None, None, None));
        assert_eq!(obs[1].rule_id, "MailChimp API key");
        assert_eq!(
            obs[1].tags,
            [
                "key",
                "Mailchimp",
                "commit:d54ce70d0cf883054ed256db46406a5df551f000",
                "author:John Doe"
            ]
        );
    }
    if let Some((_, obs)) = only("defectdojo/gitleaks/issue4336.json", None) {
        assert_eq!(obs[0].rule_id, "Twitter Client ID");
        assert_eq!(code(&obs[0]), ("README.md", Some(23), None, Some(23), None));
    }
    // v7 writes `null` when nothing leaked.
    if let Some((_, obs)) = only(
        "defectdojo/gitleaks/no_findings.json",
        Some(Format::Gitleaks),
    ) {
        assert!(obs.is_empty());
    }
}

#[test]
fn redacted_real_scan_keeps_fingerprint_but_no_hash() {
    let Some((_, obs)) = only("real-scans/nodegoat/gitleaks.json", None) else {
        return;
    };
    let o = &obs[0];
    assert_eq!(o.rule_id, "generic-api-key");
    assert_eq!(
        code(o),
        (
            "config/env/development.js",
            Some(6),
            Some(5),
            Some(6),
            Some(43)
        )
    );
    assert_eq!(
        o.secret.as_ref().unwrap().hmac,
        None,
        "the value was redacted by gitleaks"
    );
    assert_eq!(
        o.fingerprints["gitleaks"],
        "config/env/development.js:generic-api-key:6"
    );
    assert_eq!(
        o.message.as_deref(),
        Some(
            "Detected a Generic API Key, potentially exposing access to various services and sensitive operations. in config/env/development.js:6: zapApiKey: \"REDACTED\""
        )
    );
    assert_eq!(
        code(&obs[2]),
        (
            "artifacts/cert/server.key",
            Some(1),
            Some(1),
            Some(15),
            Some(30)
        )
    );
}

#[test]
fn gatecheck_report() {
    let Some(path) = corpus::file("scanner-misc/gatecheck/gitleaks-report.json") else {
        return;
    };
    let raw = value(&path);
    let (_, obs) = parse(&path, None).unwrap();
    let rules = |id: &str| obs.iter().filter(|o| o.rule_id == id).count();
    let raw_rules = |id: &str| {
        raw.as_array()
            .unwrap()
            .iter()
            .filter(|l| l["RuleID"] == id)
            .count()
    };
    for id in ["generic-api-key", "jwt", "private-key"] {
        assert_eq!(rules(id), raw_rules(id), "{id}");
    }
    assert_eq!(
        (rules("generic-api-key"), rules("jwt"), rules("private-key")),
        (81, 29, 3)
    );
    let o = &obs[0];
    assert_eq!(o.rule_id, "jwt");
    assert_eq!(
        code(o),
        (
            "cypress/integration/e2e/forgedJwt.spec.ts",
            Some(22),
            Some(17),
            Some(22),
            Some(176)
        )
    );
    assert_eq!(
        o.fingerprints["gitleaks"],
        "1d1571854621f9fa4150e6fae93b24504d4e5a11:cypress/integration/e2e/forgedJwt.spec.ts:jwt:22"
    );
    assert!(
        o.tags
            .contains(&"commit:1d1571854621f9fa4150e6fae93b24504d4e5a11".to_string())
    );
    assert!(o.tags.contains(&"author:ShubhamPalriwala".to_string()));
    assert!(o.secret.as_ref().unwrap().hmac.is_some());
    // Every kept fingerprint is Gitleaks's own, with the secret scrubbed (there was none in it).
    for (o, leak) in obs.iter().zip(raw.as_array().unwrap()) {
        assert_eq!(
            o.fingerprints.get("gitleaks").map(String::as_str),
            leak["Fingerprint"].as_str()
        );
    }
}

#[test]
fn broken_gitleaks_input_gives_clear_errors() {
    let ctx = ParseContext::new("leaks.json", KEY.to_vec());
    let e = rampart_formats::parse_bytes(br#"{"Results": []}"#, Some(Format::Gitleaks), &ctx)
        .unwrap_err();
    assert!(
        e.to_string().contains("leaks.json") && e.to_string().contains("an array of leaks"),
        "{e}"
    );
    let e = rampart_formats::parse_bytes(b"   ", Some(Format::Gitleaks), &ctx).unwrap_err();
    assert!(matches!(e, ParseError::Empty { .. }), "{e}");
    let (_, obs) = rampart_formats::parse_bytes(b"[]", Some(Format::Gitleaks), &ctx).unwrap();
    assert!(obs.is_empty());
}

#[test]
fn truncated_reports_give_errors_naming_the_file() {
    let Some(files) = gitleaks_files() else {
        return;
    };
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let is_text = |b: &u8| !b.is_ascii_whitespace();
        let start = bytes.iter().position(is_text).unwrap() + 1;
        let end = bytes.iter().rposition(is_text).unwrap();
        for cut in [start, end / 3, end / 2, end]
            .into_iter()
            .filter(|&c| c >= start)
        {
            let ctx = ParseContext::new("cut.json", KEY.to_vec());
            let e = rampart_formats::parse_bytes(&bytes[..cut], Some(Format::Gitleaks), &ctx)
                .expect_err("a truncated report must not parse");
            let msg = e.to_string();
            assert!(msg.starts_with("cut.json: line "), "{}: {msg}", rel(path));
        }
    }
}
