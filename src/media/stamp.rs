//! The capture-time stamp drawn into test pictures, and read back after decoding.
//!
//! The sender paints a row of 32 black and white blocks across the top of each frame:
//! a 1 guard bit, 24 bits of capture time (Unix milliseconds modulo 2^24, about 4.6 hours),
//! 6 bits of sender tag, and a 0 guard bit. The receiver samples the centre of each block in
//! the decoded RGBA picture. VP8 at low bitrates blurs edges but keeps the middle of a
//! 10-pixel block far from the 128 threshold, so the code survives 180p. A picture with no
//! stamp (a real camera, a browser's fake camera) fails the guard bits and reads as `None`.

const BLOCKS: u32 = 32;
const TIME_BITS: u32 = 24;
const TAG_BITS: u32 = 6;
const TIME_MASK: u32 = (1 << TIME_BITS) - 1;
/// Luma for "white" and "black" (video range), far apart so blur cannot flip a bit.
const LUMA_ONE: u8 = 235;
const LUMA_ZERO: u8 = 16;

/// When and by whom a picture was captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Unix milliseconds at capture, modulo 2^24.
    pub capture_ms: u32,
    /// Which sender drew it (0..=63); rooms use it to tell streams apart in tests and benches.
    pub tag: u8,
}

impl Stamp {
    pub fn new(unix_ms: u64, tag: u8) -> Stamp {
        Stamp {
            capture_ms: (unix_ms as u32) & TIME_MASK,
            tag: tag & ((1 << TAG_BITS) - 1),
        }
    }

    /// Milliseconds between capture and `now_unix_ms`, correct across the 2^24 wrap.
    pub fn age_ms(&self, now_unix_ms: u64) -> u32 {
        ((now_unix_ms as u32) & TIME_MASK).wrapping_sub(self.capture_ms) & TIME_MASK
    }

    fn bits(&self) -> [bool; BLOCKS as usize] {
        let mut bits = [false; BLOCKS as usize];
        bits[0] = true;
        for i in 0..TIME_BITS {
            bits[1 + i as usize] = (self.capture_ms >> (TIME_BITS - 1 - i)) & 1 == 1;
        }
        for i in 0..TAG_BITS {
            bits[(1 + TIME_BITS + i) as usize] = (self.tag >> (TAG_BITS - 1 - i)) & 1 == 1;
        }
        bits[(BLOCKS - 1) as usize] = false;
        bits
    }
}

/// Block size in pixels for a picture this wide (square blocks, at least 4 px).
fn block_px(width: u32) -> u32 {
    (width / BLOCKS).max(4)
}

/// Paints `stamp` into an I420 picture's planes (top rows; chroma made neutral there).
pub fn write_i420(planes: [(&mut [u8], usize); 3], width: u32, height: u32, stamp: Stamp) {
    let block = block_px(width);
    if block * BLOCKS > width || block > height {
        return;
    }
    let bits = stamp.bits();
    let [(y, y_stride), (u, u_stride), (v, v_stride)] = planes;
    for row in 0..block as usize {
        let line = &mut y[row * y_stride..];
        for (i, bit) in bits.iter().enumerate() {
            let start = i * block as usize;
            let value = if *bit { LUMA_ONE } else { LUMA_ZERO };
            line[start..start + block as usize].fill(value);
        }
    }
    let chroma_rows = (block as usize).div_ceil(2);
    let chroma_cols = (block * BLOCKS) as usize / 2;
    for row in 0..chroma_rows {
        u[row * u_stride..row * u_stride + chroma_cols].fill(128);
        v[row * v_stride..row * v_stride + chroma_cols].fill(128);
    }
}

/// Reads a stamp from a tightly packed RGBA picture, or `None` when there is none.
pub fn read_rgba(rgba: &[u8], width: u32, height: u32) -> Option<Stamp> {
    let block = block_px(width);
    if block * BLOCKS > width || block > height || rgba.len() < (width * height * 4) as usize {
        return None;
    }
    let row = (block / 2) as usize;
    let mut bits = [false; BLOCKS as usize];
    for (i, bit) in bits.iter_mut().enumerate() {
        let x = i * block as usize + block as usize / 2;
        let px = (row * width as usize + x) * 4;
        let luma = (u32::from(rgba[px]) + u32::from(rgba[px + 1]) + u32::from(rgba[px + 2])) / 3;
        *bit = luma >= 128;
    }
    if !bits[0] || bits[(BLOCKS - 1) as usize] {
        return None;
    }
    let mut capture_ms = 0u32;
    for i in 0..TIME_BITS {
        capture_ms = (capture_ms << 1) | u32::from(bits[1 + i as usize]);
    }
    let mut tag = 0u8;
    for i in 0..TAG_BITS {
        tag = (tag << 1) | u8::from(bits[(1 + TIME_BITS + i) as usize]);
    }
    Some(Stamp { capture_ms, tag })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paints into I420, converts to RGBA the simple way (Y only, grey), reads back.
    fn round_trip(width: u32, height: u32, stamp: Stamp) -> Option<Stamp> {
        let (w, h) = (width as usize, height as usize);
        let mut y = vec![90u8; w * h];
        let mut u = vec![200u8; w.div_ceil(2) * h.div_ceil(2)];
        let mut v = vec![60u8; w.div_ceil(2) * h.div_ceil(2)];
        write_i420(
            [
                (&mut y, w),
                (&mut u, w.div_ceil(2)),
                (&mut v, w.div_ceil(2)),
            ],
            width,
            height,
            stamp,
        );
        let rgba: Vec<u8> = y.iter().flat_map(|&l| [l, l, l, 255]).collect();
        read_rgba(&rgba, width, height)
    }

    #[test]
    fn a_stamp_reads_back_at_every_layer_size() {
        for (w, h) in [(1280, 720), (640, 360), (320, 180), (160, 90)] {
            let stamp = Stamp::new(1_700_000_123_456, 37);
            assert_eq!(round_trip(w, h, stamp), Some(stamp), "{w}x{h}");
        }
    }

    #[test]
    fn a_picture_without_a_stamp_reads_as_none() {
        let rgba = vec![128u8; 640 * 360 * 4];
        assert_eq!(read_rgba(&rgba, 640, 360), None);
        let black = vec![0u8; 640 * 360 * 4];
        assert_eq!(read_rgba(&black, 640, 360), None);
    }

    #[test]
    fn age_is_right_across_the_wrap() {
        let stamp = Stamp::new((1 << 24) - 10, 1);
        assert_eq!(stamp.age_ms(1 << 24), 10);
        assert_eq!(stamp.age_ms((1 << 24) + 95), 105);
    }
}
