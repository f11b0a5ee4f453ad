//! The kubeconfig the sim writes for its clients: cluster `ms5-sim`, users `oncall`, `viewer`,
//! `restricted` and `deployer` with bearer tokens, contexts `ms5-sim` (current), `ms5-sim-viewer`,
//! `ms5-sim-restricted` and `ms5-sim-deployer`. Written with mode 0600, never over the user's own `~/.kube/config`
//! unless asked by path.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use color_eyre::eyre::{Result, WrapErr};
use serde_json::json;

use super::api::auth::{Role, User};

pub const CLUSTER: &str = "ms5-sim";
pub const ADMIN_CONTEXT: &str = "ms5-sim";
pub const VIEWER_CONTEXT: &str = "ms5-sim-viewer";
/// A user who may read everything but the `ms5-system` namespace.
pub const RESTRICTED_CONTEXT: &str = "ms5-sim-restricted";
/// A user who may make rollout changes in `ms5-staging` only.
pub const DEPLOYER_CONTEXT: &str = "ms5-sim-deployer";
pub const DEFAULT_NAMESPACE: &str = "ms5-production";

/// `servers` pairs each user with the URL its context uses (one URL for all over TLS, one
/// listener per user over plain HTTP).
pub fn render(servers: &[(User, String)], ca_pem: Option<&str>) -> Result<String> {
    let context_for = |user: &User| match user.role {
        Role::Admin => ADMIN_CONTEXT,
        Role::Viewer => VIEWER_CONTEXT,
        Role::Restricted => RESTRICTED_CONTEXT,
        Role::Deployer => DEPLOYER_CONTEXT,
    };
    let mut clusters: Vec<serde_json::Value> = Vec::new();
    let mut cluster_of = Vec::new();
    for (user, server) in servers {
        let name = if servers.iter().all(|(_, s)| s == server) {
            CLUSTER.to_string()
        } else {
            context_for(user).to_string()
        };
        if !clusters.iter().any(|c| c["name"] == name) {
            let mut cluster = json!({"server": server});
            if let Some(ca) = ca_pem {
                cluster["certificate-authority-data"] =
                    json!(base64::engine::general_purpose::STANDARD.encode(ca));
            }
            clusters.push(json!({"name": name, "cluster": cluster}));
        }
        cluster_of.push((user.clone(), name));
    }
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": clusters,
        "users": servers.iter().map(|(u, _)| json!({"name": u.name, "user": {"token": u.token}})).collect::<Vec<_>>(),
        "contexts": cluster_of.iter().map(|(u, cluster)| json!({
            "name": context_for(u),
            "context": {"cluster": cluster, "user": u.name, "namespace": DEFAULT_NAMESPACE},
        })).collect::<Vec<_>>(),
        "current-context": ADMIN_CONTEXT,
    });
    serde_yaml::to_string(&config).wrap_err("rendering kubeconfig")
}

pub fn write(path: &Path, contents: &str) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .wrap_err_with(|| format!("creating {}", parent.display()))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .wrap_err_with(|| format!("writing kubeconfig {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .wrap_err_with(|| format!("writing kubeconfig {}", path.display()))?;
    Ok(())
}
