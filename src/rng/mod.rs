//! Random numbers of MODEL.md §2: Philox4x32-10 and the per-(path, step) stream.
