//! What a request to the simulated API server asks for: the resource path, query parameters,
//! the body (JSON or YAML, size-limited) and the wanted answer format.

use std::collections::HashMap;

use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::status::{ApiError, ApiResult};
use crate::sim::resources::{self, ResourceType};

/// Kubernetes' own limit on request bodies.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

/// `/api/v1/namespaces/ms5-production/pods/backend-x/log` and the like, resolved.
#[derive(Debug, Clone)]
pub struct Target {
    pub resource: &'static ResourceType,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// What follows a `proxy` subresource, with its leading slash.
    pub rest: String,
}

impl Target {
    pub fn parse(path: &str) -> ApiResult<Target> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (group, version, rest) = match segments.as_slice() {
            ["api", version, rest @ ..] => ("", *version, rest),
            ["apis", group, version, rest @ ..] => (*group, *version, rest),
            _ => return Err(ApiError::no_such_resource()),
        };
        let namespaced =
            |plural: &str| resources::find(group, version, plural).filter(|r| r.namespaced);
        let (resource, namespace, tail) = match rest {
            ["namespaces", ns, plural, tail @ ..] if namespaced(plural).is_some() => {
                (namespaced(plural), Some(ns.to_string()), tail)
            }
            [plural, tail @ ..] => (resources::find(group, version, plural), None, tail),
            [] => return Err(ApiError::no_such_resource()),
        };
        let resource = resource.ok_or_else(ApiError::no_such_resource)?;
        if resource.namespaced && namespace.is_none() && !tail.is_empty() {
            // A namespaced object named without its namespace does not exist.
            return Err(ApiError::no_such_resource());
        }
        let name = tail.first().map(|s| s.to_string());
        let subresource = tail.get(1).map(|s| s.to_string());
        if let Some(sub) = &subresource {
            if !resource.has_subresource(sub) {
                return Err(ApiError::no_such_resource());
            }
            if sub != "proxy" && tail.len() > 2 {
                return Err(ApiError::no_such_resource());
            }
        }
        let rest = if tail.len() > 2 {
            format!("/{}", tail[2..].join("/"))
        } else {
            String::new()
        };
        Ok(Target {
            resource,
            namespace,
            name,
            subresource,
            rest,
        })
    }

    pub fn namespace_or_empty(&self) -> &str {
        self.namespace.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Query(HashMap<String, String>);

impl Query {
    pub fn parse(query: Option<&str>) -> Query {
        Query(
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "true" | "True"))
    }

    pub fn dry_run(&self) -> ApiResult<bool> {
        match self.get("dryRun") {
            None => Ok(false),
            Some("All") => Ok(true),
            Some(other) => Err(ApiError::bad_request(format!(
                "Invalid dry run value: {other} (supported: All)"
            ))),
        }
    }

    pub fn number(&self, key: &str) -> ApiResult<Option<i64>> {
        self.get(key)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| ApiError::bad_request(format!("invalid value for {key}: {v:?}")))
            })
            .transpose()
    }
}

/// `fieldValidation`: what to do with fields the type does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

impl FieldValidation {
    pub fn from_query(query: &Query) -> ApiResult<Self> {
        match query.get("fieldValidation") {
            None | Some("Warn") => Ok(FieldValidation::Warn),
            Some("Ignore") => Ok(FieldValidation::Ignore),
            Some("Strict") => Ok(FieldValidation::Strict),
            Some(other) => Err(ApiError::bad_request(format!(
                "fieldValidation parameter unsupported: {other}. Must be one of Ignore, Warn, Strict"
            ))),
        }
    }
}

pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json")
        .to_string()
}

/// Decodes a create/update body: JSON, or YAML when the content type says so.
pub fn decode_object(headers: &HeaderMap, body: &[u8]) -> ApiResult<Value> {
    let media = content_type(headers);
    let media = media.split(';').next().unwrap_or_default().trim();
    let value: Value = match media {
        "application/json" | "" | "*/*" => serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
        })?,
        "application/yaml" | "application/x-yaml" | "text/yaml" => serde_yaml::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error converting YAML to JSON: {e}")))?,
        other => {
            return Err(ApiError::unsupported_media_type(
                other,
                &["application/json", "application/yaml"],
            ));
        }
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "Object 'Kind' is missing in request body: not a JSON object",
        ));
    }
    Ok(value)
}

/// Whether the client asked for a server-side printed Table.
pub fn wants_table(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .next()
                .is_some_and(|first| first.contains("as=Table") && first.contains("g=meta.k8s.io"))
        })
}

/// Whether the client asked for metadata only (`as=PartialObjectMetadata` or
/// `...List`), as kube's `get_metadata` / `list_metadata` and controllers do.
pub fn wants_metadata(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept.split(',').next().is_some_and(|first| {
                first.contains("as=PartialObjectMetadata") && first.contains("g=meta.k8s.io")
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_resource_paths() {
        let t = Target::parse("/api/v1/namespaces/ms5-production/pods/backend-1/log").unwrap();
        assert_eq!(
            (
                t.resource.plural,
                t.namespace.as_deref(),
                t.name.as_deref(),
                t.subresource.as_deref()
            ),
            (
                "pods",
                Some("ms5-production"),
                Some("backend-1"),
                Some("log")
            )
        );
        let t = Target::parse("/api/v1/namespaces/ms5-production").unwrap();
        assert_eq!(
            (t.resource.plural, t.name.as_deref()),
            ("namespaces", Some("ms5-production"))
        );
        let t = Target::parse(
            "/api/v1/namespaces/ms5-system/services/prometheus-service:9090/proxy/api/v1/query",
        )
        .unwrap();
        assert_eq!(
            (t.subresource.as_deref(), t.rest.as_str()),
            (Some("proxy"), "/api/v1/query")
        );
        let t = Target::parse("/apis/apps/v1/deployments").unwrap();
        assert_eq!((t.resource.kind, t.namespace), ("Deployment", None));
        for bad in [
            "/api/v1/widgets",
            "/apis/apps/v1/namespaces/x/deployments/y/bogus",
            "/apis/apps/v1/deployments/y",
            "/nope",
        ] {
            assert_eq!(Target::parse(bad).unwrap_err().code, 404, "{bad}");
        }
    }

    #[test]
    fn table_negotiation_follows_the_first_choice() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT,
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
                .parse()
                .unwrap(),
        );
        assert!(wants_table(&h));
        h.insert(header::ACCEPT, "application/json, */*".parse().unwrap());
        assert!(!wants_table(&h));
    }
}
