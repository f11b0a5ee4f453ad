//! Carrying out a confirmed write, whatever its target. In order: read-only refuses it; the
//! target must be one the console is connected to; the audit log's `pending` line is appended
//! and synced (no line, no request); the request is sent; the outcome line is appended with
//! the result and how long it took. A crash in between leaves the pending line as evidence.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;

use super::audit::file::AuditLog;
use super::audit::record::{AuditRecord, Phase, SCHEMA};
use super::error::WriteError;
use super::plan::{Target, WriteAction, WritePlan};
use crate::source::alertmanager::{AlertmanagerEndpoint, Transport};
use crate::source::error::{ApiError, ErrorKind};

/// Who is writing, as the audit log records it, and whether writing is allowed at all.
#[derive(Debug, Clone)]
pub struct WriteContext {
    /// None when no audit log path could be found: then nothing is written at all.
    pub audit: Option<AuditLog>,
    pub local_user: String,
    /// The kube user and context in use (Kubernetes writes and the service proxy act as them).
    pub kube_identity: String,
    /// `--readonly`: every write is refused here, whatever a key or a test asked for.
    pub readonly: bool,
}

/// The Kubernetes connection writes go through: its context name and a client without retry.
#[derive(Clone)]
pub struct KubeWriter {
    pub context: String,
    pub client: kube::Client,
}

/// Everything a write can reach, and who writes.
#[derive(Clone)]
pub struct Executor {
    pub context: WriteContext,
    pub alertmanagers: Arc<Vec<AlertmanagerEndpoint>>,
    pub kube: Option<KubeWriter>,
}

/// A resolved target: what the request goes through.
enum Via<'a> {
    Alertmanager(&'a AlertmanagerEndpoint),
    Kube(&'a KubeWriter),
}

impl Executor {
    /// Audits and sends `plan`; the server's answer (a new silence's id, what was patched), or
    /// why not.
    pub async fn execute(&self, plan: &WritePlan) -> Result<String, WriteError> {
        if self.context.readonly {
            return Err(WriteError::ReadOnly);
        }
        let via = self.resolve(&plan.target)?;
        let Some(audit) = &self.context.audit else {
            return Err(WriteError::NoAuditLog);
        };
        let mut record = self.record(plan, Phase::Pending, self.identity(&via));
        audit
            .append(&record)
            .map_err(|error| WriteError::AuditUnwritable {
                path: audit.path.clone(),
                error,
            })?;
        let started = Instant::now();
        let result = send(plan, &via, &self.context).await;
        record.time = Utc::now();
        record.duration_ms = Some(started.elapsed().as_millis() as u64);
        // The pending line holds what the checks found; the outcome line what happened.
        record.checks = Vec::new();
        match &result {
            Ok(sent) => {
                record.phase = Phase::Succeeded;
                record.result = Some(sent.answer.clone());
                record.event = sent.event.clone();
                record.annotation = sent.annotation.clone();
            }
            Err(e) => {
                record.phase = Phase::Failed;
                record.result = Some(e.to_string());
            }
        }
        let result = result.map(|sent| sent.words());
        match audit.append(&record) {
            Ok(()) => result.map_err(WriteError::Api),
            Err(error) => Err(WriteError::OutcomeUnrecorded {
                outcome: match &result {
                    Ok(answer) => format!("done ({answer})"),
                    Err(failure) => format!("failed ({failure})"),
                },
                path: audit.path.clone(),
                error,
            }),
        }
    }

    /// A line about `plan` in `phase`: who, what, where, and the checks it passed.
    fn record(&self, plan: &WritePlan, phase: Phase, identity: String) -> AuditRecord {
        AuditRecord {
            schema: SCHEMA,
            write: plan.write.clone(),
            time: Utc::now(),
            phase,
            local_user: self.context.local_user.clone(),
            identity,
            target: plan.target_words(),
            action: plan.verb().to_string(),
            parameters: plan.parameters(),
            result: None,
            duration_ms: None,
            kube: plan.kube_fields(),
            checks: plan.checks.clone(),
            event: None,
            annotation: None,
        }
    }

    /// The checks refused `plan` before anything was sent: one `refused` line says so, with
    /// what they found. A log that cannot be written changes nothing here (nothing was sent
    /// either way).
    pub fn record_refusal(&self, plan: &WritePlan, reason: &str) {
        let Some(audit) = &self.context.audit else {
            return;
        };
        let mut record = self.record(plan, Phase::Refused, self.context.kube_identity.clone());
        record.result = Some(reason.to_string());
        if let Err(e) = audit.append(&record) {
            tracing::warn!("the refusal of {} was not audited: {e}", plan.write);
        }
    }

    /// A followed write reached its end: its `concluded` line.
    pub fn record_conclusion(
        &self,
        write: &str,
        action: &str,
        target: &str,
        parameters: serde_json::Value,
        how: &str,
        duration_ms: u64,
    ) {
        self.conclude(write, action, target, parameters, how, duration_ms, None);
    }

    /// A run `plan` started (a drill, an on-demand backup) reached its end: its `concluded`
    /// line, with the evidence as parameters and the plan's object and connection, so a later
    /// console tells this cluster's drills from another's.
    pub fn record_run_conclusion(
        &self,
        plan: &WritePlan,
        evidence: serde_json::Value,
        how: &str,
        duration_ms: u64,
    ) {
        self.conclude(
            &plan.write,
            plan.verb(),
            &plan.target_words(),
            evidence,
            how,
            duration_ms,
            plan.kube_fields(),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn conclude(
        &self,
        write: &str,
        action: &str,
        target: &str,
        parameters: serde_json::Value,
        how: &str,
        duration_ms: u64,
        kube: Option<super::plan::KubeFields>,
    ) {
        let Some(audit) = &self.context.audit else {
            return;
        };
        let record = AuditRecord {
            schema: SCHEMA,
            write: write.to_string(),
            time: Utc::now(),
            phase: Phase::Concluded,
            local_user: self.context.local_user.clone(),
            identity: self.context.kube_identity.clone(),
            target: target.to_string(),
            action: action.to_string(),
            parameters,
            result: Some(how.to_string()),
            duration_ms: Some(duration_ms),
            kube,
            checks: Vec::new(),
            event: None,
            annotation: None,
        };
        if let Err(e) = audit.append(&record) {
            tracing::warn!("the conclusion of {write} was not audited: {e}");
        }
    }

    /// A validation run, in the audit log: not a write (runs work in read-only mode), one
    /// line with the runbook, the phases and the totals as the outcome.
    pub fn record_validation_run(
        &self,
        report: &crate::model::validation_results::RunReport,
        stopped: Option<&str>,
    ) {
        let Some(audit) = &self.context.audit else {
            return;
        };
        let mut result = report.totals().words();
        if let Some(how) = stopped {
            result = format!("{how}: {result}");
        }
        let record = AuditRecord {
            schema: SCHEMA,
            write: format!("validation-{}", report.started.timestamp_millis()),
            time: Utc::now(),
            phase: Phase::Concluded,
            local_user: self.context.local_user.clone(),
            identity: self.context.kube_identity.clone(),
            target: format!("runbook {}", report.runbook),
            action: "validation-run".into(),
            parameters: serde_json::json!({
                "runbook": report.runbook,
                "phases": report.phases.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
            }),
            result: Some(result),
            duration_ms: Some((report.seconds * 1000.0) as u64),
            kube: None,
            checks: Vec::new(),
            event: None,
            annotation: None,
        };
        if let Err(e) = audit.append(&record) {
            tracing::warn!("the validation run was not audited: {e}");
        }
    }

    /// A timeline note (`m`), in the audit log: not a write (notes are taken in read-only mode
    /// too), one line whose result is the text, so a restarted console has its notes back.
    pub fn record_note(&self, write: &str, at: chrono::DateTime<Utc>, text: &str) {
        let Some(audit) = &self.context.audit else {
            return;
        };
        let record = AuditRecord {
            schema: SCHEMA,
            write: write.to_string(),
            time: at,
            phase: Phase::Concluded,
            local_user: self.context.local_user.clone(),
            identity: self.context.kube_identity.clone(),
            target: "timeline".into(),
            action: super::audit::record::NOTE_ACTION.into(),
            parameters: serde_json::json!({}),
            result: Some(text.to_string()),
            duration_ms: None,
            kube: None,
            checks: Vec::new(),
            event: None,
            annotation: None,
        };
        if let Err(e) = audit.append(&record) {
            tracing::warn!("the note was not written to the audit log: {e}");
        }
    }

    fn resolve(&self, target: &Target) -> Result<Via<'_>, WriteError> {
        match target {
            Target::Alertmanager { name, .. } => self
                .alertmanagers
                .iter()
                .find(|e| &e.name == name)
                .map(Via::Alertmanager)
                .ok_or_else(|| WriteError::NoTarget(format!("no Alertmanager named {name}"))),
            Target::Kube(object) => match &self.kube {
                Some(kube) if kube.context == object.context => Ok(Via::Kube(kube)),
                Some(kube) => Err(WriteError::NoTarget(format!(
                    "planned for context {}, connected to {}",
                    object.context, kube.context
                ))),
                None => Err(WriteError::NoTarget("no Kubernetes connection".into())),
            },
        }
    }

    /// Who the server sees: the kube user (directly or through the service proxy), else the
    /// Alertmanager's own address.
    fn identity(&self, via: &Via) -> String {
        match via {
            Via::Alertmanager(endpoint) => match endpoint.transport {
                Transport::Proxy { .. } => {
                    format!("{} via {}", self.context.kube_identity, endpoint.address)
                }
                Transport::Direct { .. } => endpoint.address.clone(),
            },
            Via::Kube(_) => self.context.kube_identity.clone(),
        }
    }
}

/// What a request did: the server's answer, and for a Kubernetes change the Event recorded
/// on the object and the console's annotation.
struct Sent {
    answer: String,
    event: Option<String>,
    annotation: Option<String>,
}

impl Sent {
    fn answer(answer: String) -> Sent {
        Sent {
            answer,
            event: None,
            annotation: None,
        }
    }

    /// The answer and the Event's outcome, as the dialog says them.
    fn words(&self) -> String {
        match &self.event {
            Some(event) => format!("{}; {event}", self.answer),
            None => self.answer.clone(),
        }
    }
}

async fn send(plan: &WritePlan, via: &Via<'_>, context: &WriteContext) -> Result<Sent, ApiError> {
    match (via, &plan.action) {
        (Via::Alertmanager(endpoint), WriteAction::CreateSilence(silence)) => {
            endpoint.create_silence(silence).await.map(Sent::answer)
        }
        (Via::Alertmanager(endpoint), WriteAction::ExpireSilence { id, .. }) => endpoint
            .expire_silence(id)
            .await
            .map(|()| Sent::answer(format!("silence {id} expired")))
            .map_err(|e| {
                if e.kind == ErrorKind::NotFound {
                    ApiError {
                        message: format!(
                            "{e}: {} has no silence {id} (already expired and removed?)",
                            endpoint.name
                        ),
                        ..e
                    }
                } else {
                    e
                }
            }),
        (Via::Kube(kube), action) => match &plan.target {
            Target::Kube(object) => send_kube(plan, object, kube, action, context).await,
            Target::Alertmanager { .. } => unreachable_target(),
        },
        (
            Via::Alertmanager(_),
            WriteAction::MergePatch { .. }
            | WriteAction::Rollout(_)
            | WriteAction::DeletePod { .. }
            | WriteAction::RunCronJob(_),
        ) => unreachable_target(),
    }
}

/// A Kubernetes change, then the Event that records it: the change is made by then, so a
/// refused Event is said, never undone.
async fn send_kube(
    plan: &WritePlan,
    object: &super::plan::KubeObject,
    kube: &KubeWriter,
    action: &WriteAction,
    context: &WriteContext,
) -> Result<Sent, ApiError> {
    let client = kube.client.clone();
    let (reason, annotation) = match action {
        WriteAction::DeletePod { .. } => ("PodDeleteRequested", None),
        WriteAction::RunCronJob(run) => (run.kind.event_reason(), None),
        WriteAction::Rollout(change) => {
            if let Some(undo) = &change.undo {
                // The template is the plan's copy; the revision it came from must still be
                // there, as kubectl, which reads it at this moment, would require.
                let there =
                    super::revisions::still_exists(client.clone(), &object.namespace, &undo.to)
                        .await?;
                if !there {
                    return Err(ApiError {
                        kind: ErrorKind::NotFound,
                        status: Some(404),
                        message: format!(
                            "revision {} no longer exists (revisionHistoryLimit); nothing was changed",
                            undo.to.number
                        ),
                    });
                }
            }
            (
                change.event_reason(),
                Some(format!(
                    "{} written with the change",
                    super::rollout::LAST_ACTION
                )),
            )
        }
        other => {
            let answer = super::kube::send(client, object, other, &plan.write).await?;
            return Ok(Sent::answer(answer));
        }
    };
    let answer = super::kube::send(client.clone(), object, action, &plan.write).await?;
    let automatic = match action {
        WriteAction::Rollout(change) => change
            .automatic
            .as_ref()
            .map(|why| format!(" automatically ({why})"))
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut message = format!(
        "{} requested{automatic} by {} ({}) with ms5-console, write {}",
        plan.verb(),
        context.local_user,
        context.kube_identity,
        plan.write
    );
    if let WriteAction::RunCronJob(run) = action {
        message.push_str(&format!(": job {}", run.job_name()));
    }
    let event = super::kube::record_event(client, object, reason, &message)
        .await
        .unwrap_or_else(|e| format!("its Event was not recorded: {e}"));
    Ok(Sent {
        answer,
        event: Some(event),
        annotation,
    })
}

/// `resolve` pairs targets with their transports; a mismatch is a planning bug, reported
/// rather than panicking.
fn unreachable_target() -> Result<Sent, ApiError> {
    Err(ApiError::decode(
        "this action cannot be sent to this target".into(),
    ))
}
