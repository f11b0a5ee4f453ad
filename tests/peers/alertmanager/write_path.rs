//! The console's own write path — the silence form's plan, the ops wing's executor, the audit
//! log — against the real Alertmanager and the sim's: a silence is created, the alert shows as
//! silenced, the silence is expired, the alert is active again, and the audit log holds a pending
//! and an outcome line for each write. Also: a refused write is audited as failed, and with no
//! usable audit log nothing is sent at all.

use std::time::{Duration, Instant};

use chrono::Utc;
use ms5_console::alerting::model::{GettableAlert, PostableAlert};
use ms5_console::app::silence_form::{SILENCE_FIELDS, SilenceForm};
use ms5_console::config::endpoint::HttpOptions;
use ms5_console::ops::audit::{self, AuditLog, Phase};
use ms5_console::ops::execute::{Executor, WriteContext};
use ms5_console::ops::plan::{Target, WriteAction, WritePlan};
use ms5_console::sim::{self, SimOptions};
use ms5_console::source::alertmanager::AlertmanagerEndpoint;

use super::real::RealAlertmanager;
use crate::common;

fn form(origin: &str, address: &str, matchers: &str, comment: &str) -> SilenceForm {
    let mut fields: [_; SILENCE_FIELDS.len()] = Default::default();
    fields[0] = matchers.into();
    fields[1] = "2h".into();
    fields[2] = comment.into();
    fields[3] = "jdoe".into();
    SilenceForm {
        origin: origin.into(),
        address: address.into(),
        fields,
        focus: 2,
        error: None,
    }
}

async fn post_alert(base: &str) {
    let alert = PostableAlert {
        labels: [
            ("alertname", "MS5WritePathTest"),
            ("severity", "critical"),
            ("service", "backend"),
            ("namespace", "ms5-write"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        annotations: Default::default(),
        starts_at: None,
        ends_at: None,
        generator_url: None,
    };
    let status = reqwest::Client::new()
        .post(format!("{base}/api/v2/alerts"))
        .json(&vec![alert])
        .send()
        .await
        .expect("POST alerts")
        .status();
    assert!(status.is_success(), "{status}");
}

/// The test alert, once `check` holds for it (the real Alertmanager applies silences
/// asynchronously).
async fn alert_when(
    endpoint: &AlertmanagerEndpoint,
    what: &str,
    check: impl Fn(&GettableAlert) -> bool,
) -> GettableAlert {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let alerts = endpoint
            .alerts(&[("filter", r#"namespace="ms5-write""#.to_string())])
            .await
            .expect("alerts");
        if let Some(a) = alerts.into_iter().find(|a| check(a)) {
            return a;
        }
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Everything the write path promises, against the Alertmanager at `base`.
async fn write_path(base: &str) {
    post_alert(base).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("state/audit.jsonl");
    let context = WriteContext {
        audit: Some(AuditLog::new(log.clone())),
        local_user: "jdoe".into(),
        kube_identity: "kube user oncall context ms5-sim".into(),
        readonly: false,
    };
    let endpoint = AlertmanagerEndpoint::new(&format!("am={base}"), &HttpOptions::default(), None)
        .expect("endpoint");
    let executor = |context: &WriteContext| Executor {
        context: context.clone(),
        alertmanagers: std::sync::Arc::new(vec![endpoint.clone()]),
        kube: None,
    };
    alert_when(&endpoint, "the posted alert", |a| {
        a.status.state == "active"
    })
    .await;

    // Create, through the form's own plan.
    let matchers = r#"alertname="MS5WritePathTest", namespace="ms5-write""#;
    let plan = form("am", base, matchers, "INC-42 failover")
        .plan("w-create".into(), Utc::now())
        .expect("a valid form");
    let id = executor(&context)
        .execute(&plan)
        .await
        .expect("the silence is created");
    let silenced = alert_when(&endpoint, "silenced", |a| {
        a.status.silenced_by.contains(&id)
    })
    .await;
    assert_eq!(silenced.status.state, "suppressed");
    let silences = endpoint.silences().await.expect("silences");
    let created = silences.iter().find(|s| s.id == id).expect("listed");
    assert_eq!(created.created_by, "jdoe");
    assert_eq!(created.comment, "INC-42 failover");
    assert_eq!(created.status.state, "active");

    // Expire it the same way.
    let expiry = WritePlan {
        write: "w-expire".into(),
        target: Target::Alertmanager {
            name: "am".into(),
            address: base.into(),
        },
        action: WriteAction::ExpireSilence {
            id: id.clone(),
            matchers: matchers.into(),
            comment: "INC-42 failover".into(),
        },
        checks: Vec::new(),
    };
    let answer = executor(&context).execute(&expiry).await.expect("expired");
    assert_eq!(answer, format!("silence {id} expired"));
    alert_when(&endpoint, "active again", |a| a.status.state == "active").await;

    // A write the server refuses is audited as failed, with the server's reason.
    let refused = WritePlan {
        write: "w-refused".into(),
        ..expiry.clone()
    };
    let refused = WritePlan {
        action: WriteAction::ExpireSilence {
            id: "00000000-0000-0000-0000-000000000000".into(),
            matchers: String::new(),
            comment: String::new(),
        },
        ..refused
    };
    let error = executor(&context)
        .execute(&refused)
        .await
        .expect_err("no such silence")
        .to_string();
    // In words a person can act on, not a bare status code.
    assert_eq!(error, "HTTP 500: silence not found");

    // The audit log: pending then outcome for each write, newest first when read.
    let contents = audit::read(&log).expect("audit log");
    assert!(contents.problems.is_empty(), "{:?}", contents.problems);
    let lines: Vec<(&str, Phase)> = contents
        .records
        .iter()
        .map(|r| (r.write.as_str(), r.phase))
        .collect();
    assert_eq!(
        lines,
        [
            ("w-refused", Phase::Failed),
            ("w-refused", Phase::Pending),
            ("w-expire", Phase::Succeeded),
            ("w-expire", Phase::Pending),
            ("w-create", Phase::Succeeded),
            ("w-create", Phase::Pending),
        ]
    );
    let created = &contents.records[4];
    assert_eq!(created.action, "create-silence");
    assert_eq!(created.target, "alertmanager am");
    assert_eq!(created.local_user, "jdoe");
    assert_eq!(
        created.identity, base,
        "a direct address is who the server sees"
    );
    assert_eq!(created.result.as_deref(), Some(id.as_str()));
    assert!(created.duration_ms.is_some());
    assert_eq!(created.parameters["comment"], "INC-42 failover");
    assert_eq!(created.parameters["matchers"][0]["name"], "alertname");
    let pending = &contents.records[5];
    assert!(pending.result.is_none() && pending.duration_ms.is_none());
    assert_eq!(pending.parameters, created.parameters);
    assert_eq!(contents.records[0].result.as_deref(), Some(error.as_str()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&log).expect("log").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // No usable audit log: nothing is sent.
    let before = endpoint.silences().await.expect("silences").len();
    for audit in [None, Some(AuditLog::new(dir.path().to_path_buf()))] {
        let context = WriteContext {
            audit,
            ..context.clone()
        };
        let plan = form("am", base, matchers, "never sent")
            .plan("w-unaudited".into(), Utc::now())
            .expect("plan");
        let error = executor(&context)
            .execute(&plan)
            .await
            .expect_err("refused")
            .to_string();
        assert!(error.ends_with("nothing was sent"), "{error}");
    }
    assert_eq!(endpoint.silences().await.expect("silences").len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_write_path_against_the_real_alertmanager() {
    if !common::require("prometheus-alertmanager") {
        return;
    }
    let real = RealAlertmanager::start().await;
    write_path(&real.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_write_path_against_the_sims_alertmanager() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    write_path(&sim.alertmanager_url).await;
}
