//! `:audit`: every write the console made (its audit log), newest first; unreadable lines are
//! counted on the panel, not allowed to hide the rest.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::fit::Cut;
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::AUDIT_COLUMNS;
use crate::ops::audit::record::{LooseEnd, Phase};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Audit,
    title: "Audit",
    short_title: "Au",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Command,
        Action::NextView,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Never,
    Cut::Never,
    // At 80 columns the time, phase and action stay whole; the target and result give way.
    Cut::Middle(12),
    Cut::Middle(8),
    // The result (a silence's id, a revision) keeps enough to be told apart and searched.
    Cut::End(28),
    Cut::Never,
    Cut::End(12),
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let table = state.table(ViewId::Audit);
    let records = state.audit.records();
    let path = state
        .audit
        .path
        .as_ref()
        .map_or_else(|| "no audit log".to_string(), |p| p.display().to_string());
    let freshness = match &state.audit.read {
        None => (format!("{path}: reading"), "stale"),
        Some((at, Ok(_))) => (
            format!("{path}: read {} ago", human_age(*at, state.now)),
            "ok",
        ),
        Some((_, Err(_))) => (format!("{path}: unreadable"), "critical"),
    };
    let bottom = match &state.audit.read {
        Some((_, Err(e))) => Span::styled(format!(" error: {e} "), ui.style("critical")),
        Some((_, Ok(c))) if !c.problems.is_empty() => {
            let lines: Vec<String> = c.problems.iter().map(|(n, _)| n.to_string()).collect();
            Span::styled(
                format!(
                    " {} unreadable line(s) skipped: {} ",
                    c.problems.len(),
                    lines.join(",")
                ),
                ui.style("warning"),
            )
        }
        _ => Span::styled(position(records.len(), table, &[], ui), ui.style("muted")),
    };
    let block = panel("Audit log, newest first", freshness, ui, area.width).title_bottom(bottom);
    draw(
        frame,
        area,
        block,
        TableSpec {
            columns: AUDIT_COLUMNS,
            cuts: CUTS,
            hide_order: &[7, 4, 6],
            len: records.len(),
            table,
        },
        ui,
        |i| {
            let r = &records[i];
            let loose = match &state.audit.read {
                Some((_, Ok(contents))) => contents.loose_end(r),
                _ => None,
            };
            let read = crate::timeline::console::READ_ACTIONS.contains(&r.action.as_str())
                || r.action == crate::timeline::console::NOTE_ACTION;
            let (phase, role) = match (r.phase, loose) {
                // A validation run or a note changes nothing: a read, not a write.
                _ if read => ("read", "muted"),
                // The console stopped between request and answer: whether it happened is for
                // the cluster to say.
                (_, Some(LooseEnd::NoOutcome)) => ("no outcome", "critical"),
                (_, Some(LooseEnd::NotConcluded)) => ("unconcluded", "warning"),
                (phase, None) => match phase {
                    Phase::Pending => ("pending", "warning"),
                    Phase::Succeeded => ("succeeded", "ok"),
                    Phase::Failed => ("failed", "critical"),
                    Phase::Refused => ("refused", "warning"),
                    Phase::Concluded => ("concluded", "ok"),
                },
            };
            vec![
                Line::from(Span::styled(
                    r.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                    ui.style("muted"),
                )),
                Line::from(Span::styled(phase, ui.style(role))),
                Line::from(r.action.clone()),
                Line::from(r.target.clone()),
                Line::from(Span::styled(
                    crate::timeline::console::who(r),
                    ui.style("muted"),
                )),
                Line::from(r.result.clone().unwrap_or_default()),
                Line::from(
                    r.duration_ms
                        .map(|ms| format!("{ms}ms"))
                        .unwrap_or_default(),
                ),
                Line::from(Span::styled(r.parameters.to_string(), ui.style("muted"))),
            ]
        },
    );
}
