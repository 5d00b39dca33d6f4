#!/usr/bin/python3
"""Delays packets on a link whose kernel has no sch_netem.

iptables sends the packets to an NFQUEUE (`-j NFQUEUE --queue-num N`); this program holds
each one for the delay asked (plus an optional uniform jitter, which reorders packets as a
real jittery link does) and then gives the kernel an ACCEPT verdict for it. Python's
standard library only: it speaks the nfnetlink_queue protocol over a netlink socket itself,
so nothing is installed (CI is a clean Debian 12 with /usr/bin/python3).

Run it in the network namespace whose packets it delays (netlink is per namespace):
    ip netns exec NS /usr/bin/python3 scripts/nfq-delay.py --queue 0 --delay-ms 150
It prints "ready" once bound, and a line of counts when it ends (SIGTERM or SIGINT).
Without a running delayer the queued packets are dropped, never passed undelayed.
"""

import argparse
import heapq
import os
import random
import select
import signal
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_CFG_CMD_UNBIND = 2
NFQNL_COPY_META = 1
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NF_ACCEPT = 1
NLA_F_MASK = 0x3FFF  # attribute type without the nested / byte-order flags


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


class Queue:
    def __init__(self, num, maxlen):
        self.num = num
        self.seq = 0
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((0, 0))
        self.config(attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, 0)))
        # Metadata only: the packet's bytes are not needed to accept it.
        self.config(attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)))
        self.config(attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", maxlen)))

    def send(self, msg_type, payload, flags=NLM_F_REQUEST):
        self.seq += 1
        nfgen = struct.pack("!BBH", socket.AF_UNSPEC, 0, self.num)
        body = nfgen + payload
        header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, self.seq, 0)
        self.sock.send(header + body)
        return self.seq

    def config(self, payload):
        """Sends a config message and waits for the kernel's answer to it."""
        seq = self.send(NFQNL_MSG_CONFIG, payload, NLM_F_REQUEST | NLM_F_ACK)
        while True:
            data = self.sock.recv(65536)
            for msg_type, msg_seq, body in messages(data):
                if msg_type == NLMSG_ERROR and msg_seq == seq:
                    (error,) = struct.unpack_from("=i", body)
                    if error != 0:
                        raise OSError(-error, f"nfnetlink_queue refused the configuration: {os.strerror(-error)}")
                    return

    def accept(self, packet_id):
        self.send(NFQNL_MSG_VERDICT, attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, packet_id)))

    def close(self):
        try:
            self.config(attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_UNBIND, 0)))
        except OSError:
            pass
        self.sock.close()


def messages(data):
    """(type, seq, payload after the netlink header) for each message in one datagram."""
    offset = 0
    while offset + 16 <= len(data):
        length, msg_type, _flags, seq, _pid = struct.unpack_from("=IHHII", data, offset)
        if length < 16:
            break
        yield msg_type, seq, data[offset + 16 : offset + length]
        offset += (length + 3) & ~3


def packet_id(body):
    """The packet id from a queued packet's attributes (after the 4-byte nfgenmsg)."""
    offset = 4
    while offset + 4 <= len(body):
        length, kind = struct.unpack_from("=HH", body, offset)
        if length < 4:
            return None
        if kind & NLA_F_MASK == NFQA_PACKET_HDR:
            return struct.unpack_from("!I", body, offset + 4)[0]
        offset += (length + 3) & ~3
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queue", type=int, default=0, help="the NFQUEUE number iptables sends to")
    parser.add_argument("--delay-ms", type=float, required=True, help="how long each packet is held")
    parser.add_argument("--jitter-ms", type=float, default=0.0, help="plus or minus this much, uniformly")
    parser.add_argument("--maxlen", type=int, default=20000, help="packets the kernel may queue")
    args = parser.parse_args()
    if args.delay_ms < 0 or args.jitter_ms < 0 or args.jitter_ms > args.delay_ms:
        parser.error("--delay-ms and --jitter-ms must be >= 0, and the jitter at most the delay")

    try:
        queue = Queue(args.queue, args.maxlen)
    except OSError as e:
        sys.exit(f"nfq-delay: cannot bind NFQUEUE {args.queue} (root, and a kernel with nfnetlink_queue, are needed): {e}")
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    print("ready", flush=True)

    held = []  # (due, order, id)
    order = 0
    received = accepted = 0
    while not stop:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, pid = heapq.heappop(held)
            queue.accept(pid)
            accepted += 1
        timeout = max(0.0, held[0][0] - now) if held else 0.5
        try:
            ready, _, _ = select.select([queue.sock], [], [], timeout)
        except InterruptedError:
            continue
        if not ready:
            continue
        try:
            data = queue.sock.recv(65536)
        except BlockingIOError:
            continue
        except OSError as e:
            # ENOBUFS: the socket overflowed and the kernel dropped some; go on.
            print(f"nfq-delay: {e}", file=sys.stderr, flush=True)
            continue
        arrived = time.monotonic()
        for msg_type, _seq, body in messages(data):
            if msg_type != (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                continue
            pid = packet_id(body)
            if pid is None:
                continue
            received += 1
            delay = args.delay_ms + random.uniform(-args.jitter_ms, args.jitter_ms)
            order += 1
            heapq.heappush(held, (arrived + delay / 1000.0, order, pid))
    # Whatever is still held goes out now rather than being dropped.
    for _, _, pid in held:
        queue.accept(pid)
        accepted += 1
    queue.close()
    print(f"nfq-delay: {received} packets held, {accepted} accepted", flush=True)


if __name__ == "__main__":
    main()
