//! Building each table view's rows from the watched objects: filter, then sort, then keep the
//! selection on the same object. Runs after data changes, never inside a render.

use std::cmp::Ordering;
use std::sync::Arc;

use super::alerts;
use super::cluster::ObjKey;
use super::state::{AppState, ViewId};
use super::table::RowKeys;
use crate::model::node_view::{EventRow, NodeRow};
use crate::model::slo_status::{self, SloStatus};
use crate::model::usage::percent;

/// The Pods view's use columns (CPU, %CPU/R, MEM, %MEM/L).
const POD_USE_COLUMNS: &[usize] = &[5, 6, 7, 8];
/// The Nodes view's (CPU, %CPU, MEM, %MEM).
const NODE_USE_COLUMNS: &[usize] = &[5, 6, 7, 8];
use crate::model::workload::{WorkloadRow, troubled_workloads};

/// The overview's numbers, rebuilt when their inputs change (or once a minute, for "restarts in
/// the last hour"), and only while the overview is shown: other views do not pay for them.
fn refresh_overview(state: &mut AppState) {
    if state.view != ViewId::Overview {
        return;
    }
    let inputs = (
        state.cluster.version() + state.timeline.store.version,
        state.focus.clone(),
        state.now.timestamp() / 60,
    );
    if state.rows.overview.built_from.as_ref() == Some(&inputs) {
        return;
    }
    let mut summary = super::summary::build(&state.cluster, &state.namespaces, state.now);
    summary.warnings = super::summary::warnings(&state.timeline.store, state.focus.as_deref());
    summary.built_from = Some(inputs);
    state.rows.overview = summary;
}

/// After `view`'s rows were rebuilt: the selection follows its object.
/// Finds the table's selected object again in its rows (after they or the selection changed).
pub fn reselect(state: &mut AppState, view: ViewId) {
    let page = state.page;
    let mut table = std::mem::take(state.table_mut(view));
    table.reselect(&keys(state, view), page);
    *state.table_mut(view) = table;
}

/// Rebuilds the rows of every table view whose inputs changed since they were last built.
pub fn refresh(state: &mut AppState) {
    refresh_overview(state);
    refresh_slos(state);
    refresh_alerts(state);
    // After the alerts: a database's firing alerts are among its figures.
    super::backups::refresh(state);
    refresh_timeline(state);
    // After the SLOs and alerts it is anchored on; the report reads it too.
    if state.view == ViewId::Overview {
        super::suspects::refresh(state);
    }
    for view in [
        ViewId::Rollouts,
        ViewId::Pods,
        ViewId::Nodes,
        ViewId::Events,
    ] {
        let table = state.table(view);
        // Use changes every poll: rows are rebuilt for it only when sorted by it.
        let by_use = |columns: &[usize]| {
            if columns.contains(&table.sort_column) {
                state.metrics.version
            } else {
                0
            }
        };
        let data_version = match view {
            ViewId::Pods => state.cluster.pods.version + by_use(POD_USE_COLUMNS),
            // Pods too: a workload whose pod cannot run is degraded.
            ViewId::Rollouts => {
                state.cluster.deployments.version
                    + state.cluster.statefulsets.version
                    + state.cluster.pods.version
            }
            ViewId::Nodes => {
                state.cluster.nodes.version + state.cluster.pods.version + by_use(NODE_USE_COLUMNS)
            }
            ViewId::Events => state.cluster.events.version,
            _ => 0,
        };
        let inputs = (
            data_version,
            format!("{:?}|{:?}", table.filter, state.focus),
            table.sort_column,
            table.reverse,
            state.warnings_only,
        );
        if state.rows.built.get(&view) == Some(&inputs) {
            continue;
        }
        match view {
            ViewId::Pods => build_pods(state),
            ViewId::Rollouts => build_workloads(state),
            ViewId::Nodes => build_nodes(state),
            ViewId::Events => build_events(state),
            _ => {}
        }
        reselect(state, view);
        state.rows.built.insert(view, inputs);
    }
}

/// One view's rows as keys, built one at a time (`RowKeys`).
pub struct ViewKeys<'a> {
    state: &'a AppState,
    view: ViewId,
}

/// The keys of `view`'s rows, in order (for keeping and moving the selection).
pub fn keys(state: &AppState, view: ViewId) -> ViewKeys<'_> {
    ViewKeys { state, view }
}

impl RowKeys for ViewKeys<'_> {
    fn len(&self) -> usize {
        let rows = &self.state.rows;
        match self.view {
            ViewId::Pods => rows.pods.len(),
            ViewId::Rollouts => rows.workloads.len(),
            ViewId::Nodes => rows.nodes.len(),
            ViewId::Events => rows.events.len(),
            ViewId::Slo => rows.slos.len(),
            ViewId::Alerts => rows.alerts.len(),
            ViewId::Silences => rows.silences.len(),
            ViewId::Audit => audit_records(self.state).len(),
            ViewId::Validation => self.state.validation.row_count(),
            ViewId::Backups => self.state.slo.backups.len(),
            ViewId::Timeline => rows.timeline.len(),
            ViewId::Overview => 0,
        }
    }

    fn key(&self, i: usize) -> Option<ObjKey> {
        let rows = &self.state.rows;
        match self.view {
            ViewId::Pods => rows
                .pods
                .get(i)
                .map(|r| (r.namespace.clone(), r.name.clone())),
            ViewId::Rollouts => rows
                .workloads
                .get(i)
                .map(|r| (r.namespace.clone(), format!("{}/{}", r.kind, r.name))),
            ViewId::Nodes => rows.nodes.get(i).map(|r| (String::new(), r.name.clone())),
            ViewId::Events => rows
                .events
                .get(i)
                .map(|r| (r.namespace.clone(), r.name.clone())),
            ViewId::Slo => rows.slos.get(i).map(|s| (String::new(), s.name.clone())),
            ViewId::Alerts => rows
                .alerts
                .get(i)
                .map(|r| (String::new(), r.merged.alert.fingerprint.clone())),
            ViewId::Silences => rows
                .silences
                .get(i)
                .map(|r| (String::new(), r.silence().id.clone())),
            ViewId::Audit => audit_records(self.state)
                .get(i)
                .map(|r| (r.time.to_rfc3339(), format!("{} {:?}", r.write, r.phase))),
            ViewId::Validation => self
                .state
                .validation
                .row_id(i)
                .map(|id| (String::new(), id.to_string())),
            ViewId::Backups => self
                .state
                .slo
                .backups
                .get(i)
                .map(|d| (d.namespace.clone(), d.name.clone())),
            ViewId::Timeline => rows
                .timeline
                .get(i)
                .map(|e| (e.subject.namespace.clone(), e.key.clone())),
            ViewId::Overview => None,
        }
    }

    fn is(&self, i: usize, (namespace, name): &ObjKey) -> bool {
        let rows = &self.state.rows;
        match self.view {
            ViewId::Pods => rows
                .pods
                .get(i)
                .is_some_and(|r| &r.namespace == namespace && &r.name == name),
            ViewId::Events => rows
                .events
                .get(i)
                .is_some_and(|r| &r.namespace == namespace && &r.name == name),
            ViewId::Rollouts => rows.workloads.get(i).is_some_and(|r| {
                &r.namespace == namespace
                    && name
                        .strip_prefix(r.kind)
                        .and_then(|rest| rest.strip_prefix('/'))
                        == Some(r.name.as_str())
            }),
            _ => self
                .key(i)
                .is_some_and(|k| k.0 == *namespace && k.1 == *name),
        }
    }
}

/// The audit records last read, newest first.
pub fn audit_records(state: &AppState) -> &[crate::ops::audit::record::AuditRecord] {
    state.audit.records()
}

/// Alerts and silences from every Alertmanager's last good answer; rebuilt per poll or filter.
fn refresh_alerts(state: &mut AppState) {
    let filter = state.table(ViewId::Alerts).filter.raw.clone();
    let inputs = (state.alerts.version, filter.clone(), 0, false, false);
    if state.rows.built.get(&ViewId::Alerts) != Some(&inputs) {
        let merged = state.alerts.merged();
        let all = alerts::alert_rows(&merged, &alerts::AlertFilter::None);
        state.rows.alert_summary = alerts::summary(&all);
        state.rows.all_alerts = all.clone();
        state.rows.alerts = match alerts::AlertFilter::parse(&filter) {
            Ok(alerts::AlertFilter::None) => {
                state.alerts.filter_error = None;
                all
            }
            Ok(f) => {
                state.alerts.filter_error = None;
                all.into_iter()
                    .filter(|r| f.keeps(&r.merged.alert))
                    .collect()
            }
            Err(e) => {
                state.alerts.filter_error = Some(e);
                Vec::new()
            }
        };
        state.rows.silences = alerts::silence_rows(&merged);
        for view in [ViewId::Alerts, ViewId::Silences] {
            reselect(state, view);
        }
        state.rows.built.insert(ViewId::Alerts, inputs);
    }
    let audit_version = state
        .audit
        .read
        .as_ref()
        .map_or(0, |(t, _)| t.timestamp_millis());
    let inputs = (audit_version as u64, String::new(), 0, false, false);
    if state.rows.built.get(&ViewId::Audit) != Some(&inputs) {
        reselect(state, ViewId::Audit);
        state.rows.built.insert(ViewId::Audit, inputs);
    }
}

/// The timeline's entries as shown: in the focused namespace (and what has none: nodes, SLOs,
/// notes), critical and warning only with `w`, matching the filter; rebuilt when any changed.
fn refresh_timeline(state: &mut AppState) {
    let table = state.table(ViewId::Timeline);
    let inputs = (
        state.timeline.store.version,
        format!("{:?}|{:?}", table.filter, state.focus),
        0,
        false,
        state.warnings_only,
    );
    if state.rows.built.get(&ViewId::Timeline) == Some(&inputs) {
        return;
    }
    let filter = &table.filter;
    let rows = state
        .timeline
        .store
        .newest_first()
        .filter(|e| e.subject.namespace.is_empty() || state.shown_namespace(&e.subject.namespace))
        .filter(|e| !state.warnings_only || e.severity != crate::timeline::Severity::Info)
        .filter(|e| filter.is_empty() || filter.matches(&e.haystack(), None))
        .cloned()
        .collect();
    state.rows.timeline = rows;
    reselect(state, ViewId::Timeline);
    state.rows.built.insert(ViewId::Timeline, inputs);
}

/// SLO statuses from the last good observation, worst budget first; rebuilt per poll.
fn refresh_slos(state: &mut AppState) {
    let inputs = (state.slo.version, String::new(), 0, false, false);
    if state.rows.built.get(&ViewId::Slo) == Some(&inputs) && !state.rows.slos.is_empty() {
        return;
    }
    let readings = state.slo.last.as_ref().map(|o| &o.slos);
    let mut statuses: Vec<SloStatus> = state
        .slo
        .definitions
        .iter()
        .map(|def| {
            let reading = readings.and_then(|r| r.iter().find(|r| r.name == def.name));
            slo_status::status(def, reading)
        })
        .collect();
    slo_status::sort_by_budget(&mut statuses);
    state.rows.slos = statuses;
    reselect(state, ViewId::Slo);
    state.rows.built.insert(ViewId::Slo, inputs);
}

fn build_pods(state: &mut AppState) {
    let table = state.table(ViewId::Pods);
    let filter = &table.filter;
    let mut rows: Vec<_> = state
        .cluster
        .pods
        .items
        .iter()
        .filter(|((ns, _), _)| state.shown_namespace(ns))
        .filter(|(_, row)| {
            filter.is_empty() || {
                let text = format!(
                    "{} {} {} {}",
                    row.namespace, row.name, row.summary.status, row.node
                );
                filter.matches(&text, Some(&row.labels))
            }
        })
        .map(|(_, row)| row.clone())
        .collect();
    let (column, reverse) = (table.sort_column, table.reverse);
    if POD_USE_COLUMNS.contains(&column) {
        // Heaviest first; a pod without a reading last. Looked up once per row, not per compare.
        let metrics = &state.metrics;
        rows.sort_by_cached_key(|r| {
            let used = metrics.of_pod(r);
            let value = used.and_then(|u| match column {
                5 => Some(u.cpu),
                6 => percent(u.cpu, r.requests.cpu),
                7 => Some(u.memory),
                _ => percent(u.memory, r.limits.memory),
            });
            let heaviest_first = std::cmp::Reverse(value.map(|v| (v * 1000.0) as i64));
            (heaviest_first, r.namespace.clone(), r.name.clone())
        });
        if reverse {
            rows.reverse();
        }
        state.rows.pods = rows;
        return;
    }
    rows.sort_by(|a, b| {
        let by_name = (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name));
        let primary = match column {
            2 => (a.summary.ready, a.summary.total).cmp(&(b.summary.ready, b.summary.total)),
            3 => a.summary.status.cmp(&b.summary.status),
            4 => b.summary.restarts.cmp(&a.summary.restarts),
            9 => b.probes.failing().cmp(&a.probes.failing()),
            10 => a.qos.cmp(&b.qos),
            11 => a.node.cmp(&b.node),
            12 => b.created.cmp(&a.created),
            _ => Ordering::Equal,
        };
        directed(primary.then(by_name), reverse)
    });
    state.rows.pods = rows;
}

fn build_workloads(state: &mut AppState) {
    let table = state.table(ViewId::Rollouts);
    let filter = &table.filter;
    let troubled = troubled_workloads(state.cluster.pods.items.values().map(|p| p.as_ref()));
    let deployments = state.cluster.deployments.items.values().map(|d| {
        (
            WorkloadRow::of_deployment(d).with_pod_trouble(&troubled),
            d.metadata.labels.as_ref(),
        )
    });
    let statefulsets = state.cluster.statefulsets.items.values().map(|s| {
        (
            WorkloadRow::of_statefulset(s).with_pod_trouble(&troubled),
            s.metadata.labels.as_ref(),
        )
    });
    let mut rows: Vec<Arc<WorkloadRow>> = deployments
        .chain(statefulsets)
        .filter(|(row, _)| state.shown_namespace(&row.namespace))
        .filter(|(row, labels)| {
            let text = format!(
                "{} {} {} {}",
                row.namespace, row.name, row.kind, row.status.message
            );
            filter.matches(&text, *labels)
        })
        .map(|(row, _)| Arc::new(row))
        .collect();
    let (column, reverse) = (table.sort_column, table.reverse);
    rows.sort_by(|a, b| {
        let by_name = (&a.namespace, &a.name, a.kind).cmp(&(&b.namespace, &b.name, b.kind));
        let primary = match column {
            2 => a.kind.cmp(b.kind),
            3 => a.ready.cmp(&b.ready),
            4 => a.updated.cmp(&b.updated),
            5 => a.available.cmp(&b.available),
            6 => a.progress().total_cmp(&b.progress()),
            7 => a.revision.cmp(&b.revision),
            8 => b.health.cmp(&a.health),
            _ => Ordering::Equal,
        };
        directed(primary.then(by_name), reverse)
    });
    state.rows.workloads = rows;
}

fn build_nodes(state: &mut AppState) {
    let table = state.table(ViewId::Nodes);
    let filter = &table.filter;
    // Counted on every pod change over every pod: a fast hash for short keys (node names).
    let mut per_node: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    for pod in state.cluster.pods.items.values() {
        *per_node.entry(pod.node.as_str()).or_default() += 1;
    }
    let mut rows: Vec<Arc<NodeRow>> = state
        .cluster
        .nodes
        .items
        .values()
        .filter(|n| {
            let text = n.metadata.name.clone().unwrap_or_default();
            filter.matches(&text, n.metadata.labels.as_ref())
        })
        .map(|n| {
            let mut row = NodeRow::of(n);
            row.pods = per_node.get(row.name.as_str()).copied().unwrap_or(0);
            Arc::new(row)
        })
        .collect();
    let (column, reverse) = (table.sort_column, table.reverse);
    let nodes_use = &state.metrics.nodes;
    // Heaviest first, a node without a reading last.
    let by_use = |row: &NodeRow| {
        let used = nodes_use.get(&row.name)?;
        match column {
            5 => Some(used.cpu),
            6 => percent(used.cpu, row.allocatable.cpu),
            7 => Some(used.memory),
            _ => percent(used.memory, row.allocatable.memory),
        }
    };
    rows.sort_by(|a, b| {
        let primary = match column {
            1 => a.ready.cmp(&b.ready),
            2 => b.pressures.len().cmp(&a.pressures.len()),
            3 => b.taints.len().cmp(&a.taints.len()),
            4 => b.pods.cmp(&a.pods),
            5..=8 => {
                let (a, b) = (by_use(a), by_use(b));
                b.is_some()
                    .cmp(&a.is_some())
                    .then(b.unwrap_or(0.0).total_cmp(&a.unwrap_or(0.0)))
            }
            9 => b.created.cmp(&a.created),
            _ => Ordering::Equal,
        };
        directed(primary.then(a.name.cmp(&b.name)), reverse)
    });
    state.rows.nodes = rows;
}

fn build_events(state: &mut AppState) {
    let table = state.table(ViewId::Events);
    let filter = &table.filter;
    let warnings_only = state.warnings_only;
    let mut rows: Vec<Arc<EventRow>> = state
        .cluster
        .events
        .items
        .values()
        .map(|e| EventRow::of(e))
        .filter(|e| state.shown_namespace(&e.namespace) && (!warnings_only || e.warning))
        .filter(|e| {
            let text = format!(
                "{} {} {} {} {}",
                e.namespace, e.type_, e.reason, e.object, e.message
            );
            filter.matches(&text, None)
        })
        .map(Arc::new)
        .collect();
    let (column, reverse) = (table.sort_column, table.reverse);
    rows.sort_by(|a, b| {
        // Newest first is the natural order of a timeline.
        let newest = b.last_seen.cmp(&a.last_seen);
        let primary = match column {
            1 => b.warning.cmp(&a.warning),
            2 => a.reason.cmp(&b.reason),
            3 => a.object.cmp(&b.object),
            4 => a.namespace.cmp(&b.namespace),
            _ => Ordering::Equal,
        };
        directed(primary.then(newest).then(a.name.cmp(&b.name)), reverse)
    });
    state.rows.events = rows;
}

fn directed(order: Ordering, reverse: bool) -> Ordering {
    if reverse { order.reverse() } else { order }
}
