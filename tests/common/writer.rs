//! The console's write path against a sim, as the console builds it: an executor with its
//! audit log for one kubeconfig context, a reading client, and the checking stage run by the
//! job runner.

use std::sync::Arc;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use ms5_console::ops::audit::AuditLog;
use ms5_console::ops::execute::{Executor, KubeWriter, WriteContext};
use ms5_console::ops::job::{JobEvent, JobId, JobOutcome};
use ms5_console::ops::jobs::JobRunner;
use ms5_console::ops::kube::write_client;
use ms5_console::ops::plan::WritePlan;
use tokio::sync::mpsc;

use super::Sim;

pub struct Console {
    pub executor: Executor,
    pub reader: kube::Client,
    pub context: String,
    pub user: String,
    pub audit: std::path::PathBuf,
    pub _dir: tempfile::TempDir,
}

pub async fn console(sim: &Sim, context: &str) -> Console {
    ms5_console::sim::install_crypto_provider();
    let kubeconfig = Kubeconfig::read_from(sim.kubeconfig()).expect("kubeconfig");
    let user = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .map(|c| c.user.clone().unwrap_or_default())
        .expect("the context");
    let options = KubeConfigOptions {
        context: Some(context.into()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config");
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    Console {
        executor: Executor {
            context: WriteContext {
                audit: Some(AuditLog::new(audit.clone())),
                local_user: "jdoe".into(),
                kube_identity: format!("kube user {user} context {context}"),
                readonly: false,
            },
            alertmanagers: Arc::new(vec![]),
            kube: Some(KubeWriter {
                context: context.into(),
                client: write_client(&config, Duration::from_secs(10)).expect("client"),
            }),
        },
        reader: kube::Client::try_from(config).expect("client"),
        context: context.into(),
        user,
        audit,
        _dir: dir,
    }
}

impl Console {
    /// The checking stage, run by the job runner as the console runs it: what it reported and
    /// how it ended.
    pub async fn check(&self, plan: WritePlan) -> (Vec<String>, JobOutcome) {
        let executor = self.executor.clone();
        run_job(move |progress| async move {
            ms5_console::ops::check::run(&executor, &plan, &progress).await
        })
        .await
    }

    /// A drill's or on-demand backup's follow job, as the console runs it after the write.
    pub async fn follow(&self, plan: WritePlan) -> (Vec<String>, JobOutcome) {
        let executor = self.executor.clone();
        run_job(move |progress| async move {
            ms5_console::ops::drill::follow(&executor, &plan, &progress).await
        })
        .await
    }
}

/// Runs `work` as a job of the console's job runner: what it reported and how it ended.
async fn run_job<F, Fut>(work: F) -> (Vec<String>, JobOutcome)
where
    F: FnOnce(ms5_console::ops::jobs::Progress) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<String, String>> + Send + 'static,
{
    let (tx, mut rx) = mpsc::channel(64);
    let mut runner = JobRunner::new(tx);
    runner.start(JobId(1), work);
    let mut reports = Vec::new();
    loop {
        match rx.recv().await.expect("job events") {
            JobEvent::Progress { text, .. } => reports.push(text),
            JobEvent::Finished { outcome, .. } => return (reports, outcome),
            JobEvent::Checked { .. } => panic!("a write's jobs report no criteria"),
        }
    }
}
