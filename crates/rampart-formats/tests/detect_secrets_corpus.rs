//! Every detect-secrets baseline of the shared corpus, parsed in place: DefectDojo's samples
//! (detect-secrets 1.0.3, with audit results) and the real-scans runs (1.5.0), checked against
//! counts taken from the JSON itself and against the labels of `real-scans/LABELS.json`.

use rampart_formats::corpus::{json as value, parse_file as parse, relative as rel};
use rampart_formats::{Format, corpus};
use rampart_model::{FindingKind, Location, Observation, Severity, ToolKind};
use serde_json::Value;
use std::path::PathBuf;

const SHA1_KEY: &str = "detect-secrets-sha1";

/// Every detect-secrets baseline; `None` when the corpus is absent.
fn baseline_files() -> Option<Vec<PathBuf>> {
    corpus::dir()?;
    let mut files = corpus::files("defectdojo/detect_secrets", &[".json"]);
    files.extend(
        corpus::files("real-scans", &["detect-secrets.json"])
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "detect-secrets.json")),
    );
    Some(files)
}

fn only(path: &str) -> Option<Vec<Observation>> {
    let p = corpus::file(path)?;
    Some(parse(&p, None).unwrap_or_else(|e| panic!("{path}: {e}")).1)
}

/// The secrets of a baseline with the JSON pointer of each, in file order.
fn expected(raw: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (file, list) in raw["results"].as_object().unwrap() {
        let key = file.replace('~', "~0").replace('/', "~1");
        for (i, s) in list.as_array().unwrap().iter().enumerate() {
            out.push((format!("/results/{key}/{i}"), s));
        }
    }
    out
}

#[test]
fn every_baseline_parses_as_the_file_says() {
    let Some(files) = baseline_files() else {
        return;
    };
    // 2 DefectDojo samples + dvpwa, nodegoat and vulpy.
    assert_eq!(files.len(), 5, "detect-secrets samples found: {files:#?}");
    let mut total = 0;
    for path in &files {
        let name = rel(path);
        let raw = value(path);
        let (outcome, obs) = parse(path, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.format, Some(Format::DetectSecrets), "{name}");
        assert_eq!(outcome.tool_kind, Some(ToolKind::Secrets), "{name}");
        assert_eq!(outcome.tools.len(), 1, "{name}");
        assert_eq!(outcome.tools[0].name, "detect-secrets", "{name}");
        assert_eq!(
            outcome.tools[0].version.as_deref(),
            raw["version"].as_str(),
            "{name}"
        );
        assert!(outcome.diagnostics.is_empty(), "{name}");
        let want = expected(&raw);
        assert_eq!(obs.len(), want.len(), "{name}: observations");
        // serde_json's map sorts the files; the parser keeps the file's order: match by pointer.
        for (ptr, s) in &want {
            let at = format!("{name} {ptr}");
            let mut found = obs.iter().filter(|o| &o.source_ref == ptr);
            let o = found
                .next()
                .unwrap_or_else(|| panic!("{at}: no observation"));
            assert!(found.next().is_none(), "{at}: two observations");
            assert_eq!(o.kind, FindingKind::Secret, "{at}");
            assert_eq!(Some(o.rule_id.as_str()), s["type"].as_str(), "{at}");
            assert_eq!(o.location.file(), s["filename"].as_str(), "{at}");
            assert_eq!(
                o.location.line().map(u64::from),
                s["line_number"].as_u64(),
                "{at}"
            );
            assert_eq!(
                o.fingerprints.get(SHA1_KEY).map(String::as_str),
                s["hashed_secret"].as_str(),
                "{at}"
            );
            let evidence = o.secret.as_ref().unwrap();
            assert_eq!((&evidence.hmac, &evidence.preview), (&None, &None), "{at}");
            assert_eq!(o.snippet, None, "{at}");
            assert_eq!(o.severity.level, Severity::High, "{at}");
            assert_eq!(o.severity.tool_label, None, "{at}");
            let rejected = s.get("is_secret") == Some(&Value::Bool(false));
            assert_eq!(
                o.suppression.as_ref().map(|x| x.kind.as_str()),
                rejected.then_some("baseline"),
                "{at}"
            );
        }
        total += obs.len();
    }
    // DefectDojo many_findings 4 + no_findings 0, dvpwa 1, nodegoat 12, vulpy 9.
    assert_eq!(total, 26);
}

#[test]
fn audited_baseline_in_detail() {
    let Some(obs) = only("defectdojo/detect_secrets/many_findings.json") else {
        return;
    };
    assert_eq!(obs.len(), 4);
    let confirmed = &obs[1];
    assert_eq!(confirmed.location.display(), "modules_images:156");
    assert_eq!(confirmed.tags, ["audit:true-positive"]);
    assert_eq!(confirmed.suppression, None);
    assert_eq!(confirmed.tool.version.as_deref(), Some("1.0.3"));
    let rejected = &obs[3];
    assert_eq!(
        rejected.source_ref,
        "/results/example~1pkg~1docker_registry_watcher~1docker_registry_watcher.go/0"
    );
    assert_eq!(rejected.rule_id, "Secret Keyword");
    assert_eq!(rejected.title, "Secret Keyword");
    assert_eq!(
        rejected.location.display(),
        "example/pkg/docker_registry_watcher/docker_registry_watcher.go:112"
    );
    assert_eq!(
        rejected.fingerprints.get(SHA1_KEY).map(String::as_str),
        Some("b732fb611fd46a38e8667f9972e0cde777fbe37f")
    );
    let s = rejected.suppression.as_ref().unwrap();
    assert_eq!(
        (s.kind.as_str(), s.status.as_deref()),
        ("baseline", Some("accepted"))
    );
    assert_eq!(rejected.tags, ["audit:false-positive"]);
}

#[test]
fn nodegoat_baseline_in_detail() {
    let Some(obs) = only("real-scans/nodegoat/detect-secrets.json") else {
        return;
    };
    let key = obs
        .iter()
        .find(|o| o.rule_id == "Private Key")
        .expect("the private key");
    assert_eq!(key.source_ref, "/results/artifacts~1cert~1server.key/0");
    assert_eq!(
        key.location,
        Location::Code(rampart_model::CodeLocation {
            path: "artifacts/cert/server.key".into(),
            start_line: Some(1),
            end_line: Some(1),
            start_column: None,
            end_column: None,
        })
    );
    assert_eq!(
        key.message.as_deref(),
        Some("Possible secret (Private Key) in artifacts/cert/server.key:1")
    );
    // The same value in two files has the same unsalted hash (development.js and test.js).
    let same: Vec<&str> = obs
        .iter()
        .filter(|o| {
            o.fingerprints.get(SHA1_KEY).map(String::as_str)
                == Some("8937915b52514e35eb9aa56e20d91c60326cc67b")
        })
        .filter_map(|o| o.location.file())
        .collect();
    assert_eq!(same, ["config/env/development.js", "config/env/test.js"]);
}

/// Every detect-secrets member of `real-scans/LABELS.json` is the observation its JSON pointer
/// names, with the labelled rule, file and line.
#[test]
fn labelled_members_are_found_by_their_pointer() {
    let Some(labelled) = corpus::labelled_members("detect-secrets.json") else {
        return;
    };
    let mut checked = 0;
    for (target, members) in labelled {
        let obs = only(&format!("real-scans/{target}/detect-secrets.json")).unwrap();
        for m in &members {
            let ptr = m["ptr"].as_str().unwrap();
            let o = obs
                .iter()
                .find(|o| o.source_ref == ptr)
                .unwrap_or_else(|| panic!("{target}: no observation at {ptr}"));
            assert_eq!(
                Some(o.rule_id.as_str()),
                m["rule"].as_str(),
                "{target} {ptr}"
            );
            assert_eq!(o.location.file(), m["file"].as_str(), "{target} {ptr}");
            assert_eq!(
                o.location.line().map(u64::from),
                m["line"].as_u64(),
                "{target} {ptr}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12, "labelled detect-secrets members");
}
