//! Every CycloneDX document of the corpus, parsed in place with format detection.
//!
//! Sources: `cyclonedx/{bom-examples,specification/test-vectors,guac-exampledata}`,
//! `defectdojo/cyclonedx`, the CycloneDX files of `trivy-golden` (those with a top-level
//! `bomFormat`), `scanner-misc/gatecheck/cyclonedx-*` and `real-scans/*/*.cdx.json`.
//!
//! # The rejection rule (asserted for every file)
//!
//! Rampart rejects a file only when it cannot be read as a CycloneDX BOM at all, and accepts
//! every other schema violation with diagnostics. The test decides independently of the
//! parser, from the bytes:
//! * JSON: reject when it is not JSON, or when `bomFormat` is not `"CycloneDX"`;
//! * XML: reject when it is not well-formed, or when the root is not `<bom>` in a
//!   `http://cyclonedx.org/schema/bom/1.N` namespace.
//!
//! Of the specification's `invalid-*` test vectors this rejects exactly `invalid-bomformat-*`
//! and `invalid-namespace-*`; the others (bad hashes, unknown enum values, empty components,
//! dependencies without `ref`, license ids that are not SPDX ...) are schema-invalid but
//! usable, and parse with a diagnostic for each record that was skipped or repaired.
//!
//! # What is counted independently
//!
//! For every accepted file the test counts, from `serde_json::Value` or a plain quick-xml
//! event walk (no namespaces, local names), the components (nested ones included, those of
//! tools, pedigree and formulation excluded), the dependency edges between known components,
//! and the observations (vulnerability × `affects` target, or one for a vulnerability that
//! names none), and compares with the parser's output.

use quick_xml::Reader;
use quick_xml::events::Event;
use rampart_formats::{Format, ParseContext, ParseError, ParseOutcome, corpus, parse_bytes};
use rampart_model::{FindingKind, Inventory, Location, Observation, Severity, ToolKind};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What the test expects of one file, counted without the parser.
#[derive(Debug, Default, PartialEq)]
struct Expect {
    components: usize,
    nameless: usize,
    edges: usize,
    observations: usize,
}

fn rel(p: &Path) -> String {
    let root = corpus::dir().unwrap_or_default();
    p.strip_prefix(&root).unwrap_or(p).display().to_string()
}

fn parse(p: &Path) -> Result<(ParseOutcome, Vec<Observation>), ParseError> {
    let bytes = std::fs::read(p).expect("read corpus file");
    parse_bytes(
        &bytes,
        None,
        &ParseContext::new(rel(p), b"test-key".to_vec()),
    )
}

fn parse_ok(rel_path: &str) -> Option<(ParseOutcome, Vec<Observation>)> {
    let p = corpus::file(rel_path)?;
    Some(parse(&p).unwrap_or_else(|e| panic!("{rel_path}: {e}")))
}

fn inventory(o: &ParseOutcome) -> &Inventory {
    o.inventory.as_ref().expect("an inventory")
}

/// Every CycloneDX file of the corpus, with the number found per source asserted.
fn cyclonedx_files() -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut take = |files: Vec<PathBuf>, expected: usize, what: &str| {
        assert_eq!(files.len(), expected, "{what}: corpus files found");
        all.extend(files);
    };
    take(
        corpus::files("cyclonedx/bom-examples", &[".json", ".xml"]),
        71,
        "bom-examples",
    );
    take(
        corpus::files("cyclonedx/specification/test-vectors", &[".json", ".xml"]),
        553,
        "specification test vectors",
    );
    take(
        corpus::files("cyclonedx/guac-exampledata", &[".json", ".xml"]),
        26,
        "guac",
    );
    take(corpus::files("defectdojo/cyclonedx", &[]), 12, "defectdojo");
    let trivy: Vec<PathBuf> = corpus::files("trivy-golden", &[".json", ".golden"])
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            serde_json::from_str::<Value>(&text)
                .ok()
                .is_some_and(|v| v.get("bomFormat").is_some())
        })
        .collect();
    take(trivy, 10, "trivy-golden CycloneDX");
    let gatecheck: Vec<PathBuf> = corpus::files("scanner-misc/gatecheck", &[".json"])
        .into_iter()
        .filter(|p| rel(p).contains("/cyclonedx-"))
        .collect();
    take(gatecheck, 3, "gatecheck");
    take(corpus::files("real-scans", &[".cdx.json"]), 6, "real-scans");
    all
}

fn is_xml(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "xml")
}

/// The rejection rule of the module docs, decided from the bytes. `Some(reason)` = reject.
fn must_reject(p: &Path, bytes: &[u8]) -> Option<&'static str> {
    if is_xml(p) {
        return xml_reject(bytes);
    }
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else {
        return Some("not JSON");
    };
    (v.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX")).then_some("bomFormat")
}

fn xml_reject(bytes: &[u8]) -> Option<&'static str> {
    let mut r = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut root_ok = None;
    let mut decls = 0;
    loop {
        match r.read_event_into(&mut buf) {
            Err(_) => return Some("not well-formed"),
            Ok(Event::Eof) => break,
            Ok(Event::Decl(_)) => decls += 1,
            Ok(Event::Start(e) | Event::Empty(e)) if root_ok.is_none() => {
                let local = e.local_name().as_ref() == b"bom";
                let ns = e.attributes().flatten().find_map(|a| {
                    let key = a.key.as_ref();
                    (key == b"xmlns" || key.starts_with(b"xmlns:"))
                        .then(|| String::from_utf8_lossy(&a.value).into_owned())
                        .filter(|v| v.starts_with("http://cyclonedx.org/schema/bom/"))
                });
                let versioned = ns.as_deref().is_some_and(|n| {
                    n.trim_start_matches("http://cyclonedx.org/schema/bom/1.")
                        .parse::<u32>()
                        .is_ok()
                });
                root_ok = Some(local && versioned);
            }
            Ok(_) => {}
        }
        buf.clear();
    }
    match root_ok {
        _ if decls > 1 => Some("not well-formed"),
        None => Some("no root element"),
        Some(false) => Some("namespace"),
        Some(true) => None,
    }
}

/// Counts components, edges and observations of a JSON BOM from its `Value`.
fn expect_json(v: &Value) -> Expect {
    let mut e = Expect::default();
    let mut known: HashSet<String> = HashSet::new();
    let note_refs = |c: &Value, known: &mut HashSet<String>| {
        for k in ["bom-ref", "purl"] {
            if let Some(s) = c.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()) {
                known.insert(s.to_string());
            }
        }
    };
    let mut stack: Vec<&Value> = Vec::new();
    if let Some(root) = v.pointer("/metadata/component") {
        note_refs(root, &mut known);
        stack.extend(
            root.get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    stack.extend(
        v.get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    while let Some(c) = stack.pop() {
        e.components += 1;
        let named = c.get("name").is_some_and(|n| match n {
            Value::String(s) => !s.trim().is_empty(),
            Value::Null => false,
            _ => true,
        });
        if named {
            note_refs(c, &mut known);
        } else {
            e.nameless += 1;
        }
        stack.extend(
            c.get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    let mut edges = HashSet::new();
    for d in v
        .get("dependencies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(from) = d.get("ref").and_then(Value::as_str) else {
            continue;
        };
        for to in d
            .get("dependsOn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(to) = to.as_str()
                && known.contains(from)
                && known.contains(to)
            {
                edges.insert((from.to_string(), to.to_string()));
            }
        }
    }
    e.edges = edges.len();
    for vuln in v
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if vuln
            .get("id")
            .and_then(Value::as_str)
            .is_none_or(|s| s.trim().is_empty())
        {
            continue;
        }
        let affects = vuln.get("affects").and_then(Value::as_array);
        e.observations += match affects {
            Some(a) if !a.is_empty() => a.len(),
            _ => 1,
        };
    }
    e
}

/// Counts the same from XML with a plain (namespace-unaware) event walk.
fn expect_xml(bytes: &[u8]) -> Expect {
    let mut r = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut e = Expect::default();
    // (qualified name, counted component?, has a non-empty <name>)
    let mut stack: Vec<(String, bool, bool)> = Vec::new();
    let mut known: HashSet<String> = HashSet::new();
    let mut pending_refs: Vec<(String, String)> = Vec::new();
    let mut dep_refs: Vec<Option<String>> = Vec::new();
    let mut text = String::new();
    let mut targets = 0usize;
    loop {
        let ev = r.read_event_into(&mut buf).expect("well-formed XML");
        let (start, empty) = match &ev {
            Event::Start(_) => (true, false),
            Event::Empty(_) => (true, true),
            _ => (false, false),
        };
        match ev {
            Event::Eof => break,
            Event::Start(ref s) | Event::Empty(ref s) if start => {
                let qname = String::from_utf8_lossy(s.name().as_ref()).into_owned();
                let attr = |k: &str| {
                    s.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k.as_bytes())
                        .map(|a| a.unescape_value().unwrap_or_default().into_owned())
                };
                let parent = stack.last().map(|x| x.0.clone()).unwrap_or_default();
                let names: Vec<&str> = stack.iter().map(|x| x.0.as_str()).collect();
                let excluded = names
                    .iter()
                    .any(|n| matches!(*n, "tools" | "pedigree" | "formulation"));
                let counted = qname == "component" && parent == "components" && !excluded;
                let root = qname == "component" && names == ["bom", "metadata"];
                if (counted || root)
                    && let Some(r) = attr("bom-ref").filter(|r| !r.is_empty())
                {
                    known.insert(r);
                }
                if counted {
                    e.components += 1;
                }
                if qname == "dependency" && names.get(1) == Some(&"dependencies") {
                    let me = attr("ref");
                    if parent == "dependency"
                        && let (Some(Some(from)), Some(to)) = (dep_refs.last(), &me)
                    {
                        pending_refs.push((from.clone(), to.clone()));
                    }
                    if !empty {
                        dep_refs.push(me);
                    }
                }
                if qname == "v:vulnerability" {
                    e.observations += 1;
                }
                if qname == "vulnerability" && names == ["bom", "vulnerabilities"] {
                    targets = 0;
                }
                if qname == "target" && names.len() == 4 && names[3] == "affects" {
                    targets += 1;
                }
                text.clear();
                if !empty {
                    stack.push((qname, counted || root, false));
                } else if counted {
                    e.nameless += 1;
                }
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap_or_default()),
            Event::GeneralRef(_) => text.push('&'),
            Event::CData(t) => text.push_str(&t.decode().unwrap_or_default()),
            Event::End(_) => {
                let Some((qname, counted, named)) = stack.pop() else {
                    break;
                };
                let parent_is_component = stack.last().is_some_and(|x| x.1);
                if parent_is_component && (qname == "name" || qname == "purl") {
                    if qname == "purl" {
                        known.insert(text.trim().to_string());
                    } else if !text.trim().is_empty()
                        && let Some(p) = stack.last_mut()
                    {
                        p.2 = true;
                    }
                }
                if counted && !named && stack.last().is_some_and(|x| x.0 == "components") {
                    e.nameless += 1;
                }
                if qname == "dependency" && stack.get(1).is_some_and(|x| x.0 == "dependencies") {
                    dep_refs.pop();
                }
                if qname == "vulnerability" && stack.len() == 2 && stack[1].0 == "vulnerabilities" {
                    e.observations += targets.max(1);
                }
                text.clear();
            }
            _ => {}
        }
        buf.clear();
    }
    e.edges = pending_refs
        .into_iter()
        .filter(|(f, t)| known.contains(f) && known.contains(t))
        .collect::<HashSet<_>>()
        .len();
    e
}

fn check_observation(file: &str, o: &Observation) {
    assert_eq!(o.kind, FindingKind::Dependency, "{file}");
    assert!(
        !o.rule_id.is_empty() && !o.title.contains('\n'),
        "{file}: {o:?}"
    );
    assert!(!o.source_ref.is_empty(), "{file}");
    assert!(
        !o.tool.name.is_empty() && o.tool.name == o.tool.name.to_lowercase(),
        "{file}"
    );
    if let Some(first) = rampart_model::normalize_vuln_id(&o.rule_id) {
        assert_eq!(o.vuln_ids.first(), Some(&first), "{file}: primary id first");
    }
    if let Some(s) = &o.suppression {
        assert_eq!(s.kind, "vex", "{file}");
        assert!(s.status.is_some(), "{file}");
    }
}

#[test]
fn every_corpus_cyclonedx_file_follows_the_rule() {
    if corpus::dir().is_none() {
        return; // corpus absent (and not required)
    }
    let files = cyclonedx_files();
    let (mut accepted, mut rejected, mut invalid_accepted) = (0, 0, 0);
    let mut totals = Expect::default();
    for p in &files {
        let name = rel(p);
        let bytes = std::fs::read(p).expect("read");
        let result = parse(p);
        if let Some(reason) = must_reject(p, &bytes) {
            let err = result
                .err()
                .unwrap_or_else(|| panic!("{name}: must be rejected ({reason})"));
            let msg = err.to_string();
            assert!(
                msg.starts_with(&name),
                "{name}: the error names the file: {msg}"
            );
            let hint = match reason {
                "bomFormat" => "expected \"CycloneDX\"",
                "namespace" => "expected 1.0 to 1.7",
                _ => "root element",
            };
            assert!(msg.contains(hint), "{name}: {msg}");
            assert!(
                !name.contains("/valid-"),
                "{name}: a valid test vector was rejected"
            );
            rejected += 1;
            continue;
        }
        let (outcome, obs) = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let expected_format = if is_xml(p) {
            Format::CycloneDxXml
        } else {
            Format::CycloneDxJson
        };
        assert_eq!(
            outcome.format,
            Some(expected_format),
            "{name}: detected format"
        );
        assert_eq!(outcome.tool_kind, Some(ToolKind::Sbom), "{name}");
        assert!(!outcome.tools.is_empty(), "{name}: tools");
        let inv = inventory(&outcome);
        let expect = if is_xml(p) {
            expect_xml(&bytes)
        } else {
            expect_json(&serde_json::from_slice(&bytes).expect("json"))
        };
        assert_eq!(
            inv.components.len(),
            expect.components - expect.nameless,
            "{name}: components"
        );
        let nameless_diags = outcome
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("component without a name"))
            .count();
        assert_eq!(
            nameless_diags, expect.nameless,
            "{name}: nameless components diagnosed"
        );
        assert_eq!(inv.edges.len(), expect.edges, "{name}: dependency edges");
        assert_eq!(obs.len(), expect.observations, "{name}: observations");
        assert_eq!(outcome.observations as usize, obs.len(), "{name}");
        for c in &inv.components {
            assert!(!c.name.is_empty() && !c.bom_ref.is_empty(), "{name}: {c:?}");
            assert!(c.hashes.iter().all(|h| h.contains(':')), "{name}: {c:?}");
        }
        let refs: HashSet<&str> = inv
            .components
            .iter()
            .chain(inv.root.as_ref())
            .map(|c| c.bom_ref.as_str())
            .collect();
        for edge in &inv.edges {
            assert!(
                refs.contains(edge.from.as_str()) && refs.contains(edge.to.as_str()),
                "{name}"
            );
        }
        for o in &obs {
            check_observation(&name, o);
        }
        if name.contains("/invalid-") || name.contains("/informal-invalid-") {
            invalid_accepted += 1;
        }
        accepted += 1;
        totals.components += inv.components.len();
        totals.edges += inv.edges.len();
        totals.observations += obs.len();
    }
    println!("accepted {accepted}, rejected {rejected}, totals {totals:?}");
    assert_eq!(accepted + rejected, 681);
    // invalid-bomformat (4), invalid-namespace (4), guac invalid-cyclonedx.json and .xml.
    assert_eq!(rejected, 10);
    assert_eq!(invalid_accepted, 203 - 8);
}

#[test]
fn rejected_files_say_where_and_why() {
    let Some(p) =
        corpus::file("cyclonedx/specification/test-vectors/1.7/invalid-namespace-1.7.xml")
    else {
        return;
    };
    let msg = parse(&p).unwrap_err().to_string();
    assert!(msg.contains("line 2, byte"), "{msg}");
    assert!(msg.contains("http://cyclonedx.org/schema/bom/12"), "{msg}");
    let p = corpus::file("cyclonedx/specification/test-vectors/1.6/invalid-bomformat-1.6.json")
        .unwrap();
    let msg = parse(&p).unwrap_err().to_string();
    assert!(msg.contains("line 3, column 31 (at /bomFormat)"), "{msg}");
    // Only an XML declaration: no root element, so not even detected as CycloneDX.
    let p = corpus::file("cyclonedx/guac-exampledata/invalid-cyclonedx.xml").unwrap();
    let err = parse(&p).unwrap_err();
    assert!(matches!(err, ParseError::UnknownFormat { .. }), "{err}");
    // A DSSE / in-toto envelope around a CycloneDX predicate is another format (not unwrapped).
    let p = corpus::file("trivy-golden/fixtures/sbom/centos-7-cyclonedx.intoto.jsonl").unwrap();
    let msg = parse(&p).unwrap_err().to_string();
    assert!(
        msg.contains("unknown report format") && msg.contains("payloadType"),
        "{msg}"
    );
    let p = corpus::file("cyclonedx/guac-exampledata/invalid-cyclonedx.json").unwrap();
    assert!(
        parse(&p)
            .unwrap_err()
            .to_string()
            .contains("`\"CDX\"` is not a CycloneDX BOM")
    );
}

#[test]
fn dropwizard_maven_components_licenses_and_hashes() {
    let Some((o, obs)) = parse_ok("cyclonedx/bom-examples/SBOM/dropwizard-1.3.15/bom.json") else {
        return;
    };
    assert!(obs.is_empty());
    assert_eq!(o.tools[0].name, "cyclonedx maven plugin");
    assert_eq!(o.tools[0].version.as_deref(), Some("2.0.2"));
    let inv = inventory(&o);
    let root = inv.root.as_ref().unwrap();
    assert_eq!(root.name, "io.dropwizard:dropwizard-parent");
    assert_eq!(root.licenses, vec!["Apache-2.0"]);
    let c = &inv.components[0];
    assert_eq!(
        c.bom_ref,
        "pkg:maven/com.fasterxml.jackson.core/jackson-annotations@2.9.10?type=jar"
    );
    assert_eq!(c.name, "com.fasterxml.jackson.core:jackson-annotations");
    assert_eq!(c.version.as_deref(), Some("2.9.10"));
    assert_eq!(c.purl.as_deref(), Some(c.bom_ref.as_str()));
    assert_eq!(c.component_type.as_deref(), Some("library"));
    assert!(
        c.hashes
            .contains(&"MD5:26c2b6f7bc704ccadc64c83995e0ff7f".to_string()),
        "{c:?}"
    );
    let guava = "pkg:maven/com.google.guava/guava@24.1.1-jre?type=jar";
    let deps: Vec<&str> = inv
        .edges
        .iter()
        .filter(|e| e.from == guava)
        .map(|e| e.to.as_str())
        .collect();
    assert!(
        deps.contains(&"pkg:maven/com.google.j2objc/j2objc-annotations@1.1?type=jar"),
        "{deps:?}"
    );
}

/// Name, version, purl and licenses of a component.
type ComponentKey = (String, Option<String>, Option<String>, Vec<String>);

#[test]
fn laravel_json_and_xml_give_the_same_inventory() {
    for v in ["1.2", "1.3", "1.4"] {
        let base = format!("cyclonedx/bom-examples/SBOM/laravel-7.12.0/bom.{v}");
        let (Some((j, _)), Some((x, _))) = (
            parse_ok(&format!("{base}.json")),
            parse_ok(&format!("{base}.xml")),
        ) else {
            return;
        };
        let (j, x) = (inventory(&j), inventory(&x));
        let key = |i: &Inventory| {
            let mut v: Vec<ComponentKey> = i
                .components
                .iter()
                .map(|c| {
                    (
                        c.name.clone(),
                        c.version.clone(),
                        c.purl.clone(),
                        c.licenses.clone(),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(key(j), key(x), "{base}");
        let edges = |i: &Inventory| {
            let mut v: Vec<(String, String)> = i
                .edges
                .iter()
                .map(|e| (e.from.clone(), e.to.clone()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(edges(j), edges(x), "{base}");
        assert!(
            j.components.iter().any(|c| c.name == "laravel/framework"),
            "{base}: composer vendor/name"
        );
    }
}

#[test]
fn vulnerability_vectors_json_and_xml_agree() {
    for v in ["1.4", "1.5", "1.6", "1.7"] {
        let base = format!("cyclonedx/specification/test-vectors/{v}/valid-vulnerability-{v}");
        let (Some((_, j)), Some((_, x))) = (
            parse_ok(&format!("{base}.json")),
            parse_ok(&format!("{base}.xml")),
        ) else {
            return;
        };
        assert_eq!(j.len(), 1, "{base}");
        let strip = |o: &Observation| {
            let mut o = Observation {
                source_ref: String::new(),
                ..o.clone()
            };
            if v == "1.4" || v == "1.5" {
                // These XML vectors have a typo upstream (`AN/AC:L/...`); the rest agrees.
                o.severity.cvss[0].vector = None;
            }
            o
        };
        assert_eq!(strip(&j[0]), strip(&x[0]), "{base}");
        assert_eq!(j[0].source_ref, "/vulnerabilities/0/affects/0");
        assert_eq!(
            x[0].source_ref,
            "/bom/vulnerabilities/vulnerability[1]/affects/target[1]"
        );
        let o = &j[0];
        assert_eq!(o.rule_id, "SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111");
        let ids: Vec<&str> = o.vuln_ids.iter().map(|v| v.0.as_str()).collect();
        assert_eq!(
            ids,
            ["SNYK-JAVA-COMFASTERXMLJACKSONCORE-32111", "CVE-2018-7489"]
        );
        assert_eq!(o.severity.level, Severity::Critical);
        assert_eq!(o.severity.tool_label.as_deref(), Some("critical"));
        assert_eq!(o.severity.cvss[0].score, Some(9.8));
        assert_eq!(o.cwes, vec![184, 502]);
        let Location::Package(p) = &o.location else {
            panic!("{o:?}")
        };
        assert_eq!(
            p.purl.as_deref(),
            Some("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.9.4")
        );
        assert_eq!(p.name, "com.fasterxml.jackson.core:jackson-databind");
        assert_eq!(p.version.as_deref(), Some("2.9.4"));
        assert_eq!(p.ecosystem.as_deref(), Some("maven"));
        assert_eq!(p.fixed_versions, ["2.6.7.5", "2.8.11.1", "2.9.5"]);
        let s = o.suppression.as_ref().unwrap();
        assert_eq!(s.status.as_deref(), Some("not_affected"));
        assert!(
            s.justification
                .as_deref()
                .unwrap()
                .starts_with("code_not_reachable: An optional explanation")
        );
        assert!(
            o.tags.contains(&"vex-response:will_not_fix".to_string()),
            "{:?}",
            o.tags
        );
        assert!(
            o.tags
                .iter()
                .any(|t| t == "affected-range:vers:semver/<2.6.7.5"),
            "{:?}",
            o.tags
        );
        assert!(
            o.references
                .contains(&"https://github.com/FasterXML/jackson-databind/issues/1931".to_string())
        );
    }
}

#[test]
fn cisa_vex_states_become_suppressions() {
    let dir = "cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-1";
    let cases = [
        (
            "vex-not_affected.json",
            Some("not_affected"),
            ("ABC", "4.2"),
        ),
        ("vex-affected.json", Some("exploitable"), ("DEF", "1.0")),
        ("vex-fixed.json", Some("resolved"), ("DEF", "1.1")),
        (
            "vex-under_investigation.json",
            Some("in_triage"),
            ("GHI", "17.4"),
        ),
    ];
    for (file, state, product) in cases {
        let Some((o, obs)) = parse_ok(&format!("{dir}/{file}")) else {
            return;
        };
        assert_eq!(o.tools[0].name, "cyclonedx", "{file}: no metadata.tools");
        assert_eq!(obs.len(), 1, "{file}");
        let ob = &obs[0];
        assert_eq!(ob.rule_id, "CVE-2021-44228");
        assert_eq!(
            ob.suppression.as_ref().and_then(|s| s.status.as_deref()),
            state,
            "{file}"
        );
        let Location::Package(p) = &ob.location else {
            panic!()
        };
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            (product.0, Some(product.1)),
            "{file}"
        );
    }
    let (_, obs) = parse_ok(&format!("{dir}/vex-not_affected.json")).unwrap();
    assert_eq!(
        obs[0]
            .suppression
            .as_ref()
            .unwrap()
            .justification
            .as_deref(),
        Some(
            "code_not_present: This version of Product ABC is not affected by the vulnerability. \
             Class with vulnerable code was removed before shipping."
        )
    );
}

#[test]
fn bom_links_and_vulnerabilities_without_affects() {
    // A BOM-Link whose fragment is a purl: the package comes from the purl.
    let Some((_, obs)) = parse_ok("cyclonedx/bom-examples/VEX/vex.json") else {
        return;
    };
    let Location::Package(p) = &obs[0].location else {
        panic!()
    };
    assert_eq!(p.name, "com.fasterxml.jackson.core:jackson-databind");
    assert_eq!(p.version.as_deref(), Some("2.10.0"));
    // A BOM-Link to another BOM's product: the fragment is the package name.
    let (_, obs) = parse_ok("cyclonedx/bom-examples/VEX/CISA-Use-Cases/Case-8/vex.json").unwrap();
    assert!(
        obs.iter()
            .any(|o| matches!(&o.location, Location::Package(p) if p.name == "product-ABC"))
    );
    // JFrog Xray: no affects, the vulnerability's bom-ref is the package's purl.
    let (o, obs) = parse_ok("cyclonedx/guac-exampledata/xray-cdx-vulns.json").unwrap();
    assert_eq!(o.tools[0].name, "xray");
    let Location::Package(p) = &obs[0].location else {
        panic!()
    };
    assert_eq!(p.purl.as_deref(), Some("pkg:deb/debian:buster:apt@1.8.2.2"));
    assert_eq!(
        obs[0].suppression.as_ref().unwrap().status.as_deref(),
        Some("in_triage")
    );
    // No affects and no metadata.component: no location.
    let (_, obs) = parse_ok("cyclonedx/bom-examples/VEX/Use-Cases/Case-7/vex.json").unwrap();
    assert_eq!(obs[0].location, Location::None);
    assert_eq!(
        obs[0].severity.level,
        Severity::High,
        "NVD 7.5 wins over Acme's environmental 0.0"
    );
}

#[test]
fn scanner_sboms_with_vulnerabilities() {
    let Some((o, obs)) = parse_ok("defectdojo/cyclonedx/log4j.json") else {
        return;
    };
    assert_eq!(
        (o.tools[0].name.as_str(), o.tools[0].version.as_deref()),
        ("grype", Some("0.41.0"))
    );
    let o44228 = obs.iter().find(|o| o.rule_id == "CVE-2021-44228").unwrap();
    assert_eq!(o44228.severity.level, Severity::Critical);
    let Location::Package(p) = &o44228.location else {
        panic!()
    };
    assert_eq!(
        p.name, "org.apache.logging.log4j:log4j-core",
        "group taken from the purl"
    );
    assert_eq!(
        p.purl.as_deref(),
        Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.13.2")
    );

    // The 1.x vulnerability extension: vulnerabilities nested in components.
    let (o, obs) = parse_ok("defectdojo/cyclonedx/grype.xml").unwrap();
    assert_eq!(
        (o.tools[0].name.as_str(), o.tools[0].version.as_deref()),
        ("grype", Some("0.7.0"))
    );
    let apt = obs.iter().find(|o| o.rule_id == "CVE-2011-3374").unwrap();
    let Location::Package(p) = &apt.location else {
        panic!()
    };
    assert_eq!(
        (p.name.as_str(), p.version.as_deref()),
        ("apt", Some("1.8.2.1"))
    );
    assert_eq!(
        apt.severity.level,
        Severity::Low,
        "CVSS v2 does not override the word"
    );
    assert_eq!(apt.severity.tool_label.as_deref(), Some("Low"));
    assert_eq!(
        apt.severity.cvss[0].vector.as_deref(),
        Some("AV:N/AC:M/Au:N/C:N/I:P/A:N")
    );
    assert_eq!(
        apt.references[0],
        "https://security-tracker.debian.org/tracker/CVE-2011-3374"
    );

    // Trivy: the fixed version comes from the recommendation text.
    let (o, obs) = parse_ok("trivy-golden/npm-cyclonedx.json.golden").unwrap();
    assert_eq!(o.tools[0].name, "trivy");
    let Location::Package(p) = &obs[0].location else {
        panic!()
    };
    assert_eq!(
        (p.name.as_str(), p.fixed_versions.as_slice()),
        ("jquery", &["3.4.0".to_string()][..])
    );
    assert_eq!(obs[0].severity.level, Severity::Medium);
    assert_eq!(obs[0].cwes, vec![79]);
}

#[test]
fn npm_scopes_and_nested_components() {
    let Some((o, _)) = parse_ok("real-scans/nodegoat/cyclonedx-npm.cdx.json") else {
        return;
    };
    let inv = inventory(&o);
    assert!(
        inv.components.iter().any(|c| c.name == "@cypress/xvfb"),
        "npm scope joined"
    );
    assert_eq!(
        o.tools[0].name, "npm",
        "the first of metadata.tools.components"
    );
    assert!(o.tools.iter().any(|t| t.name == "cyclonedx-npm"));
}
