//! Which engine computed a run's paths: carried with its summary into reports and shards.

/// Which engine ran, for the summary (`backend` in the JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendInfo {
    /// "cpu" or "gpu".
    pub kind: String,
    /// The adapter's name, or the CPU's description.
    pub adapter: String,
    /// How `auto` chose it, when it did.
    pub selection: Option<String>,
}
