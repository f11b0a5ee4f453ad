//! The console: views, key handling, config files, the Overview agreeing with every other
//! view, and the real binary in a terminal.

mod alert_views;
mod app;
mod ascii;
mod backup_view;
mod config_files;
mod diagnosis;
mod e2e;
mod e2e_access;
mod e2e_backups;
mod e2e_incident;
mod e2e_suspects;
mod e2e_timeline;
mod fixture;
mod guard;
mod incident;
mod narrow;
mod overview_agrees;
mod restart;
mod slo_views;
mod stages;
mod timeline_view;
mod tmux;
mod undo;
mod validation_view;
mod views;
