//! A write's stages, as data the dialog draws: form -> checking -> confirm -> sending ->
//! following -> done, or refused. A later action gives a stage its content (RBAC answers, a
//! dry-run result, a typed confirmation, progress) without a new path.

use chrono::{DateTime, Utc};

use super::silence_form::SilenceForm;
use crate::ops::job::JobId;
use crate::ops::plan::WritePlan;

#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Form: what the person fills in before there is a plan.
    SilenceForm(SilenceForm),
    /// The count to scale a workload to.
    ScaleForm(ScaleForm),
    /// The revision to undo a workload to.
    UndoChooser(UndoChooser),
    /// The plan is being checked before it is shown for confirmation.
    Checking {
        plan: WritePlan,
        /// The job running the checks (esc cancels it).
        job: JobId,
        since: DateTime<Utc>,
        /// What each check found so far, in order.
        findings: Vec<String>,
    },
    /// The plan, waiting for `y`/`enter` or `n`/`esc`.
    Confirm(WritePlan),
    /// A checked Kubernetes change (the plan holds what the checks found); in a protected
    /// namespace `typed` holds the object's name as the person types it (only the exact name
    /// sends; `y` and `n` are letters there).
    ConfirmChecked {
        plan: WritePlan,
        typed: Option<super::field::TextField>,
    },
    Sending {
        plan: WritePlan,
        since: DateTime<Utc>,
    },
    /// Sent; a job follows what it started until it ends.
    Following {
        plan: WritePlan,
        job: JobId,
        progress: Vec<String>,
    },
    /// What the server answered: the new silence's id (or "expired"), or how it failed.
    Done {
        plan: WritePlan,
        result: Result<String, crate::ops::error::WriteFailure>,
    },
    /// Refused before anything was sent, and why.
    Refused { plan: WritePlan, reason: String },
    /// A validation run that includes `command` criteria (they can do anything): their argv
    /// shown, waiting for `y`/`enter` or `n`/`esc`. Not a write: nothing is audited until it
    /// runs.
    ConfirmRun {
        request: Box<crate::validation::results::RunRequest>,
        /// `ID  argv`, one per command criterion.
        commands: Vec<String>,
    },
}

/// `=` on a workload: the count asked for, the current one prefilled.
#[derive(Debug, Clone, PartialEq)]
pub struct ScaleForm {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub current: i32,
    pub field: super::field::TextField,
    /// Why the count typed cannot be used (the form stays open; nothing was attempted).
    pub error: Option<String>,
}

/// `u` on a workload: its revisions, read first (None while they are), the previous one
/// preselected.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoChooser {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub history: Option<crate::ops::revisions::History>,
    /// Index into `history.choices()`.
    pub selected: usize,
}

impl UndoChooser {
    pub fn chosen(&self) -> Option<&crate::ops::revisions::Revision> {
        self.history
            .as_ref()
            .and_then(|h| h.choices().get(self.selected).copied())
    }
}

impl Dialog {
    /// The stage's name, as the dialog's title shows it.
    pub fn stage(&self) -> &'static str {
        match self {
            Dialog::SilenceForm(_) | Dialog::ScaleForm(_) | Dialog::UndoChooser(_) => "form",
            Dialog::Checking { .. } => "checking",
            Dialog::Confirm(_) | Dialog::ConfirmChecked { .. } | Dialog::ConfirmRun { .. } => {
                "confirm"
            }
            Dialog::Sending { .. } => "sending",
            Dialog::Following { .. } => "following",
            Dialog::Done { .. } => "done",
            Dialog::Refused { .. } => "refused",
        }
    }

    /// Whether `esc` may close it: not while a request is on its way (it cannot be called
    /// back), everything else.
    pub fn can_close(&self) -> bool {
        !matches!(self, Dialog::Sending { .. })
    }

    pub fn plan(&self) -> Option<&WritePlan> {
        match self {
            Dialog::SilenceForm(_)
            | Dialog::ScaleForm(_)
            | Dialog::UndoChooser(_)
            | Dialog::ConfirmRun { .. } => None,
            Dialog::Checking { plan, .. }
            | Dialog::Confirm(plan)
            | Dialog::ConfirmChecked { plan, .. }
            | Dialog::Sending { plan, .. }
            | Dialog::Following { plan, .. }
            | Dialog::Done { plan, .. }
            | Dialog::Refused { plan, .. } => Some(plan),
        }
    }
}
