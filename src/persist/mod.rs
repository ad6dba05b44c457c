//! Saving and restoring the playground's state. `snapshot` is the pure, versioned format;
//! the browser's IndexedDB glue lives in the app.

pub mod snapshot;

pub use snapshot::{decode, export, import, ImportSummary, SnapshotError};
