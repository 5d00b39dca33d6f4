//! Debian's coturn (`/usr/bin/turnserver`) started by a test on loopback ports with the
//! project's `config/coturn.conf` (only its addresses, ports, secret and log moved), and
//! reading its log.
#![allow(dead_code)]

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const PROJECT_CONF: &str = include_str!("../config/coturn.conf");
pub const TURNSERVER: &str = "/usr/bin/turnserver";
pub const HINT: &str = "run `make test` (it installs Debian's coturn)";

/// Keys of the project's file the test sets itself: loopback addresses, free ports, its own
/// secret and realm, its log in the test's directory.
const SET_BY_TEST: &[&str] = &[
    "listening-port",
    "listening-ip",
    "relay-ip",
    "external-ip",
    "min-port",
    "max-port",
    "static-auth-secret",
    "realm",
    "syslog",
    "log-file",
    "pidfile",
    "verbose",
];

/// A turnserver process; killed when dropped.
pub struct Coturn {
    child: std::process::Child,
    pub port: u16,
    log: PathBuf,
}

impl Coturn {
    /// Starts turnserver with the project's config moved to `port` and `relay_ports`,
    /// checking `secret`, and waits until it answers a STUN binding request. It relays on
    /// loopback, to the hub's forwarder on loopback.
    pub fn start(dir: &Path, port: u16, relay_ports: (u16, u16), secret: &str) -> Coturn {
        Self::start_relaying_on(
            dir,
            port,
            relay_ports,
            secret,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
        )
    }

    /// [`Coturn::start`] (still listening on loopback) relaying from `relay_ip` to peers on
    /// `relay_ip` only: a Janus on this machine's network address, which the project's
    /// config refuses as a private range until `allowed-peer-ip` names it (as the README
    /// tells an installer to).
    pub fn start_relaying_on(
        dir: &Path,
        port: u16,
        relay_ports: (u16, u16),
        secret: &str,
        relay_ip: IpAddr,
    ) -> Coturn {
        assert!(Path::new(TURNSERVER).exists(), "no {TURNSERVER}: {HINT}");
        assert!(
            PROJECT_CONF.lines().any(|l| l.trim() == "use-auth-secret"),
            "config/coturn.conf no longer turns on use-auth-secret"
        );
        std::fs::create_dir_all(dir).expect("coturn dir");
        let kept: Vec<&str> = PROJECT_CONF
            .lines()
            .filter(|line| {
                let key = line.split('=').next().unwrap_or_default().trim();
                !SET_BY_TEST.contains(&key)
            })
            .collect();
        let log = dir.join("turn.log");
        let peers = if relay_ip.is_loopback() {
            // The hub's forwarder is on 127.0.0.1 here: the one peer, on loopback.
            "allow-loopback-peers".to_owned()
        } else {
            format!("allowed-peer-ip={relay_ip}")
        };
        let conf = format!(
            "{}\n# --- set by the test ---\nlistening-ip=127.0.0.1\nrelay-ip={relay_ip}\n\
             listening-port={port}\nmin-port={}\nmax-port={}\nstatic-auth-secret={secret}\n\
             realm=phonghop.test\n{peers}\n\
             log-file={}\nsimple-log\nno-stdout-log\nverbose\npidfile={}\nuserdb={}\n",
            kept.join("\n"),
            relay_ports.0,
            relay_ports.1,
            log.display(),
            dir.join("turn.pid").display(),
            dir.join("turndb").display(),
        );
        let conf_path = dir.join("turnserver.conf");
        std::fs::File::create(&conf_path)
            .and_then(|mut f| f.write_all(conf.as_bytes()))
            .expect("write turnserver.conf");
        let child = std::process::Command::new(TURNSERVER)
            .arg("-c")
            .arg(&conf_path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {TURNSERVER} ({e}): {HINT}"));
        let coturn = Coturn { child, port, log };
        coturn.wait_until_it_answers();
        coturn
    }

    /// A STUN binding request (RFC 5389) over UDP, until a binding success comes back.
    fn wait_until_it_answers(&self) {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("udp");
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut request = vec![0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42];
        request.extend_from_slice(b"phonghop-t15");
        let deadline = Instant::now() + Duration::from_secs(15);
        let mut answer = [0u8; 512];
        while Instant::now() < deadline {
            let _ = socket.send_to(&request, ("127.0.0.1", self.port));
            if let Ok((n, _)) = socket.recv_from(&mut answer)
                && n >= 20
                && answer[..2] == [0x01, 0x01]
                && answer[8..20] == request[8..20]
            {
                return;
            }
        }
        panic!(
            "turnserver did not answer STUN on 127.0.0.1:{} within 15 s; its log:\n{}",
            self.port,
            self.log_text()
        );
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free for both UDP and TCP on 127.0.0.1 (coturn listens on both).
pub fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("udp");
        let port = udp.local_addr().expect("addr").port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port for turnserver");
}

/// The browser's TURN username as the hub made it: `<expiry>:web-…`.
pub fn browser_turn_users(log: &str) -> Vec<String> {
    log.split("user <")
        .skip(1)
        .filter_map(|rest| rest.split('>').next())
        .filter(|user| user.contains(":web-"))
        .map(str::to_owned)
        .collect()
}
