//! The one place state changes: key -> action -> state (+ effects), and data -> state. Each
//! job in its file: typing and the keymap (`keys`), what an action does (`navigate`), the `:`
//! line (`command`), data from the sources (`data`), where outcomes go (`outcome`).

mod command;
mod data;
mod keys;
mod navigate;
mod outcome;
mod yaml;

pub use command::run_command;
pub use data::apply;
pub use keys::{handle_key, handle_paste};
pub use navigate::update;
