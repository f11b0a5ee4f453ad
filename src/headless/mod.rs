//! The headless commands (`report`, `validate`): wiring, as the console loop is. They connect,
//! read the config and the command line, run a service to its end and print it; the services
//! below them know nothing of command lines.

pub mod report;
pub mod validate;
