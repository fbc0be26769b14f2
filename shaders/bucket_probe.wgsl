// A test kernel for the sketch's f32 bucket index: for each finite non-zero f32 (its bits)
// it writes `bucket_slot`, for comparison with `QuantileSketch::bucket_index` on the host.

@group(0) @binding(0) var<storage, read> probe_bits: array<u32>;
@group(0) @binding(1) var<storage, read_write> probe_slots: array<u32>;

@compute @workgroup_size(64)
fn probe_buckets(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if i >= arrayLength(&probe_bits) {
        return;
    }
    probe_slots[i] = bucket_slot(probe_bits[i] & 0x7fffffffu);
}
