// The parameters in a read-only storage buffer, for models whose words exceed the
// adapter's uniform-buffer limit (and for the reduction, which reads the header only).

struct Params {
    header: Header,
    words: array<u32>,
}

@group(0) @binding(0) var<storage, read> params: Params;

fn param_u32(index: u32) -> u32 {
    return params.words[index];
}
