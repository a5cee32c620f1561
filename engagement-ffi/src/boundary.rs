//! The one wrapper every entry point goes through: it catches panics, turns
//! errors into a status, and keeps the thread's last error message.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use engagement_core::EngError;

use crate::status::eng_status;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A failed call: its status and message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: eng_status,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(status: eng_status, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
        }
    }
}

impl From<EngError> for Failure {
    fn from(e: EngError) -> Self {
        Failure {
            status: eng_status::from(&e),
            message: e.to_string(),
        }
    }
}

pub(crate) type Outcome = Result<(), Failure>;

pub(crate) fn set_last_error(message: &str) {
    LAST_ERROR.with(|m| {
        let mut m = m.borrow_mut();
        m.clear();
        m.push_str(message);
    });
}

pub(crate) fn with_last_error<R>(f: impl FnOnce(&str) -> R) -> R {
    LAST_ERROR.with(|m| f(&m.borrow()))
}

/// Runs `body`, returning `ENG_STATUS_OK` or the failure's status; a panic
/// becomes `ENG_STATUS_PANIC`. On failure the thread's last error is set.
pub(crate) fn boundary(body: impl FnOnce() -> Outcome) -> eng_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => eng_status::Ok,
        Ok(Err(failure)) => {
            set_last_error(&failure.message);
            failure.status
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            set_last_error(&format!("internal error (panic): {what}"));
            eng_status::Panic
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No entry point panics on purpose, so the panic path is tested here.
    #[test]
    fn a_panic_becomes_the_panic_status_and_the_last_message() {
        assert_eq!(boundary(|| panic!("boom")), eng_status::Panic);
        with_last_error(|m| assert_eq!(m, "internal error (panic): boom"));
        let what = String::from("formatted");
        assert_eq!(boundary(|| panic!("{what}")), eng_status::Panic);
        with_last_error(|m| assert_eq!(m, "internal error (panic): formatted"));
        assert_eq!(boundary(|| Ok(())), eng_status::Ok);
        with_last_error(|m| assert_eq!(m, "internal error (panic): formatted"));
    }
}
