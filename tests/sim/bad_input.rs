//! The sim answers bad requests as kube-apiserver does, with a `Status` of the right code and
//! reason, and keeps serving afterwards: malformed bodies, unknown resources and verbs, bad
//! selectors, oversized bodies, wrong patch types, stale writes, expired watches.

use crate::common;

use common::Sim;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

struct Case {
    what: &'static str,
    method: Method,
    path: String,
    content_type: &'static str,
    body: Vec<u8>,
    code: u16,
    reason: &'static str,
}

fn case(
    what: &'static str,
    method: Method,
    path: &str,
    content_type: &'static str,
    body: impl Into<Vec<u8>>,
    code: u16,
    reason: &'static str,
) -> Case {
    Case {
        what,
        method,
        path: path.to_string(),
        content_type,
        body: body.into(),
        code,
        reason,
    }
}

const PODS: &str = "/api/v1/namespaces/ms5-production/pods";
const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/ms5-production/deployments";

#[tokio::test]
async fn bad_requests_get_the_right_status_and_the_sim_keeps_serving() {
    let sim = Sim::start(&["--watch-history", "3"]);
    let base = sim.url("kubernetes").to_string();
    let http = Client::new();

    let valid_pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "ok-pod"},
                           "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
    let current: Value = http
        .get(format!("{base}{DEPLOYMENTS}/backend"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pods_before = pod_identities(&http, &base).await;
    assert!(pods_before.len() > 10, "{pods_before:?}");
    let mut stale = current.clone();
    stale["metadata"]["resourceVersion"] = json!("2");
    stale["spec"]["replicas"] = json!(5);

    let cases = vec![
        case("malformed JSON", Method::POST, PODS, "application/json", "{\"kind\": \"Pod\",", 400, "BadRequest"),
        case("malformed YAML", Method::POST, PODS, "application/yaml", "kind: Pod\n  metadata: [", 400, "BadRequest"),
        case("a JSON array for an object", Method::POST, PODS, "application/json", "[1,2]", 400, "BadRequest"),
        case("a wrongly typed field", Method::POST, PODS, "application/json",
             json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": "nope"}}).to_string(), 400, "BadRequest"),
        case("unknown field under Strict", Method::POST, &format!("{PODS}?fieldValidation=Strict"), "application/json",
             json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containerz": [], "containers": [{"name": "c", "image": "i"}]}}).to_string(), 400, "BadRequest"),
        case("kind mismatch", Method::POST, PODS, "application/json", json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}}).to_string(), 400, "BadRequest"),
        case("missing containers", Method::POST, PODS, "application/json", json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {}}).to_string(), 422, "Invalid"),
        case("invalid name", Method::POST, PODS, "application/json", json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Not_Valid"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}).to_string(), 422, "Invalid"),
        case("no name at all", Method::POST, PODS, "application/json", json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "c", "image": "i"}]}}).to_string(), 422, "Invalid"),
        case("unknown namespace", Method::POST, "/api/v1/namespaces/nowhere/pods", "application/json", valid_pod.to_string(), 404, "NotFound"),
        case("unknown resource", Method::GET, "/api/v1/widgets", "", "", 404, "NotFound"),
        case("unknown group", Method::GET, "/apis/widgets.example.com/v1/things", "", "", 404, "NotFound"),
        case("unknown subresource", Method::GET, &format!("{PODS}/redis-0/exec-me"), "", "", 404, "NotFound"),
        case("missing object", Method::GET, &format!("{PODS}/nope"), "", "", 404, "NotFound"),
        case("PUT on a collection", Method::PUT, PODS, "application/json", "{}", 405, "MethodNotAllowed"),
        case("PATCH on a collection", Method::PATCH, PODS, "application/merge-patch+json", "{}", 405, "MethodNotAllowed"),
        case("POST on an object", Method::POST, &format!("{PODS}/redis-0"), "application/json", "{}", 405, "MethodNotAllowed"),
        case("write to logs", Method::POST, &format!("{PODS}/redis-0/log"), "application/json", "{}", 405, "MethodNotAllowed"),
        case("bad label selector", Method::GET, &format!("{PODS}?labelSelector=app%20in%20(x"), "", "", 400, "BadRequest"),
        case("unsupported field selector", Method::GET, &format!("{PODS}?fieldSelector=spec.bogus%3D1"), "", "", 400, "BadRequest"),
        case("bad continue token", Method::GET, &format!("{PODS}?limit=1&continue=%%%"), "", "", 400, "BadRequest"),
        case("bad dryRun", Method::POST, &format!("{PODS}?dryRun=Some"), "application/json", valid_pod.to_string(), 400, "BadRequest"),
        case("oversized body", Method::POST, PODS, "application/json", vec![b' '; 4 * 1024 * 1024], 413, "RequestEntityTooLarge"),
        case("patch of an unknown type", Method::PATCH, &format!("{DEPLOYMENTS}/backend"), "text/plain", "x", 415, "UnsupportedMediaType"),
        case("create with an unknown media type", Method::POST, PODS, "application/xml", "<pod/>", 415, "UnsupportedMediaType"),
        case("JSON patch that is an object", Method::PATCH, &format!("{DEPLOYMENTS}/backend"), "application/json-patch+json", "{}", 400, "BadRequest"),
        case("JSON patch on a missing path", Method::PATCH, &format!("{DEPLOYMENTS}/backend"), "application/json-patch+json",
             r#"[{"op":"replace","path":"/spec/nothing/here","value":1}]"#, 422, "Invalid"),
        case("merge patch breaking the selector", Method::PATCH, &format!("{DEPLOYMENTS}/backend"), "application/merge-patch+json",
             r#"{"spec":{"template":{"metadata":{"labels":{"app":"other"}}}}}"#, 422, "Invalid"),
        case("negative replicas", Method::PATCH, &format!("{DEPLOYMENTS}/backend/scale"), "application/merge-patch+json", r#"{"spec":{"replicas":-1}}"#, 422, "Invalid"),
        case("stale resourceVersion", Method::PUT, &format!("{DEPLOYMENTS}/backend"), "application/json", stale.to_string(), 409, "Conflict"),
        case("already exists", Method::POST, DEPLOYMENTS, "application/json", current.to_string(), 409, "AlreadyExists"),
        case("bad propagation policy", Method::DELETE, &format!("{PODS}/redis-0"), "application/json", r#"{"propagationPolicy":"Sometimes"}"#, 400, "BadRequest"),
    ];

    let mut failures = Vec::new();
    for c in &cases {
        let mut request = http.request(c.method.clone(), format!("{base}{}", c.path));
        if !c.content_type.is_empty() {
            request = request
                .header("content-type", c.content_type)
                .body(c.body.clone());
        }
        let response = request.send().await.unwrap();
        let code = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let status: Value = response.json().await.unwrap_or(Value::Null);
        let ok = code == c.code
            && content_type == "application/json"
            && status["kind"] == "Status"
            && status["status"] == "Failure"
            && status["reason"] == c.reason
            && status["code"] == c.code
            && status["message"].as_str().is_some_and(|m| !m.is_empty());
        if !ok {
            failures.push(format!(
                "{}: expected {} {}, got {code} {status}",
                c.what, c.code, c.reason
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A watch from a compacted resourceVersion: one ERROR event carrying 410 Expired.
    for i in 0..5 {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("churn-{i}")}});
        http.post(format!(
            "{base}/api/v1/namespaces/ms5-production/configmaps"
        ))
        .json(&cm)
        .send()
        .await
        .unwrap();
    }
    let watch = http
        .get(format!("{base}{PODS}?watch=1&resourceVersion=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(watch.status(), StatusCode::OK);
    let text = watch.text().await.unwrap();
    let event: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(event["type"], "ERROR");
    assert_eq!(
        (
            event["object"]["code"].as_u64(),
            event["object"]["reason"].as_str()
        ),
        (Some(410), Some("Expired"))
    );

    // Nothing of the above changed the cluster, and the server still answers.
    let backend: Value = http
        .get(format!("{base}{DEPLOYMENTS}/backend"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(backend["spec"]["replicas"], 3);
    assert_eq!(
        backend["spec"]["template"]["metadata"]["labels"]["app"],
        "backend"
    );
    // The same pods, by name and uid: none deleted (one case sends a DELETE to redis-0), none
    // replaced, none added.
    assert_eq!(pod_identities(&http, &base).await, pods_before);
}

/// Every pod of ms5-production as (name, uid), sorted.
async fn pod_identities(http: &Client, base: &str) -> Vec<(String, String)> {
    let pods: Value = http
        .get(format!("{base}{PODS}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ids: Vec<(String, String)> = pods["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["metadata"]["uid"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn tls_requires_a_known_token() {
    let sim = Sim::start(&["--tls"]);
    let base = sim.url("kubernetes").to_string();
    let config = std::fs::read_to_string(sim.kubeconfig()).unwrap();
    let config: Value = serde_yaml::from_str(&config).unwrap();
    use base64::Engine;
    let ca = base64::engine::general_purpose::STANDARD
        .decode(
            config["clusters"][0]["cluster"]["certificate-authority-data"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    let http = Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    let anonymous = http
        .get(format!("{base}/api/v1/namespaces"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = http
        .get(format!("{base}/api/v1/namespaces"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let viewer = http
        .get(format!("{base}/api/v1/namespaces"))
        .bearer_auth(sim.token("viewer"))
        .send()
        .await
        .unwrap();
    assert_eq!(viewer.status(), StatusCode::OK);
    let version: Value = http
        .get(format!("{base}/version"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (version["major"].as_str(), version["minor"].as_str()),
        (Some("1"), Some("33"))
    );
}
