//! The one path every write takes: **plan** (the dialog shows exactly what will be sent, and
//! where) -> **confirm** (`y`/`enter`; `n`/`esc` cancels, nothing sent) -> **execute** (an
//! `Effect::Write`, carried out and audited by `source::write`) -> **outcome** shown in the same
//! dialog. Later actions (rollouts, validation runs, restore drills) add a `WriteAction` and,
//! where they need them, checks that run between plan and confirm (RBAC, server-side dry run) —
//! steps in this sequence, not another path.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use crate::alerting::matcher;
use crate::alerting::model::PostableSilence;

/// A change the console can make.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteAction {
    CreateSilence(PostableSilence),
    ExpireSilence {
        id: String,
        /// What the silence was, for the plan and the audit log.
        matchers: String,
        comment: String,
    },
}

/// One write, planned: what, to which server, under which id (shared by its audit lines).
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub write: String,
    /// The Alertmanager's name and address.
    pub origin: String,
    pub address: String,
    pub action: WriteAction,
}

impl WritePlan {
    /// The action's name in the audit log.
    pub fn verb(&self) -> &'static str {
        match self.action {
            WriteAction::CreateSilence(_) => "create-silence",
            WriteAction::ExpireSilence { .. } => "expire-silence",
        }
    }

    /// `alertmanager NAME`: the audit log's target.
    pub fn target(&self) -> String {
        format!("alertmanager {}", self.origin)
    }

    /// The request line, as sent.
    pub fn request(&self) -> String {
        match &self.action {
            WriteAction::CreateSilence(_) => "POST /api/v2/silences".into(),
            WriteAction::ExpireSilence { id, .. } => format!("DELETE /api/v2/silence/{id}"),
        }
    }

    /// The parameters, as the audit log records them.
    pub fn parameters(&self) -> serde_json::Value {
        match &self.action {
            WriteAction::CreateSilence(s) => serde_json::to_value(s).unwrap_or(json!({})),
            WriteAction::ExpireSilence {
                id,
                matchers,
                comment,
            } => json!({ "id": id, "matchers": matchers, "comment": comment }),
        }
    }

    /// Label and value, one per line: everything that will be sent and where.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![
            ("server", format!("{} ({})", self.origin, self.address)),
            ("request", self.request()),
        ];
        match &self.action {
            WriteAction::CreateSilence(s) => {
                let matchers = s
                    .matchers
                    .iter()
                    .filter_map(|m| matcher::Matcher::from_api(m).ok())
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                lines.extend([
                    ("matchers", matchers),
                    (
                        "start",
                        s.starts_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                    ),
                    (
                        "end",
                        format!(
                            "{} ({})",
                            s.ends_at.format("%Y-%m-%d %H:%M:%S UTC"),
                            crate::model::age::human_duration(
                                (s.ends_at - s.starts_at).num_seconds().max(0) as u64
                            )
                        ),
                    ),
                    ("author", s.created_by.clone()),
                    ("comment", s.comment.clone()),
                ]);
            }
            WriteAction::ExpireSilence {
                matchers, comment, ..
            } => {
                lines.extend([("matchers", matchers.clone()), ("comment", comment.clone())]);
            }
        }
        lines
    }
}

/// The silence form's fields, in tab order.
pub const SILENCE_FIELDS: [&str; 4] = ["matchers", "duration", "comment", "author"];

/// `s` on an alert: a silence being written.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceForm {
    pub origin: String,
    pub address: String,
    /// As typed, in `SILENCE_FIELDS` order.
    pub fields: [String; 4],
    pub focus: usize,
    /// Why the form cannot be sent yet.
    pub error: Option<String>,
}

impl SilenceForm {
    /// Checks the form; the silence it describes, starting `now`.
    pub fn plan(&self, write: String, now: DateTime<Utc>) -> Result<WritePlan, String> {
        let [matchers, duration, comment, author] = &self.fields;
        let matchers = matcher::parse(matchers).map_err(|e| format!("matchers: {e}"))?;
        if matchers.is_empty() {
            return Err("matchers: give at least one, e.g. alertname=\"MS5DatabaseDown\"".into());
        }
        let length = promql_parser::util::parse_duration(duration.trim())
            .ok()
            .filter(|d| d.as_secs() >= 60)
            .ok_or_else(|| format!("duration {duration:?}: write at least 1m, e.g. 2h or 30m"))?;
        let length =
            Duration::from_std(length).map_err(|_| format!("duration {duration:?} is too long"))?;
        if comment.trim().is_empty() {
            return Err("comment is required: say why (a ticket, an incident)".into());
        }
        if author.trim().is_empty() {
            return Err("author is required".into());
        }
        Ok(WritePlan {
            write,
            origin: self.origin.clone(),
            address: self.address.clone(),
            action: WriteAction::CreateSilence(PostableSilence {
                id: None,
                matchers: matchers.iter().map(matcher::Matcher::to_api).collect(),
                starts_at: now,
                ends_at: now + length,
                created_by: author.trim().to_string(),
                comment: comment.trim().to_string(),
            }),
        })
    }

    /// A key typed into the form. `Submit` when enter was pressed, `Cancel` on esc.
    pub fn edit(&mut self, event: KeyEvent) -> FormKey {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let text = &mut self.fields[self.focus];
        match event.code {
            KeyCode::Esc => return FormKey::Cancel,
            KeyCode::Char('c') if ctrl => return FormKey::Cancel,
            KeyCode::Enter => return FormKey::Submit,
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % SILENCE_FIELDS.len(),
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + SILENCE_FIELDS.len() - 1) % SILENCE_FIELDS.len()
            }
            KeyCode::Char('u') if ctrl => text.clear(),
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c) if !ctrl => text.push(c),
            _ => {}
        }
        self.error = None;
        FormKey::Editing
    }
}

pub enum FormKey {
    Editing,
    Submit,
    Cancel,
}

/// The write dialog, one stage at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    SilenceForm(SilenceForm),
    /// The plan, waiting for `y`/`enter` or `n`/`esc`.
    Confirm(WritePlan),
    Sending {
        plan: WritePlan,
        since: DateTime<Utc>,
    },
    /// What the server answered: the new silence's id (or "expired"), or its error.
    Done {
        plan: WritePlan,
        result: Result<String, String>,
    },
}
