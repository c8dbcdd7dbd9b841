//! DogStatsD: datagrams received on a loopback UDP socket and a Unix datagram socket, each
//! line checked against the protocol and Datadog's name and tag rules.

use std::collections::BTreeMap;
use std::time::Duration;

use super::PushDemo;

/// (metric, sorted tags) -> (type, value summed over the push).
type Lines = BTreeMap<(String, Vec<String>), (String, f64)>;

/// Checks one line, `name:value|type|#tag,tag`, and adds it to `lines`.
fn parse_line(line: &str, lines: &mut Lines) {
    let (name, rest) = line.split_once(':').expect("name:value");
    assert!(
        name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && name.len() <= 200,
        "bad name in {line:?}"
    );
    let mut fields = rest.split('|');
    let value: f64 = fields.next().unwrap().parse().expect("a number");
    assert!(value.is_finite());
    let kind = fields.next().expect("a type").to_owned();
    assert!(kind == "c" || kind == "g", "{line:?}");
    let tags = fields
        .next()
        .and_then(|t| t.strip_prefix('#'))
        .expect("tags");
    assert!(fields.next().is_none(), "{line:?}");
    let mut tags: Vec<String> = tags.split(',').map(str::to_owned).collect();
    for tag in &tags {
        assert!(
            tag.starts_with(|c: char| c.is_ascii_lowercase())
                && !tag.ends_with(':')
                && tag.len() <= 200
                && tag
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-:./".contains(c)),
            "bad tag {tag:?} in {line:?}"
        );
    }
    assert!(tags.contains(&"service:pushdemo".to_owned()), "{line:?}");
    tags.retain(|t| t != "service:pushdemo");
    tags.sort();
    let entry = lines
        .entry((name.to_owned(), tags))
        .or_insert((kind.clone(), 0.0));
    assert_eq!(entry.0, kind);
    if kind == "c" {
        entry.1 += value;
    } else {
        entry.1 = value;
    }
}

/// Receives datagrams until the socket has been quiet for a moment: one push.
fn receive(recv: &mut dyn FnMut(&mut [u8]) -> std::io::Result<usize>, max: usize) -> Lines {
    let mut lines = Lines::new();
    let mut buf = vec![0; 65536];
    let mut datagrams = 0;
    loop {
        match recv(&mut buf) {
            Ok(n) => {
                datagrams += 1;
                assert!(n <= max, "a datagram of {n} bytes, over {max}");
                let text = std::str::from_utf8(&buf[..n]).expect("UTF-8");
                for line in text.split('\n') {
                    parse_line(line, &mut lines);
                }
            }
            Err(_) if datagrams > 0 => return lines,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => panic!("receive: {e}"),
        }
    }
}

fn value(lines: &Lines, name: &str, tags: &[&str]) -> (String, f64) {
    let mut tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
    tags.sort();
    lines
        .get(&(name.to_owned(), tags.clone()))
        .cloned()
        .unwrap_or_else(|| panic!("no {name} {tags:?} in {lines:?}"))
}

fn check_rounds(
    mut recv: impl FnMut(&mut [u8]) -> std::io::Result<usize>,
    max: usize,
    mut demo: PushDemo,
) {
    let first = receive(&mut recv, max);
    assert_eq!(
        value(&first, "push_demo_jobs", &["region:eu"]),
        ("c".into(), 2.0)
    );
    assert_eq!(value(&first, "push_demo_backlog", &[]), ("g".into(), 2.0));
    assert_eq!(
        value(&first, "push_demo_job_seconds.count", &["region:eu"]),
        ("c".into(), 4.0)
    );
    assert_eq!(
        value(
            &first,
            "push_demo_job_seconds.bucket",
            &["region:eu", "upper_bound:0.5"]
        ),
        ("c".into(), 3.0)
    );
    demo.more();
    let second = receive(&mut recv, max);
    assert_eq!(
        value(&second, "push_demo_jobs", &["region:eu"]),
        ("c".into(), 2.0)
    );
    assert_eq!(
        value(&second, "push_demo_jobs", &["region:us", "retried:eu"]),
        ("c".into(), 0.0)
    );
    assert_eq!(value(&second, "push_demo_backlog", &[]), ("g".into(), 4.0));
    demo.finish();
}

#[test]
fn udp_datagrams_follow_the_protocol_and_carry_deltas() {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let port = socket.local_addr().unwrap().port().to_string();
    let demo = PushDemo::start(
        "dogstatsd",
        &[
            ("DD_AGENT_HOST", "127.0.0.1"),
            ("DD_DOGSTATSD_PORT", &port),
            ("TALLYHO_PUSH_INTERVAL", "60"),
        ],
    );
    check_rounds(|buf| socket.recv(buf), 1432, demo);
}

#[cfg(unix)]
#[test]
fn unix_datagrams_follow_the_protocol_and_carry_deltas() {
    let dir = tempfile_dir();
    let path = dir.join("dsd.socket");
    let socket = std::os::unix::net::UnixDatagram::bind(&path).expect("bind");
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let demo = PushDemo::start(
        "dogstatsd",
        &[
            ("DD_DOGSTATSD_SOCKET", path.to_str().unwrap()),
            ("TALLYHO_PUSH_INTERVAL", "60"),
        ],
    );
    check_rounds(|buf| socket.recv(buf), 8192, demo);
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tallyho-dsd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
