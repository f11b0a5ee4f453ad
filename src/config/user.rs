//! Who runs the console on this machine: the default author of notes and silences, and the
//! local user of every audit line.

/// The local user name: `$USER` as the shell knows it, else the account's name (an SSH session
/// or a service may run without `$USER`).
pub fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(whoami::username)
}
