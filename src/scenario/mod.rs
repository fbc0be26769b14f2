//! Scenario files: the TOML schema, validation that names the field, built-in scenarios, and compilation into a [`crate::model::Model`].
