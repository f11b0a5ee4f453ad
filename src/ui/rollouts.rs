//! The rollouts view: Deployments and StatefulSets with kubectl's rollout status, a progress
//! gauge and, in details, conditions and the ReplicaSet revision history.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fit::Cut;
use super::freshness::watch_freshness;
use super::pods::split;
use super::style::{Ui, gauge};
use super::table::{TableSpec, draw, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::WORKLOAD_COLUMNS;
use crate::model::node_view::EventRow;
use crate::model::pod_view::PodRow;
use crate::model::rollout::{Health, RolloutPhase};
use crate::model::workload::{WorkloadRow, history};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Rollouts,
    title: "Rollouts",
    short_title: "Ro",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::Details,
        Action::Restart,
        Action::Undo,
        Action::PauseResume,
        Action::Scale,
        Action::Follow,
        Action::Logs,
        Action::Yaml,
        Action::Sort,
        Action::Command,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Middle(16),
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::End(20),
];

pub fn health_role(row: &WorkloadRow) -> &'static str {
    match row.health {
        Health::Healthy => "ok",
        Health::Progressing => "warning",
        Health::Degraded => "critical",
    }
}

/// One word for the STATUS column's start, the same class the Overview counts; the rest is
/// kubectl's sentence, so "Degraded Waiting for 1 pods to be ready..." says both.
fn status_word(row: &WorkloadRow) -> &'static str {
    match (row.status.phase, row.health) {
        (RolloutPhase::Failed, _) => "Failed",
        (RolloutPhase::Paused, _) => "Paused",
        (_, Health::Degraded) => "Degraded",
        (RolloutPhase::Progressing, _) => "Progressing",
        (RolloutPhase::Complete, _) => "Complete",
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let (table_area, detail_area) = split(area, state.details, state.rows.workloads.len());
    let table = state.table(ViewId::Rollouts);
    let rows = &state.rows.workloads;
    let freshness = watch_freshness(state, Some("deployments"));
    let block = panel("Rollouts", freshness, ui, area.width).title_bottom(Span::styled(
        position(rows.len(), table, WORKLOAD_COLUMNS, ui),
        ui.style("muted"),
    ));
    draw(
        frame,
        table_area,
        block,
        TableSpec {
            columns: WORKLOAD_COLUMNS,
            cuts: CUTS,
            hide_order: &[2, 4, 5, 7, 0],
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let r = &rows[i];
            let role = health_role(r);
            vec![
                Line::from(Span::styled(r.namespace.clone(), ui.style("muted"))),
                Line::from(r.name.clone()),
                Line::from(Span::styled(r.kind, ui.style("muted"))),
                Line::from(Span::styled(
                    format!("{}/{}", r.ready, r.desired),
                    ui.style(role),
                )),
                Line::from(r.updated.to_string()),
                Line::from(r.available.to_string()),
                Line::from(Span::styled(
                    gauge(r.progress(), 10, ui.symbols),
                    ui.style("gauge"),
                )),
                Line::from(
                    r.revision
                        .chars()
                        .rev()
                        .take(4)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect::<String>(),
                ),
                {
                    let key = crate::app::follow::key(r.kind, &r.namespace, &r.name);
                    let followed = crate::app::follow::is_followed(state, &key);
                    let guard = state
                        .follow
                        .follows
                        .get(&key)
                        .and_then(|f| f.verdict.as_ref())
                        .and_then(crate::app::guard::word);
                    let mut spans =
                        vec![Span::styled(format!("{} ", status_word(r)), ui.style(role))];
                    match guard {
                        // A tripped guard says so louder than anything else on the row.
                        Some("tripped") => {
                            spans.push(Span::styled("guard tripped ", ui.style("critical")))
                        }
                        Some("blind") => {
                            spans.push(Span::styled("guard blind ", ui.style("stale")))
                        }
                        _ if followed => spans.push(Span::styled("followed ", ui.style("accent"))),
                        _ => {}
                    }
                    spans.push(Span::styled(r.status.message.clone(), ui.style("muted")));
                    Line::from(spans)
                },
            ]
        },
    );
    if let Some(detail_area) = detail_area {
        details(frame, detail_area, state, ui);
    }
}

fn details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(row) = state
        .rows
        .workloads
        .get(state.table(ViewId::Rollouts).selected)
    else {
        return;
    };
    let label = |t: &str| Span::styled(format!("{t:<11}"), ui.style("muted"));
    let mut lines = vec![
        Line::from(vec![
            label("status"),
            Span::styled(row.status.message.clone(), ui.style(health_role(row))),
        ]),
        Line::from(vec![
            label("replicas"),
            Span::raw(format!(
                "{} desired, {} updated, {} ready, {} available",
                row.desired, row.updated, row.ready, row.available
            )),
        ]),
        Line::from(vec![label("images"), Span::raw(row.images.join(", "))]),
    ];
    for c in &row.conditions {
        let role = if c.status == "True" {
            "text"
        } else {
            "warning"
        };
        lines.push(Line::from(vec![
            label("condition"),
            Span::styled(format!("{}={} ", c.type_, c.status), ui.style(role)),
            Span::styled(format!("{} ", c.reason), ui.style("muted")),
            Span::raw(c.message.clone()),
        ]));
    }
    workload_pods(&mut lines, row, state, area.width.saturating_sub(2), ui);
    warnings(&mut lines, row, state, ui);
    if row.kind == "Deployment" {
        lines.push(Line::from(Span::styled(
            "revision history",
            ui.style("title"),
        )));
        for rev in history(
            &row.uid,
            state.cluster.replicasets.items.values().map(|r| r.as_ref()),
        ) {
            let current = rev.revision.to_string() == row.revision;
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{}{:>3} ", if current { "*" } else { " " }, rev.revision),
                    ui.style(if current { "accent" } else { "text" }),
                ),
                Span::raw(format!("{:<24} ", rev.name)),
                Span::styled(
                    format!("{}/{} ", rev.ready, rev.replicas),
                    ui.style("muted"),
                ),
                Span::styled(
                    format!(
                        "{:>4} ",
                        rev.created
                            .map(|c| human_age(c, state.now))
                            .unwrap_or_default()
                    ),
                    ui.style("muted"),
                ),
                Span::raw(rev.images.join(", ")),
            ]));
        }
    } else {
        lines.push(Line::from(vec![
            label("revision"),
            Span::raw(row.revision.clone()),
        ]));
    }
    let title = format!("{} {}/{}", row.kind, row.namespace, row.name);
    let block = panel(
        &title,
        watch_freshness(state, Some("replicasets")),
        ui,
        area.width,
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// Most warnings shown in a workload's details, newest first.
const WARNINGS_SHOWN: usize = 5;

/// The workload's pods: state, readiness, restarts, node, and why one is not ready in the
/// words of whoever knows (the scheduler's whole message, the kubelet's eviction reason).
/// The workload's pods, one line each within `room` columns: the node's name gives way (in
/// the middle, so nodes that share a prefix stay apart) before the line wraps.
pub fn workload_pods<'a>(
    lines: &mut Vec<Line<'a>>,
    row: &WorkloadRow,
    state: &AppState,
    room: u16,
    ui: &Ui,
) {
    let mut pods: Vec<&PodRow> = state
        .cluster
        .pods
        .items
        .values()
        .map(|p| p.as_ref())
        .filter(|p| row.owns(p))
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name).then(b.created.cmp(&a.created)));
    if pods.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("pods", ui.style("title")),
            Span::styled("  none", ui.style("muted")),
        ]));
        return;
    }
    lines.push(Line::from(Span::styled(
        format!("pods ({})", pods.len()),
        ui.style("title"),
    )));
    let width = pods.iter().map(|p| p.name.len()).max().unwrap_or(0).min(40);
    for pod in pods {
        let role = super::style::pod_status_role(&pod.summary.status, pod.is_ready());
        let node = if pod.node.is_empty() {
            "-"
        } else {
            pod.node.as_str()
        };
        let head = vec![
            Span::raw(format!(
                "  {:<width$} ",
                super::fit::cut_middle(&pod.name, width, ui.symbols.ellipsis)
            )),
            Span::styled(format!("{:<16} ", pod.summary.status), ui.style(role)),
            Span::raw(format!(
                "{:<5} restarts {:<3} ",
                pod.ready_cell(),
                pod.summary.restarts
            )),
        ];
        let left = (room as usize).saturating_sub(head.iter().map(Span::width).sum::<usize>());
        // Short of room the label goes before the name's middle does.
        let node_cell = if left >= 15 {
            format!(
                "node {}",
                super::fit::cut_middle(node, left - 5, ui.symbols.ellipsis)
            )
        } else {
            super::fit::cut_middle(node, left.max(8), ui.symbols.ellipsis)
        };
        let mut spans = head;
        spans.push(Span::styled(node_cell, ui.style("muted")));
        lines.push(Line::from(spans));
        let why = pod
            .unschedulable
            .clone()
            .map(|m| ("not scheduled", m))
            .or_else(|| pod.status_message.clone().map(|m| ("why", m)))
            .or_else(|| {
                (pod.running && pod.probes.failing()).then(|| ("why", probe_failing(pod, state)))
            });
        if let Some((label, message)) = why {
            lines.push(Line::from(vec![
                Span::styled(format!("    {label}: "), ui.style("muted")),
                Span::styled(message, ui.style("warning")),
            ]));
        }
    }
}

/// Why a running pod is not ready: its probe, in the kubelet's last `Unhealthy` words.
fn probe_failing(pod: &PodRow, state: &AppState) -> String {
    let probe = if pod.probes.startup_pending {
        "startup probe not passed yet"
    } else {
        "readiness probe failing"
    };
    let last = state
        .cluster
        .unhealthy_events(&pod.namespace, &pod.name)
        .max_by_key(|e| crate::model::node_view::EventRow::of(e).last_seen);
    // The kubelet's words name the probe ("Readiness probe failed: ...").
    last.and_then(|e| e.message.clone())
        .unwrap_or_else(|| probe.to_string())
}

/// The latest warnings about the workload, its ReplicaSets and its pods.
fn warnings<'a>(lines: &mut Vec<Line<'a>>, row: &WorkloadRow, state: &AppState, ui: &Ui) {
    let pods: Vec<&str> = state
        .cluster
        .pods
        .items
        .values()
        .filter(|p| row.owns(p))
        .map(|p| p.name.as_str())
        .collect();
    let replicaset_prefix = format!("{}-", row.name);
    let mut events: Vec<EventRow> = state
        .cluster
        .events
        .items
        .values()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .filter(|e| e.metadata.namespace.as_deref() == Some(row.namespace.as_str()))
        .map(|e| EventRow::of(e))
        .filter(|e| match e.object_kind.as_str() {
            "Pod" => pods.contains(&e.object_name.as_str()),
            "ReplicaSet" => e.object_name.starts_with(&replicaset_prefix),
            kind => kind == row.kind && e.object_name == row.name,
        })
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    super::event_lines::event_list(
        lines,
        "warnings",
        &events,
        WARNINGS_SHOWN,
        |e| format!("{}: ", e.object),
        state.now,
        ui,
    );
}
