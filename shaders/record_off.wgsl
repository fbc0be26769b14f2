// Per-step recording when a run does not ask for it: nothing, at no cost (record.wgsl is
// the recording variant).

fn record_start() {}

fn record_step(local: u32, step: u32) {}

fn record_finish() {}
