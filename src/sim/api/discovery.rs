//! Legacy discovery (`/version`, `/api`, `/apis`, per group/version resource lists) and the
//! minimal OpenAPI v3 documents kubectl reads before `create -f` and `apply -f`: one PATCH path
//! per kind carrying `x-kubernetes-group-version-kind` and the `fieldValidation` parameter, which
//! tells kubectl the server validates fields itself.

use serde_json::{Value, json};

use crate::sim::resources::{self, ResourceType};

pub const KUBERNETES_VERSION: &str = "v1.33.2";

pub fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": format!("{KUBERNETES_VERSION}+ms5sim"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-11-01T00:00:00Z",
        "goVersion": "go1.24.4",
        "compiler": "gc",
        "platform": "linux/amd64",
        "emulationMajor": "1",
        "emulationMinor": "33",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "32"
    })
}

pub fn core_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]
    })
}

/// Every served group; `metrics`: whether the metrics API (metrics-server) is among them.
pub fn groups(metrics: bool) -> Value {
    let groups: Vec<Value> = resources::group_versions()
        .into_iter()
        .filter(|(group, _)| !group.is_empty())
        .filter(|(group, _)| metrics || *group != "metrics.k8s.io")
        .map(|(group, version)| {
            let gv = json!({"groupVersion": format!("{group}/{version}"), "version": version});
            json!({"name": group, "versions": [gv.clone()], "preferredVersion": gv})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn group(name: &str, metrics: bool) -> Option<Value> {
    groups(metrics)["groups"]
        .as_array()?
        .iter()
        .find(|g| g["name"] == name)
        .map(|g| {
            let mut g = g.clone();
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            g
        })
}

fn verbs(resource: &ResourceType) -> Vec<&'static str> {
    if resources::is_review(resource) {
        vec!["create"]
    } else if resources::is_metrics(resource) {
        vec!["get", "list"]
    } else {
        vec![
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ]
    }
}

fn subresource_entry(resource: &ResourceType, sub: &str) -> Value {
    let name = format!("{}/{sub}", resource.plural);
    match sub {
        "scale" => {
            json!({"name": name, "singularName": "", "namespaced": resource.namespaced, "group": "autoscaling",
                          "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]})
        }
        "log" => {
            json!({"name": name, "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]})
        }
        "proxy" => {
            json!({"name": name, "singularName": "", "namespaced": true, "kind": "ServiceProxyOptions",
                          "verbs": ["create", "delete", "get", "patch", "update"]})
        }
        _ => {
            json!({"name": name, "singularName": "", "namespaced": resource.namespaced, "kind": resource.kind,
                    "verbs": ["get", "patch", "update"]})
        }
    }
}

pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let mut entries = Vec::new();
    for r in resources::in_group_version(group, version) {
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": verbs(r),
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        entries.push(entry);
        entries.extend(r.subresources.iter().map(|sub| subresource_entry(r, sub)));
    }
    if entries.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}),
    )
}

fn openapi_path_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: where each group/version's document is.
pub fn openapi_index() -> Value {
    let mut paths = serde_json::Map::new();
    // The metrics group is served by metrics-server, whose documents kubectl never reads.
    for (group, version) in resources::group_versions()
        .into_iter()
        .filter(|(group, _)| *group != "metrics.k8s.io")
    {
        let key = openapi_path_key(group, version);
        paths.insert(key.clone(), json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash=MS5SIM{}", KUBERNETES_VERSION.replace('.', ""))}));
    }
    json!({"paths": paths})
}

/// `/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`...
pub fn openapi_document(path: &str) -> Option<Value> {
    let (group, version) = resources::group_versions()
        .into_iter()
        .filter(|(group, _)| *group != "metrics.k8s.io")
        .find(|(g, v)| openapi_path_key(g, v) == path)?;
    let mut paths = serde_json::Map::new();
    for r in resources::in_group_version(group, version) {
        let prefix = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let item = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        let gvk = json!({"group": group, "version": version, "kind": r.kind});
        let params = json!([
            {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
            {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": true}}
        ]);
        let body_types = [
            "application/json-patch+json",
            "application/merge-patch+json",
            "application/apply-patch+yaml",
        ];
        let content: serde_json::Map<String, Value> = body_types
            .iter()
            .map(|t| (t.to_string(), json!({"schema": {"type": "object"}})))
            .collect();
        paths.insert(
            item,
            json!({
                "patch": {
                    "operationId": format!("patch{}", r.kind),
                    "x-kubernetes-action": "patch",
                    "x-kubernetes-group-version-kind": gvk,
                    "parameters": params,
                    "requestBody": {"content": content, "required": true},
                    "responses": {"200": {"description": "OK"}}
                }
            }),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": paths,
        "components": {"schemas": {}}
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_list_has_subresources_and_short_names() {
        let list = resource_list("", "v1").unwrap();
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(names.contains(&"pods/log") && names.contains(&"services/proxy"));
        let pods = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "pods")
            .unwrap();
        assert_eq!(pods["shortNames"], json!(["po"]));
        assert_eq!(pods["categories"], json!(["all"]));
    }

    #[test]
    fn every_group_version_has_an_openapi_document() {
        let index = openapi_index();
        for (key, entry) in index["paths"].as_object().unwrap() {
            assert!(
                entry["serverRelativeURL"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("/openapi/v3/{key}?"))
            );
            assert!(openapi_document(key).is_some(), "{key}");
        }
    }
}
