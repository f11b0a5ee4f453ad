//! The one protobuf body kubectl sends here: `kubectl auth can-i` posts its SelfSubject*Review
//! as `application/vnd.kubernetes.protobuf` (a `k8s\0`-prefixed `runtime.Unknown` envelope).
//! These messages mirror the field numbers of Kubernetes' `authorization/v1/generated.proto`;
//! prost does the decoding. Answers go back as JSON, which client-go also accepts.

use prost::Message;
use serde_json::{Value, json};

use super::status::{ApiError, ApiResult};

pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";
const MAGIC: &[u8] = b"k8s\0";

#[derive(Clone, PartialEq, Message)]
struct Unknown {
    #[prost(message, optional, tag = "1")]
    type_meta: Option<TypeMeta>,
    #[prost(bytes = "vec", tag = "2")]
    raw: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
struct TypeMeta {
    #[prost(string, tag = "1")]
    api_version: String,
    #[prost(string, tag = "2")]
    kind: String,
}

#[derive(Clone, PartialEq, Message)]
struct Review {
    #[prost(message, optional, tag = "2")]
    spec: Option<ReviewSpec>,
}

/// Both review kinds' specs: access reviews use fields 1 and 2 as messages, rules reviews
/// use field 1 as the namespace string; decoding picks what the kind says.
#[derive(Clone, PartialEq, Message)]
struct ReviewSpec {
    #[prost(message, optional, tag = "1")]
    resource_attributes: Option<ResourceAttributes>,
    #[prost(message, optional, tag = "2")]
    non_resource_attributes: Option<NonResourceAttributes>,
}

#[derive(Clone, PartialEq, Message)]
struct RulesReview {
    #[prost(message, optional, tag = "2")]
    spec: Option<RulesReviewSpec>,
}

#[derive(Clone, PartialEq, Message)]
struct RulesReviewSpec {
    #[prost(string, tag = "1")]
    namespace: String,
}

#[derive(Clone, PartialEq, Message)]
struct ResourceAttributes {
    #[prost(string, tag = "1")]
    namespace: String,
    #[prost(string, tag = "2")]
    verb: String,
    #[prost(string, tag = "3")]
    group: String,
    #[prost(string, tag = "4")]
    version: String,
    #[prost(string, tag = "5")]
    resource: String,
    #[prost(string, tag = "6")]
    subresource: String,
    #[prost(string, tag = "7")]
    name: String,
}

#[derive(Clone, PartialEq, Message)]
struct NonResourceAttributes {
    #[prost(string, tag = "1")]
    path: String,
    #[prost(string, tag = "2")]
    verb: String,
}

/// `ObjectMeta` (`meta/v1/generated.proto`), the fields a created object carries.
#[derive(Clone, PartialEq, Message)]
struct ObjectMeta {
    #[prost(string, tag = "1")]
    name: String,
    #[prost(string, tag = "2")]
    generate_name: String,
    #[prost(string, tag = "3")]
    namespace: String,
    #[prost(btree_map = "string, string", tag = "11")]
    labels: std::collections::BTreeMap<String, String>,
    #[prost(btree_map = "string, string", tag = "12")]
    annotations: std::collections::BTreeMap<String, String>,
    #[prost(message, repeated, tag = "13")]
    owner_references: Vec<OwnerReference>,
}

#[derive(Clone, PartialEq, Message)]
struct OwnerReference {
    #[prost(string, tag = "1")]
    kind: String,
    #[prost(string, tag = "3")]
    name: String,
    #[prost(string, tag = "4")]
    uid: String,
    #[prost(string, tag = "5")]
    api_version: String,
    #[prost(bool, optional, tag = "6")]
    controller: Option<bool>,
    #[prost(bool, optional, tag = "7")]
    block_owner_deletion: Option<bool>,
}

/// A Job (`batch/v1/generated.proto`): only its metadata is read; see [`decode_job`].
#[derive(Clone, PartialEq, Message)]
struct JobEnvelope {
    #[prost(message, optional, tag = "1")]
    metadata: Option<ObjectMeta>,
}

fn bad(e: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("error decoding protobuf body: {e}"))
}

/// Decodes a protobuf SelfSubjectAccessReview or SelfSubjectRulesReview into its JSON form.
pub fn decode_review(body: &[u8]) -> ApiResult<Value> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("missing k8s protobuf prefix"))?;
    let unknown = Unknown::decode(envelope).map_err(bad)?;
    let meta = unknown.type_meta.unwrap_or_default();
    let spec = match meta.kind.as_str() {
        "SelfSubjectAccessReview" => {
            let spec = Review::decode(unknown.raw.as_slice())
                .map_err(bad)?
                .spec
                .unwrap_or_default();
            let mut out = json!({});
            if let Some(a) = spec.resource_attributes {
                out["resourceAttributes"] = json!({
                    "namespace": a.namespace, "verb": a.verb, "group": a.group, "version": a.version,
                    "resource": a.resource, "subresource": a.subresource, "name": a.name,
                });
            }
            if let Some(n) = spec.non_resource_attributes {
                out["nonResourceAttributes"] = json!({"path": n.path, "verb": n.verb});
            }
            out
        }
        "SelfSubjectRulesReview" => {
            let spec = RulesReview::decode(unknown.raw.as_slice())
                .map_err(bad)?
                .spec
                .unwrap_or_default();
            json!({"namespace": spec.namespace})
        }
        other => {
            return Err(bad(format!(
                "kind {other:?} is not accepted as protobuf here"
            )));
        }
    };
    Ok(json!({"apiVersion": meta.api_version, "kind": meta.kind, "metadata": {}, "spec": spec}))
}

/// Decodes the Job `kubectl create job --from=cronjob/NAME` sends. kubectl copies the
/// CronJob's `jobTemplate.spec` verbatim into such a Job, so its spec is taken from that
/// CronJob (found through the Job's controller reference by `cron_job_spec`) and only the
/// metadata is decoded. Any other protobuf Job is refused with a clear message.
pub fn decode_job(body: &[u8], cron_job_spec: impl Fn(&str) -> Option<Value>) -> ApiResult<Value> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| bad("missing k8s protobuf prefix"))?;
    let unknown = Unknown::decode(envelope).map_err(bad)?;
    let meta = JobEnvelope::decode(unknown.raw.as_slice())
        .map_err(bad)?
        .metadata
        .unwrap_or_default();
    let owner = meta
        .owner_references
        .iter()
        .find(|o| o.kind == "CronJob" && o.controller == Some(true))
        .ok_or_else(|| {
            ApiError::unsupported_media_type(
                MEDIA_TYPE,
                &[
                    "application/json",
                    "application/yaml (protobuf only for jobs instantiated from a CronJob)",
                ],
            )
        })?;
    let spec = cron_job_spec(&owner.name)
        .ok_or_else(|| ApiError::not_found("cronjobs.batch", &owner.name))?;
    // An optional field the client left out stays out (kubectl sets no blockOwnerDeletion).
    let mut reference = json!({
        "apiVersion": owner.api_version, "kind": owner.kind, "name": owner.name, "uid": owner.uid,
        "controller": true,
    });
    if let Some(block) = owner.block_owner_deletion {
        reference["blockOwnerDeletion"] = json!(block);
    }
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": meta.name,
            "generateName": meta.generate_name,
            "labels": meta.labels,
            "annotations": meta.annotations,
            "ownerReferences": [reference],
        },
        "spec": spec,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_kubectl_auth_can_i_sends() {
        // Captured from `kubectl auth can-i delete pods -n ms5-production -v=8`.
        let body: &[u8] = &[
            0x6b, 0x38, 0x73, 0x00, 0x0a, 0x32, 0x0a, 0x17, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72,
            0x69, 0x7a, 0x61, 0x74, 0x69, 0x6f, 0x6e, 0x2e, 0x6b, 0x38, 0x73, 0x2e, 0x69, 0x6f,
            0x2f, 0x76, 0x31, 0x12, 0x17, 0x53, 0x65, 0x6c, 0x66, 0x53, 0x75, 0x62, 0x6a, 0x65,
            0x63, 0x74, 0x41, 0x63, 0x63, 0x65, 0x73, 0x73, 0x52, 0x65, 0x76, 0x69, 0x65, 0x77,
            0x12, 0x46, 0x0a, 0x10, 0x0a, 0x00, 0x12, 0x00, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x00,
            0x32, 0x00, 0x38, 0x00, 0x42, 0x00, 0x12, 0x28, 0x0a, 0x26, 0x0a, 0x0e, 0x6d, 0x73,
            0x35, 0x2d, 0x70, 0x72, 0x6f, 0x64, 0x75, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x12, 0x06,
            0x64, 0x65, 0x6c, 0x65, 0x74, 0x65, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x04, 0x70, 0x6f,
            0x64, 0x73, 0x32, 0x00, 0x3a, 0x00, 0x1a, 0x08, 0x08, 0x00, 0x12, 0x00, 0x1a, 0x00,
            0x20, 0x00, 0x1a, 0x00, 0x22, 0x00,
        ];
        let review = decode_review(body).unwrap();
        assert_eq!(review["kind"], "SelfSubjectAccessReview");
        let attrs = &review["spec"]["resourceAttributes"];
        assert_eq!(
            (
                attrs["verb"].as_str(),
                attrs["resource"].as_str(),
                attrs["namespace"].as_str()
            ),
            (Some("delete"), Some("pods"), Some("ms5-production"))
        );
        assert_eq!(decode_review(b"nope").unwrap_err().code, 400);
    }

    #[test]
    fn a_job_from_a_cronjob_takes_the_cronjobs_template() {
        let meta = ObjectMeta {
            name: "manual-backup".into(),
            annotations: [(
                "cronjob.kubernetes.io/instantiate".to_string(),
                "manual".to_string(),
            )]
            .into(),
            owner_references: vec![OwnerReference {
                kind: "CronJob".into(),
                name: "postgres-backup".into(),
                uid: "u1".into(),
                api_version: "batch/v1".into(),
                controller: Some(true),
                block_owner_deletion: None,
            }],
            ..Default::default()
        };
        let raw = JobEnvelope {
            metadata: Some(meta),
        }
        .encode_to_vec();
        let unknown = Unknown {
            type_meta: Some(TypeMeta {
                api_version: "batch/v1".into(),
                kind: "Job".into(),
            }),
            raw,
        };
        let body = [MAGIC, unknown.encode_to_vec().as_slice()].concat();
        let job = decode_job(&body, |name| {
            (name == "postgres-backup").then(|| json!({"backoffLimit": 2}))
        })
        .unwrap();
        assert_eq!(job["metadata"]["name"], "manual-backup");
        assert_eq!(job["spec"]["backoffLimit"], 2);
        assert_eq!(
            job["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
            "manual"
        );
        // Without a CronJob owner the body cannot be understood here.
        let orphan = Unknown {
            type_meta: None,
            raw: JobEnvelope {
                metadata: Some(ObjectMeta::default()),
            }
            .encode_to_vec(),
        };
        let body = [MAGIC, orphan.encode_to_vec().as_slice()].concat();
        assert_eq!(decode_job(&body, |_| None).unwrap_err().code, 415);
    }
}
