//! An interceptor that lets keyframe requests and bitrate caps reach the application.
//!
//! webrtc-rs ends inbound RTCP inside its interceptor chain unless an interceptor vouches
//! for a packet. PLI and FIR (a receiver needs a keyframe) and REMB (the hub caps what a
//! sender may send) are exactly what phonghop acts on: the forwarder passes keyframe requests
//! upstream, and a room's encoder answers them and honours the cap.

use rtc::interceptor::{Attribute, Packet, TaggedPacket};
use rtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use rtc::rtcp::payload_feedbacks::receiver_estimated_maximum_bitrate::ReceiverEstimatedMaximumBitrate;

use super::inbound::ReadStep;

/// Marks PLI, FIR and REMB for delivery to the application; everything passes on.
#[derive(Default)]
pub(crate) struct DeliverFeedback;

/// Whether the application acts on this RTCP packet.
pub(crate) fn wanted(packet: &dyn rtc::rtcp::packet::Packet) -> bool {
    let any = packet.as_any();
    any.downcast_ref::<PictureLossIndication>().is_some()
        || any.downcast_ref::<FullIntraRequest>().is_some()
        || any
            .downcast_ref::<ReceiverEstimatedMaximumBitrate>()
            .is_some()
}

impl ReadStep for DeliverFeedback {
    fn on_read(&mut self, msg: &mut TaggedPacket) -> bool {
        if let Packet::Rtcp(packets) = &msg.message.packet
            && packets.iter().any(|p| wanted(p.as_ref()))
        {
            msg.message.add(Attribute::DeliverToApplication);
        }
        true
    }
}
