//! The checking stage: what the servers say about a plan before anyone confirms it. A
//! Kubernetes change is sent as a server-side dry run (`dryRun=All`: validated, admitted,
//! defaulted, never persisted), so a refusal (forbidden, invalid, not found, conflict) is known
//! before the real request. Checks change nothing, so they are not audited; read-only mode
//! allows them. Later actions add their checks here (RBAC answers, typed confirmation).

use super::execute::Executor;
use super::jobs::Progress;
use super::plan::{Target, WriteAction, WritePlan};

/// Runs every check of `plan`, reporting each as it ends; the last finding, or why the plan
/// would be refused.
pub async fn run(
    executor: &Executor,
    plan: &WritePlan,
    progress: &Progress,
) -> Result<String, String> {
    match (&plan.target, &plan.action) {
        (Target::Kube(object), WriteAction::MergePatch { patch, .. }) => {
            let Some(kube) = &executor.kube else {
                return Err("no Kubernetes connection".into());
            };
            if kube.context != object.context {
                return Err(format!(
                    "planned for context {}, connected to {}",
                    object.context, kube.context
                ));
            }
            progress.report("server dry run: sending").await;
            let dry_run = WriteAction::MergePatch {
                patch: patch.clone(),
                dry_run: true,
            };
            let answer = super::kube::send(kube.client.clone(), object, &dry_run)
                .await
                .map_err(|e| format!("server dry run refused it: {e}"))?;
            progress.report(format!("server dry run: {answer}")).await;
            Ok(answer)
        }
        // Alertmanager writes have no dry run; the form's own checks already ran.
        (Target::Alertmanager { .. }, _) => Ok("no server-side checks for Alertmanager".into()),
        (Target::Kube(_), other) => Err(format!("{other:?} is not a Kubernetes change")),
    }
}
