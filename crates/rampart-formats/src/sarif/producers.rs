//! What each known SARIF producer means: its normalized name, the class of tool, the kind of
//! finding each of its results is, and where it writes package and resource details.
//!
//! The rules here come from the real files in the corpus (`sarif/`, `defectdojo/sarif/`,
//! `real-scans/`, `trivy-golden/`) and from the producers' own SARIF writers.

use super::raw::Props;
use rampart_model::{FindingKind, ToolKind};

/// A SARIF producer Rampart knows something specific about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Producer {
    /// GitHub CodeQL (and LGTM.com, which ran CodeQL).
    CodeQl,
    /// Semgrep (OSS, Pro, Code).
    Semgrep,
    /// Secret scanners: gitleaks, trufflehog, detect-secrets, ggshield, noseyparker.
    SecretScanner,
    /// Gitleaks specifically: its region snippet is the secret itself.
    Gitleaks,
    /// Trivy: vulnerabilities, misconfigurations, secrets and licenses in one run.
    Trivy,
    /// Checkov.
    Checkov,
    /// KICS.
    Kics,
    /// Other IaC scanners: tfsec, terrascan, Snyk IaC, cfn-lint.
    Iac,
    /// Grype.
    Grype,
    /// OWASP Dependency-Check.
    DependencyCheck,
    /// osv-scanner.
    OsvScanner,
    /// govulncheck.
    Govulncheck,
    /// Snyk Open Source and Snyk Container.
    Snyk,
    /// Dockle (container image configuration).
    Dockle,
    /// Any other tool (SAST by default).
    Other,
}

/// Normalizes a driver name: lower-case, well-known names spelled one way (`CodeQL` →
/// `codeql`, `Semgrep OSS` → `semgrep`), other white space runs become `-`.
pub(crate) fn normalize_tool_name(raw: &str) -> String {
    let lower = raw.trim().to_lowercase();
    let known = match lower.as_str() {
        "codeql" | "lgtm.com" | "github codeql" | "codeql command-line toolchain" => "codeql",
        "semgrep" | "semgrep oss" | "semgrep pro" | "semgrep code" | "semgrep supply chain" => {
            "semgrep"
        }
        "trivy" | "trivy vulnerability scanner" => "trivy",
        "dependency-check" | "owasp dependency-check" | "dependencycheck" => "dependency-check",
        "snyk open source" => "snyk",
        "snykcode" | "snyk code" => "snyk-code",
        "snyk container" => "snyk-container",
        "snyk iac" | "snyk infrastructure as code" => "snyk-iac",
        "njsscan" | "nodejsscan" => "nodejsscan",
        "tfsec" | "defsec" => "tfsec",
        "detect-secrets" | "detect_secrets" => "detect-secrets",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    if lower.starts_with("semgrep") {
        return "semgrep".to_string();
    }
    lower.split_whitespace().collect::<Vec<_>>().join("-")
}

/// The producer behind a normalized tool name.
pub(crate) fn producer(name: &str) -> Producer {
    match name {
        "codeql" => Producer::CodeQl,
        "semgrep" => Producer::Semgrep,
        "gitleaks" => Producer::Gitleaks,
        "trufflehog" | "detect-secrets" | "ggshield" | "noseyparker" => Producer::SecretScanner,
        "trivy" => Producer::Trivy,
        "checkov" => Producer::Checkov,
        "kics" => Producer::Kics,
        "tfsec" | "terrascan" | "snyk-iac" | "cfn-lint" => Producer::Iac,
        "grype" => Producer::Grype,
        "dependency-check" => Producer::DependencyCheck,
        "osv-scanner" => Producer::OsvScanner,
        "govulncheck" => Producer::Govulncheck,
        "snyk" | "snyk-container" => Producer::Snyk,
        "dockle" => Producer::Dockle,
        _ => Producer::Other,
    }
}

/// The class of tool, when its name tells (Trivy depends on what it scanned: see
/// [`trivy_tool_kind`]).
pub(crate) fn tool_kind(name: &str) -> Option<ToolKind> {
    Some(match name {
        "codeql" | "semgrep" | "bandit" | "eslint" | "spotbugs" | "flawfinder" | "nodejsscan"
        | "mobsfscan" | "snyk-code" | "gosec" | "brakeman" | "pylint" | "sonarqube" | "pmd"
        | "cppcheck" | "clang-tidy" | "fortify" | "bearer" | "horusec" => ToolKind::Sast,
        "gitleaks" | "trufflehog" | "detect-secrets" | "ggshield" | "noseyparker" => {
            ToolKind::Secrets
        }
        "checkov" | "kics" | "tfsec" | "terrascan" | "snyk-iac" | "cfn-lint" => ToolKind::Iac,
        "grype" | "dependency-check" | "snyk" | "osv-scanner" | "govulncheck" => ToolKind::Sca,
        "dockle" | "snyk-container" => ToolKind::Container,
        _ => return None,
    })
}

/// Trivy's class: an image scan (the run's properties name the image) is container scanning;
/// otherwise it follows what the first result was.
pub(crate) fn trivy_tool_kind(run_props: &Props, first_kind: Option<FindingKind>) -> ToolKind {
    let image = ["imageName", "imageID", "repoTags"]
        .iter()
        .any(|k| run_props.get(*k).is_some_and(|v| !v.is_null()));
    if image {
        return ToolKind::Container;
    }
    match first_kind {
        Some(FindingKind::Secret) => ToolKind::Secrets,
        Some(FindingKind::Iac) => ToolKind::Iac,
        _ => ToolKind::Sca,
    }
}

/// The class of a Trivy rule, from its name (`OsPackageVulnerability`, `Misconfiguration`,
/// `Secret`, `License`) or, failing that, its tags.
pub(crate) fn trivy_class(rule_name: Option<&str>, tags: &[String]) -> Option<FindingKind> {
    let by_name = match rule_name.map(str::to_ascii_lowercase).as_deref() {
        Some("ospackagevulnerability" | "languagespecificpackagevulnerability") => {
            Some(FindingKind::Dependency)
        }
        Some("misconfiguration") => Some(FindingKind::Iac),
        Some("secret") => Some(FindingKind::Secret),
        Some("license") => Some(FindingKind::License),
        _ => None,
    };
    by_name.or_else(|| {
        tags.iter()
            .find_map(|t| match t.to_ascii_lowercase().as_str() {
                "vulnerability" => Some(FindingKind::Dependency),
                "misconfiguration" => Some(FindingKind::Iac),
                "secret" => Some(FindingKind::Secret),
                "license" => Some(FindingKind::License),
                _ => None,
            })
    })
}

/// What one result of `producer` is about. `rule_class` is the rule's own class when the
/// producer states one (Trivy); `has_purl` whether the result names a package URL.
pub(crate) fn finding_kind(
    producer: Producer,
    rule_id: &str,
    rule_name: Option<&str>,
    rule_class: Option<FindingKind>,
    has_purl: bool,
) -> FindingKind {
    match producer {
        Producer::Gitleaks | Producer::SecretScanner => FindingKind::Secret,
        Producer::Trivy => rule_class.unwrap_or(FindingKind::Code),
        Producer::Checkov if rule_id.to_ascii_uppercase().starts_with("CKV_SECRET") => {
            FindingKind::Secret
        }
        Producer::Kics
            if rule_name
                .is_some_and(|n| n.to_ascii_lowercase().starts_with("passwords and secrets")) =>
        {
            FindingKind::Secret
        }
        Producer::Checkov | Producer::Kics | Producer::Iac => FindingKind::Iac,
        Producer::Grype
        | Producer::DependencyCheck
        | Producer::OsvScanner
        | Producer::Govulncheck
        | Producer::Snyk => FindingKind::Dependency,
        _ if has_purl => FindingKind::Dependency,
        _ => FindingKind::Code,
    }
}

/// The purl type for an ecosystem word as tools write it (Grype's package types, Snyk's
/// tags, lock-file families).
pub(crate) fn purl_type(word: &str) -> Option<&'static str> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "java-archive" | "jenkins-plugin" | "maven" | "gradle" | "java" => "maven",
        "npm" | "node" | "yarn" | "pnpm" | "javascript" => "npm",
        "python" | "pip" | "pypi" | "poetry" | "pipenv" => "pypi",
        "gem" | "rubygems" | "bundler" => "gem",
        "go-module" | "golang" | "go" | "gomodules" => "golang",
        "rust-crate" | "cargo" | "crates.io" => "cargo",
        "dotnet" | "nuget" => "nuget",
        "php-composer" | "composer" | "packagist" => "composer",
        "deb" | "debian" | "dpkg" => "deb",
        "rpm" => "rpm",
        "apk" | "alpine" => "apk",
        "pub" | "dart" => "pub",
        "hex" => "hex",
        "swift" | "cocoapods" => "cocoapods",
        _ => return None,
    })
}

/// The purl type implied by a lock or manifest file name (osv-scanner and Snyk locations).
pub(crate) fn purl_type_of_file(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    Some(match name.as_str() {
        "cargo.lock" | "cargo.toml" => "cargo",
        "package-lock.json"
        | "npm-shrinkwrap.json"
        | "yarn.lock"
        | "pnpm-lock.yaml"
        | "package.json"
        | "bun.lock" => "npm",
        "requirements.txt" | "poetry.lock" | "pipfile.lock" | "pdm.lock" | "uv.lock"
        | "setup.py" | "pyproject.toml" => "pypi",
        "go.mod" | "go.sum" => "golang",
        "gemfile.lock" | "gemfile" | "gems.locked" => "gem",
        "composer.lock" | "composer.json" => "composer",
        "pom.xml"
        | "gradle.lockfile"
        | "buildscript-gradle.lockfile"
        | "build.gradle"
        | "build.gradle.kts" => "maven",
        "packages.lock.json" | "packages.config" => "nuget",
        "pubspec.lock" => "pub",
        "mix.lock" => "hex",
        _ => return None,
    })
}

/// Builds a package URL for ecosystems where the name alone identifies the package (no
/// distro namespace needed). Maven names must be `group:artifact`.
pub(crate) fn make_purl(ty: &str, name: &str, version: Option<&str>) -> Option<String> {
    let path = match ty {
        "npm" => match name.strip_prefix('@') {
            Some(scoped) => format!("%40{scoped}"),
            None => name.to_string(),
        },
        "maven" => {
            let (group, artifact) = name.split_once(':')?;
            format!("{group}/{artifact}")
        }
        "pypi" | "gem" | "golang" | "cargo" | "nuget" | "composer" | "pub" | "hex" => {
            name.to_string()
        }
        _ => return None,
    };
    if path.is_empty() || path.contains(char::is_whitespace) {
        return None;
    }
    Some(match version {
        Some(v) => format!("pkg:{ty}/{path}@{v}"),
        None => format!("pkg:{ty}/{path}"),
    })
}

/// The parts of a package URL: (type, name with namespace, version).
pub(crate) fn split_purl(purl: &str) -> Option<(String, String, Option<String>)> {
    let rest = purl.trim().strip_prefix("pkg:")?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (ty, path) = rest.split_once('/')?;
    let (path, version) = match path.rfind('@') {
        Some(i) if i > 0 => (&path[..i], Some(path[i + 1..].to_string())),
        _ => (path, None),
    };
    let path = path
        .replace("%40", "@")
        .replace("%2F", "/")
        .replace("%2f", "/");
    let name = match ty.to_ascii_lowercase().as_str() {
        "maven" => path.replacen('/', ":", 1),
        "deb" | "rpm" | "apk" | "alpm" => path.rsplit('/').next().unwrap_or(&path).to_string(),
        _ => path,
    };
    Some((
        ty.to_ascii_lowercase(),
        name,
        version.filter(|v| !v.is_empty()),
    ))
}

/// `name@version` (npm scopes start with `@`, so the separator is the last `@` after the
/// first character).
pub(crate) fn split_at_version(s: &str) -> Option<(&str, &str)> {
    let s = s.trim();
    let i = s.rfind('@').filter(|i| *i > 0)?;
    let (name, version) = (&s[..i], &s[i + 1..]);
    (!name.is_empty() && !version.is_empty() && !name.contains(char::is_whitespace))
        .then_some((name, version))
}

/// A package name in a message as Grype, osv-scanner and govulncheck write it:
/// `package: X, version Y`, `Package 'X@Y'`, `... vulnerable package (X)`.
pub(crate) fn package_in_message(message: &str) -> (Option<String>, Option<String>) {
    if let Some(rest) = find_ci(message, "package: ") {
        let name = rest.split([',', '\n']).next().unwrap_or("").trim();
        let version = find_ci(rest, "version ").and_then(|v| v.split_whitespace().next());
        if !name.is_empty() {
            return (
                Some(name.to_string()),
                version.map(|v| v.trim_end_matches(',').to_string()),
            );
        }
    }
    if let Some(rest) = find_ci(message, "package '")
        && let Some((quoted, _)) = rest.split_once('\'')
    {
        if let Some((n, v)) = split_at_version(quoted) {
            return (Some(n.to_string()), Some(v.to_string()));
        }
        return (Some(quoted.to_string()), None);
    }
    for marker in ["package (", "packages (", "module (", "modules ("] {
        if let Some(rest) = find_ci(message, marker)
            && let Some((inner, _)) = rest.split_once(')')
        {
            let first = inner.split(',').next().unwrap_or("").trim();
            if !first.is_empty() {
                return (Some(first.to_string()), None);
            }
        }
    }
    (None, None)
}

/// The text after the first case-insensitive occurrence of `needle` (ASCII) in `hay`.
fn find_ci<'h>(hay: &'h str, needle: &str) -> Option<&'h str> {
    let lower = hay.to_ascii_lowercase();
    lower.find(needle).map(|i| &hay[i + needle.len()..])
}

/// Checkov writes, in each rule's `help`, the resource of the first result of that rule
/// (`Resource: /Dockerfile.app.ADD`). For Dockerfile checks the resource is `/`, the file
/// path, `.` and the instruction, so it carries over to every result of the rule by swapping
/// the path. Other frameworks name resources that cannot be carried over (`aws_s3_bucket.x`
/// belongs to one result only). Returns the resource for a result in `path`, or `None`.
pub(crate) fn checkov_resource(help_resource: &str, path: &str) -> Option<String> {
    let hint = help_resource.trim().trim_matches('"').trim();
    let bare = hint.trim_start_matches('/');
    let (file, instruction) = bare.rsplit_once('.')?;
    let dockerfile = |p: &str| p.to_ascii_lowercase().contains("dockerfile");
    if dockerfile(file) && dockerfile(path) && instruction.chars().all(|c| c.is_ascii_uppercase()) {
        return Some(format!("/{path}.{instruction}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(normalize_tool_name("CodeQL"), "codeql");
        assert_eq!(normalize_tool_name("Semgrep OSS"), "semgrep");
        assert_eq!(normalize_tool_name(" Trivy "), "trivy");
        assert_eq!(
            normalize_tool_name("Shell Script Analysis"),
            "shell-script-analysis"
        );
        assert_eq!(producer("gitleaks"), Producer::Gitleaks);
        assert_eq!(tool_kind("checkov"), Some(ToolKind::Iac));
    }

    #[test]
    fn packages() {
        assert_eq!(
            make_purl("npm", "@angular/core", Some("1.0")).as_deref(),
            Some("pkg:npm/%40angular/core@1.0")
        );
        assert_eq!(
            make_purl("maven", "org.x:y", None).as_deref(),
            Some("pkg:maven/org.x/y")
        );
        assert_eq!(make_purl("maven", "y", None), None);
        assert_eq!(
            split_purl("pkg:maven/org.apache.bcel/bcel@6.5.0"),
            Some((
                "maven".into(),
                "org.apache.bcel:bcel".into(),
                Some("6.5.0".into())
            ))
        );
        assert_eq!(
            split_purl("pkg:npm/%40a/b@1?x=y").map(|p| p.1),
            Some("@a/b".into())
        );
        assert_eq!(split_at_version("@scope/x@1.2"), Some(("@scope/x", "1.2")));
        assert_eq!(
            package_in_message(
                "A low vulnerability in java-archive package: postgresql, version UNKNOWN was found at: /pom.xml"
            ),
            (Some("postgresql".into()), Some("UNKNOWN".into()))
        );
        assert_eq!(
            package_in_message(
                "Package 'com.h2database:h2@1.4.200' is vulnerable to 'CVE-2022-45868'"
            ),
            (Some("com.h2database:h2".into()), Some("1.4.200".into()))
        );
        assert_eq!(
            package_in_message(
                "Your code imports 1 vulnerable package (internal/syscall/unix), but"
            ),
            (Some("internal/syscall/unix".into()), None)
        );
    }

    #[test]
    fn checkov_resources() {
        assert_eq!(
            checkov_resource("/Dockerfile.app.ADD", "Dockerfile.app").as_deref(),
            Some("/Dockerfile.app.ADD")
        );
        assert_eq!(
            checkov_resource("/Dockerfile.app.", "Dockerfile.db").as_deref(),
            Some("/Dockerfile.db.")
        );
        assert_eq!(
            checkov_resource("\"/frontend/docker/Dockerfile.\"", "backend/Dockerfile").as_deref(),
            Some("/backend/Dockerfile.")
        );
        assert_eq!(
            checkov_resource("/Dockerfile.app.ADD", "Dockerfile").as_deref(),
            Some("/Dockerfile.ADD")
        );
        assert_eq!(checkov_resource("aws_s3_bucket.data", "main.tf"), None);
    }
}
