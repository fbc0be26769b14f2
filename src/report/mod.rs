//! Output of a run for people and programs: terminal summary, JSON, CSV.
