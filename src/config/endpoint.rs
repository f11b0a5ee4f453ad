//! How to reach an HTTP service the console reads (Prometheus, Alertmanager): where, with
//! which credentials and TLS settings, how long to wait and how often to ask.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::model::diag::Diagnostic;

/// The Prometheus the seed deploys, reached through the API server's service proxy: the one
/// address that works from outside the cluster with nothing but a kubeconfig.
pub const DEFAULT_PROMETHEUS: &str = "k8s://ms5-system/prometheus-service:9090";

/// The seed's Alertmanager, the same way.
pub const DEFAULT_ALERTMANAGER: &str = "k8s://ms5-system/alertmanager-service:9093";

/// `[NAME=]http(s)://HOST:PORT` or `[NAME=]k8s://NAMESPACE/SERVICE:PORT`; else how to write it.
pub fn check_alertmanager(spec: &str) -> Result<(), String> {
    let target = match spec.split_once('=') {
        Some((name, target)) if !name.contains("://") => target,
        _ => spec,
    };
    let k8s_ok = target.strip_prefix("k8s://").is_some_and(|rest| {
        rest.split_once('/')
            .is_some_and(|(n, s)| !n.is_empty() && !s.is_empty() && !s.contains('/'))
    });
    let http_ok = ["http://", "https://"]
        .iter()
        .any(|p| target.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if k8s_ok || http_ok {
        Ok(())
    } else {
        Err(format!(
            "write [NAME=]http(s)://HOST:PORT or [NAME=]k8s://NAMESPACE/SERVICE:PORT, e.g. prod={DEFAULT_ALERTMANAGER}"
        ))
    }
}

/// `[prometheus]` in config.toml, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHttpOptions {
    pub bearer_token_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub timeout: Option<Spanned<String>>,
    pub interval: Option<Spanned<String>>,
}

/// Checked options.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    pub bearer_token_file: Option<PathBuf>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Longest wait for one answer.
    pub timeout: Duration,
    /// Time between polls.
    pub interval: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            bearer_token_file: None,
            username: None,
            password_file: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            timeout: Duration::from_secs(10),
            interval: Duration::from_secs(15),
        }
    }
}

impl RawHttpOptions {
    pub fn check(self, path: &Path, source: &str) -> Result<HttpOptions, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let defaults = HttpOptions::default();
        let mut duration = |field: Option<Spanned<String>>, name: &str, default: Duration| {
            let Some(text) = field else {
                return default;
            };
            match promql_parser::util::parse_duration(text.get_ref()) {
                Ok(d) if d >= Duration::from_secs(1) => d,
                _ => {
                    errors.push(Diagnostic::at(
                        path,
                        source,
                        Some(text.span()),
                        format!("invalid {name} {:?}", text.get_ref()),
                        format!("write a duration of at least one second, e.g. {name} = \"10s\""),
                    ));
                    default
                }
            }
        };
        let timeout = duration(self.timeout, "timeout", defaults.timeout);
        let interval = duration(self.interval, "interval", defaults.interval);
        if self.client_cert.is_some() != self.client_key.is_some() {
            errors.push(Diagnostic::at(
                path,
                source,
                None,
                "client-cert and client-key must be given together",
                "set both to PEM files, or neither",
            ));
        }
        if self.password_file.is_some() && self.username.is_none() {
            errors.push(Diagnostic::at(
                path,
                source,
                None,
                "password-file is set without username",
                "basic auth needs both username and password-file",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(HttpOptions {
            bearer_token_file: self.bearer_token_file,
            username: self.username,
            password_file: self.password_file,
            ca_file: self.ca_file,
            client_cert: self.client_cert,
            client_key: self.client_key,
            timeout,
            interval,
        })
    }
}
