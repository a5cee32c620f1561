//! Python face of the engagement engine: the native module `engagement._engagement`.
//!
//! At this stage it exposes the version; the Pythonic API over the core is
//! its own piece of work.

use pyo3::prelude::*;

/// The native module.
#[pymodule]
mod _engagement {
    use super::*;

    /// The library version.
    #[allow(non_upper_case_globals)]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// Returns the library version, e.g. ``"0.1.0"``.
    #[pyfunction]
    fn version() -> &'static str {
        env!("CARGO_PKG_VERSION")
    }
}
