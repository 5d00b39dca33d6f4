//! A phone's voice recording, checked and repackaged as the kiosk's kind of file (Opus in
//! Ogg) without decoding it: pure Rust, no GStreamer.
//!
//! Browsers record Opus in different containers: Chromium's `MediaRecorder` offers only
//! WebM (`audio/webm;codecs=opus`), Firefox records Ogg. The hub keeps every voice as Ogg
//! Opus (what the kiosk records, what the dashboard's player is served as), so both are
//! read down to their Opus packets and written out again as a fresh Ogg stream: the
//! packets are not touched (no transcoding), and a file built by us holds nothing the
//! browser added (tags, other tracks, chained streams). The length comes from the packets
//! themselves (each Opus packet's TOC byte says how many samples it holds, RFC 6716 §3.1),
//! so a recording over the 3-minute cap is refused whatever its container claims.
//!
//! Containers: WebM/Matroska as Chromium writes it (one Opus track, SimpleBlocks, segment
//! and clusters of unknown size); Ogg per RFC 3533 and RFC 7845 (one logical stream,
//! OpusHead, OpusTags, audio, checksums checked).

/// Why a recording was refused; said to the resident (via a Fluent key) and to logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoiceFileError {
    #[error("the recording is neither WebM nor Ogg")]
    UnknownContainer,
    #[error("the recording is damaged: {0}")]
    Damaged(&'static str),
    #[error("the recording is not Opus audio (codec {0:?})")]
    NotOpus(String),
    #[error("the recording holds no sound")]
    Empty,
    #[error("the recording lasts {seconds} s; at most {max_seconds} s are accepted")]
    TooLong { seconds: u64, max_seconds: u64 },
}

/// A recording as the hub keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OggOpus {
    /// The Ogg Opus file.
    pub bytes: Vec<u8>,
    /// Its length in milliseconds (pre-skip removed).
    pub duration_ms: u64,
}

/// Opus always counts at 48 kHz in Ogg granule positions and packet lengths.
const SAMPLES_PER_MS: u64 = 48;

/// Reads a WebM or Ogg Opus recording and writes it out as Ogg Opus; refuses one longer
/// than `max_ms`.
pub fn to_ogg_opus(input: &[u8], max_ms: u64) -> Result<OggOpus, VoiceFileError> {
    let stream = if input.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        read_webm(input)?
    } else if input.starts_with(b"OggS") {
        read_ogg(input)?
    } else {
        return Err(VoiceFileError::UnknownContainer);
    };
    let mut samples = 0u64;
    for packet in &stream.packets {
        samples += packet_samples(packet)?;
    }
    let pre_skip = u64::from(stream.pre_skip());
    let duration_ms = samples.saturating_sub(pre_skip) / SAMPLES_PER_MS;
    if duration_ms == 0 {
        return Err(VoiceFileError::Empty);
    }
    if duration_ms > max_ms {
        return Err(VoiceFileError::TooLong {
            seconds: duration_ms / 1000,
            max_seconds: max_ms / 1000,
        });
    }
    Ok(OggOpus {
        bytes: write_ogg(&stream),
        duration_ms,
    })
}

/// Opus packets and the stream header they need.
#[derive(Debug)]
struct OpusStream {
    /// The OpusHead packet (RFC 7845 §5.1).
    head: Vec<u8>,
    packets: Vec<Vec<u8>>,
}

impl OpusStream {
    fn pre_skip(&self) -> u16 {
        u16::from_le_bytes([self.head[10], self.head[11]])
    }
}

/// Checks an OpusHead: magic, version 1, a channel count, room for the mapping table.
fn check_head(head: &[u8]) -> Result<(), VoiceFileError> {
    if head.len() < 19 || !head.starts_with(b"OpusHead") {
        return Err(VoiceFileError::Damaged("no OpusHead"));
    }
    if head[8] & 0xF0 != 0 || head[9] == 0 {
        return Err(VoiceFileError::Damaged(
            "an OpusHead this reader does not know",
        ));
    }
    if head[18] != 0 && head.len() < 21 + usize::from(head[9]) {
        return Err(VoiceFileError::Damaged("a short OpusHead channel table"));
    }
    Ok(())
}

/// Samples (at 48 kHz) one Opus packet holds: its TOC byte's frame size times its frame
/// count (RFC 6716 §3.1, §3.2.5).
fn packet_samples(packet: &[u8]) -> Result<u64, VoiceFileError> {
    let toc = *packet
        .first()
        .ok_or(VoiceFileError::Damaged("an empty Opus packet"))?;
    let config = toc >> 3;
    // Frame length in units of 2.5 ms (120 samples).
    let quarter_units: u64 = match config {
        0..=11 => [4, 8, 16, 24][usize::from(config % 4)],
        12..=15 => [4, 8][usize::from(config % 2)],
        _ => [1, 2, 4, 8][usize::from(config % 4)],
    };
    let frames: u64 = match toc & 0x03 {
        0 => 1,
        1 | 2 => 2,
        _ => u64::from(
            packet.get(1).ok_or(VoiceFileError::Damaged(
                "an Opus packet without its frame count",
            ))? & 0x3F,
        ),
    };
    let samples = quarter_units * 120 * frames;
    // A packet holds at most 120 ms (RFC 6716 §3.2.5).
    if samples > 120 * SAMPLES_PER_MS {
        return Err(VoiceFileError::Damaged("an Opus packet longer than 120 ms"));
    }
    Ok(samples)
}

// ----- WebM -----

/// A byte reader over a slice that never panics.
struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Result<u8, VoiceFileError> {
        let b = *self.data.get(self.pos).ok_or(VoiceFileError::Damaged(
            "it ends in the middle of an element",
        ))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], VoiceFileError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.data.len())
            .ok_or(VoiceFileError::Damaged("an element runs past the end"))?;
        let slice = &self.data[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// An EBML element id, marker bits kept (`0x1A45DFA3`).
    fn element_id(&mut self) -> Result<u32, VoiceFileError> {
        let first = self.byte()?;
        let len = first.leading_zeros() as usize + 1;
        if len > 4 {
            return Err(VoiceFileError::Damaged("a bad element id"));
        }
        let mut id = u32::from(first);
        for _ in 1..len {
            id = (id << 8) | u32::from(self.byte()?);
        }
        Ok(id)
    }

    /// An EBML variable-length size, marker removed; `None` for "unknown size".
    fn size(&mut self) -> Result<Option<u64>, VoiceFileError> {
        let first = self.byte()?;
        let len = first.leading_zeros() as usize + 1;
        if len > 8 {
            return Err(VoiceFileError::Damaged("a bad element size"));
        }
        let mask = if len == 8 { 0 } else { 0xFFu8 >> len };
        let mut value = u64::from(first & mask);
        let mut all_ones = first & mask == mask;
        for _ in 1..len {
            let b = self.byte()?;
            all_ones &= b == 0xFF;
            value = (value << 8) | u64::from(b);
        }
        Ok(if all_ones { None } else { Some(value) })
    }
}

const EBML_HEADER: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const CLUSTER: u32 = 0x1F43_B675;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const SIMPLE_BLOCK: u32 = 0xA3;
const DOC_TYPE: u32 = 0x4282;

/// Reads a WebM file element by element. The masters that hold what is needed (segment,
/// cluster, tracks, track entry, block group) are entered rather than skipped, which is
/// also how their "unknown size" (a live recorder does not know it) is read; every other
/// element must say its size and is skipped.
fn read_webm(input: &[u8]) -> Result<OpusStream, VoiceFileError> {
    let mut c = Cursor {
        data: input,
        pos: 0,
    };
    let mut head = None;
    let mut codec = None;
    let mut tracks = 0usize;
    let mut track_number = None;
    let mut packets = Vec::new();
    let mut doc_type_ok = false;
    // The EBML header: its DocType must be webm or matroska.
    if c.element_id()? != EBML_HEADER {
        return Err(VoiceFileError::UnknownContainer);
    }
    let header_len = c
        .size()?
        .ok_or(VoiceFileError::Damaged("an EBML header of unknown size"))?;
    let header = c.take(usize::try_from(header_len).unwrap_or(usize::MAX))?;
    let mut h = Cursor {
        data: header,
        pos: 0,
    };
    while !h.at_end() {
        let id = h.element_id()?;
        let len = h
            .size()?
            .ok_or(VoiceFileError::Damaged("a header field of unknown size"))?;
        let value = h.take(usize::try_from(len).unwrap_or(usize::MAX))?;
        if id == DOC_TYPE {
            doc_type_ok = value == b"webm" || value == b"matroska";
        }
    }
    if !doc_type_ok {
        return Err(VoiceFileError::UnknownContainer);
    }
    while !c.at_end() {
        let id = c.element_id()?;
        let size = c.size()?;
        match id {
            SEGMENT | CLUSTER | TRACKS | BLOCK_GROUP => continue,
            TRACK_ENTRY => {
                tracks += 1;
                continue;
            }
            _ => {}
        }
        let len = size.ok_or(VoiceFileError::Damaged("an element of unknown size"))?;
        let value = c.take(usize::try_from(len).unwrap_or(usize::MAX))?;
        match id {
            TRACK_NUMBER => {
                track_number = Some(value.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b)));
            }
            CODEC_ID => codec = Some(String::from_utf8_lossy(value).into_owned()),
            CODEC_PRIVATE => head = Some(value.to_vec()),
            SIMPLE_BLOCK | BLOCK => packets.extend(block_frames(value, track_number)?),
            _ => {}
        }
    }
    if tracks != 1 {
        return Err(VoiceFileError::Damaged("not exactly one track"));
    }
    match codec.as_deref() {
        Some("A_OPUS") => {}
        other => return Err(VoiceFileError::NotOpus(other.unwrap_or("none").to_owned())),
    }
    let head = head.ok_or(VoiceFileError::Damaged("no OpusHead in the track"))?;
    check_head(&head)?;
    Ok(OpusStream { head, packets })
}

/// The frames of one (Simple)Block: track number, 16-bit timecode, flags, then the data,
/// laced or not (Matroska §10.2, lacing §10.3).
fn block_frames(block: &[u8], track: Option<u64>) -> Result<Vec<Vec<u8>>, VoiceFileError> {
    let mut c = Cursor {
        data: block,
        pos: 0,
    };
    let number = c
        .size()?
        .ok_or(VoiceFileError::Damaged("a block without its track"))?;
    if track.is_some_and(|t| t != number) {
        return Err(VoiceFileError::Damaged("a block of another track"));
    }
    c.take(2)?;
    let flags = c.byte()?;
    let rest = &block[c.pos..];
    match (flags >> 1) & 0x03 {
        0 => Ok(vec![rest.to_vec()]),
        lacing => {
            let mut c = Cursor { data: rest, pos: 0 };
            let count = usize::from(c.byte()?) + 1;
            let mut sizes = Vec::with_capacity(count);
            match lacing {
                // Xiph: each size but the last as a run of 255s and a smaller byte.
                1 => {
                    for _ in 1..count {
                        let mut size = 0usize;
                        loop {
                            let b = c.byte()?;
                            size += usize::from(b);
                            if b != 255 {
                                break;
                            }
                        }
                        sizes.push(size);
                    }
                }
                // Fixed: equal sizes.
                2 => {
                    let left = rest.len() - c.pos;
                    if !left.is_multiple_of(count) {
                        return Err(VoiceFileError::Damaged(
                            "a fixed lacing that does not divide",
                        ));
                    }
                    sizes = vec![left / count; count - 1];
                }
                // EBML: the first size, then signed differences.
                _ => {
                    let first = c
                        .size()?
                        .ok_or(VoiceFileError::Damaged("a bad EBML lacing"))?;
                    let mut last = i64::try_from(first)
                        .map_err(|_| VoiceFileError::Damaged("a bad EBML lacing"))?;
                    sizes.push(first as usize);
                    for _ in 2..count {
                        let start = c.pos;
                        let raw = c
                            .size()?
                            .ok_or(VoiceFileError::Damaged("a bad EBML lacing"))?;
                        let len = (c.pos - start) as u32;
                        let bias = (1i64 << (7 * len - 1)) - 1;
                        last += raw as i64 - bias;
                        sizes.push(
                            usize::try_from(last)
                                .map_err(|_| VoiceFileError::Damaged("a bad EBML lacing"))?,
                        );
                    }
                }
            }
            let mut frames = Vec::with_capacity(count);
            for size in sizes {
                frames.push(c.take(size)?.to_vec());
            }
            frames.push(rest[c.pos..].to_vec());
            Ok(frames)
        }
    }
}

// ----- Ogg -----

/// Ogg's CRC-32: polynomial 0x04C11DB7, no reflection, zero start and end (RFC 3533 §6).
const OGG_CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::Algorithm {
    width: 32,
    poly: 0x04C1_1DB7,
    init: 0,
    refin: false,
    refout: false,
    xorout: 0,
    check: 0x89A1_897F,
    residue: 0,
});

/// Reads the packets of one Ogg logical stream, checking every page's checksum, that the
/// stream begins with OpusHead and OpusTags, and that its last page ends it.
fn read_ogg(input: &[u8]) -> Result<OpusStream, VoiceFileError> {
    let mut pos = 0usize;
    let mut serial = None;
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let mut partial: Vec<u8> = Vec::new();
    let mut ended = false;
    while pos < input.len() {
        if ended {
            return Err(VoiceFileError::Damaged("data after the end of the stream"));
        }
        let page = input
            .get(pos..pos + 27)
            .ok_or(VoiceFileError::Damaged("a short Ogg page"))?;
        if &page[..4] != b"OggS" || page[4] != 0 {
            return Err(VoiceFileError::Damaged("a bad Ogg page"));
        }
        let flags = page[5];
        let this_serial = u32::from_le_bytes([page[14], page[15], page[16], page[17]]);
        if *serial.get_or_insert(this_serial) != this_serial {
            return Err(VoiceFileError::Damaged("more than one Ogg stream"));
        }
        let segments = usize::from(page[26]);
        let table = input
            .get(pos + 27..pos + 27 + segments)
            .ok_or(VoiceFileError::Damaged("a short Ogg page"))?;
        let body_len: usize = table.iter().map(|&b| usize::from(b)).sum();
        let end = pos + 27 + segments + body_len;
        let whole = input
            .get(pos..end)
            .ok_or(VoiceFileError::Damaged("a short Ogg page"))?;
        let mut zeroed = whole.to_vec();
        zeroed[22..26].fill(0);
        let stored = u32::from_le_bytes([page[22], page[23], page[24], page[25]]);
        if OGG_CRC.checksum(&zeroed) != stored {
            return Err(VoiceFileError::Damaged(
                "an Ogg page's checksum does not match",
            ));
        }
        if flags & 0x01 == 0 && !partial.is_empty() {
            return Err(VoiceFileError::Damaged("a packet cut between pages"));
        }
        let mut body = &whole[27 + segments..];
        for &lace in table {
            let (part, rest) = body.split_at(usize::from(lace));
            partial.extend_from_slice(part);
            body = rest;
            if lace < 255 {
                packets.push(std::mem::take(&mut partial));
            }
        }
        ended = flags & 0x04 != 0;
        pos = end;
    }
    if !ended {
        return Err(VoiceFileError::Damaged(
            "the Ogg stream was not finished (no end-of-stream page)",
        ));
    }
    let mut packets = packets.into_iter();
    let head = packets.next().ok_or(VoiceFileError::Empty)?;
    if !head.starts_with(b"OpusHead") {
        return Err(VoiceFileError::NotOpus("not OpusHead".to_owned()));
    }
    check_head(&head)?;
    let tags = packets
        .next()
        .ok_or(VoiceFileError::Damaged("no OpusTags"))?;
    if !tags.starts_with(b"OpusTags") {
        return Err(VoiceFileError::Damaged("no OpusTags"));
    }
    Ok(OpusStream {
        head,
        packets: packets.collect(),
    })
}

/// One Ogg page holding `packets` whole.
fn ogg_page(out: &mut Vec<u8>, flags: u8, granule: u64, seq: u32, packets: &[&[u8]]) {
    let start = out.len();
    let mut table = Vec::new();
    for p in packets {
        table.extend(std::iter::repeat_n(255u8, p.len() / 255));
        table.push((p.len() % 255) as u8);
    }
    out.extend_from_slice(b"OggS");
    out.push(0);
    out.push(flags);
    out.extend_from_slice(&granule.to_le_bytes());
    out.extend_from_slice(&PHONE_SERIAL.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(table.len() as u8);
    out.extend_from_slice(&table);
    for p in packets {
        out.extend_from_slice(p);
    }
    let crc = OGG_CRC.checksum(&out[start..]);
    out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
}

/// The stream serial of files the hub writes (one stream per file, so any value serves).
const PHONE_SERIAL: u32 = 0x5048_4F4E;

/// Segments one page may hold.
const MAX_SEGMENTS: usize = 255;

/// Writes the stream as Ogg Opus: OpusHead alone on the first page, OpusTags alone on the
/// second (RFC 7845 §3), then the audio; each page's granule position counts the samples
/// of the packets that end on it, pre-skip included, and the last page ends the stream.
fn write_ogg(stream: &OpusStream) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(stream.packets.iter().map(Vec::len).sum::<usize>() * 11 / 10 + 256);
    ogg_page(&mut out, 0x02, 0, 0, &[&stream.head]);
    let mut tags = b"OpusTags".to_vec();
    let vendor = b"phonghop";
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes());
    ogg_page(&mut out, 0, 0, 1, &[&tags]);
    let mut seq = 2;
    let mut granule = 0u64;
    let mut page: Vec<&[u8]> = Vec::new();
    let mut segments = 0;
    let count = stream.packets.len();
    for (i, packet) in stream.packets.iter().enumerate() {
        let needs = packet.len() / 255 + 1;
        if !page.is_empty() && (segments + needs > MAX_SEGMENTS || page.len() >= 50) {
            ogg_page(&mut out, 0, granule, seq, &page);
            seq += 1;
            page.clear();
            segments = 0;
        }
        // Packets were counted before: `packet_samples` cannot fail here.
        granule += packet_samples(packet).unwrap_or(0);
        page.push(packet);
        segments += needs;
        if i + 1 == count {
            ogg_page(&mut out, 0x04, granule, seq, &page);
        }
    }
    out
}

#[cfg(test)]
#[path = "../../tests/fixtures/phone/webm.rs"]
mod webm_fixture;

#[cfg(test)]
mod tests {
    use super::*;

    /// A CELT 20 ms packet (config 31, one frame) of `len` bytes.
    fn packet(len: usize) -> Vec<u8> {
        let mut p = vec![0u8; len.max(1)];
        p[0] = 31 << 3;
        p
    }

    /// The WebM a phone's browser sends, built as the phone page's tests build it.
    fn webm(packets: &[Vec<u8>]) -> Vec<u8> {
        super::webm_fixture::chromium_webm(packets)
    }

    #[test]
    fn packet_lengths_follow_the_toc_byte() {
        assert_eq!(packet_samples(&[31 << 3]).expect("celt 20"), 960);
        assert_eq!(packet_samples(&[(1 << 3) | 1]).expect("silk 20 x2"), 1920);
        assert_eq!(
            packet_samples(&[(16 << 3) | 3, 4]).expect("celt 2.5 x4"),
            480
        );
        assert!(
            packet_samples(&[(3 << 3) | 3, 3]).is_err(),
            "3 x 60 ms > 120 ms"
        );
        assert!(packet_samples(&[]).is_err());
    }

    #[test]
    fn a_webm_recording_becomes_an_ogg_opus_file_of_the_same_packets() {
        let packets: Vec<Vec<u8>> = (0..150).map(|i| packet(40 + i % 300)).collect();
        let ogg = to_ogg_opus(&webm(&packets), 180_000).expect("converts");
        // 150 × 20 ms = 3 s, less the 312-sample pre-skip.
        assert_eq!(ogg.duration_ms, (150 * 960 - 312) / 48);
        let back = read_ogg(&ogg.bytes).expect("our own Ogg reads back");
        assert_eq!(back.packets, packets);
        assert_eq!(back.pre_skip(), 312);
        // Read again, it is the same file: nothing depends on where it came from.
        assert_eq!(to_ogg_opus(&ogg.bytes, 180_000).expect("ogg in"), ogg);
    }

    #[test]
    fn a_recording_over_the_cap_or_not_opus_is_refused() {
        let packets: Vec<Vec<u8>> = (0..200).map(|_| packet(20)).collect();
        assert_eq!(
            to_ogg_opus(&webm(&packets), 3_000),
            Err(VoiceFileError::TooLong {
                seconds: 3,
                max_seconds: 3
            })
        );
        assert_eq!(
            to_ogg_opus(b"\xFF\xD8\xFF\xE0 a jpeg", 3_000),
            Err(VoiceFileError::UnknownContainer)
        );
        let mut ogg = to_ogg_opus(&webm(&packets), 180_000).expect("ok").bytes;
        let last = ogg.len() - 1;
        ogg[last] ^= 0x55;
        assert!(matches!(
            to_ogg_opus(&ogg, 180_000),
            Err(VoiceFileError::Damaged(_))
        ));
        let whole = webm(&packets);
        assert!(
            to_ogg_opus(&whole[..whole.len() - 5], 180_000).is_err(),
            "cut inside a block"
        );
    }
}

#[cfg(test)]
mod chromium_tests {
    use super::*;

    /// 2.5 s from Chromium 156's `MediaRecorder` (`audio/webm;codecs=opus`, fake microphone).
    const CHROMIUM_WEBM: &[u8] = include_bytes!("../../tests/fixtures/phone/chromium-voice.webm");

    #[test]
    fn chromiums_own_recording_is_read_whole() {
        let ogg = to_ogg_opus(CHROMIUM_WEBM, 180_000).expect("Chromium's WebM reads");
        assert!(
            (2_000..=3_000).contains(&ogg.duration_ms),
            "{} ms",
            ogg.duration_ms
        );
        assert!(ogg.bytes.starts_with(b"OggS"));
        if let Ok(dir) = std::env::var("PHONGHOP_DUMP_OGG") {
            std::fs::write(std::path::Path::new(&dir).join("chromium.ogg"), &ogg.bytes)
                .expect("dump");
        }
    }
}
