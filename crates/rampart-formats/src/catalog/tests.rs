use super::*;
use rampart_model::{Deployment, Exposure};

#[test]
fn reads_the_demo_catalog() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/catalog.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let c = parse("catalog.yaml", &text).unwrap();
    let names: Vec<&str> = c.profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "storefront-web",
            "payments-api",
            "inventory-service",
            "marketing-site"
        ]
    );
    let web = &c.profiles[0];
    assert_eq!(web.title.as_deref(), Some("Storefront Web"));
    assert_eq!(web.tier, Some(1));
    assert_eq!(web.data_tags, ["PII", "PCI"]);
    assert_eq!(web.effective_data_class(), Some(DataClass::Restricted));
    assert_eq!(web.exposure, Some(Exposure::Internet));
    assert_eq!(web.team.as_deref(), Some("team-storefront"));
    assert_eq!(web.owners, ["dana.okafor@northwind.example"]);
    assert_eq!(web.default_branches, ["main"]);
    assert_eq!(
        web.repository.as_deref(),
        Some("https://git.northwind.example/storefront/storefront-web")
    );
    assert_eq!(web.environments[0].environment, Deployment::Production);
    assert!(!web.controls.is_empty(), "the demo names its WAF");
    let marketing = &c.profiles[3];
    assert_eq!(marketing.tier, Some(3));
    assert_eq!(marketing.data_class, Some(DataClass::Public));
    assert_eq!(c.profiles[2].exposure, Some(Exposure::Internal));
}

#[test]
fn errors_name_the_file_and_the_place() {
    let bad_tier = "applications:\n  - id: shop\n    tier: 7\n";
    let e = parse("cat.yaml", bad_tier).unwrap_err().to_string();
    assert_eq!(
        e,
        "cat.yaml: applications[0] (shop).tier: tier 7: expected 1 (most critical) to 4"
    );
    let bad_type = "applications:\n  - id: shop\n    tier: one\n";
    let e = parse("cat.yaml", bad_type).unwrap_err().to_string();
    assert!(
        e.starts_with("cat.yaml: line 3, column 11: applications[0].tier: invalid type"),
        "{e}"
    );
    let bad_env = "applications:\n  - id: shop\n    environments:\n      - name: moon\n";
    let e = parse("cat.yaml", bad_env).unwrap_err().to_string();
    assert!(
        e.contains("applications[0] (shop).environments[0].name: `moon`"),
        "{e}"
    );
    let bad_control = "applications:\n  - id: shop\n    compensating_controls:\n      - name: waf\n        mitigates: [XSS]\n";
    let e = parse("cat.yaml", bad_control).unwrap_err().to_string();
    assert!(
        e.contains("compensating_controls[0]: `XSS` is not a CWE"),
        "{e}"
    );
    let twice = "applications:\n  - id: shop\n  - id: shop\n";
    assert!(
        parse("cat.yaml", twice)
            .unwrap_err()
            .to_string()
            .contains("described twice")
    );
    assert!(
        parse("cat.yaml", "hello: world\n")
            .unwrap_err()
            .to_string()
            .contains("expected a Rampart catalog")
    );
}

#[test]
fn backstage_annotations() {
    let text = r#"apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  annotations:
    github.com/project-slug: acme/checkout
    rampart.dev/tier: "1"
    rampart.dev/data-classification: restricted, PCI
    rampart.dev/exposure: internet
    rampart.dev/environments: production=main; staging=release/*
    rampart.dev/compensating-controls: waf=CWE-79,CWE-89; egress-proxy=CWE-918
spec:
  type: service
  owner: group:payments
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: broken
  annotations:
    rampart.dev/tier: "9"
spec:
  owner: x
"#;
    let e = parse("catalog-info.yaml", text).unwrap_err().to_string();
    assert_eq!(
        e,
        "catalog-info.yaml: document 2 (line 16): metadata.annotations.rampart.dev/tier: `9`: expected 1 (most critical) to 4"
    );
    let first = text.split("---").next().unwrap();
    let c = parse("catalog-info.yaml", first).unwrap();
    let p = &c.profiles[0];
    assert_eq!(p.tier, Some(1));
    assert_eq!(p.data_class, Some(DataClass::Restricted));
    assert_eq!(p.data_tags, ["PCI"]);
    assert_eq!(p.team.as_deref(), Some("payments"));
    assert_eq!(p.repository.as_deref(), Some("github.com/acme/checkout"));
    assert_eq!(p.environments[1].branches, ["release/*"]);
    assert_eq!(p.controls[0].cwes, [79, 89]);
    assert_eq!(p.controls[1].name, "egress-proxy");
}

#[test]
fn distributed_and_sla_days() {
    let c = parse(
        "catalog.yaml",
        "applications:\n  - id: agent\n    distributed: true\n    sla:\n      critical: 3\n      high: 14\n  - id: site\n",
    )
    .unwrap();
    let agent = &c.profiles[0];
    assert_eq!(agent.distributed, Some(true));
    assert_eq!(agent.sla.critical, Some(3));
    assert_eq!(agent.sla.high, Some(14));
    assert_eq!(agent.sla.medium, None);
    assert_eq!(c.profiles[1].distributed, None);
    assert!(c.profiles[1].sla.is_empty());

    let e = parse(
        "catalog.yaml",
        "applications:\n  - id: agent\n    sla:\n      urgent: 3\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("applications[0] (agent).sla") && e.contains("`urgent`"),
        "{e}"
    );
    let e = parse(
        "catalog.yaml",
        "applications:\n  - id: agent\n    sla:\n      critical: 0\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("at least 1"), "{e}");

    let b = parse(
        "catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: agent\n  annotations:\n    rampart.dev/distributed: \"true\"\n    rampart.dev/sla: critical=2; low=200\nspec:\n  owner: group:edge\n",
    )
    .unwrap();
    assert_eq!(b.profiles[0].distributed, Some(true));
    assert_eq!(b.profiles[0].sla.critical, Some(2));
    assert_eq!(b.profiles[0].sla.low, Some(200));
    let e = parse(
        "catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: agent\n  annotations:\n    rampart.dev/sla: critical=soon\nspec:\n  owner: edge\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("rampart.dev/sla") && e.contains("severity=days"),
        "{e}"
    );
}
