#version 300 es
// Camera frame → RGB, reading the raw planes with texelFetch so that the result matches
// glasscam's CPU conversion (src/convert.rs) sample for sample.
precision highp float;
precision highp int;

uniform highp sampler2D plane0;
uniform highp sampler2D plane1;
uniform highp sampler2D plane2;
// 0: packed 4:2:2 (plane0 holds two pixels per RGBA texel), 1: semi-planar (plane1 holds
// CbCr pairs in .rg), 2: planar (Cb in plane1, Cr in plane2), 3: RGB (plane0 .rgb).
uniform int layout_kind;
// Packed 4:2:2: which texel channels hold Y0, Cb, Y1, Cr.
uniform ivec4 packed_order;
// Semi-planar and planar: chroma subsampling; swap Cb and Cr when set.
uniform ivec2 subsampling;
uniform bool swap_chroma;
// YCbCr → RGB, in units of 1/255: y scale, y offset, Cr→R, Cb→G, Cr→G, Cb→B.
uniform float coefficients[6];
// The picture's rectangle in the target (x, y, width, height).
uniform ivec4 destination;
// The part of the frame shown (x, y, width, height in frame pixels), mirrored left to right
// first when asked, then turned counter-clockwise by quarter turns (--transform, --crop).
uniform ivec4 source;
uniform int quarter_turns;
uniform bool mirrored;

out vec4 colour;

vec3 ycbcr_to_rgb(float y, float cb, float cr) {
    float l = (y * 255.0 - coefficients[1]) * coefficients[0];
    cb = cb * 255.0 - 128.0;
    cr = cr * 255.0 - 128.0;
    vec3 rgb = vec3(l + coefficients[2] * cr,
                    l - coefficients[3] * cb - coefficients[4] * cr,
                    l + coefficients[5] * cb);
    return clamp(floor(rgb + 0.5), 0.0, 255.0) / 255.0;
}

void main() {
    ivec2 out_pixel = ivec2(gl_FragCoord.xy) - destination.xy;
    if (any(lessThan(out_pixel, ivec2(0))) || any(greaterThanEqual(out_pixel, destination.zw))) {
        colour = vec4(0.0, 0.0, 0.0, 1.0);
        return;
    }
    // Nearest sample of the shown picture for this target pixel (aspect kept by the
    // caller), then turned back and unmirrored into the frame.
    ivec2 shown = (quarter_turns % 2 == 1) ? source.wz : source.zw;
    ivec2 q = out_pixel * shown / destination.zw;
    ivec2 s = q;
    if (quarter_turns == 1) s = ivec2(source.z - 1 - q.y, q.x);
    else if (quarter_turns == 2) s = ivec2(source.z - 1 - q.x, source.w - 1 - q.y);
    else if (quarter_turns == 3) s = ivec2(q.y, source.w - 1 - q.x);
    if (mirrored) s.x = source.z - 1 - s.x;
    ivec2 p = source.xy + s;
    if (layout_kind == 0) {
        vec4 t = texelFetch(plane0, ivec2(p.x / 2, p.y), 0);
        float y = (p.x % 2 == 0) ? t[packed_order.x] : t[packed_order.z];
        colour = vec4(ycbcr_to_rgb(y, t[packed_order.y], t[packed_order.w]), 1.0);
    } else if (layout_kind == 1) {
        vec2 c = texelFetch(plane1, p / subsampling, 0).rg;
        if (swap_chroma) c = c.yx;
        colour = vec4(ycbcr_to_rgb(texelFetch(plane0, p, 0).r, c.x, c.y), 1.0);
    } else if (layout_kind == 2) {
        ivec2 q = p / subsampling;
        vec2 c = vec2(texelFetch(plane1, q, 0).r, texelFetch(plane2, q, 0).r);
        if (swap_chroma) c = c.yx;
        colour = vec4(ycbcr_to_rgb(texelFetch(plane0, p, 0).r, c.x, c.y), 1.0);
    } else {
        colour = vec4(texelFetch(plane0, p, 0).rgb, 1.0);
    }
}
