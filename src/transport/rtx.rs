//! Turns retransmissions (RFC 4588 RTX) back into the packets they repair *before* webrtc-rs's
//! NACK generator sees them.
//!
//! webrtc-rs 0.21 undoes RTX only at the end of its receive path, after the interceptors: its
//! NACK generator never learns that a missing packet arrived on the RTX stream and asks for it
//! again every cycle until the packet leaves its window. Measured on loopback with 5 % random
//! loss, that flood (thousands of resends a minute) froze the picture at 4–8 frames a second.
//! This interceptor sits in the repair slot on the wire side of the generator, so the generator,
//! the receiver reports and the application all see the original packet on its own SSRC.

use std::collections::HashMap;

use rtc::interceptor::{Packet, StreamInfo, TaggedPacket};

use super::inbound::ReadStep;

/// A received stream that is repaired by RTX: its SSRC and payload type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Primary {
    ssrc: u32,
    payload_type: u8,
    rtx_payload_type: u8,
}

#[derive(Default)]
pub(crate) struct RepairRtx {
    /// RTX SSRC → the stream it repairs.
    repairs: HashMap<u32, Primary>,
}

/// Rewrites an RTX packet (`[original sequence number][original payload]`) into the packet it
/// carries again. `false` for an RTX packet without one (padding sent to probe bandwidth).
pub(crate) fn unwrap_rtx(packet: &mut rtc::rtp::Packet, primary_ssrc: u32, primary_pt: u8) -> bool {
    let Some(original) = packet.payload.get(..2) else {
        return false;
    };
    let original_sequence_number = u16::from_be_bytes([original[0], original[1]]);
    packet.header.ssrc = primary_ssrc;
    packet.header.payload_type = primary_pt;
    packet.header.sequence_number = original_sequence_number;
    packet.header.padding = false;
    packet.payload = packet.payload.slice(2..);
    true
}

impl ReadStep for RepairRtx {
    fn on_read(&mut self, msg: &mut TaggedPacket) -> bool {
        let Packet::Rtp(packet) = &mut msg.message.packet else {
            return true;
        };
        match self.repairs.get(&packet.header.ssrc).copied() {
            // An RTX packet without a packet to repair is padding (a bandwidth probe): dropped.
            Some(primary) if packet.header.payload_type == primary.rtx_payload_type => {
                unwrap_rtx(packet, primary.ssrc, primary.payload_type)
            }
            _ => true,
        }
    }

    fn bind_remote_stream(&mut self, info: &StreamInfo) {
        if let (Some(rtx_ssrc), Some(rtx_payload_type)) = (info.ssrc_rtx, info.payload_type_rtx) {
            self.repairs.insert(
                rtx_ssrc,
                Primary {
                    ssrc: info.ssrc,
                    payload_type: info.payload_type,
                    rtx_payload_type,
                },
            );
        }
    }

    fn unbind_remote_stream(&mut self, info: &StreamInfo) {
        if let Some(rtx_ssrc) = info.ssrc_rtx
            && self
                .repairs
                .get(&rtx_ssrc)
                .is_some_and(|p| p.ssrc == info.ssrc)
        {
            self.repairs.remove(&rtx_ssrc);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use rtc::interceptor::{Interceptor, TaggedPacket};
    use rtc::sansio::Protocol;

    use super::super::inbound::OnRead;
    use super::*;

    fn rtp(ssrc: u32, payload_type: u8, seq: u16, payload: &[u8]) -> rtc::rtp::Packet {
        let mut packet = rtc::rtp::Packet::default();
        packet.header.version = 2;
        packet.header.ssrc = ssrc;
        packet.header.payload_type = payload_type;
        packet.header.sequence_number = seq;
        packet.header.timestamp = 9000;
        packet.payload = payload.to_vec().into();
        packet
    }

    fn tagged(packet: rtc::rtp::Packet) -> TaggedPacket {
        TaggedPacket {
            now: Instant::now(),
            transport: Default::default(),
            message: Packet::Rtp(packet).into(),
        }
    }

    fn read(
        interceptor: &mut OnRead<RepairRtx>,
        packet: rtc::rtp::Packet,
    ) -> Option<rtc::rtp::Packet> {
        interceptor.handle_read(tagged(packet)).expect("read");
        match interceptor.poll_read()?.message.packet {
            Packet::Rtp(packet) => Some(packet),
            _ => None,
        }
    }

    fn bound() -> OnRead<RepairRtx> {
        let mut interceptor = OnRead::<RepairRtx>::default();
        interceptor.bind_remote_stream(&StreamInfo {
            ssrc: 1000,
            ssrc_rtx: Some(2000),
            payload_type: 96,
            payload_type_rtx: Some(97),
            ..Default::default()
        });
        interceptor
    }

    #[test]
    fn a_retransmission_becomes_the_packet_it_repairs() {
        let mut interceptor = bound();
        let out = read(
            &mut interceptor,
            rtp(2000, 97, 7, &[0x12, 0x34, 0xAA, 0xBB]),
        )
        .expect("passed on");
        assert_eq!(out.header.ssrc, 1000);
        assert_eq!(out.header.payload_type, 96);
        assert_eq!(out.header.sequence_number, 0x1234);
        assert_eq!(out.header.timestamp, 9000, "timestamp kept");
        assert_eq!(&out.payload[..], &[0xAA, 0xBB]);
    }

    #[test]
    fn other_packets_pass_untouched_and_padding_probes_are_dropped() {
        let mut interceptor = bound();
        let primary = rtp(1000, 96, 5, &[1, 2, 3]);
        assert_eq!(read(&mut interceptor, primary.clone()), Some(primary));
        let stranger = rtp(3000, 97, 5, &[1, 2, 3]);
        assert_eq!(read(&mut interceptor, stranger.clone()), Some(stranger));
        assert_eq!(read(&mut interceptor, rtp(2000, 97, 8, &[])), None);
        interceptor.unbind_remote_stream(&StreamInfo {
            ssrc: 1000,
            ssrc_rtx: Some(2000),
            ..Default::default()
        });
        let after = rtp(2000, 97, 9, &[0, 1, 2]);
        assert_eq!(
            read(&mut interceptor, after.clone()),
            Some(after),
            "unbound"
        );
    }
}
