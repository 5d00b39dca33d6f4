//! The shape both of phonghop's interceptors share: each looks at what is read (RTCP the
//! application acts on, RTX repairs) and lets everything written pass untouched, so the
//! queueing and the webrtc-rs traits are written once here.

use std::collections::VecDeque;
use std::time::Instant;

use rtc::interceptor::{Interceptor, StreamInfo, TaggedPacket};
use rtc::sansio::Protocol;

/// What an interceptor does to inbound packets.
pub(crate) trait ReadStep: Send + Sync {
    /// Changes or marks one packet read from the network; `false` drops it.
    fn on_read(&mut self, msg: &mut TaggedPacket) -> bool;
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

/// An interceptor running `S` on every packet read.
#[derive(Default)]
pub(crate) struct OnRead<S> {
    step: S,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl<S: ReadStep> Protocol<TaggedPacket, TaggedPacket, ()> for OnRead<S> {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, mut msg: TaggedPacket) -> Result<(), Self::Error> {
        if self.step.on_read(&mut msg) {
            self.read_queue.push_back(msg);
        }
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read_queue.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.write_queue.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write_queue.pop_front()
    }
}

impl<S: ReadStep> Interceptor for OnRead<S> {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}

    fn bind_remote_stream(&mut self, info: &StreamInfo) {
        self.step.bind_remote_stream(info);
    }

    fn unbind_remote_stream(&mut self, info: &StreamInfo) {
        self.step.unbind_remote_stream(info);
    }
}
