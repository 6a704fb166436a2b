use super::*;
use rampart_model::VexStatus;

fn ctx(name: &str) -> ParseContext {
    ParseContext::new(name, b"k".to_vec())
}

#[test]
fn openvex_bare_strings_and_subcomponents() {
    let doc = br#"{"@context":"https://openvex.dev/ns/v0.2.0","@id":"doc-1","timestamp":"2026-01-02T03:04:05Z",
      "statements":[
        {"vulnerability":"CVE-1","products":["pkg:npm/a@1"],"status":"not_affected","justification":"component_not_present"},
        {"vulnerability":{"@id":"CVE-2","aliases":["GHSA-x"]},"products":[{"@id":"pkg:oci/img","subcomponents":[{"@id":"pkg:npm/b@2"}]}],
         "status":"affected","action_statement":"upgrade","timestamp":"2026-02-01T00:00:00Z"}]}"#;
    let d = parse(doc, &ctx("v.json")).unwrap();
    assert_eq!(d.format, VexFormat::OpenVex);
    assert_eq!(d.id, "doc-1");
    assert_eq!(d.statements.len(), 2);
    assert_eq!(d.statements[0].status, VexStatus::NotAffected);
    assert_eq!(d.statements[0].timestamp.unwrap().year(), 2026);
    assert_eq!(d.statements[1].products, ["pkg:oci/img", "pkg:npm/b@2"]);
    assert_eq!(d.statements[1].aliases, ["GHSA-x"]);
    assert_eq!(d.statements[1].detail.as_deref(), Some("upgrade"));
    assert_eq!(
        d.statements[1].timestamp.unwrap().month(),
        time::Month::February
    );
}

#[test]
fn errors_name_the_place() {
    let bad =
        br#"{"@context":"x","statements":[{"vulnerability":{"name":"CVE-1"},"status":"maybe"}]}"#;
    let e = parse(bad, &ctx("v.json")).unwrap_err().to_string();
    assert_eq!(
        e,
        "v.json: /statements/0/status: `maybe`: expected not_affected, affected, fixed or under_investigation"
    );
    let e = parse(b"{\"hello\":1}", &ctx("x.json"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected OpenVEX"), "{e}");
    let e = parse(b"{", &ctx("x.json")).unwrap_err().to_string();
    assert!(e.starts_with("x.json: line 1, column 1"), "{e}");
}
