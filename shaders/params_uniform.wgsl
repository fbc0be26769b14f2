// The parameters in a uniform buffer, the faster binding wherever the words fit its size
// limit: a word read at an offset the same for every path is one load shared by them all.
// Uniform arrays have a 16-byte stride, so the words are packed four to an element.

struct Params {
    header: Header,
    words: array<vec4<u32>, PARAM_VEC4S>,
}

@group(0) @binding(0) var<uniform> params: Params;

fn param_u32(index: u32) -> u32 {
    return params.words[index / 4u][index % 4u];
}
