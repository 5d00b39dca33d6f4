//! Pure helpers on RTP packets that the forwarder needs, tested without sockets.

/// Whether this VP8 RTP payload starts a keyframe (RFC 7741 payload descriptor, then
/// RFC 6386 §9.1: bit 0 of the first payload byte is 0 for a key frame).
pub fn vp8_keyframe_start(payload: &[u8]) -> bool {
    let Some(&first) = payload.first() else {
        return false;
    };
    let extended = first & 0x80 != 0;
    let start = first & 0x10 != 0;
    let partition = first & 0x07;
    if !start || partition != 0 {
        return false;
    }
    let mut at = 1;
    if extended {
        let Some(&ext) = payload.get(at) else {
            return false;
        };
        at += 1;
        if ext & 0x80 != 0 {
            // Picture id: 7 or 15 bits (M flag).
            let Some(&pid) = payload.get(at) else {
                return false;
            };
            at += if pid & 0x80 != 0 { 2 } else { 1 };
        }
        if ext & 0x40 != 0 {
            at += 1; // TL0PICIDX
        }
        if ext & 0x30 != 0 {
            at += 1; // TID / KEYIDX
        }
    }
    payload.get(at).is_some_and(|b| b & 0x01 == 0)
}

/// Keeps one outgoing stream continuous while its source changes underneath it.
///
/// A receiver's jitter buffer and decoder see one SSRC whose sequence numbers and
/// timestamps run on without jumps; after a switch to a new video source nothing is sent
/// until that source's next keyframe, so the decoder never gets a frame that refers to
/// pictures of another room.
#[derive(Debug, Clone)]
pub struct SlotRewriter {
    /// RTP clock ticks to leave between the old source's last packet and the new one's first.
    switch_gap_ticks: u32,
    video: bool,
    source: Option<u64>,
    waiting_for_keyframe: bool,
    seq_offset: u16,
    ts_offset: u32,
    last_out: Option<(u16, u32)>,
    /// Set when the current source's first packet is still to come.
    fresh: bool,
}

impl SlotRewriter {
    /// For a 90 kHz video stream (gap of one 30 fps frame) or a 48 kHz Opus stream (20 ms).
    pub fn new(video: bool) -> Self {
        SlotRewriter {
            switch_gap_ticks: if video { 3000 } else { 960 },
            video,
            source: None,
            waiting_for_keyframe: video,
            seq_offset: 0,
            ts_offset: 0,
            last_out: None,
            fresh: true,
        }
    }

    /// The stream's source changes (or `None`: nobody). Returns true when a keyframe must be
    /// asked of the new source.
    pub fn switch_to(&mut self, source: Option<u64>) -> bool {
        if self.source == source {
            return false;
        }
        self.source = source;
        self.fresh = true;
        self.waiting_for_keyframe = self.video;
        self.video && source.is_some()
    }

    pub fn source(&self) -> Option<u64> {
        self.source
    }

    /// Whether the stream is held back until the source's next keyframe.
    pub fn waiting_for_keyframe(&self) -> bool {
        self.waiting_for_keyframe
    }

    /// Maps a packet of `source` to the outgoing numbering, or `None` to drop it (another
    /// source, or a video packet before the first keyframe).
    pub fn rewrite(
        &mut self,
        source: u64,
        seq: u16,
        timestamp: u32,
        keyframe_start: bool,
    ) -> Option<(u16, u32)> {
        if self.source != Some(source) {
            return None;
        }
        if self.waiting_for_keyframe {
            if !keyframe_start {
                return None;
            }
            self.waiting_for_keyframe = false;
        }
        if self.fresh {
            self.fresh = false;
            match self.last_out {
                Some((last_seq, last_ts)) => {
                    self.seq_offset = last_seq.wrapping_add(1).wrapping_sub(seq);
                    self.ts_offset = last_ts
                        .wrapping_add(self.switch_gap_ticks)
                        .wrapping_sub(timestamp);
                }
                None => {
                    self.seq_offset = 0;
                    self.ts_offset = 0;
                }
            }
        }
        let out = (
            seq.wrapping_add(self.seq_offset),
            timestamp.wrapping_add(self.ts_offset),
        );
        // Only move forward: a late packet keeps its mapping but does not become "last".
        let newer = match self.last_out {
            Some((last_seq, _)) => (out.0.wrapping_sub(last_seq) as i16) > 0,
            None => true,
        };
        if newer {
            self.last_out = Some(out);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyframe_starts_are_recognised_with_and_without_extensions() {
        // S=1, PID=0, no X; payload header P=0 → keyframe.
        assert!(vp8_keyframe_start(&[0x10, 0x00, 0x9d]));
        // Same but P=1 → interframe.
        assert!(!vp8_keyframe_start(&[0x10, 0x01]));
        // Not a start of partition.
        assert!(!vp8_keyframe_start(&[0x00, 0x00]));
        // X=1, I=1 with 15-bit picture id (M=1): descriptor is 4 bytes.
        assert!(vp8_keyframe_start(&[0x90, 0x80, 0x80, 0x01, 0x00]));
        assert!(!vp8_keyframe_start(&[0x90, 0x80, 0x80, 0x01, 0x01]));
        // X=1, I=1 7-bit, L=1, T=1.
        assert!(vp8_keyframe_start(&[0x90, 0xE0, 0x05, 0x07, 0x20, 0x00]));
        assert!(!vp8_keyframe_start(&[]));
        assert!(!vp8_keyframe_start(&[0x90]));
    }

    #[test]
    fn a_switch_waits_for_a_keyframe_and_keeps_numbering_continuous() {
        let mut slot = SlotRewriter::new(true);
        assert!(slot.switch_to(Some(1)));
        assert_eq!(slot.rewrite(1, 100, 9000, false), None, "no keyframe yet");
        assert_eq!(slot.rewrite(1, 101, 12000, true), Some((101, 12000)));
        assert_eq!(slot.rewrite(1, 102, 12000, false), Some((102, 12000)));
        assert_eq!(slot.rewrite(2, 5000, 777, true), None, "not the source");
        assert!(slot.switch_to(Some(2)));
        assert_eq!(
            slot.rewrite(1, 103, 15000, false),
            None,
            "old source dropped"
        );
        assert_eq!(
            slot.rewrite(2, 5001, 1000, false),
            None,
            "waits for keyframe"
        );
        assert_eq!(slot.rewrite(2, 5002, 4000, true), Some((103, 15000)));
        assert_eq!(slot.rewrite(2, 5003, 7000, false), Some((104, 18000)));
        assert!(!slot.switch_to(Some(2)), "same source: nothing to ask");
    }

    #[test]
    fn audio_switches_at_once_and_wraps() {
        let mut slot = SlotRewriter::new(false);
        assert!(!slot.switch_to(Some(7)), "audio needs no keyframe");
        assert_eq!(
            slot.rewrite(7, u16::MAX, u32::MAX, false),
            Some((u16::MAX, u32::MAX))
        );
        slot.switch_to(Some(8));
        assert_eq!(slot.rewrite(8, 10, 0, false), Some((0, 959)));
    }
}
