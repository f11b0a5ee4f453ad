//! `s` on an alert: the silence form, and the plan it becomes once it checks out.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent};

use super::field::{FieldKey, TextField};
use crate::alerting::matcher;
use crate::alerting::model::PostableSilence;
use crate::ops::plan::{Target, WriteAction, WritePlan};

/// The silence form's fields, in tab order.
pub const SILENCE_FIELDS: [&str; 4] = ["matchers", "duration", "comment", "author"];

#[derive(Debug, Clone, PartialEq)]
pub struct SilenceForm {
    pub origin: String,
    pub address: String,
    /// As typed, in `SILENCE_FIELDS` order.
    pub fields: [TextField; 4],
    pub focus: usize,
    /// Why the form cannot be sent yet.
    pub error: Option<String>,
}

/// What a key did to the form.
pub enum FormKey {
    Editing,
    Submit,
    Cancel,
}

impl SilenceForm {
    /// Checks the form; the silence it describes, starting `now`.
    pub fn plan(&self, write: String, now: DateTime<Utc>) -> Result<WritePlan, String> {
        let [matchers, duration, comment, author] = &self.fields;
        let matchers = matcher::parse(matchers).map_err(|e| format!("matchers: {e}"))?;
        if matchers.is_empty() {
            return Err("matchers: give at least one, e.g. alertname=\"MS5DatabaseDown\"".into());
        }
        let duration = duration.text();
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
            target: Target::Alertmanager {
                name: self.origin.clone(),
                address: self.address.clone(),
            },
            action: WriteAction::CreateSilence(PostableSilence {
                id: None,
                matchers: matchers.iter().map(matcher::Matcher::to_api).collect(),
                starts_at: now,
                ends_at: now + length,
                created_by: author.trim().to_string(),
                comment: comment.trim().to_string(),
            }),
            checks: Vec::new(),
        })
    }

    /// A key typed into the form: into the focused field, or between fields.
    pub fn edit(&mut self, event: KeyEvent) -> FormKey {
        match self.fields[self.focus].edit(event) {
            FieldKey::Cancel => return FormKey::Cancel,
            FieldKey::Submit => return FormKey::Submit,
            FieldKey::Edited => {}
            FieldKey::Other => {
                let n = SILENCE_FIELDS.len();
                self.focus = match event.code {
                    KeyCode::BackTab | KeyCode::Up => (self.focus + n - 1) % n,
                    _ => (self.focus + 1) % n,
                };
            }
        }
        self.error = None;
        FormKey::Editing
    }

    /// Pasted text, into the focused field.
    pub fn paste(&mut self, text: &str) {
        self.fields[self.focus].paste(text);
        self.error = None;
    }
}
