//! The cluster's one admission policy, as a ValidatingAdmissionPolicy would enforce it and in
//! kube-apiserver's words for its denial: in `ms5-production` a Deployment may not be scaled
//! below the `minAvailable` of a PodDisruptionBudget that selects its pods (a scale to 1 would
//! leave no room for a node drain and break the backend's availability SLO). Checked on every
//! update and patch, the `scale` subresource and dry runs included, so a dry run reveals it.

use serde_json::Value;

use super::status::{ApiError, ApiResult, Cause};
use crate::sim::resources::{self, ResourceType};
use crate::sim::store::Store;

pub const POLICY: &str = "ms5-pdb-floor";
pub const BINDING: &str = "ms5-pdb-floor-production";
const NAMESPACE: &str = "ms5-production";

/// Refuses `updated` when the policy denies it.
pub fn admit(store: &Store, resource: &ResourceType, updated: &Value) -> ApiResult<()> {
    if resource.kind != "Deployment" || updated["metadata"]["namespace"] != NAMESPACE {
        return Ok(());
    }
    let Some(replicas) = updated["spec"]["replicas"].as_i64() else {
        return Ok(());
    };
    let Some(pdbs) = resources::find("policy", "v1", "poddisruptionbudgets") else {
        return Ok(());
    };
    let labels = &updated["spec"]["template"]["metadata"]["labels"];
    for pdb in store.list(pdbs, Some(NAMESPACE)).0 {
        let pdb = pdb.value();
        let Some(floor) = pdb["spec"]["minAvailable"].as_i64() else {
            continue;
        };
        let selects = pdb["spec"]["selector"]["matchLabels"]
            .as_object()
            .is_some_and(|m| !m.is_empty() && m.iter().all(|(k, v)| labels[k] == *v));
        if selects && replicas < floor {
            let name = updated["metadata"]["name"].as_str().unwrap_or_default();
            let pdb_name = pdb["metadata"]["name"].as_str().unwrap_or_default();
            return Err(ApiError::invalid(
                "deployments.apps",
                name,
                vec![Cause {
                    field: String::new(),
                    message: format!(
                        "ValidatingAdmissionPolicy '{POLICY}' with binding '{BINDING}' denied request: spec.replicas {replicas} is below minAvailable {floor} of PodDisruptionBudget {pdb_name}"
                    ),
                    reason: "FieldValueForbidden",
                }],
            ));
        }
    }
    Ok(())
}
