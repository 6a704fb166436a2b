//! Hand-written documents for what the corpus does not show: key order, malformed and
//! hostile input, old shapes.

use crate::{Format, ParseContext, ParseError, ParseOutcome, parse_bytes};
use rampart_model::{Location, Observation};

fn run(doc: &str, format: Format) -> Result<(ParseOutcome, Vec<Observation>), ParseError> {
    parse_bytes(
        doc.as_bytes(),
        Some(format),
        &ParseContext::new("t.cdx", b"k".to_vec()),
    )
}

fn json(doc: &str) -> (ParseOutcome, Vec<Observation>) {
    run(doc, Format::CycloneDxJson).unwrap_or_else(|e| panic!("{e}"))
}

fn xml(doc: &str) -> (ParseOutcome, Vec<Observation>) {
    run(doc, Format::CycloneDxXml).unwrap_or_else(|e| panic!("{e}"))
}

fn json_err(doc: &str) -> String {
    run(doc, Format::CycloneDxJson).unwrap_err().to_string()
}

fn xml_err(doc: &str) -> String {
    run(doc, Format::CycloneDxXml).unwrap_err().to_string()
}

const NS: &str = "http://cyclonedx.org/schema/bom/1.4";

#[test]
fn json_keys_in_any_order() {
    let (o, obs) = json(
        r#"{"vulnerabilities": [{"id": "cve-2021-1", "affects": [{"ref": "a"}],
              "ratings": [{"score": "7.5", "method": "CVSSv31"}]}],
            "dependencies": [{"ref": "a", "dependsOn": ["b", "b", "gone"]}],
            "components": [{"bom-ref": "a", "name": "a", "version": 1,
                            "components": [{"bom-ref": "b", "name": "b"}]}],
            "metadata": {"tools": [{"vendor": "v", "name": "Scanner", "version": "2"}]},
            "specVersion": "1.4", "bomFormat": "CycloneDX"}"#,
    );
    let inv = o.inventory.unwrap();
    assert_eq!(inv.components.len(), 2);
    assert_eq!(
        inv.components[0].version.as_deref(),
        Some("1"),
        "numbers as strings"
    );
    assert_eq!(
        inv.edges.len(),
        1,
        "duplicate edge once, edge to a missing ref dropped"
    );
    assert!(
        o.diagnostics
            .iter()
            .any(|d| d.message.contains("`a` -> `gone`"))
    );
    assert_eq!(obs.len(), 1);
    let ob = &obs[0];
    assert_eq!(
        (ob.tool.name.as_str(), ob.tool.version.as_deref()),
        ("scanner", Some("2"))
    );
    assert_eq!(ob.vuln_ids[0].0, "CVE-2021-1");
    assert_eq!(ob.severity.level, rampart_model::Severity::High);
    let Location::Package(p) = &ob.location else {
        panic!()
    };
    assert_eq!(p.name, "a", "resolved although components came later");
}

#[test]
fn json_old_nested_dependency_objects() {
    let (o, _) = json(
        r#"{"bomFormat": "CycloneDX", "specVersion": "1.2",
            "components": [{"bom-ref": "a", "name": "a"}, {"bom-ref": "b", "name": "b"},
                           {"bom-ref": "c", "name": "c"}],
            "dependencies": [{"ref": "a", "dependsOn": [{"ref": "b", "dependsOn": ["c"]}, 5]}]}"#,
    );
    let edges: Vec<(String, String)> = o
        .inventory
        .unwrap()
        .edges
        .into_iter()
        .map(|e| (e.from, e.to))
        .collect();
    assert_eq!(edges, [("a".into(), "b".into()), ("b".into(), "c".into())]);
    assert!(
        o.diagnostics
            .iter()
            .any(|d| d.place == "/dependencies/0/dependsOn/1")
    );
}

#[test]
fn json_bad_records_are_diagnosed_not_fatal() {
    let (o, _) = json(
        r#"{"bomFormat": "CycloneDX", "specVersion": "9.9",
            "components": ["text", {"name": "ok", "hashes": [{"alg": "SHA-1", "content": "AB"}],
                           "licenses": [{"license": {"name": "MIT"}}, {"expression": "A OR B"}, {}]},
                           {"bom-ref": "", "name": "ok"}]}"#,
    );
    let inv = o.inventory.unwrap();
    assert_eq!(inv.components.len(), 2);
    assert_eq!(inv.components[0].hashes, ["SHA-1:ab"]);
    assert_eq!(inv.components[0].licenses, ["MIT", "A OR B"]);
    assert_eq!(inv.components[0].bom_ref, "ok");
    assert_eq!(
        inv.components[1].bom_ref, "ok#2",
        "generated refs are unique"
    );
    let places: Vec<&str> = o.diagnostics.iter().map(|d| d.place.as_str()).collect();
    assert!(places.contains(&"/components/0"), "{places:?}");
    assert!(
        o.diagnostics[0]
            .message
            .contains("expected an object, found a string"),
        "{:?}",
        o.diagnostics
    );
    assert!(places.contains(&"/components/1/licenses/2"), "{places:?}");
    assert!(places.contains(&"/specVersion"), "{places:?}");
}

#[test]
fn json_structural_errors_name_the_place() {
    let e = json_err(r#"{"bomFormat": "CycloneDX", "components": "x"}"#);
    assert!(e.starts_with("t.cdx: line 1, column"), "{e}");
    assert!(e.contains("an array at /components"), "{e}");
    let e = json_err(r#"{"specVersion": "1.5", "components": []}"#);
    assert!(e.contains("/bomFormat: missing"), "{e}");
    let e = json_err(r#"[{"bomFormat": "CycloneDX"}]"#);
    assert!(e.contains("a CycloneDX BOM"), "{e}");
    let e = json_err(r#"{"bomFormat": "CycloneDX", "components": [{"name": "x""#);
    assert!(e.contains("(at /components/0): EOF while parsing"), "{e}");
}

#[test]
fn json_deep_nesting_fails_cleanly() {
    let mut doc = String::from(r#"{"bomFormat": "CycloneDX", "components": ["#);
    for _ in 0..10_000 {
        doc.push_str(r#"{"name": "n", "components": ["#);
    }
    let e = json_err(&doc);
    assert!(
        e.contains("recursion limit") || e.contains("too deep"),
        "{e}"
    );
    // Ten levels of real nesting are flattened, parents first.
    let mut doc = String::from(r#"{"bomFormat": "CycloneDX", "components": ["#);
    for i in 0..10 {
        doc.push_str(&format!(r#"{{"name": "n{i}", "components": ["#));
    }
    doc.push_str(&"]}".repeat(10));
    doc.push_str("]}");
    let (o, _) = json(&doc);
    let names: Vec<String> = o
        .inventory
        .unwrap()
        .components
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names.len(), 10);
    assert_eq!(names[0], "n0");
}

#[test]
fn xml_deep_nesting_fails_cleanly_and_moderate_nesting_is_iterative() {
    let mut doc = format!(r#"<bom xmlns="{NS}"><components>"#);
    for _ in 0..10_000 {
        doc.push_str("<component type=\"library\"><name>n</name><components>");
    }
    let e = xml_err(&doc);
    assert!(e.contains("nested more than 512 levels"), "{e}");
    assert!(
        e.contains("/bom/components/component[1]/components/"),
        "{e}"
    );
    assert!(
        e.len() < 2000,
        "the path in the message is shortened: {}",
        e.len()
    );

    let mut doc = format!(r#"<bom xmlns="{NS}"><components>"#);
    for i in 0..200 {
        doc.push_str(&format!(
            "<component type=\"library\"><name>n{i}</name><components>"
        ));
    }
    doc.push_str(&"</components></component>".repeat(200));
    doc.push_str("</components></bom>");
    let (o, _) = xml(&doc);
    assert_eq!(o.inventory.unwrap().components.len(), 200);
}

#[test]
fn xml_errors_give_line_and_path() {
    let e = xml_err(&format!(
        "<?xml version=\"1.0\"?>\n<bom xmlns=\"{NS}\">\n<components>\n<component><name>a</nam>\n"
    ));
    assert!(e.contains("line 4"), "{e}");
    assert!(e.contains("/bom/components/component[1]/name"), "{e}");
    let e = xml_err(&format!("<bom xmlns=\"{NS}\">\n<components>\n<component>"));
    assert!(e.contains("truncated"), "{e}");
    let e = xml_err("<bom xmlns=\"http://example.com/other\"/>");
    assert!(
        e.contains("expected `http://cyclonedx.org/schema/bom/1.x`"),
        "{e}"
    );
    let e = xml_err(&format!(
        "<?xml version=\"1.0\"?>\n<?xml version=\"1.0\"?>\n<bom xmlns=\"{NS}\"/>"
    ));
    assert!(e.contains("XML declaration"), "{e}");
    let (o, _) = xml(&format!(
        "\n  <?xml version=\"1.0\"?>\n<bom xmlns=\"{NS}\"/>"
    ));
    assert_eq!(
        o.inventory.unwrap().components.len(),
        0,
        "white space before the declaration"
    );
    let e = xml_err(&format!("<bom xmlns=\"{NS}\"/><bom xmlns=\"{NS}\"/>"));
    assert!(e.contains("second root"), "{e}");
    let e = xml_err("");
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn xml_records_stay_apart() {
    let (o, obs) = xml(&format!(
        r#"<?xml version="1.0"?>
<cdx:bom xmlns:cdx="{NS}" xmlns:x="urn:other">
  <cdx:metadata>
    <cdx:tools><cdx:tool><cdx:vendor>V</cdx:vendor><cdx:name>Tool &amp; Co</cdx:name><cdx:version>1</cdx:version></cdx:tool></cdx:tools>
    <cdx:component type="application" bom-ref="app"><cdx:name>app</cdx:name></cdx:component>
  </cdx:metadata>
  <cdx:components>
    <cdx:component type="library" bom-ref="pkg:npm/%40s/a@1">
      <cdx:group>@s</cdx:group><cdx:name>a</cdx:name><cdx:version>1</cdx:version>
      <cdx:purl>pkg:npm/%40s/a@1</cdx:purl>
      <cdx:licenses><cdx:license><cdx:id>MIT</cdx:id></cdx:license><cdx:expression><![CDATA[A OR B]]></cdx:expression></cdx:licenses>
      <cdx:pedigree><cdx:ancestors><cdx:component><cdx:name>WRONG</cdx:name></cdx:component></cdx:ancestors></cdx:pedigree>
      <x:component><x:name>WRONG</x:name></x:component>
    </cdx:component>
  </cdx:components>
  <cdx:dependencies><cdx:dependency ref="app"><cdx:dependency ref="pkg:npm/%40s/a@1"/></cdx:dependency></cdx:dependencies>
  <cdx:vulnerabilities>
    <cdx:vulnerability bom-ref="v1">
      <cdx:id>GHSA-AAAA-bbbb-cccc</cdx:id>
      <cdx:ratings><cdx:rating><cdx:severity>high</cdx:severity></cdx:rating></cdx:ratings>
      <cdx:tools><cdx:components><cdx:component><cdx:name>WRONG</cdx:name></cdx:component></cdx:components></cdx:tools>
      <cdx:affects><cdx:target><cdx:ref>pkg:npm/%40s/a@1</cdx:ref>
        <cdx:versions><cdx:version><cdx:version>2</cdx:version><cdx:status>unaffected</cdx:status></cdx:version></cdx:versions>
      </cdx:target></cdx:affects>
    </cdx:vulnerability>
  </cdx:vulnerabilities>
</cdx:bom>"#
    ));
    assert_eq!(o.tools[0].name, "tool & co");
    let inv = o.inventory.unwrap();
    assert_eq!(inv.root.unwrap().name, "app");
    assert_eq!(inv.components.len(), 1);
    let c = &inv.components[0];
    assert_eq!(
        (c.name.as_str(), c.licenses.as_slice()),
        ("@s/a", &["MIT".to_string(), "A OR B".to_string()][..])
    );
    assert_eq!(inv.edges.len(), 1);
    assert_eq!(obs.len(), 1);
    let Location::Package(p) = &obs[0].location else {
        panic!()
    };
    assert_eq!(
        (p.name.as_str(), p.fixed_versions.as_slice()),
        ("@s/a", &["2".to_string()][..])
    );
    assert_eq!(obs[0].vuln_ids[0].0, "GHSA-aaaa-bbbb-cccc");
    assert_eq!(
        obs[0].source_ref,
        "/bom/vulnerabilities/vulnerability[1]/affects/target[1]"
    );
}

#[test]
fn sink_errors_stop_the_parse() {
    let doc = r#"{"bomFormat": "CycloneDX", "metadata": {},
        "vulnerabilities": [{"id": "CVE-1-1"}, {"id": "CVE-1-2"}]}"#;
    let mut sink = |_o: Observation| Err("database is gone".to_string());
    let mut emitter = crate::Emitter::new(&mut sink);
    let e = crate::parse(
        doc.as_bytes(),
        None,
        &ParseContext::new("t", b"k".to_vec()),
        &mut emitter,
    )
    .unwrap_err();
    assert!(matches!(e, ParseError::Sink { .. }), "{e}");
}
