//! Every bad input a caller can hand syncom, and its answer: one test per row of the "Bad input"
//! table in the crate docs, with the same name. Each asserts the exact answer and that nothing
//! else changed.

#[path = "../../usched/tests/scratch/mod.rs"]
mod scratch;

use std::time::Duration;

use serde::{Deserialize, Serialize, Serializer};
use syncom::{Config, DecodeError, LinkState, Pins, Role, SendError, Syncom};
use usched::{yield_now, RunEnd, Sched};
use usched_sim::Board;

/// Builds `main` as a scratch crate that depends on syncom; whether it built, and rustc's
/// messages. One target directory for all, so syncom and its dependencies compile once.
fn build_program(main: &str) -> (bool, String) {
    let syncom = env!("CARGO_MANIFEST_DIR");
    scratch::build_scratch("syncom-bad-input", &format!("syncom = {{ path = {syncom:?} }}"), main)
}

#[test]
fn message_larger_than_a_frame() {
    let link: Syncom<64, 4> = Syncom::new();
    // A byte slice costs its length plus a one-byte length prefix (below 128).
    assert_eq!(Syncom::<64, 4>::MAX_MESSAGE, 46);
    assert_eq!(link.try_send(&[7u8; 46][..]), Err(SendError::TooLarge));
    assert_eq!(link.try_send(&"x".repeat(200)), Err(SendError::TooLarge));
    assert_eq!(link.queued(), 0, "nothing queued");
    assert_eq!(link.try_send(&[7u8; 45][..]), Ok(()), "the largest that fits");
    assert_eq!(link.queued(), 1);
}

#[test]
fn send_queue_full() {
    let link: Syncom<64, 2> = Syncom::new();
    assert_eq!(link.try_send(&1u8), Ok(()));
    assert_eq!(link.try_send(&2u8), Ok(()));
    assert_eq!(link.try_send(&3u8), Err(SendError::Full));
    assert_eq!(link.queued(), 2, "the refused message is not queued, the others stay");
}

/// A value whose `Serialize` fails.
struct Unencodable;

impl Serialize for Unencodable {
    fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("no"))
    }
}

#[test]
fn message_that_cannot_be_serialised() {
    let link: Syncom<64, 2> = Syncom::new();
    assert_eq!(link.try_send(&Unencodable), Err(SendError::Encode));
    assert_eq!(link.queued(), 0);
}

#[test]
fn nothing_received_yet() {
    let link: Syncom<64, 2> = Syncom::new();
    assert_eq!(link.try_recv::<u32>(), None);
    assert_eq!(link.try_recv_checked::<u32>(), None);
    assert_eq!(link.available(), 0);
}

#[test]
fn malformed_frames() {
    // Empty, too short, a bad COBS code, random bytes: refused, never a panic.
    for bytes in [&[][..], &[1], &[2, 9], &[5, 1, 2], &[0xff; 40], &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]] {
        assert!(!syncom::fuzz::decode(&mut bytes.to_vec()), "{bytes:?} accepted");
    }
    // A good frame, then the same with one byte changed, one cut short, one longer.
    let good = syncom::fuzz::encode(3, 4, b"hello").unwrap();
    assert!(syncom::fuzz::decode(&mut good.clone()));
    let mut flipped = good.clone();
    let at = flipped.len() / 2;
    flipped[at] = if flipped[at] == 1 { 2 } else { 1 };
    assert!(!syncom::fuzz::decode(&mut flipped));
    assert!(!syncom::fuzz::decode(&mut good[..good.len() - 1].to_vec()));
    let mut longer = good.to_vec();
    longer.push(1);
    assert!(!syncom::fuzz::decode(&mut longer));
}

#[test]
fn oversize_payload_for_the_frame_encoder() {
    assert!(syncom::fuzz::encode(0, 0, &[1u8; 200]).is_some());
    assert!(syncom::fuzz::encode(0, 0, &[1u8; 1000]).is_none(), "no frame past 256 bytes");
}

/// A link wired back to itself, up; `f` runs as a task once it is, then the run stops.
fn loopback(f: impl AsyncFnOnce(&'static Syncom<64, 4>) + 'static) {
    let board = Board::new();
    let (ckin, ckout) = (board.input("ckin", false), board.output("ckout"));
    let (din, dout) = (board.input("din", false), board.output("dout"));
    ckout.wire_to(&ckin);
    dout.wire_to(&din);
    let link: &'static Syncom<64, 4> = Box::leak(Box::new(Syncom::new()));
    let mut cfg = Config::new(Role::Initiator);
    cfg.poll = Duration::from_micros(10);
    let s: &'static Sched<2, 2048> = Box::leak(Box::new(Sched::new()));
    s.spawn(link.run(Pins::new(ckin, ckout, din, dout), board, cfg)).unwrap();
    s.spawn(async move {
        link.wait_for(LinkState::Up).await;
        f(link).await;
        s.stop_all();
    })
    .unwrap();
    assert_eq!(s.run(board), RunEnd::Stopped);
}

#[test]
fn message_of_another_type() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Big {
        a: u64,
        b: [u8; 8],
    }
    loopback(async |link| {
        link.try_send(&5u8).unwrap();
        while link.available() == 0 {
            yield_now().await;
        }
        // Taken and answered `DecodeError`: the message is gone, the next is unaffected.
        assert_eq!(link.try_recv_checked::<Big>(), Some(Err(DecodeError)));
        assert_eq!(link.available(), 0);
        link.try_send(&"text").unwrap();
        link.try_send(&Big { a: 1, b: [2; 8] }).unwrap();
        while link.available() < 2 {
            yield_now().await;
        }
        // postcard is not self-describing: bytes that parse as the type asked for are that
        // value. "text" starts with its length, 4, which is a whole `u64`.
        assert_eq!(link.try_recv::<u64>(), Some(4));
        assert_eq!(link.try_recv::<Big>(), Some(Big { a: 1, b: [2; 8] }));
    });
}

#[test]
fn frame_or_queue_constants_out_of_range_do_not_compile() {
    let program = |n: usize, q: usize| {
        format!("fn main() {{\n let l: syncom::Syncom<{n}, {q}> = syncom::Syncom::new();\n let _ = l.queued();\n}}\n")
    };
    let (ok, err) = build_program(&program(17, 2));
    assert!(!ok, "17-byte frames compiled");
    assert!(err.contains("syncom: frames of at least 18 bytes"), "{err}");
    let (ok, err) = build_program(&program(64, 16_385));
    assert!(!ok, "16385 queued messages compiled");
    assert!(err.contains("syncom: at most 16384 queued messages"), "{err}");
    let (ok, err) = build_program(&program(18, 16_384));
    assert!(ok, "{err}");
}
