//! Backups and restore drills: which databases are shown and what they are judged against
//! (`definition`), and the figures of each row judged from the cluster's Jobs and CronJobs and
//! Prometheus' gauges (`figures`).

// The policy each database is judged by is domain data, read by config: it lives in the domain.
pub use crate::model::backup_definition as definition;

pub use definition::{BackupDefinition, BackupQueries, Figure};
pub mod figures;
mod judge;
// What Prometheus said of a database's backups: read by the sources, judged here.
pub use crate::model::backup_reading as reading;
pub mod row;
pub mod runs;
