// A test kernel for the random stream: for each request (seed, path, step) it writes the
// first PROBE_WORDS words of the stream and the Box–Muller normals of the first
// PROBE_WORDS/2 pairs, so the host can compare them with `src/rng/`.

struct ProbeRequest {
    seed: vec2<u32>,
    path: vec2<u32>,
    step: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> requests: array<ProbeRequest>;
@group(0) @binding(1) var<storage, read_write> words_out: array<u32>;
@group(0) @binding(2) var<storage, read_write> normals_out: array<f32>;

@compute @workgroup_size(64)
fn probe_stream(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if i >= arrayLength(&requests) {
        return;
    }
    let request = requests[i];
    var words = step_stream(request.seed, request.path, request.step);
    for (var w = 0u; w < PROBE_WORDS; w++) {
        words_out[i * PROBE_WORDS + w] = next_word(&words);
    }
    var uniforms = step_stream(request.seed, request.path, request.step);
    for (var pair = 0u; pair < PROBE_WORDS / 2u; pair++) {
        let z = next_normal_pair(&uniforms);
        normals_out[i * PROBE_WORDS + 2u * pair] = z.x;
        normals_out[i * PROBE_WORDS + 2u * pair + 1u] = z.y;
    }
}
