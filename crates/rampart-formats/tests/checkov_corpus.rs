//! Every Checkov JSON sample of the shared corpus, parsed in place: DefectDojo's samples
//! (checkov 1.0 and 2.0, one report or a list of per-framework reports, summary-only) and the
//! real-scans runs (checkov 3.3.30, offline: no severities), checked against counts taken from
//! the JSON itself and against the labels of `real-scans/LABELS.json`.

use rampart_formats::corpus::{json as value, parse_file as parse, relative as rel};
use rampart_formats::{Format, ParseOutcome, corpus};
use rampart_model::{FindingKind, Location, Observation, ResourceLocation, Severity, ToolKind};
use serde_json::Value;
use std::path::PathBuf;

/// Every Checkov JSON sample; `None` when the corpus is absent.
fn checkov_files() -> Option<Vec<PathBuf>> {
    corpus::dir()?;
    let mut files = corpus::files("defectdojo/checkov", &[".json"]);
    files.extend(
        corpus::files("real-scans", &["checkov.json"])
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "checkov.json")),
    );
    Some(files)
}

fn only(path: &str) -> Option<(ParseOutcome, Vec<Observation>)> {
    let p = corpus::file(path)?;
    Some(parse(&p, None).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// The report objects of a document, each with its JSON pointer.
fn reports(raw: &Value) -> Vec<(String, &Value)> {
    match raw {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(k, r)| (format!("/{k}"), r))
            .collect(),
        other => vec![(String::new(), other)],
    }
}

/// The pointers of the failed and skipped checks of a document, in report order.
fn expected_pointers(raw: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (prefix, r) in reports(raw) {
        for list in ["failed_checks", "skipped_checks"] {
            let n = r
                .pointer(&format!("/results/{list}"))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            out.extend((0..n).map(|i| format!("{prefix}/results/{list}/{i}")));
        }
    }
    out
}

/// `summary.checkov_version` of the first report, or the summary-only form's own field.
fn expected_version(raw: &Value) -> Option<&str> {
    reports(raw).into_iter().find_map(|(_, r)| {
        r.pointer("/summary/checkov_version")
            .or_else(|| r.get("checkov_version"))
            .and_then(Value::as_str)
    })
}

#[test]
fn every_checkov_sample_parses_as_the_file_says() {
    let Some(files) = checkov_files() else { return };
    // 4 DefectDojo samples + dvpwa, nodegoat and vulpy.
    assert_eq!(files.len(), 7, "checkov samples found: {files:#?}");
    let mut total = 0;
    for path in &files {
        let name = rel(path);
        let raw = value(path);
        let (outcome, obs) = parse(path, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.format, Some(Format::Checkov), "{name}");
        assert_eq!(outcome.tool_kind, Some(ToolKind::Iac), "{name}");
        assert_eq!(outcome.tools.len(), 1, "{name}");
        assert_eq!(outcome.tools[0].name, "checkov", "{name}");
        assert_eq!(
            outcome.tools[0].version.as_deref(),
            expected_version(&raw),
            "{name}"
        );
        assert!(
            outcome.diagnostics.is_empty(),
            "{name}: {:#?}",
            outcome.diagnostics
        );
        let pointers = expected_pointers(&raw);
        let got: Vec<&str> = obs.iter().map(|o| o.source_ref.as_str()).collect();
        assert_eq!(
            got, pointers,
            "{name}: one observation per failed / skipped check"
        );
        for o in &obs {
            let r = raw.pointer(&o.source_ref).unwrap();
            let at = format!("{name} {}", o.source_ref);
            assert_eq!(Some(o.rule_id.as_str()), r["check_id"].as_str(), "{at}");
            // Trimmed: DefectDojo's CKV_DOCKER_2 name ends with a space.
            assert_eq!(
                Some(o.title.as_str()),
                r["check_name"].as_str().map(str::trim),
                "{at}"
            );
            assert_eq!(o.kind, FindingKind::Iac, "{at}");
            // No corpus sample states a severity: the unknown default, without a tool label.
            assert!(r["severity"].is_null(), "{at}");
            assert_eq!(o.severity.level, Severity::Medium, "{at}");
            assert_eq!(o.severity.tool_label, None, "{at}");
            let Location::Resource(loc) = &o.location else {
                panic!("{at}: {:?}", o.location)
            };
            assert_eq!(Some(loc.resource.as_str()), r["resource"].as_str(), "{at}");
            let file = r["file_path"].as_str().unwrap().trim_start_matches('/');
            assert_eq!(loc.file.as_deref(), Some(file), "{at}");
            let first = r["file_line_range"][0].as_u64().unwrap();
            let last = r["file_line_range"][1].as_u64().unwrap();
            let lines = (first > 0).then_some((first, last));
            assert_eq!(
                loc.start_line.zip(loc.end_line),
                lines.map(|(a, b)| (a as u32, b as u32)),
                "{at}"
            );
            let block: String = r["code_block"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l[1].as_str().unwrap())
                .collect();
            let snippet = o.snippet.as_deref().unwrap_or("");
            assert_eq!(
                snippet.trim_end(),
                block.trim_end(),
                "{at}: code_block without numbers"
            );
            let guideline: Vec<&str> = r
                .get("guideline")
                .and_then(Value::as_str)
                .into_iter()
                .collect();
            assert_eq!(o.references, guideline, "{at}");
            assert!(o.suppression.is_none(), "{at}");
        }
        total += obs.len();
    }
    // dvpwa 7, nodegoat 1 + 2, vulpy 0 (summary only), DefectDojo many-vuln 3,
    // multiple-check_type 11 + 2, the two 0-vuln samples 0.
    assert_eq!(total, 26);
}

#[test]
fn dockerfile_checks_in_detail() {
    let Some((_, obs)) = only("real-scans/dvpwa/checkov.json") else {
        return;
    };
    let add = &obs[0];
    assert_eq!(add.rule_id, "CKV_DOCKER_4");
    assert_eq!(
        add.title,
        "Ensure that COPY is used instead of ADD in Dockerfiles"
    );
    assert_eq!(
        add.location,
        Location::Resource(ResourceLocation {
            file: Some("Dockerfile.app".into()),
            resource: "/Dockerfile.app.ADD".into(),
            start_line: Some(18),
            end_line: Some(18),
        })
    );
    assert_eq!(add.snippet.as_deref(), Some("ADD ./run.py /app\n"));
    assert_eq!(add.tags, ["check_type:dockerfile"]);
    assert_eq!(add.source_ref, "/results/failed_checks/0");
    // The version is in `summary`, after `results`: the outcome has it, observations cannot.
    assert_eq!(add.tool.version, None);
    let health = &obs[3];
    assert_eq!(health.rule_id, "CKV_DOCKER_2");
    assert_eq!(
        health.location.display(),
        "/Dockerfile.app. (Dockerfile.app:1)"
    );
    assert_eq!(
        health.snippet.as_deref().map(|s| s.lines().count()),
        Some(20)
    );
}

#[test]
fn list_of_frameworks_and_whole_file_checks() {
    let Some((outcome, obs)) = only("real-scans/nodegoat/checkov.json") else {
        return;
    };
    assert_eq!(outcome.tools[0].version.as_deref(), Some("3.3.30"));
    assert_eq!(obs.len(), 3);
    let gha = &obs[1];
    assert_eq!(gha.rule_id, "CKV2_GHA_1");
    assert_eq!(gha.source_ref, "/1/results/failed_checks/0");
    // `file_line_range: [0, 1]` marks a whole-workflow check: no lines.
    assert_eq!(
        gha.location,
        Location::Resource(ResourceLocation {
            file: Some(".github/workflows/lint.yml".into()),
            resource: "on(Lint)".into(),
            start_line: None,
            end_line: None,
        })
    );
    assert_eq!(gha.snippet, None);
    assert_eq!(
        gha.tags,
        ["check_type:github_actions", "evaluated_key:permissions"]
    );
    assert_eq!(
        obs[2].location.file(),
        Some(".github/workflows/e2e-test.yml")
    );
}

#[test]
fn terraform_checks_in_detail() {
    let Some((outcome, obs)) = only("defectdojo/checkov/checkov-report-multiple-check_type.json")
    else {
        return;
    };
    assert_eq!(outcome.tools[0].version.as_deref(), Some("2.0.209"));
    let rds = &obs[1];
    assert_eq!(rds.rule_id, "CKV_AWS_16");
    assert_eq!(
        rds.title,
        "Ensure all data stored in the RDS is securely encrypted at rest"
    );
    assert_eq!(
        rds.location,
        Location::Resource(ResourceLocation {
            file: Some("aws/db-app.tf".into()),
            resource: "aws_db_instance.default".into(),
            start_line: Some(1),
            end_line: Some(41),
        })
    );
    assert_eq!(
        rds.tags,
        ["check_type:terraform", "evaluated_key:storage_encrypted"]
    );
    assert_eq!(
        rds.references,
        ["https://docs.bridgecrew.io/docs/general_4"]
    );
    let snippet = rds.snippet.as_deref().unwrap();
    assert!(
        snippet.starts_with("resource \"aws_db_instance\" \"default\" {\n"),
        "{snippet}"
    );
    assert!(
        snippet.contains("  storage_encrypted       = false\n"),
        "{snippet}"
    );
    assert_eq!(snippet.lines().count(), 41);
    let ec2 = &obs[6];
    assert_eq!(ec2.rule_id, "CKV_AWS_79");
    assert_eq!(
        ec2.location.display(),
        "aws_instance.db_app (aws/db-app.tf:242)"
    );
    assert_eq!(
        ec2.tags[1..],
        [
            "evaluated_key:metadata_options/[0]/http_tokens",
            "evaluated_key:metadata_options/[0]/http_endpoint"
        ]
    );
    // The Dockerfile report of the list: `[0, 0]` (a whole-file check) gives no lines.
    let docker = &obs[11];
    assert_eq!(docker.source_ref, "/1/results/failed_checks/0");
    assert_eq!(docker.rule_id, "CKV_DOCKER_3");
    assert_eq!(docker.location.file(), Some("aws/resources/Dockerfile"));
    assert_eq!(docker.location.line(), None);
    assert_eq!(docker.snippet.as_deref(), Some("FROM python:3.7-slim\n"));
}

#[test]
fn empty_reports_name_the_tool() {
    for path in [
        "real-scans/vulpy/checkov.json",
        "defectdojo/checkov/checkov2-report-0-vuln.json",
        "defectdojo/checkov/checkov-report-0-vuln.json",
    ] {
        let Some((outcome, obs)) = only(path) else {
            return;
        };
        assert!(obs.is_empty(), "{path}");
        assert_eq!(outcome.tools[0].name, "checkov", "{path}");
        assert!(outcome.tools[0].version.is_some(), "{path}");
    }
}

/// Every checkov member of `real-scans/LABELS.json` is the observation its JSON pointer names,
/// with the labelled rule, file and line.
#[test]
fn labelled_members_are_found_by_their_pointer() {
    let Some(labelled) = corpus::labelled_members("checkov.json") else {
        return;
    };
    let mut checked = 0;
    for (target, members) in labelled {
        let (_, obs) = only(&format!("real-scans/{target}/checkov.json")).unwrap();
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
            // The labels write Checkov's whole-file line 0 as is.
            let line = m["line"].as_u64().filter(|&l| l > 0);
            assert_eq!(o.location.line().map(u64::from), line, "{target} {ptr}");
            checked += 1;
        }
    }
    assert_eq!(checked, 13, "labelled checkov members");
}
