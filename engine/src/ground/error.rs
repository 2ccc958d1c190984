//! The one table of exit codes, and the marker that turns an error into "bad input".
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | runtime failure (I/O, a bug, anything not the input's fault) |
//! | 2 | bad input or usage: missing file, missing column, unreadable encoding, bad config |
//! | 3 | the run looks wrong (a guard tripped: most rows rejected, no child enrolled …); nothing written |

use std::fmt;

/// Process exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitCode {
    Ok = 0,
    Failure = 1,
    BadInput = 2,
    Suspect = 3,
}

/// An error caused by the inputs or the invocation, not by sanku: exit code 2.
/// Its message names the file, and the line and field where there is one, and never
/// holds a full ID number or name.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Builds a bad-input error.
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(message.into()))
}

/// A run that finished but is almost surely wrong (a guard tripped): exit code 3.
#[derive(Debug)]
pub struct Suspect(pub String);

impl fmt::Display for Suspect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Suspect {}

/// Builds the error of a run a guard stopped.
pub fn suspect(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Suspect(message.into()))
}

/// The exit code an error maps to.
pub fn exit_code_of(err: &anyhow::Error) -> ExitCode {
    if err.chain().any(|e| e.is::<BadInput>()) {
        ExitCode::BadInput
    } else if err.chain().any(|e| e.is::<Suspect>()) {
        ExitCode::Suspect
    } else if err
        .chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    {
        ExitCode::Ok
    } else {
        ExitCode::Failure
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn bad_input_survives_context() {
        let err = Err::<(), _>(bad_input("no population file"))
            .context("loading inputs")
            .unwrap_err();
        assert_eq!(exit_code_of(&err), ExitCode::BadInput);
        assert_eq!(
            exit_code_of(&anyhow::anyhow!("disk full")),
            ExitCode::Failure
        );
    }
}
