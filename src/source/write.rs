//! Carrying out a confirmed write: the audit log's `pending` line is appended and synced first
//! (no line, no request), then the request is sent, then the outcome line is appended with the
//! result and how long it took. A crash in between leaves the pending line as evidence.

use std::time::Instant;

use chrono::Utc;

use crate::app::write::{WriteAction, WritePlan};
use crate::audit::{AuditLog, AuditRecord, Phase, SCHEMA};

use super::alertmanager::{AlertmanagerEndpoint, Transport};

/// Who is writing, as the audit log records it.
#[derive(Debug, Clone)]
pub struct WriteContext {
    /// None when no audit log path could be found: then nothing is written at all.
    pub audit: Option<AuditLog>,
    pub local_user: String,
    /// The kube user and context in use (the service proxy acts as them).
    pub kube_identity: String,
}

impl WriteContext {
    /// Who the server sees: the kube user through the service proxy, else the direct address.
    fn identity(&self, endpoint: &AlertmanagerEndpoint) -> String {
        match endpoint.transport {
            Transport::Proxy { .. } => {
                format!("{} via {}", self.kube_identity, endpoint.address)
            }
            Transport::Direct { .. } => endpoint.address.clone(),
        }
    }
}

/// Audits and sends `plan` to `endpoint`; the server's answer (a new silence's id), or why not.
pub async fn execute(
    plan: &WritePlan,
    endpoint: &AlertmanagerEndpoint,
    context: &WriteContext,
) -> Result<String, String> {
    let Some(audit) = &context.audit else {
        return Err(
            "no audit log (no state directory): give --audit-log PATH; nothing was sent".into(),
        );
    };
    let mut record = AuditRecord {
        schema: SCHEMA,
        write: plan.write.clone(),
        time: Utc::now(),
        phase: Phase::Pending,
        local_user: context.local_user.clone(),
        identity: context.identity(endpoint),
        target: plan.target(),
        action: plan.verb().to_string(),
        parameters: plan.parameters(),
        result: None,
        duration_ms: None,
    };
    audit.append(&record).map_err(|e| {
        format!(
            "cannot write the audit log {}: {e}; nothing was sent",
            audit.path.display()
        )
    })?;
    let started = Instant::now();
    let result = match &plan.action {
        WriteAction::CreateSilence(silence) => endpoint.create_silence(silence).await,
        WriteAction::ExpireSilence { id, .. } => endpoint
            .expire_silence(id)
            .await
            .map(|()| format!("silence {id} expired"))
            .map_err(|e| {
                if e.starts_with("HTTP 404") {
                    format!(
                        "{e}: {} has no silence {id} (already expired and removed?)",
                        endpoint.name
                    )
                } else {
                    e
                }
            }),
    };
    record.time = Utc::now();
    record.duration_ms = Some(started.elapsed().as_millis() as u64);
    (record.phase, record.result) = match &result {
        Ok(answer) => (Phase::Succeeded, Some(answer.clone())),
        Err(e) => (Phase::Failed, Some(e.clone())),
    };
    match audit.append(&record) {
        Ok(()) => result,
        Err(e) => Err(format!(
            "{}, but its outcome could not be written to the audit log {}: {e}",
            match &result {
                Ok(answer) => format!("done ({answer})"),
                Err(failure) => format!("failed ({failure})"),
            },
            audit.path.display()
        )),
    }
}
