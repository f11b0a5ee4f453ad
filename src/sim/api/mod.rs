//! The simulated Kubernetes API server: an axum router over the object store, speaking the
//! real wire protocol (discovery, list/get/watch, writes, subresources, Table printing, Status
//! errors) so kubectl and kube-rs connect to it unchanged.

pub mod admission;
mod apps;
pub mod auth;
pub mod defaults;
pub mod discovery;
pub mod lifecycle;
mod logs;
mod metrics;
pub mod patch;
mod policy;
mod protobuf;
mod proxy;
mod read;
pub mod request;
pub mod selectors;
pub mod status;
pub mod table;
mod watch;
mod write;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use self::auth::{Attributes, User, Users};
use self::request::{MAX_BODY_BYTES, Query, Target};
use self::status::{ApiError, ApiResult};
use super::store::Store;

/// Everything the API handlers share.
pub struct ApiState {
    pub store: Arc<Store>,
    pub users: Users,
    /// `host:port` this server is reached at, for `/api`'s serverAddressByClientCIDRs.
    pub server_address: String,
    /// `(namespace, service)` -> base URL that `services/proxy` forwards to.
    pub proxies: RwLock<HashMap<(String, String), String>>,
    pub http: reqwest::Client,
    /// How often watches that asked for bookmarks get one.
    pub bookmark_interval: Duration,
    /// Requests forwarded through `services/proxy`: what pollers behind it cost the API server.
    pub proxied: std::sync::atomic::AtomicU64,
    /// What pods and nodes use, served as the metrics API (None: the API is not served, as on
    /// a cluster without metrics-server).
    pub usage: Option<Arc<crate::sim::cluster::usage::UsageModel>>,
    /// `slo-burn`'s clock (unix seconds): the backend's access logs fail at the share its
    /// metrics ramp to.
    pub slo_burn_origin: Option<f64>,
}

impl ApiState {
    pub fn new(store: Arc<Store>, users: Users, server_address: String) -> Self {
        ApiState {
            store,
            users,
            server_address,
            proxies: RwLock::new(HashMap::new()),
            http: reqwest::Client::new(),
            bookmark_interval: Duration::from_secs(15),
            proxied: std::sync::atomic::AtomicU64::new(0),
            usage: None,
            slo_burn_origin: None,
        }
    }

    /// Makes `services/NAME/proxy` in `namespace` forward to `base_url`.
    pub fn register_proxy(&self, namespace: &str, service: &str, base_url: &str) {
        if let Ok(mut proxies) = self.proxies.write() {
            proxies.insert(
                (namespace.to_string(), service.to_string()),
                base_url.trim_end_matches('/').to_string(),
            );
        }
    }
}

pub fn json_response(code: StatusCode, value: &Value) -> Response {
    let mut response = (code, value.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn ok_json(value: Value) -> Response {
    json_response(StatusCode::OK, &value)
}

/// The API router. `anonymous` is who a request without credentials is: over plain HTTP
/// client-go sends no credentials at all (it only does over TLS), so each kubeconfig context
/// gets its own loopback listener whose requests act as that context's user.
pub fn router(state: Arc<ApiState>, anonymous: Option<User>) -> Router {
    Router::new()
        .route("/version", get(|| async { ok_json(discovery::version()) }))
        .route("/healthz", get(|| async { "ok" }))
        .route("/livez", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .route(
            "/api",
            get(|State(s): State<Arc<ApiState>>| async move {
                ok_json(discovery::core_versions(&s.server_address))
            }),
        )
        .route("/api/{version}", get(core_resource_list))
        .route(
            "/apis",
            get(|State(s): State<Arc<ApiState>>| async move {
                ok_json(discovery::groups(s.usage.is_some()))
            }),
        )
        .route("/apis/{group}", get(group))
        .route("/apis/{group}/{version}", get(group_resource_list))
        .route(
            "/openapi/v3",
            get(|| async { ok_json(discovery::openapi_index()) }),
        )
        .route("/openapi/v3/{*path}", get(openapi_document))
        .route("/openapi/v2", get(openapi_v2))
        .fallback(resources)
        .layer(middleware::from_fn_with_state(
            Identity {
                api: state.clone(),
                anonymous,
            },
            authenticate,
        ))
        .with_state(state)
}

#[derive(Clone)]
struct Identity {
    api: Arc<ApiState>,
    anonymous: Option<User>,
}

/// Every request but health and version checks needs a known bearer token, or comes in on a
/// listener that stands for one user.
async fn authenticate(
    State(identity): State<Identity>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if matches!(path, "/healthz" | "/livez" | "/readyz" | "/version") {
        return next.run(request).await;
    }
    let has_credentials = request.headers().contains_key(header::AUTHORIZATION);
    let user = match (&identity.anonymous, has_credentials) {
        (Some(user), false) => Ok(user),
        _ => identity.api.users.authenticate(request.headers()),
    };
    match user {
        Ok(user) => {
            let user = user.clone();
            request.extensions_mut().insert(user);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}

async fn core_resource_list(Path(version): Path<String>) -> Response {
    discovery::resource_list("", &version)
        .map(ok_json)
        .unwrap_or_else(|| ApiError::no_such_resource().into_response())
}

async fn group(State(s): State<Arc<ApiState>>, Path(group): Path<String>) -> Response {
    discovery::group(&group, s.usage.is_some())
        .map(ok_json)
        .unwrap_or_else(|| ApiError::no_such_resource().into_response())
}

async fn group_resource_list(
    State(s): State<Arc<ApiState>>,
    Path((group, version)): Path<(String, String)>,
) -> Response {
    if group == "metrics.k8s.io" && s.usage.is_none() {
        return ApiError::no_such_resource().into_response();
    }
    discovery::resource_list(&group, &version)
        .map(ok_json)
        .unwrap_or_else(|| ApiError::no_such_resource().into_response())
}

async fn openapi_document(Path(path): Path<String>) -> Response {
    discovery::openapi_document(path.trim_matches('/'))
        .map(ok_json)
        .unwrap_or_else(|| ApiError::no_such_resource().into_response())
}

/// An empty OpenAPI v2 document in its protobuf encoding (zero bytes decode to an empty
/// `Document`): kubectl then computes apply patches from its compiled-in types, as it does for
/// any kind the server's v2 schema lacks.
async fn openapi_v2() -> Response {
    let mut response = (StatusCode::OK, Vec::<u8>::new()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/com.github.proto-openapi.spec.v2.v1.0+protobuf"),
    );
    response
}

async fn resources(
    State(state): State<Arc<ApiState>>,
    method: Method,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let Some(user) = parts.extensions.get::<User>().cloned() else {
        return ApiError::unauthorized().into_response();
    };
    match handle(&state, &user, method, parts.uri, parts.headers, body).await {
        Ok(response) => response,
        Err(error) if error.code == 413 => {
            // The rest of the body is left unread: the connection cannot carry another request.
            let mut response = error.into_response();
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
        Err(error) => error.into_response(),
    }
}

async fn read_body(body: Body) -> ApiResult<bytes::Bytes> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| ApiError::too_large(MAX_BODY_BYTES))
}

/// The RBAC verb for a request, or 405 when the resource does not support it.
fn verb_for(method: &Method, target: &Target, query: &Query) -> ApiResult<&'static str> {
    let what = || target.resource.qualified_name();
    if target.subresource.as_deref() == Some("proxy") {
        return match *method {
            Method::GET | Method::HEAD => Ok("get"),
            Method::POST => Ok("create"),
            Method::PUT => Ok("update"),
            Method::PATCH => Ok("patch"),
            Method::DELETE => Ok("delete"),
            _ => Err(ApiError::method_not_allowed(
                method.as_str(),
                "services/proxy",
            )),
        };
    }
    if crate::sim::resources::is_metrics(target.resource) {
        return match (method, query.flag("watch"), &target.subresource) {
            (&Method::GET, false, None) if target.name.is_some() => Ok("get"),
            (&Method::GET, false, None) => Ok("list"),
            _ => Err(ApiError::method_not_allowed(method.as_str(), &what())),
        };
    }
    if crate::sim::resources::is_review(target.resource) {
        return match (method, &target.name) {
            (&Method::POST, None) => Ok("create"),
            _ => Err(ApiError::method_not_allowed(method.as_str(), &what())),
        };
    }
    let named = target.name.is_some();
    let verb = match (method, named, target.subresource.as_deref()) {
        (&Method::GET, false, _) if query.flag("watch") => "watch",
        (&Method::GET, false, _) => "list",
        (&Method::GET, true, _) => "get",
        (&Method::POST, false, None) => "create",
        (&Method::PUT, true, Some("status" | "scale") | None) => "update",
        (&Method::PATCH, true, Some("status" | "scale") | None) => "patch",
        (&Method::DELETE, true, None) => "delete",
        (&Method::DELETE, false, None) => "deletecollection",
        _ => return Err(ApiError::method_not_allowed(method.as_str(), &what())),
    };
    if target.subresource.as_deref() == Some("log") && verb != "get" {
        return Err(ApiError::method_not_allowed(method.as_str(), "pods/log"));
    }
    Ok(verb)
}

async fn handle(
    state: &Arc<ApiState>,
    user: &User,
    method: Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let target = Target::parse(uri.path())?;
    let query = Query::parse(uri.query());
    let verb = verb_for(&method, &target, &query)?;
    auth::authorize(
        user,
        &Attributes {
            verb,
            group: target.resource.group,
            resource: target.resource.plural,
            subresource: target.subresource.as_deref(),
            namespace: target.namespace.as_deref(),
            name: target.name.as_deref(),
        },
    )?;
    if target.subresource.as_deref() == Some("proxy") {
        let body = read_body(body).await?;
        return proxy::forward(state, &target, &method, &uri, &headers, body).await;
    }
    if crate::sim::resources::is_metrics(target.resource) {
        return metrics::read(state, &target, &query);
    }
    match verb {
        "list" => read::list(state, &target, &query, &headers),
        "watch" => watch::watch(state, &target, &query, &headers),
        "get" if target.subresource.as_deref() == Some("log") => logs::logs(state, &target, &query),
        "get" => read::get(state, &target, &headers),
        "create" => {
            let body = read_body(body).await?;
            write::create(state, user, &target, &query, &headers, &body)
        }
        "update" => {
            let body = read_body(body).await?;
            write::update(state, &target, &query, &headers, &body)
        }
        "patch" => {
            let body = read_body(body).await?;
            write::patch(state, &target, &query, &headers, &body)
        }
        "delete" => {
            let body = read_body(body).await?;
            write::delete(state, &target, &query, &body)
        }
        "deletecollection" => {
            let body = read_body(body).await?;
            write::delete_collection(state, &target, &query, &body)
        }
        _ => Err(ApiError::method_not_allowed(
            method.as_str(),
            &target.resource.qualified_name(),
        )),
    }
}
