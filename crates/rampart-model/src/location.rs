//! Where an observation points: code, a package, a web endpoint, a cloud/IaC resource, an image.

use serde::{Deserialize, Serialize};

/// A place in source code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CodeLocation {
    /// Repository-relative path, normalized (see [`crate::path::normalize_path`]).
    pub path: String,
    /// First line, 1-based. Evidence for pairing, never part of an identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u32>,
    /// Last line, 1-based, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// First column, 1-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    /// Column after the last character, 1-based.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
}

/// A third-party package (SCA, container, SBOM findings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct PackageLocation {
    /// The package URL with version, when the tool gave or implied one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Ecosystem / purl type as the tool named it (`npm`, `pypi`, `deb`, `maven` ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// Package name.
    pub name: String,
    /// Installed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Versions that fix the problem, as the tool listed them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed_versions: Vec<String>,
    /// Where the package was found: a lock file, an image layer, a Trivy target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
}

/// A web endpoint (DAST findings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct WebLocation {
    /// The URL as the tool reported it.
    pub url: String,
    /// HTTP method, upper-case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The vulnerable parameter, header or cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// A cloud or infrastructure-as-code resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ResourceLocation {
    /// The IaC file, repository-relative, when the finding comes from code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The resource address or id (`aws_s3_bucket.data`, an ARN, a Kubernetes object).
    pub resource: String,
    /// First line of the finding in `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u32>,
    /// Last line of the finding in `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
}

/// A container image as a whole (image-configuration findings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageLocation {
    /// Image name, e.g. `registry.example.com/shop/web`.
    pub image: String,
    /// Tag, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Content digest, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Where an observation points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Location {
    /// Source code.
    Code(CodeLocation),
    /// A package.
    Package(PackageLocation),
    /// A web endpoint.
    Web(WebLocation),
    /// A cloud / IaC resource.
    Resource(ResourceLocation),
    /// A container image.
    Image(ImageLocation),
    /// The tool gave no location.
    None,
}

impl Location {
    /// A short human-readable form: `src/app.py:42`, `pkg:npm/lodash@4.17.20`, `GET https://...`.
    pub fn display(&self) -> String {
        match self {
            // Written directly rather than through `format!`: every stored finding has one.
            Location::Code(c) => match c.start_line {
                Some(l) => {
                    use std::fmt::Write;
                    let mut s = String::with_capacity(c.path.len() + 11);
                    s.push_str(&c.path);
                    s.push(':');
                    let _ = write!(s, "{l}");
                    s
                }
                None => c.path.clone(),
            },
            Location::Package(p) => p.purl.clone().unwrap_or_else(|| match &p.version {
                Some(v) => [p.name.as_str(), "@", v].concat(),
                None => p.name.clone(),
            }),
            Location::Web(w) => {
                let mut s = String::new();
                if let Some(m) = &w.method {
                    s.push_str(m);
                    s.push(' ');
                }
                s.push_str(&w.url);
                if let Some(p) = &w.parameter {
                    s.push_str(&format!(" [{p}]"));
                }
                s
            }
            Location::Resource(r) => match (&r.file, r.start_line) {
                (Some(f), Some(l)) => format!("{} ({f}:{l})", r.resource),
                (Some(f), None) => format!("{} ({f})", r.resource),
                _ => r.resource.clone(),
            },
            Location::Image(i) => {
                let mut s = i.image.clone();
                if let Some(t) = &i.tag {
                    s.push(':');
                    s.push_str(t);
                }
                s
            }
            Location::None => "-".to_string(),
        }
    }

    /// The file this location is in, if any.
    pub fn file(&self) -> Option<&str> {
        match self {
            Location::Code(c) => Some(&c.path),
            Location::Resource(r) => r.file.as_deref(),
            Location::Package(p) => p.found_in.as_deref(),
            _ => None,
        }
    }

    /// The first line, if any.
    pub fn line(&self) -> Option<u32> {
        match self {
            Location::Code(c) => c.start_line,
            Location::Resource(r) => r.start_line,
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_and_package_locations_display_as_stored() {
        let code = |line| {
            Location::Code(CodeLocation {
                path: "src/app/views.py".into(),
                start_line: line,
                ..Default::default()
            })
        };
        assert_eq!(code(Some(42)).display(), "src/app/views.py:42");
        assert_eq!(
            code(Some(u32::MAX)).display(),
            "src/app/views.py:4294967295"
        );
        assert_eq!(code(None).display(), "src/app/views.py");
        let package = |purl: Option<&str>, version: Option<&str>| {
            Location::Package(PackageLocation {
                purl: purl.map(Into::into),
                name: "lodash".into(),
                version: version.map(Into::into),
                ..Default::default()
            })
        };
        assert_eq!(
            package(Some("pkg:npm/lodash@4.17.20"), Some("4.17.20")).display(),
            "pkg:npm/lodash@4.17.20"
        );
        assert_eq!(package(None, Some("4.17.20")).display(), "lodash@4.17.20");
        assert_eq!(package(None, None).display(), "lodash");
    }
}
