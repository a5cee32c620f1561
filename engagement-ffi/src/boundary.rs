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

/// A call's body, to be run on the library's worker pool.
struct OnPool<F>(F);

// SAFETY: the body runs on a pool worker while the calling thread is blocked
// in `install` until it returns, so the caller's memory it points to (the raw
// pointers it captured) is used by one thread at a time, during the call, as
// the C contract allows. Thread-local state (the last error) is read and
// written only by `boundary` on the calling thread, never by a body.
unsafe impl<F> Send for OnPool<F> {}

impl<F: FnOnce() -> Outcome> OnPool<F> {
    fn run(self) -> Outcome {
        (self.0)()
    }
}

/// Runs `body` on the library's worker pool (`engagement_core::threads`, so
/// that the host can bound and stop its threads), returning `ENG_STATUS_OK`
/// or the failure's status; a panic becomes `ENG_STATUS_PANIC`. On failure
/// the calling thread's last error is set.
pub(crate) fn boundary(body: impl FnOnce() -> Outcome) -> eng_status {
    let body = OnPool(body);
    boundary_here(move || engagement_core::threads::install(move || body.run()))
}

/// As [`boundary`], with `body` on the calling thread: for the calls that
/// read the thread's own state (the last error) or manage the pool itself.
pub(crate) fn boundary_here(body: impl FnOnce() -> Outcome) -> eng_status {
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
