//! Asking an `http` criterion's URL: `http(s)://` directly, or `k8s://NAMESPACE/SERVICE:PORT/path`
//! through the API server's service proxy with the kubeconfig's credentials, as Prometheus and
//! Alertmanager are reached. One answer or the reason there is none; judging is `judge::http`.

use std::time::Duration;

/// The status and body `url` answered a GET with, or why it did not.
pub async fn get(
    url: &str,
    kube: Option<&kube::Client>,
    http: &reqwest::Client,
    timeout: Duration,
) -> Result<(u16, bytes::Bytes), String> {
    if let Some(rest) = url.strip_prefix("k8s://") {
        let (namespace, rest) = rest
            .split_once('/')
            .ok_or_else(|| format!("{url:?}: write k8s://NAMESPACE/SERVICE:PORT/path"))?;
        let (service, path) = match rest.split_once('/') {
            Some((service, path)) => (service, format!("/{path}")),
            None => (rest, "/".to_string()),
        };
        let kube = kube.ok_or("k8s:// needs a Kubernetes connection")?;
        let proxy = format!("/api/v1/namespaces/{namespace}/services/{service}/proxy");
        let (status, body) = crate::source::http::get_proxied(kube, &proxy, &path, &[], timeout)
            .await
            .map_err(|e| e.to_string())?;
        // The API server refusing the proxy request, or failing itself, is not the service's
        // answer: nothing was asked of the service, so the result is unknown, never a failure
        // of the service. Its 404 naming the service (no such service) and 503 (no ready
        // endpoint) are about the service, and judged; a 404 for the path itself means the
        // API server serves no service proxy, which says nothing of the service.
        if let Ok(answer) = serde_json::from_slice::<serde_json::Value>(&body)
            && answer["kind"] == "Status"
        {
            let message = answer["message"].as_str().unwrap_or("");
            let kind = match status {
                401 => Some("unauthorized"),
                403 => Some("forbidden"),
                404 if message == "the server could not find the requested resource" => {
                    Some("the API server has no service proxy")
                }
                500.. if status != 503 => Some("the API server failed"),
                _ => None,
            };
            if let Some(kind) = kind {
                return Err(format!("{kind}: {message}"));
            }
        }
        return Ok((status, body));
    }
    let answer = tokio::time::timeout(timeout, http.get(url).send())
        .await
        .map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
        .map_err(|e| crate::source::http::transport_words(&e))?;
    let status = answer.status().as_u16();
    let body = answer
        .bytes()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?;
    Ok((status, body))
}
