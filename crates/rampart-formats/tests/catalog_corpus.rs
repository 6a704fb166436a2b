//! Every Backstage descriptor in the corpus: Component entities become applications (counted
//! independently here from the `kind:` lines), other kinds are skipped, and the unrendered
//! template is rejected with the file and place named.

use rampart_formats::catalog;
use rampart_formats::corpus;

#[test]
fn every_backstage_descriptor() {
    let files = corpus::files("backstage", &["yaml", "yml"]);
    if files.is_empty() {
        return;
    }
    assert_eq!(files.len(), 9, "backstage descriptors in the corpus");
    let mut components = 0;
    for path in &files {
        let rel = corpus::relative(path);
        let text = std::fs::read_to_string(path).unwrap();
        let kinds: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("kind: "))
            .map(str::trim)
            .collect();
        let expected = kinds.iter().filter(|k| **k == "Component").count();
        match catalog::parse(&rel, &text) {
            Ok(c) => {
                assert_eq!(c.profiles.len(), expected, "{rel}");
                assert_eq!(c.skipped.len(), kinds.len() - expected, "{rel}");
                components += expected;
            }
            Err(e) => {
                assert!(
                    rel.ends_with("template/content/catalog-info.yaml"),
                    "{rel}: {e}"
                );
                let msg = e.to_string();
                assert!(
                    msg.starts_with(&format!(
                        "{rel}: document 1 (line 1): metadata.name: `${{{{ values.name | dump }}}}`"
                    )),
                    "{msg}"
                );
            }
        }
    }
    assert_eq!(components, 3);
    let demo = corpus::file("backstage/demo/catalog-info.yaml").unwrap();
    let c = catalog::parse("catalog-info.yaml", &std::fs::read_to_string(demo).unwrap()).unwrap();
    let p = &c.profiles[0];
    assert_eq!(p.name, "backstage-demo");
    assert_eq!(p.team.as_deref(), Some("backstage/maintainers"));
    assert_eq!(p.repository.as_deref(), Some("github.com/backstage/demo"));
    assert_eq!(
        p.description.as_deref(),
        Some("An example deployment of a Backstage application.")
    );
    assert_eq!(p.tier, None);
    assert_eq!(c.skipped, ["document 2: API demo-graphql"]);
    let entities =
        corpus::file("backstage/create-app-0.9.2/default-app/examples/entities.yaml").unwrap();
    let c = catalog::parse("entities.yaml", &std::fs::read_to_string(entities).unwrap()).unwrap();
    assert_eq!(c.profiles[0].name, "example-website");
    assert_eq!(c.profiles[0].team.as_deref(), Some("guests"));
    assert_eq!(
        c.skipped,
        [
            "document 1: System examples",
            "document 3: API example-grpc-api"
        ]
    );
}
