//! `vers` version ranges (<https://github.com/package-url/vers-spec>), as CycloneDX and purl-based
//! tools write them: `vers:npm/>=1.0.0|<2.0.0`, `vers:pypi/*`, `vers:maven/1.0|>=2.0`.
//!
//! Versions are compared with the scheme of the vers scheme's ecosystem ([`scheme_for`]).

use std::fmt;

use super::{Scheme, Version, VersionError};

/// A comparator of a vers constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparator {
    /// `=` (also a bare version).
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Comparator {
    /// The comparator as written in a canonical vers (`=` is written as nothing).
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Eq => "",
            Comparator::Ne => "!=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// One constraint: a comparator and a (percent-decoded) version.
#[derive(Clone, Debug)]
pub struct Constraint {
    /// The comparator.
    pub comparator: Comparator,
    /// The version as decoded.
    pub version: String,
    parsed: Version,
}

/// A parsed vers range.
#[derive(Clone, Debug)]
pub struct VersRange {
    /// The vers scheme (`npm`, `pypi`, `deb` ...).
    pub scheme_name: String,
    /// The version scheme used to order its versions.
    pub scheme: Scheme,
    /// `None` for `*` (every version), else the constraints as written.
    pub constraints: Option<Vec<Constraint>>,
}

/// Why a vers string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersError {
    /// Not of the form `vers:<scheme>/<constraints>` or not canonical; the message says what.
    #[error("invalid vers {input:?}: {reason}")]
    Invalid {
        /// The string as given.
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// A vers scheme Rampart cannot order.
    #[error("vers scheme {0:?} is not supported")]
    UnsupportedScheme(String),
    /// A constraint's version does not parse under the scheme.
    #[error(transparent)]
    Version(#[from] VersionError),
}

/// The version scheme of a vers scheme name (vers uses purl types, plus `alpine` and `generic`).
pub fn scheme_for(vers_scheme: &str) -> Option<Scheme> {
    Some(match vers_scheme.to_ascii_lowercase().as_str() {
        "npm" | "cargo" | "hex" | "swift" | "conan" | "github" | "bitnami" | "semver" => {
            Scheme::SemVer
        }
        "golang" => Scheme::Go,
        "pub" => Scheme::Pub,
        "pypi" => Scheme::Pep440,
        "maven" => Scheme::Maven,
        "deb" | "debian" | "ubuntu" => Scheme::Debian,
        "rpm" => Scheme::Rpm,
        "apk" | "alpine" => Scheme::Alpine,
        "gem" => Scheme::RubyGems,
        "nuget" => Scheme::NuGet,
        "composer" => Scheme::Packagist,
        "hackage" => Scheme::Hackage,
        "cran" => Scheme::Cran,
        "generic" => Scheme::Generic,
        _ => return None,
    })
}

fn invalid(input: &str, reason: &str) -> VersError {
    VersError::Invalid {
        input: input.to_owned(),
        reason: reason.to_owned(),
    }
}

/// Decodes `%XX` escapes; upper-case hex digits only (the canonical form).
fn percent_decode(input: &str, s: &str) -> Result<String, VersError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).unwrap_or(b"");
        if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
            return Err(invalid(input, "invalid percent-encoding in version"));
        }
        if hex.iter().any(u8::is_ascii_lowercase) {
            return Err(invalid(
                input,
                "percent-encoding in version is not canonical",
            ));
        }
        let value = std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .ok_or_else(|| invalid(input, "invalid percent-encoding in version"))?;
        out.push(value);
        i += 3;
    }
    String::from_utf8(out).map_err(|_| invalid(input, "percent-decoded version is not UTF-8"))
}

fn split_comparator(c: &str) -> (Comparator, &str) {
    for (prefix, comparator) in [
        (">=", Comparator::Ge),
        ("<=", Comparator::Le),
        ("!=", Comparator::Ne),
        ("<", Comparator::Lt),
        (">", Comparator::Gt),
        ("=", Comparator::Eq),
    ] {
        if let Some(rest) = c.strip_prefix(prefix) {
            return (comparator, rest);
        }
    }
    (Comparator::Eq, c)
}

impl VersRange {
    /// Parses a vers string, accepting constraints in any order (as tools write them).
    pub fn parse(input: &str) -> Result<VersRange, VersError> {
        let rest = input
            .strip_prefix("vers:")
            .ok_or_else(|| invalid(input, "expected the `vers:` prefix"))?;
        if input.chars().any(char::is_whitespace) {
            return Err(invalid(input, "whitespace is not permitted"));
        }
        let (scheme_name, body) = rest
            .split_once('/')
            .ok_or_else(|| invalid(input, "expected `vers:<scheme>/<constraints>`"))?;
        if scheme_name.is_empty() {
            return Err(invalid(input, "empty scheme"));
        }
        if body.is_empty() {
            return Err(invalid(input, "no constraints"));
        }
        if body.starts_with('|') {
            return Err(invalid(input, "leading pipe is not permitted"));
        }
        if body.ends_with('|') {
            return Err(invalid(input, "trailing pipe is not permitted"));
        }
        if body.contains("||") {
            return Err(invalid(input, "consecutive pipes are not permitted"));
        }
        if body == "*" {
            // Every version, whatever the scheme (an unknown scheme is fine here).
            return Ok(VersRange {
                scheme_name: scheme_name.to_owned(),
                scheme: scheme_for(scheme_name).unwrap_or(Scheme::Generic),
                constraints: None,
            });
        }
        let is_datetime = scheme_name.eq_ignore_ascii_case("datetime");
        let mut raw = Vec::new();
        for c in body.split('|') {
            let (comparator, encoded) = split_comparator(c);
            if encoded.is_empty() {
                return Err(invalid(input, "empty version in a constraint"));
            }
            if encoded.starts_with(['<', '>', '=', '!', '*']) {
                return Err(invalid(input, "expected a version after the comparator"));
            }
            if is_datetime {
                if encoded.contains(['t', 'z']) {
                    return Err(invalid(input, "datetime must use uppercase T and Z"));
                }
                if encoded.contains("%3A") {
                    return Err(invalid(input, "datetime time colons must be unencoded"));
                }
            }
            raw.push((comparator, percent_decode(input, encoded)?));
        }
        let scheme = scheme_for(scheme_name)
            .ok_or_else(|| VersError::UnsupportedScheme(scheme_name.to_owned()))?;
        let mut constraints = Vec::with_capacity(raw.len());
        for (comparator, version) in raw {
            let parsed = scheme.parse(&version)?;
            constraints.push(Constraint {
                comparator,
                version,
                parsed,
            });
        }
        Ok(VersRange {
            scheme_name: scheme_name.to_owned(),
            scheme,
            constraints: Some(constraints),
        })
    }

    /// Parses a vers string that must be canonical: as [`VersRange::parse`], and the constraints
    /// sorted by version.
    pub fn parse_canonical(input: &str) -> Result<VersRange, VersError> {
        let range = VersRange::parse(input)?;
        if let Some(cs) = &range.constraints
            && cs.windows(2).any(|w| w[0].parsed > w[1].parsed)
        {
            return Err(invalid(input, "constraints are not sorted by version"));
        }
        Ok(range)
    }

    /// The same range with its constraints sorted by version (stable), as a canonical vers prints.
    pub fn sorted(mut self) -> VersRange {
        if let Some(cs) = &mut self.constraints {
            cs.sort_by(|a, b| a.parsed.cmp(&b.parsed));
        }
        self
    }

    /// Whether `version` is inside the range (the vers containment algorithm: `=` / `!=` decide
    /// first, then the sorted `<`, `<=`, `>`, `>=` constraints are read as intervals).
    pub fn contains(&self, version: &str) -> Result<bool, VersionError> {
        let Some(constraints) = &self.constraints else {
            return Ok(true);
        };
        let v = self.scheme.parse(version)?;
        let mut ranges: Vec<&Constraint> = Vec::new();
        for c in constraints {
            match c.comparator {
                Comparator::Eq if c.parsed == v => return Ok(true),
                Comparator::Ne if c.parsed == v => return Ok(false),
                Comparator::Eq | Comparator::Ne => {}
                _ => ranges.push(c),
            }
        }
        ranges.sort_by(|a, b| a.parsed.cmp(&b.parsed));
        let satisfies = |c: &Constraint| match c.comparator {
            Comparator::Lt => v < c.parsed,
            Comparator::Le => v <= c.parsed,
            Comparator::Gt => v > c.parsed,
            Comparator::Ge => v >= c.parsed,
            Comparator::Eq => v == c.parsed,
            Comparator::Ne => v != c.parsed,
        };
        let is_lower = |c: &Constraint| matches!(c.comparator, Comparator::Gt | Comparator::Ge);
        let is_upper = |c: &Constraint| matches!(c.comparator, Comparator::Lt | Comparator::Le);
        if let [only] = ranges.as_slice() {
            return Ok(satisfies(only));
        }
        let pairs = ranges.windows(2).count();
        for (i, pair) in ranges.windows(2).enumerate() {
            let (current, next) = (pair[0], pair[1]);
            if i == 0 && is_upper(current) && satisfies(current) {
                return Ok(true);
            }
            if i + 1 == pairs && is_lower(next) && satisfies(next) {
                return Ok(true);
            }
            if is_lower(current) && is_upper(next) && satisfies(current) && satisfies(next) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl fmt::Display for VersRange {
    /// The vers string (versions percent-encoded where needed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "vers:{}/", self.scheme_name)?;
        let Some(cs) = &self.constraints else {
            return f.write_str("*");
        };
        for (i, c) in cs.iter().enumerate() {
            if i > 0 {
                f.write_str("|")?;
            }
            f.write_str(c.comparator.as_str())?;
            for ch in c.version.chars() {
                match ch {
                    '%' | '|' | '/' | ' ' | '?' | '#' | '&' => {
                        let mut buf = [0u8; 4];
                        for b in ch.encode_utf8(&mut buf).bytes() {
                            write!(f, "%{b:02X}")?;
                        }
                    }
                    other => write!(f, "{other}")?,
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment() {
        let r = VersRange::parse("vers:npm/>=1.0.0|<2.0.0").unwrap();
        assert!(r.contains("1.5.0").unwrap());
        assert!(!r.contains("2.0.0").unwrap());
        assert!(
            VersRange::parse("vers:npm/*")
                .unwrap()
                .contains("9.9.9")
                .unwrap()
        );
        assert!(VersRange::parse_canonical("vers:npm/>=2.0.0|<1.0.0").is_err());
        assert!(matches!(
            VersRange::parse("vers:foo/1"),
            Err(VersError::UnsupportedScheme(_))
        ));
        assert_eq!(
            VersRange::parse("vers:npm/1.0%252F0").unwrap().to_string(),
            "vers:npm/1.0%252F0"
        );
    }
}
