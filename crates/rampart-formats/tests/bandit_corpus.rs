//! Every Bandit JSON sample of the shared corpus, parsed in place: DefectDojo's samples and the
//! real-scans runs (bandit 1.9.4), checked against counts taken from the JSON itself and against
//! the hand-made labels of `real-scans/LABELS.json`.

use rampart_formats::corpus::{json as value, parse_file as parse, relative as rel};
use rampart_formats::{Format, corpus};
use rampart_model::{CodeLocation, FindingKind, Location, Observation, Severity, ToolKind};
use serde_json::Value;
use std::path::PathBuf;

/// Every Bandit JSON sample; `None` when the corpus is absent.
fn bandit_files() -> Option<Vec<PathBuf>> {
    corpus::dir()?;
    let mut files = corpus::files("defectdojo/bandit", &[".json"]);
    files.extend(
        corpus::files("real-scans", &["bandit.json"])
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "bandit.json")),
    );
    Some(files)
}

fn only(path: &str) -> Option<Vec<Observation>> {
    let p = corpus::file(path)?;
    Some(parse(&p, None).unwrap_or_else(|e| panic!("{path}: {e}")).1)
}

/// The text of line `n` in Bandit's numbered quote, found by its `"<n> "` prefix.
fn quoted_line(code: &str, n: u64) -> Option<String> {
    let prefix = format!("{n} ");
    code.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
}

#[test]
fn every_bandit_sample_parses_as_the_file_says() {
    let Some(files) = bandit_files() else { return };
    // 4 DefectDojo samples + vulpy and dvpwa (no bandit run on nodegoat).
    assert_eq!(files.len(), 6, "bandit samples found: {files:#?}");
    let mut total = 0;
    let mut scrubbed = 0;
    for path in &files {
        let name = rel(path);
        let raw = value(path);
        let (outcome, obs) = parse(path, None).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(outcome.format, Some(Format::Bandit), "{name}");
        assert_eq!(outcome.tool_kind, Some(ToolKind::Sast), "{name}");
        let results = raw["results"].as_array().unwrap();
        assert_eq!(obs.len(), results.len(), "{name}: observations");
        assert_eq!(outcome.observations as usize, results.len(), "{name}");
        let errors = raw["errors"].as_array().map_or(0, Vec::len);
        assert_eq!(
            outcome.diagnostics.len(),
            errors,
            "{name}: {:#?}",
            outcome.diagnostics
        );
        assert_eq!(outcome.tools.len(), 1, "{name}");
        assert_eq!(outcome.tools[0].name, "bandit", "{name}");
        // The real-scans runs link the 1.9.4 docs; DefectDojo's samples link `latest`.
        let version = name.starts_with("real-scans/").then_some("1.9.4");
        assert_eq!(outcome.tools[0].version.as_deref(), version, "{name}");
        for (i, (o, r)) in obs.iter().zip(results).enumerate() {
            assert_eq!(o.source_ref, format!("/results/{i}"), "{name}");
            assert_eq!(o.kind, FindingKind::Code, "{name} #{i}");
            assert_eq!(
                Some(o.rule_id.as_str()),
                r["test_id"].as_str(),
                "{name} #{i}"
            );
            assert_eq!(
                o.rule_name.as_deref(),
                r["test_name"].as_str(),
                "{name} #{i}"
            );
            // A quoted hard-coded password is scrubbed from what Rampart keeps.
            let issue_text = r["issue_text"].as_str().unwrap();
            let credential = quoted_password(issue_text);
            let scrub = |text: &str| match credential {
                Some((q, v)) => text.replace(&format!("{q}{v}{q}"), &format!("{q}***{q}")),
                None => text.to_string(),
            };
            assert_eq!(
                o.message.as_deref(),
                Some(scrub(issue_text).as_str()),
                "{name} #{i}"
            );
            if let Some((q, v)) = credential {
                let quoted = format!("{q}{v}{q}");
                for kept in [Some(&o.title), o.message.as_ref(), o.snippet.as_ref()] {
                    let kept = kept.map_or("", |k| k.as_str());
                    assert!(!kept.contains(&quoted), "{name} #{i}: {kept}");
                }
                scrubbed += 1;
            }
            assert_eq!(
                o.severity.tool_label.as_deref(),
                r["issue_severity"].as_str(),
                "{name} #{i}"
            );
            assert_eq!(
                o.tags,
                [format!(
                    "confidence:{}",
                    r["issue_confidence"].as_str().unwrap().to_lowercase()
                )],
                "{name} #{i}"
            );
            let cwe = r.pointer("/issue_cwe/id").and_then(Value::as_u64);
            assert_eq!(o.cwes.first().map(|&c| u64::from(c)), cwe, "{name} #{i}");
            let line = r["line_number"].as_u64().unwrap();
            let filename = r["filename"].as_str().unwrap().replace('\\', "/");
            let Location::Code(c) = &o.location else {
                panic!("{name} #{i}: {:?}", o.location)
            };
            assert_eq!(c.path, filename.trim_start_matches("./"), "{name} #{i}");
            assert_eq!(c.start_line.map(u64::from), Some(line), "{name} #{i}");
            // The snippet starts with the finding's own line, without its number.
            let snippet = o.snippet.as_deref().unwrap_or("");
            let own = scrub(&quoted_line(r["code"].as_str().unwrap(), line).unwrap());
            assert_eq!(snippet.lines().next().unwrap_or(""), own, "{name} #{i}");
            let range = r["line_range"].as_array().unwrap();
            let span = range.last().unwrap().as_u64().unwrap() - line + 1;
            if !own.trim().is_empty() {
                assert_eq!(snippet.lines().count() as u64, span, "{name} #{i}");
            }
            assert_eq!(o.references, [r["more_info"].as_str().unwrap()], "{name}");
        }
        total += obs.len();
    }
    // dd 47 + many_vulns 214 + one_vuln 1 + no_vuln 0 + vulpy 51 + dvpwa 2.
    assert_eq!(total, 315);
    assert!(scrubbed > 0, "no sample quotes a hard-coded password");
    eprintln!("{scrubbed} quoted hard-coded passwords scrubbed");
}

/// The quote character and value of Bandit's `Possible hardcoded password: 'value'`.
fn quoted_password(text: &str) -> Option<(char, &str)> {
    let rest = &text[text.find("hardcoded password: ")? + "hardcoded password: ".len()..];
    let q = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let value = &rest[1..][..rest[1..].find(q)?];
    (!value.is_empty()).then_some((q, value))
}

#[test]
fn dvpwa_findings_in_detail() {
    let Some(obs) = only("real-scans/dvpwa/bandit.json") else {
        return;
    };
    assert_eq!(obs.len(), 2);
    let sqli = &obs[0];
    assert_eq!(sqli.rule_id, "B608");
    assert_eq!(sqli.rule_name.as_deref(), Some("hardcoded_sql_expressions"));
    assert_eq!(
        sqli.title,
        "Possible SQL injection vector through string-based query construction."
    );
    assert_eq!(sqli.tool.version.as_deref(), Some("1.9.4"));
    assert_eq!(sqli.severity.level, Severity::Medium);
    assert_eq!(sqli.severity.tool_label.as_deref(), Some("MEDIUM"));
    assert_eq!(sqli.cwes, [89]);
    assert_eq!(sqli.tags, ["confidence:low"]);
    assert_eq!(
        sqli.location,
        Location::Code(CodeLocation {
            path: "sqli/dao/student.py".into(),
            start_line: Some(42),
            end_line: Some(43),
            start_column: Some(14),
            end_column: Some(35),
        })
    );
    // Lines 42-43 of the quote (41 and 44 are context), without "42 " / "43 ".
    assert_eq!(
        sqli.snippet.as_deref(),
        Some(
            "        q = (\"INSERT INTO students (name) \"\n             \"VALUES ('%(name)s')\" % {'name': name})\n"
        )
    );
    let md5 = &obs[1];
    assert_eq!(md5.rule_id, "B324");
    assert_eq!(md5.severity.level, Severity::High);
    assert_eq!(md5.cwes, [327]);
    assert_eq!(md5.location.display(), "sqli/dao/user.py:41");
    assert_eq!(
        md5.snippet.as_deref(),
        Some("        return self.pwd_hash == md5(password.encode('utf-8')).hexdigest()\n")
    );
    assert_eq!(
        md5.references,
        ["https://bandit.readthedocs.io/en/1.9.4/plugins/b324_hashlib.html"]
    );
}

#[test]
fn defectdojo_windows_paths_and_old_records() {
    let Some(obs) = only("defectdojo/bandit/many_vulns.json") else {
        return;
    };
    let o = &obs[0];
    assert_eq!(o.rule_id, "B110");
    // `dojo/benchmark\views.py`: the backslash becomes a slash.
    assert_eq!(
        o.location,
        Location::Code(CodeLocation {
            path: "dojo/benchmark/views.py".into(),
            start_line: Some(26),
            end_line: Some(27),
            start_column: None,
            end_column: None,
        })
    );
    assert_eq!(o.snippet.as_deref(), Some("    except:\n        pass\n"));
    assert_eq!(o.severity.level, Severity::Low);
    // Bandit before 1.7.5 wrote no CWE and linked the `latest` docs.
    assert!(o.cwes.is_empty());
    assert_eq!(o.tool.version, None);
    let medium = obs
        .iter()
        .filter(|o| o.severity.level == Severity::Medium)
        .count();
    assert_eq!(medium, 155);
}

/// Every bandit member of `real-scans/LABELS.json` is the observation its JSON pointer names,
/// with the labelled rule, file and line.
#[test]
fn labelled_members_are_found_by_their_pointer() {
    let Some(labelled) = corpus::labelled_members("bandit.json") else {
        return;
    };
    let mut checked = 0;
    for (target, members) in labelled {
        let obs = only(&format!("real-scans/{target}/bandit.json")).unwrap();
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
    assert_eq!(checked, 60, "labelled bandit members");
}
