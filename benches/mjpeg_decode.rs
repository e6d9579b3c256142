//! Which JPEG decoder glasscam uses: decode time per 1280x720 frame, for each candidate.
//! Run with `cargo bench --bench mjpeg_decode`; it prints milliseconds per frame.

use std::time::Instant;

const FRAME: &[u8] = include_bytes!("../assets/bars-1280x720.jpg");
const ROUNDS: u32 = 50;

fn time(name: &str, mut decode: impl FnMut() -> usize) {
    let bytes = decode(); // warm up, and check it decodes at all
    let start = Instant::now();
    for _ in 0..ROUNDS {
        std::hint::black_box(decode());
    }
    let per_frame = start.elapsed().as_secs_f64() * 1000.0 / f64::from(ROUNDS);
    println!("{name:<14} {per_frame:7.2} ms per 1280x720 frame ({bytes} bytes out)");
}

fn main() {
    time("zune-jpeg", || {
        use zune_jpeg::zune_core::{colorspace::ColorSpace, options::DecoderOptions};
        let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::BGRA);
        let mut decoder = zune_jpeg::JpegDecoder::new_with_options(FRAME, options);
        decoder
            .decode()
            .expect("zune-jpeg decodes the sample")
            .len()
    });
    time("jpeg-decoder", || {
        let mut decoder = jpeg_decoder::Decoder::new(FRAME);
        decoder
            .decode()
            .expect("jpeg-decoder decodes the sample")
            .len()
    });
}
