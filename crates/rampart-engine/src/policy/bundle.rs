//! Policy sources and the default bundle compiled into the binary.

/// One policy file: its path (named in every error) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySource {
    /// Where it came from: a path, or `default/<name>.rego` for the built-in bundle.
    pub path: String,
    /// The Rego text.
    pub text: String,
}

impl PolicySource {
    /// A source named `path`.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        PolicySource {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Whether this is a test file (`*_test.rego`), loaded by `policy test` only.
    pub fn is_test(&self) -> bool {
        self.path.ends_with("_test.rego")
    }
}

/// The files of the default bundle (`crates/rampart-engine/policies/`), tests included.
const DEFAULT: &[(&str, &str)] = &[
    ("lib.rego", include_str!("../../policies/lib.rego")),
    ("kev.rego", include_str!("../../policies/kev.rego")),
    ("sla.rego", include_str!("../../policies/sla.rego")),
    ("secrets.rego", include_str!("../../policies/secrets.rego")),
    (
        "licenses.rego",
        include_str!("../../policies/licenses.rego"),
    ),
    (
        "severity.rego",
        include_str!("../../policies/severity.rego"),
    ),
    (
        "lib_test.rego",
        include_str!("../../policies/lib_test.rego"),
    ),
    (
        "kev_test.rego",
        include_str!("../../policies/kev_test.rego"),
    ),
    (
        "sla_test.rego",
        include_str!("../../policies/sla_test.rego"),
    ),
    (
        "secrets_test.rego",
        include_str!("../../policies/secrets_test.rego"),
    ),
    (
        "licenses_test.rego",
        include_str!("../../policies/licenses_test.rego"),
    ),
    (
        "severity_test.rego",
        include_str!("../../policies/severity_test.rego"),
    ),
];

/// The default bundle, tests included (the gate skips `*_test.rego`), named
/// `default/<file>`.
pub fn default_bundle() -> Vec<PolicySource> {
    DEFAULT
        .iter()
        .map(|(name, text)| PolicySource::new(format!("default/{name}"), *text))
        .collect()
}
