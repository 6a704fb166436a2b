//! Just enough of the package-URL syntax to name a package: type, namespace, name, version.
//!
//! Lenient on purpose: producers write `@` in npm scopes unencoded, upper-case the `pkg:`
//! prefix, or add `//` after it. Qualifiers and subpath are cut off, never interpreted.

/// The parts of a package URL a location needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Purl {
    /// Lower-cased type: `npm`, `maven`, `deb` ...
    pub ty: String,
    /// Namespace (Maven group, npm scope, distro ...), percent-decoded.
    pub namespace: Option<String>,
    /// Name, percent-decoded.
    pub name: String,
    /// Version, percent-decoded.
    pub version: Option<String>,
}

/// Package types whose namespace is the distribution, not part of the package's name.
const DISTRO_TYPES: [&str; 5] = ["deb", "rpm", "apk", "alpm", "qpkg"];

impl Purl {
    /// The package name as the ecosystem's advisories spell it (the OSV convention): Maven
    /// `group:artifact`, npm `@scope/name`, Go and Composer `namespace/name`, and just the name
    /// for distribution packages and ecosystems without namespaces.
    pub fn display_name(&self) -> String {
        join_group(Some(&self.ty), self.namespace.as_deref(), &self.name)
    }
}

/// Joins a group (namespace) and a name the way [`Purl::display_name`] does, for the purl
/// type `ty` (unknown: `/`). A name that already starts with the group and the separator is
/// kept as it is.
pub(crate) fn join_group(ty: Option<&str>, group: Option<&str>, name: &str) -> String {
    let Some(group) = group.map(str::trim).filter(|g| !g.is_empty()) else {
        return name.to_string();
    };
    let ty = ty.unwrap_or("");
    if DISTRO_TYPES.contains(&ty) {
        return name.to_string();
    }
    let sep = if ty == "maven" { ':' } else { '/' };
    let prefix = format!("{group}{sep}");
    if name.starts_with(&prefix) {
        name.to_string()
    } else {
        format!("{prefix}{name}")
    }
}

/// Parses `s` as a package URL; `None` when it is not one (no `pkg:` prefix, no name).
pub(crate) fn parse(s: &str) -> Option<Purl> {
    let s = s.trim();
    let head = s.get(..4)?;
    if !head.eq_ignore_ascii_case("pkg:") {
        return None;
    }
    let rest = s.get(4..)?.trim_start_matches('/');
    let rest = rest.split('#').next().unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or(rest);
    let (ty, path) = rest.split_once('/')?;
    let ty = ty.trim().to_ascii_lowercase();
    if ty.is_empty() {
        return None;
    }
    let path = path.trim_matches('/');
    // The version separator is the last `@` that does not start a path segment (npm scopes
    // are often written `@scope` unencoded).
    let bytes = path.as_bytes();
    let cut = bytes
        .iter()
        .enumerate()
        .rev()
        .find(|(i, b)| **b == b'@' && *i > 0 && bytes.get(i - 1) != Some(&b'/'))
        .map(|(i, _)| i);
    let (path, version) = match cut {
        Some(i) => (&path[..i], Some(decode(&path[i + 1..]))),
        None => (path, None),
    };
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, n)) => (Some(decode(ns)), decode(n)),
        None => (None, decode(path)),
    };
    if name.is_empty() {
        return None;
    }
    Some(Purl {
        ty,
        namespace: namespace.filter(|n| !n.is_empty()),
        name,
        version: version.filter(|v| !v.is_empty()),
    })
}

/// Percent-decodes `s`; invalid escapes and non-UTF-8 results are kept as written.
pub(crate) fn decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_shapes() {
        let p = parse("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar").unwrap();
        assert_eq!(p.ty, "maven");
        assert_eq!(p.display_name(), "org.apache.logging.log4j:log4j-core");
        assert_eq!(p.version.as_deref(), Some("2.14.1"));
        let p = parse("pkg:npm/%40angular/core@12.0.0").unwrap();
        assert_eq!(p.display_name(), "@angular/core");
        let p = parse("pkg:npm/@angular/core@12.0.0").unwrap();
        assert_eq!(p.display_name(), "@angular/core");
        assert_eq!(p.version.as_deref(), Some("12.0.0"));
        let p = parse("pkg:deb/debian/tar@1.30%2Bdfsg-6?arch=amd64&distro=debian-10.12").unwrap();
        assert_eq!(p.display_name(), "tar");
        assert_eq!(p.version.as_deref(), Some("1.30+dfsg-6"));
        let p = parse("pkg:golang/github.com/foo/bar@v1.2.3#sub/dir").unwrap();
        assert_eq!(p.display_name(), "github.com/foo/bar");
        let p = parse("pkg:pypi/django").unwrap();
        assert_eq!((p.display_name().as_str(), p.version), ("django", None));
        assert_eq!(parse("not-a-purl"), None);
        assert_eq!(parse("pkg:"), None);
        assert_eq!(parse("pkg:npm/"), None);
        assert_eq!(parse("pkg:é"), None);
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("%ff"), "%ff");
    }

    #[test]
    fn joins_groups_per_ecosystem() {
        assert_eq!(
            join_group(Some("maven"), Some("commons-io"), "commons-io"),
            "commons-io:commons-io"
        );
        assert_eq!(join_group(Some("maven"), Some("g"), "g:a"), "g:a");
        assert_eq!(
            join_group(Some("composer"), Some("laravel"), "framework"),
            "laravel/framework"
        );
        assert_eq!(join_group(Some("deb"), Some("debian"), "tar"), "tar");
        assert_eq!(join_group(None, Some(" "), "x"), "x");
        assert_eq!(join_group(None, Some("acme"), "x"), "acme/x");
    }
}
