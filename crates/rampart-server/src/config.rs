//! Server configuration: defaults, then a TOML file (`rampart serve --config FILE`), then
//! `RAMPART_*` environment variables, then command-line flags (applied by the CLI).
//! Every setting is documented in `docs/server.md`.

use serde::Deserialize;
use std::path::Path;

/// Everything `rampart serve` can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on (`RAMPART_LISTEN`).
    pub listen: String,
    /// `text` or `json` logs (`RAMPART_LOG_FORMAT`).
    pub log_format: String,
    /// Run queued jobs in this process: `auto` (on SQLite), `on`, `off` (`RAMPART_JOBS`).
    pub jobs: String,
    /// Jobs run at once by the in-process runner (`RAMPART_JOB_CONCURRENCY`).
    pub job_concurrency: usize,
    /// Largest accepted upload, MiB (`RAMPART_MAX_UPLOAD_MB`).
    pub max_upload_mb: usize,
    /// Seconds running requests and jobs get to finish on SIGINT/SIGTERM
    /// (`RAMPART_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace_secs: u64,
    /// Authentication.
    pub auth: AuthConfig,
}

/// Authentication settings (`[auth]` in the file).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Mark the session cookie `Secure` (`RAMPART_SECURE_COOKIES`).
    pub secure_cookies: bool,
    /// Session lifetime in hours (`RAMPART_SESSION_HOURS`).
    pub session_hours: u32,
    /// Trust `X-Forwarded-For` for the client address (`RAMPART_TRUST_FORWARDED_FOR`).
    pub trust_forwarded_for: bool,
    /// Login attempts per client address per minute (`RAMPART_LOGIN_ATTEMPTS_PER_IP`).
    pub login_attempts_per_ip_per_minute: u32,
    /// Login attempts per user name per minute (`RAMPART_LOGIN_ATTEMPTS_PER_USER`).
    pub login_attempts_per_user_per_minute: u32,
    /// Seconds an authenticated caller is kept in process before the store is asked again;
    /// a token revoked elsewhere stops working within this time; 0 asks every request
    /// (`RAMPART_AUTH_CACHE_SECS`).
    pub principal_cache_secs: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            log_format: "text".into(),
            jobs: "auto".into(),
            job_concurrency: 1,
            max_upload_mb: 256,
            shutdown_grace_secs: 30,
            auth: AuthConfig::default(),
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            secure_cookies: false,
            session_hours: 12,
            trust_forwarded_for: false,
            login_attempts_per_ip_per_minute: 20,
            login_attempts_per_user_per_minute: 5,
            principal_cache_secs: 5,
        }
    }
}

/// A configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {file}: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid.
    #[error("{file}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// What is wrong, and where.
        message: String,
    },
    /// An environment variable holds something unusable.
    #[error("environment variable {name}: expected {expected}, got `{value}`")]
    Env {
        /// The variable.
        name: &'static str,
        /// What it must hold.
        expected: &'static str,
        /// What it holds.
        value: String,
    },
}

impl ServerConfig {
    /// Defaults, overlaid by `file` (when given) and then by the environment `env`
    /// (`std::env::var` in production; a map in tests).
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let mut c = match file {
            Some(path) => {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    file: name.clone(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    file: name,
                    message: e.to_string(),
                })?
            }
            None => ServerConfig::default(),
        };
        c.apply_env(env)?;
        c.validate()?;
        Ok(c)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(name: &'static str, v: String) -> Result<T, ConfigError> {
            v.trim().parse().map_err(|_| ConfigError::Env {
                name,
                expected: "a whole number",
                value: v,
            })
        }
        fn flag(name: &'static str, v: String) -> Result<bool, ConfigError> {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" => Ok(false),
                _ => Err(ConfigError::Env {
                    name,
                    expected: "true or false",
                    value: v,
                }),
            }
        }
        let get = |n: &str| env(n).filter(|v| !v.is_empty());
        if let Some(v) = get("RAMPART_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = get("RAMPART_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = get("RAMPART_JOBS") {
            self.jobs = v;
        }
        if let Some(v) = get("RAMPART_JOB_CONCURRENCY") {
            self.job_concurrency = num("RAMPART_JOB_CONCURRENCY", v)?;
        }
        if let Some(v) = get("RAMPART_MAX_UPLOAD_MB") {
            self.max_upload_mb = num("RAMPART_MAX_UPLOAD_MB", v)?;
        }
        if let Some(v) = get("RAMPART_SHUTDOWN_GRACE_SECS") {
            self.shutdown_grace_secs = num("RAMPART_SHUTDOWN_GRACE_SECS", v)?;
        }
        if let Some(v) = get("RAMPART_SECURE_COOKIES") {
            self.auth.secure_cookies = flag("RAMPART_SECURE_COOKIES", v)?;
        }
        if let Some(v) = get("RAMPART_TRUST_FORWARDED_FOR") {
            self.auth.trust_forwarded_for = flag("RAMPART_TRUST_FORWARDED_FOR", v)?;
        }
        if let Some(v) = get("RAMPART_SESSION_HOURS") {
            self.auth.session_hours = num("RAMPART_SESSION_HOURS", v)?;
        }
        if let Some(v) = get("RAMPART_LOGIN_ATTEMPTS_PER_IP") {
            self.auth.login_attempts_per_ip_per_minute = num("RAMPART_LOGIN_ATTEMPTS_PER_IP", v)?;
        }
        if let Some(v) = get("RAMPART_LOGIN_ATTEMPTS_PER_USER") {
            self.auth.login_attempts_per_user_per_minute =
                num("RAMPART_LOGIN_ATTEMPTS_PER_USER", v)?;
        }
        if let Some(v) = get("RAMPART_AUTH_CACHE_SECS") {
            self.auth.principal_cache_secs = num("RAMPART_AUTH_CACHE_SECS", v)?;
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |name, expected, value: &str| {
            Err(ConfigError::Env {
                name,
                expected,
                value: value.to_string(),
            })
        };
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return bad(
                "RAMPART_LOG_FORMAT / log_format",
                "text or json",
                &self.log_format,
            );
        }
        if !matches!(self.jobs.as_str(), "auto" | "on" | "off") {
            return bad("RAMPART_JOBS / jobs", "auto, on or off", &self.jobs);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rampart.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\nlog_format = \"json\"\n[auth]\nsession_hours = 2\nsecure_cookies = true\n",
        )
        .unwrap();
        let env: HashMap<&str, &str> = [
            ("RAMPART_LISTEN", "127.0.0.1:7000"),
            ("RAMPART_LOGIN_ATTEMPTS_PER_USER", "3"),
        ]
        .into();
        let c = ServerConfig::load(Some(&path), |k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(
            c.listen, "127.0.0.1:7000",
            "the environment wins over the file"
        );
        assert_eq!(c.log_format, "json");
        assert_eq!(c.auth.session_hours, 2);
        assert!(c.auth.secure_cookies);
        assert_eq!(c.auth.login_attempts_per_user_per_minute, 3);
        assert_eq!(c.auth.login_attempts_per_ip_per_minute, 20, "default kept");

        std::fs::write(&path, "listn = \"x\"\n").unwrap();
        let e = ServerConfig::load(Some(&path), |_| None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("rampart.toml") && e.contains("listn"), "{e}");
        let e = ServerConfig::load(None, |k| {
            (k == "RAMPART_SESSION_HOURS").then(|| "soon".into())
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("RAMPART_SESSION_HOURS") && e.contains("soon"),
            "{e}"
        );
        let e = ServerConfig::load(None, |k| (k == "RAMPART_LOG_FORMAT").then(|| "xml".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("text or json"), "{e}");
    }
}
