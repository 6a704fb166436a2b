//! The licenses a change introduces, from the stored SBOM inventories (CycloneDX and SPDX
//! ingests) of the branch and of its baseline: a component's license is introduced when the
//! branch's inventory has that package under that license and the baseline's does not (a new
//! package, or a package whose license changed). The gate judges each with the policies as a
//! `license` issue, so `no-copyleft-in-distributed-apps` sees packages, not only the license
//! findings a scanner reported.

use rampart_engine::policy::input::{ComponentFacts, IssueFacts, LocationFacts};
use rampart_model::{Component, TeamScope};
use rampart_store::{Store, StoreError};
use std::collections::HashSet;

/// A package under a license, on the branch and not (under that license) on the baseline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntroducedLicense {
    /// The package, versionless: its purl without version and qualifiers, else its name.
    pub package: String,
    /// The license: the SBOM's ids or expressions, joined with ` AND ` when several.
    pub license: String,
    /// The component as the branch's SBOM describes it.
    pub component: Component,
}

impl IntroducedLicense {
    /// A stable identity for reports: the package and the license.
    pub fn key(&self) -> String {
        format!("license:{}:{}", self.package, self.license)
    }

    /// The issue facts the policies see: a `license` issue of the package.
    pub fn issue_facts(&self) -> IssueFacts {
        let c = &self.component;
        let display = c.purl.clone().unwrap_or_else(|| match &c.version {
            Some(v) => format!("{}@{v}", c.name),
            None => c.name.clone(),
        });
        IssueFacts {
            id: 0,
            key: self.key(),
            kind: "license".into(),
            severity: "info".into(),
            severity_level: 0,
            status: "open".into(),
            active: true,
            rule: self.license.clone(),
            title: self.title(),
            location: LocationFacts {
                display,
                ..Default::default()
            },
            component: Some(ComponentFacts {
                purl: c.purl.clone(),
                name: c.name.clone(),
                version: c.version.clone(),
                ecosystem: c.purl.as_deref().and_then(purl_type).map(str::to_string),
            }),
            license: Some(self.license.clone()),
            tools: vec!["sbom".into()],
            ..Default::default()
        }
    }

    /// `NAME VERSION is licensed LICENSE`.
    pub fn title(&self) -> String {
        let c = &self.component;
        match &c.version {
            Some(v) => format!("{} {v} is licensed {}", c.name, self.license),
            None => format!("{} is licensed {}", c.name, self.license),
        }
    }
}

/// `npm` of `pkg:npm/left-pad@1.0.0`.
fn purl_type(purl: &str) -> Option<&str> {
    purl.strip_prefix("pkg:")?.split('/').next()
}

/// The versionless package of a component.
fn package_of(c: &Component) -> String {
    match &c.purl {
        Some(p) => {
            let p = p.split(['?', '#']).next().unwrap_or(p);
            // The version follows the last `@` after the name (a scope's `%40` is encoded).
            match p.rfind('@') {
                Some(at) if p[..at].contains('/') => p[..at].to_string(),
                _ => p.to_string(),
            }
        }
        None => c.name.clone(),
    }
}

fn license_of(c: &Component) -> Option<String> {
    let ls: Vec<&str> = c
        .licenses
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("NOASSERTION"))
        .collect();
    match ls.len() {
        0 => None,
        1 => Some(ls[0].to_string()),
        _ => Some(
            ls.iter()
                .map(|l| {
                    if l.contains(' ') {
                        format!("({l})")
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

/// Components of the latest SBOM of `target` on `branch` whose package-and-license pair the
/// `baseline` branch's inventory does not have. Empty when the branch has no inventory; every
/// licensed component when the baseline has none.
pub async fn introduced_licenses(
    store: &dyn Store,
    application: &str,
    target: &str,
    branch: &str,
    baseline: &str,
) -> Result<Vec<IntroducedLicense>, StoreError> {
    let inventories =
        rampart_store::ScopedReads::inventories_in(store, &TeamScope::All, Some(application))
            .await?;
    let id_of = |b: &str| {
        inventories
            .iter()
            .find(|i| i.target == target && i.branch == b)
            .map(|i| i.id)
    };
    let Some(branch_id) = id_of(branch) else {
        return Ok(Vec::new());
    };
    if branch == baseline {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = [Some(branch_id), id_of(baseline)]
        .into_iter()
        .flatten()
        .collect();
    let stored = rampart_store::IntelStore::inventories_in(store, &ids).await?;
    let mut before: HashSet<(String, String)> = HashSet::new();
    let mut after = Vec::new();
    for inv in stored {
        for ic in inv.components {
            let Some(license) = license_of(&ic.component) else {
                continue;
            };
            let package = package_of(&ic.component);
            if inv.id == branch_id {
                after.push(IntroducedLicense {
                    package,
                    license,
                    component: ic.component,
                });
            } else {
                before.insert((package, license));
            }
        }
    }
    let mut seen = HashSet::new();
    after.retain(|c| {
        !before.contains(&(c.package.clone(), c.license.clone()))
            && seen.insert((c.package.clone(), c.license.clone()))
    });
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp(purl: Option<&str>, name: &str, licenses: &[&str]) -> Component {
        Component {
            bom_ref: name.into(),
            name: name.into(),
            version: Some("1.0".into()),
            purl: purl.map(String::from),
            component_type: None,
            licenses: licenses.iter().map(|l| l.to_string()).collect(),
            hashes: Vec::new(),
        }
    }

    #[test]
    fn packages_are_versionless_and_licenses_joined() {
        let c = comp(
            Some("pkg:npm/%40babel/core@7.1.0?arch=x"),
            "core",
            &["MIT", "GPL-2.0-only OR MIT"],
        );
        assert_eq!(package_of(&c), "pkg:npm/%40babel/core");
        assert_eq!(
            license_of(&c).as_deref(),
            Some("MIT AND (GPL-2.0-only OR MIT)")
        );
        assert_eq!(package_of(&comp(None, "zlib", &[])), "zlib");
        assert_eq!(license_of(&comp(None, "zlib", &["NOASSERTION"])), None);
        let i = IntroducedLicense {
            package: "pkg:golang/github.com/therecipe/qt".into(),
            license: "LGPL-3.0".into(),
            component: comp(
                Some("pkg:golang/github.com/therecipe/qt@v1"),
                "qt",
                &["LGPL-3.0"],
            ),
        };
        let f = i.issue_facts();
        assert_eq!(f.kind, "license");
        assert_eq!(f.license.as_deref(), Some("LGPL-3.0"));
        assert_eq!(f.component.unwrap().ecosystem.as_deref(), Some("golang"));
    }
}
