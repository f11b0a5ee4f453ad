//! A validation run as one of the console's jobs: each result reported as it arrives, so the
//! view fills in; the report is assembled by the state from those (a stopped run never
//! finishes here).

use super::engine::{Sources, run};
use super::results::RunRequest;

pub async fn run_job(
    request: RunRequest,
    sources: Sources,
    progress: crate::ops::jobs::Progress,
) -> Result<String, String> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let forward = async {
        while let Some(result) = rx.recv().await {
            progress.checked(result).await;
        }
    };
    let run = async move {
        run(&request.runbook, &sources, request.skip_commands, |r| {
            let _ = tx.send(r.clone());
        })
        .await
    };
    let (report, ()) = tokio::join!(run, forward);
    Ok(report.totals().words())
}
