//! Who is calling and what they may do: bearer tokens from the generated kubeconfig map to the
//! sim's two users, `oncall` (everything) and `viewer` (read-only plus the self-subject reviews),
//! and the authorization answers are worded as Kubernetes' RBAC authorizer words them.

use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::status::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// May do everything, like cluster-admin.
    Admin,
    /// get, list and watch on everything; only the self-subject reviews may be created.
    Viewer,
    /// An application team's reader: the viewer's rights everywhere except the `ms5-system`
    /// namespace (monitoring), where even listing is refused, and across all namespaces at
    /// once, as RoleBindings per namespace plus a ClusterRole for cluster-scoped reads give.
    Restricted,
    /// A release engineer: the viewer's reads everywhere, and in `ms5-staging` only the
    /// rollout actions' writes (patch Deployments, StatefulSets and HPAs and their `scale`,
    /// delete pods, create Events), as a RoleBinding there gives.
    Deployer,
}

/// The namespace the `deployer` may change things in.
pub const DEPLOYER_NAMESPACE: &str = "ms5-staging";

/// The namespace the `restricted` user may not read.
pub const RESTRICTED_NAMESPACE: &str = "ms5-system";

#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub token: String,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub struct Users {
    users: Vec<User>,
}

/// What a request wants to do, in RBAC's terms.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub subresource: Option<&'a str>,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
}

const READ_VERBS: &[&str] = &["get", "list", "watch"];

impl Users {
    pub fn new(users: Vec<User>) -> Self {
        Users { users }
    }

    pub fn all(&self) -> &[User] {
        &self.users
    }

    pub fn authenticate(&self, headers: &HeaderMap) -> ApiResult<&User> {
        let token = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(ApiError::unauthorized)?;
        self.users
            .iter()
            .find(|u| u.token == token.trim())
            .ok_or_else(ApiError::unauthorized)
    }
}

pub fn allowed(user: &User, attrs: &Attributes) -> bool {
    let review = attrs.verb == "create"
        && attrs.group == "authorization.k8s.io"
        && matches!(
            attrs.resource,
            "selfsubjectaccessreviews" | "selfsubjectrulesreviews"
        );
    let read = READ_VERBS.contains(&attrs.verb);
    match user.role {
        Role::Admin => true,
        Role::Viewer => read || review,
        Role::Deployer => read || review || deployer_may(attrs),
        Role::Restricted => {
            let in_scope = match attrs.namespace {
                Some(ns) => ns != RESTRICTED_NAMESPACE,
                // Cluster scope: cluster-scoped kinds only, not every namespace's objects.
                None => !namespaced(attrs.group, attrs.resource),
            };
            review || (read && in_scope)
        }
    }
}

/// The rollout actions' writes, in the deployer's namespace only.
fn deployer_may(attrs: &Attributes) -> bool {
    if attrs.namespace != Some(DEPLOYER_NAMESPACE) {
        return false;
    }
    let workload = matches!(
        (attrs.group, attrs.resource),
        ("apps", "deployments" | "statefulsets") | ("autoscaling", "horizontalpodautoscalers")
    ) && matches!(attrs.subresource, None | Some("scale"));
    match attrs.verb {
        "patch" | "update" => workload,
        "delete" => attrs.group.is_empty() && attrs.resource == "pods",
        "create" => {
            (attrs.group.is_empty() || attrs.group == "events.k8s.io") && attrs.resource == "events"
        }
        _ => false,
    }
}

fn namespaced(group: &str, resource: &str) -> bool {
    crate::sim::resources::RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == resource)
        .is_none_or(|r| r.namespaced)
}

pub fn authorize(user: &User, attrs: &Attributes) -> ApiResult<()> {
    if allowed(user, attrs) {
        return Ok(());
    }
    let resource = match attrs.subresource {
        Some(sub) => format!("{}/{}", attrs.resource, sub),
        None => attrs.resource.to_string(),
    };
    let qualified = if attrs.group.is_empty() {
        attrs.resource.to_string()
    } else {
        format!("{}.{}", attrs.resource, attrs.group)
    };
    let subject = match attrs.name {
        Some(name) => format!("{qualified} \"{name}\""),
        None => qualified,
    };
    let scope = match attrs.namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let mut error = ApiError::forbidden(format!(
        "{subject} is forbidden: User \"{}\" cannot {} resource \"{resource}\" in API group \"{}\" {scope}",
        user.name, attrs.verb, attrs.group
    ));
    error.details = Some(
        json!({"name": attrs.name.unwrap_or_default(), "group": attrs.group, "kind": attrs.resource}),
    );
    Err(error)
}

/// Answers a SelfSubjectAccessReview: the request with a `status`.
pub fn access_review(user: &User, mut review: Value) -> Value {
    let spec = review["spec"].clone();
    let allowed = if let Some(attrs) = spec.get("resourceAttributes") {
        let text = |k: &str| attrs[k].as_str().filter(|s| !s.is_empty());
        allowed(
            user,
            &Attributes {
                verb: text("verb").unwrap_or_default(),
                group: text("group").unwrap_or_default(),
                resource: text("resource").unwrap_or_default(),
                subresource: text("subresource"),
                namespace: text("namespace"),
                name: text("name"),
            },
        )
    } else {
        // Non-resource URLs (`/healthz`, `/version`...) are readable by everyone.
        spec["nonResourceAttributes"]["verb"].as_str() == Some("get") || user.role == Role::Admin
    };
    review["status"] = if allowed {
        let binding = match (user.role, &spec["resourceAttributes"]["namespace"]) {
            (Role::Deployer, ns) if ns == DEPLOYER_NAMESPACE => {
                format!(
                    "RoleBinding \"ms5-sim-{}\" of namespace \"{DEPLOYER_NAMESPACE}\"",
                    user.name
                )
            }
            _ => format!("ClusterRoleBinding \"ms5-sim-{}\"", user.name),
        };
        json!({"allowed": true, "reason": format!("RBAC: allowed by {binding}")})
    } else {
        json!({"allowed": false})
    };
    review["metadata"]["creationTimestamp"] = Value::Null;
    review
}

/// Answers a SelfSubjectRulesReview: the rules the user has in the namespace.
pub fn rules_review(user: &User, mut review: Value) -> Value {
    let namespace = review["spec"]["namespace"].as_str().unwrap_or_default();
    let resource_rules = match user.role {
        Role::Admin => json!([{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]),
        Role::Restricted if namespace == RESTRICTED_NAMESPACE => json!([
            {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}
        ]),
        Role::Deployer if namespace == DEPLOYER_NAMESPACE => json!([
            {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
            {"verbs": READ_VERBS, "apiGroups": ["*"], "resources": ["*"]},
            {"verbs": ["patch", "update"], "apiGroups": ["apps"], "resources": ["deployments", "deployments/scale", "statefulsets", "statefulsets/scale"]},
            {"verbs": ["patch", "update"], "apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"]},
            {"verbs": ["delete"], "apiGroups": [""], "resources": ["pods"]},
            {"verbs": ["create"], "apiGroups": ["", "events.k8s.io"], "resources": ["events"]}
        ]),
        Role::Viewer | Role::Restricted | Role::Deployer => json!([
            {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"], "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]},
            {"verbs": READ_VERBS, "apiGroups": ["*"], "resources": ["*"]}
        ]),
    };
    let non_resource_rules = match user.role {
        Role::Admin => json!([{"verbs": ["*"], "nonResourceURLs": ["*"]}]),
        Role::Viewer | Role::Restricted | Role::Deployer => {
            json!([{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]}])
        }
    };
    review["status"] = json!({"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false});
    review["metadata"]["creationTimestamp"] = Value::Null;
    review
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer() -> User {
        User {
            name: "viewer".into(),
            token: "t".into(),
            role: Role::Viewer,
        }
    }

    #[test]
    fn the_deployer_changes_workloads_in_staging_only() {
        let deployer = User {
            name: "deployer".into(),
            token: "t".into(),
            role: Role::Deployer,
        };
        let attrs = |verb, ns| Attributes {
            verb,
            group: "apps",
            resource: "deployments",
            subresource: None,
            namespace: Some(ns),
            name: Some("backend"),
        };
        assert!(allowed(&deployer, &attrs("patch", "ms5-staging")));
        assert!(allowed(&deployer, &attrs("get", "ms5-production")));
        assert!(!allowed(&deployer, &attrs("patch", "ms5-production")));
        assert!(!allowed(&deployer, &attrs("delete", "ms5-staging")));
        let err = authorize(&deployer, &attrs("patch", "ms5-production")).unwrap_err();
        assert!(
            err.message
                .contains("User \"deployer\" cannot patch resource \"deployments\""),
            "{}",
            err.message
        );
    }

    #[test]
    fn viewer_reads_but_cannot_write() {
        let attrs = |verb| Attributes {
            verb,
            group: "apps",
            resource: "deployments",
            subresource: Some("scale"),
            namespace: Some("ms5-production"),
            name: Some("backend"),
        };
        assert!(authorize(&viewer(), &attrs("get")).is_ok());
        let err = authorize(&viewer(), &attrs("patch")).unwrap_err();
        assert_eq!(err.code, 403);
        assert_eq!(
            err.message,
            "deployments.apps \"backend\" is forbidden: User \"viewer\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"ms5-production\""
        );
    }

    #[test]
    fn access_review_answers_for_the_caller() {
        let review = json!({"spec": {"resourceAttributes": {"verb": "delete", "resource": "pods", "namespace": "ms5-production"}}});
        assert_eq!(
            access_review(&viewer(), review.clone())["status"]["allowed"],
            false
        );
        let admin = User {
            role: Role::Admin,
            ..viewer()
        };
        assert_eq!(access_review(&admin, review)["status"]["allowed"], true);
    }
}
