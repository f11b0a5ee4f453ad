//! A plan's stages as the dialog draws them, for a Kubernetes target: checking (a job whose
//! findings appear as they come), then confirm when the checks pass, or refused with the reason;
//! esc while checking cancels the job. Nothing is sent in any of these stages.

use crossterm::event::KeyCode;
use ms5_console::app::event::{DataEvent, Effect};
use ms5_console::app::stage::Dialog;
use ms5_console::app::state::{AppState, Overlay, ViewId};
use ms5_console::app::update::apply;
use ms5_console::app::writes;
use ms5_console::ops::job::{JobEvent, JobOutcome, JobSpec};
use ms5_console::ops::plan::{KubeObject, Target, WriteAction, WritePlan};

use crate::alert_views::key;
use crate::fixture::{screen, state};

fn plan() -> WritePlan {
    WritePlan {
        write: "w-1".into(),
        target: Target::Kube(KubeObject {
            context: "aks-ms5-prod".into(),
            server: "https://ms5-aks.hcp.westeurope.azmk8s.io:443".into(),
            user: "clusterUser_ms5".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "ms5-production".into(),
            name: "backend".into(),
        }),
        action: WriteAction::MergePatch {
            patch: serde_json::json!({"spec": {"paused": true}}),
            dry_run: false,
        },
        checks: Vec::new(),
    }
}

fn checking(s: &mut AppState) -> ms5_console::ops::job::JobId {
    let effects = writes::check(s, plan());
    let [Effect::StartJob { job, spec }] = effects.as_slice() else {
        panic!("one job, got {effects:?}");
    };
    assert_eq!(spec, &JobSpec::Check(Box::new(plan())));
    *job
}

#[test]
fn checks_run_as_a_job_and_lead_to_confirm_or_refused() {
    let mut s = state();
    s.view = ViewId::Rollouts;
    let job = checking(&mut s);
    let text = screen(&s, 120, 30);
    for needle in [
        "Checking: nothing is sent yet",
        "server   aks-ms5-prod (https://ms5-aks.hcp.westeurope.azmk8s.io:443)",
        "as       clusterUser_ms5",
        "request  PATCH /apis/apps/v1/namespaces/ms5-production/deployments/backend",
        "checking...",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    // `y` does not skip the checks.
    assert!(key(&mut s, KeyCode::Char('y')).is_empty());
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Progress {
            job,
            text: "server dry run: sending".into(),
        }),
    );
    assert!(screen(&s, 120, 30).contains("server dry run: sending"));
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Progress {
            job,
            text: "server dry run: the server accepts this (resourceVersion 812; nothing changed)"
                .into(),
        }),
    );
    // Another job's end does not move this dialog.
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job: ms5_console::ops::job::JobId(job.0 + 100),
            outcome: JobOutcome::Succeeded("elsewhere".into()),
        }),
    );
    assert!(matches!(
        s.overlay,
        Some(Overlay::Dialog(Dialog::Checking { .. }))
    ));
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job,
            outcome: JobOutcome::Succeeded("accepted".into()),
        }),
    );
    // A checked Kubernetes change keeps what the checks found (not what they were doing
    // meanwhile); ms5-production is protected, so the object's name must be typed.
    assert!(
        matches!(&s.overlay, Some(Overlay::Dialog(Dialog::ConfirmChecked { plan: p, typed: Some(_) }))
            if p.checks == ["server dry run: the server accepts this (resourceVersion 812; nothing changed)".to_string()]
                && p.write == plan().write),
        "{:?}",
        s.overlay
    );
    s.overlay = None;

    // Refused: the reason, in the critical colour's words, and nothing sent.
    let job = checking(&mut s);
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job,
            outcome: JobOutcome::Failed(
                "server dry run refused it: HTTP 403: deployments.apps \"backend\" is forbidden"
                    .into(),
            ),
        }),
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("refused: server dry run refused it: HTTP 403"),
        "{text}"
    );
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(
        key(&mut s, KeyCode::Char('y')).is_empty(),
        "a refused plan cannot be sent"
    );
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.overlay.is_none());

    // Esc while checking stops the job.
    let job = checking(&mut s);
    assert_eq!(key(&mut s, KeyCode::Esc), vec![Effect::CancelJob(job)]);
    assert!(s.overlay.is_none());
}
