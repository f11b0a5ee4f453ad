//! HTTP plumbing shared by the Prometheus and Alertmanager sources: a reqwest client with the
//! configured credentials and TLS, and GETs through the Kubernetes API server's service proxy.

use std::time::Duration;

use http_body_util::BodyExt;

use super::error::ApiError;
use crate::config::endpoint::HttpOptions;

/// A Kubernetes client for the service proxy: kube's default client retries 503 and 429 with
/// backoff for minutes, which would hide "no endpoints available" behind a hang; here one
/// answer, or the timeout, is what the person sees.
pub fn proxy_client(config: &kube::Config, timeout: Duration) -> Result<kube::Client, String> {
    let mut config = config.clone();
    config.default_retry = false;
    config.read_timeout = Some(timeout);
    config.connect_timeout = Some(timeout);
    kube::Client::try_from(config).map_err(|e| format!("cannot build a Kubernetes client: {e}"))
}

/// For `k8s://NAMESPACE/SERVICE:PORT`: the API server path of that service's proxy; `None` when
/// `target` is not a `k8s://` address.
pub fn k8s_proxy_path(target: &str, example: &str) -> Option<Result<String, String>> {
    let rest = target.strip_prefix("k8s://")?;
    Some(
        match rest
            .split_once('/')
            .filter(|(n, s)| !n.is_empty() && !s.is_empty() && !s.contains('/'))
        {
            Some((namespace, service)) => Ok(format!(
                "/api/v1/namespaces/{namespace}/services/{service}/proxy"
            )),
            None => Err(format!(
                "{target:?}: write k8s://NAMESPACE/SERVICE:PORT, e.g. {example}"
            )),
        },
    )
}

/// GET `{path}{api}?params` through the API server with `kube`; the status and body, whatever
/// they are (the caller knows the service's error shapes).
pub async fn get_proxied(
    kube: &kube::Client,
    path: &str,
    api: &str,
    params: &[(&str, String)],
    timeout: Duration,
) -> Result<(u16, bytes::Bytes), ApiError> {
    send_proxied(kube, http::Method::GET, path, api, params, None, timeout).await
}

/// Any request through the API server's service proxy; a body is sent as JSON.
pub async fn send_proxied(
    kube: &kube::Client,
    method: http::Method,
    path: &str,
    api: &str,
    params: &[(&str, String)],
    body: Option<Vec<u8>>,
    timeout: Duration,
) -> Result<(u16, bytes::Bytes), ApiError> {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
        .finish();
    let uri = if query.is_empty() {
        format!("{path}{api}")
    } else {
        format!("{path}{api}?{query}")
    };
    let mut request = http::Request::builder().method(method).uri(uri);
    if body.is_some() {
        request = request.header(http::header::CONTENT_TYPE, "application/json");
    }
    let request = request
        .body(body.map_or_else(kube::client::Body::empty, kube::client::Body::from))
        .map_err(|e| ApiError::decode(e.to_string()))?;
    let response = tokio::time::timeout(timeout, kube.send(request))
        .await
        .map_err(|_| ApiError::transport(format!("no answer within {} s", timeout.as_secs())))?
        .map_err(|e| ApiError::kube(&e))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::transport(format!("reading the answer: {e}")))?
        .to_bytes();
    Ok((status, body))
}

/// A failed request in the words a person needs: where it went and the innermost cause
/// ("cannot connect to 127.0.0.1:9090: Connection refused (os error 111)"), not the whole
/// chain with the URL and its percent-encoded query.
pub fn transport_words(error: &(dyn std::error::Error + 'static)) -> String {
    let mut address = None;
    let (mut connect, mut timeout) = (false, false);
    let mut innermost = error.to_string();
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(r) = e.downcast_ref::<reqwest::Error>() {
            if let Some(url) = r.url() {
                let host = url.host_str().unwrap_or("?");
                address = Some(match url.port_or_known_default() {
                    Some(port) => format!("{host}:{port}"),
                    None => host.to_string(),
                });
            }
            connect |= r.is_connect();
            timeout |= r.is_timeout();
        }
        innermost = e.to_string();
        current = e.source();
    }
    let at = address.unwrap_or_else(|| "the server".into());
    let what = if connect {
        format!("cannot connect to {at}")
    } else if timeout {
        format!("no answer from {at} in time")
    } else {
        format!("request to {at} failed")
    };
    format!("{what}: {innermost}")
}

/// The first line of an answer, cut to a readable length, for error messages.
pub fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    line.chars().take(120).collect()
}

/// A reqwest client with the options' credentials, CA, client certificate and timeouts.
pub fn http_client(options: &HttpOptions) -> Result<reqwest::Client, String> {
    let read = |p: &std::path::Path| {
        std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let mut builder = reqwest::Client::builder()
        .timeout(options.timeout)
        .connect_timeout(options.timeout);
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(file) = &options.bearer_token_file {
        let token = String::from_utf8_lossy(&read(file)?).trim().to_string();
        let value = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| format!("{} does not hold a usable token", file.display()))?;
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    if let Some(user) = &options.username {
        use base64::Engine as _;
        let password = match &options.password_file {
            Some(f) => String::from_utf8_lossy(&read(f)?).trim().to_string(),
            None => String::new(),
        };
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let value = reqwest::header::HeaderValue::from_str(&format!("Basic {encoded}"))
            .map_err(|_| "username or password holds characters HTTP cannot carry".to_string())?;
        headers.insert(reqwest::header::AUTHORIZATION, value);
    }
    builder = builder.default_headers(headers);
    if let Some(ca) = &options.ca_file {
        let cert = reqwest::Certificate::from_pem(&read(ca)?)
            .map_err(|e| format!("{}: not a PEM certificate: {e}", ca.display()))?;
        builder = builder.add_root_certificate(cert);
    }
    if let (Some(cert), Some(key)) = (&options.client_cert, &options.client_key) {
        let mut pem = read(cert)?;
        pem.extend(read(key)?);
        let identity = reqwest::Identity::from_pem(&pem).map_err(|e| {
            format!(
                "{} / {}: not a PEM certificate and key: {e}",
                cert.display(),
                key.display()
            )
        })?;
        builder = builder.identity(identity);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}
