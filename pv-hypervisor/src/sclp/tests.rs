//! SCLP unit tests: every command, every response code and every program exception.

use pv_core::{GuestAbs, Storage};

use super::event::{BUFFER_ACCEPTED, HOST_RECEIVE_MASK, HOST_SEND_MASK, mask_bit};
use super::*;
use crate::host::BufferConsole;
use crate::memory::GuestMemory;

const SCCB: u64 = 0x4000;

fn info(cpus: &[u16]) -> ScpInfo {
    ScpInfo { memory: 128 << 20, increment_shift: 20, cpus: cpus.to_vec(), extended_length: false }
}

struct Env {
    sclp: Sclp,
    mem: GuestMemory,
    con: BufferConsole,
    info: ScpInfo,
}

impl Env {
    fn new() -> Self {
        Self {
            sclp: Sclp::default(),
            mem: GuestMemory::new(128 << 20).unwrap(),
            con: BufferConsole::default(),
            info: info(&[0]),
        }
    }

    /// Writes an SCCB (`len` in the header, function code, control byte 2, then `body`
    /// from offset 8) at `at`.
    fn put(&mut self, at: u64, len: u16, fc: u8, ctl: u8, body: &[u8]) {
        let mut b = vec![0u8; usize::from(len).max(8 + body.len())];
        b[0..2].copy_from_slice(&len.to_be_bytes());
        b[2] = fc;
        b[5] = ctl;
        b[8..8 + body.len()].copy_from_slice(body);
        self.mem.write(GuestAbs(at), &b).unwrap();
    }

    fn call(&mut self, cmd: u32, at: u64) -> Result<u32, PgmCode> {
        self.sclp.service_call(&mut self.mem, &self.info, &mut self.con, cmd, at, 0)
    }

    fn bytes(&mut self, at: u64, n: usize) -> Vec<u8> {
        let mut b = vec![0u8; n];
        self.mem.read(GuestAbs(at), &mut b).unwrap();
        b
    }

    fn rc(&mut self, at: u64) -> u16 {
        let b = self.bytes(at + 6, 2);
        u16::from_be_bytes([b[0], b[1]])
    }

    fn u16_at(&mut self, at: u64) -> u16 {
        let b = self.bytes(at, 2);
        u16::from_be_bytes([b[0], b[1]])
    }

    /// WRITE EVENT MASK enabling the ASCII console both ways, mask length 4.
    fn enable_console(&mut self) {
        let m = ((HOST_SEND_MASK >> 32) as u32).to_be_bytes();
        let mut body = vec![0u8; 4 + 16];
        body[2..4].copy_from_slice(&4u16.to_be_bytes());
        body[4..8].copy_from_slice(&m);
        body[8..12].copy_from_slice(&m);
        self.put(SCCB, 28, 0, 0, &body);
        assert_eq!(self.call(command::WRITE_EVENT_MASK, SCCB).map(|p| p & !1), Ok(SCCB as u32));
        assert_eq!(self.rc(SCCB), response::NORMAL);
    }
}

#[test]
fn program_exceptions_in_qemu_order() {
    let mut e = Env::new();
    e.put(SCCB, 4096, 0, 0, &[]);
    let r = command::READ_SCP_INFO;
    assert_eq!(e.call(r, 128 << 20), Err(PgmCode::Addressing));
    for bad in [0x0, 0x1ff8, SCCB + 4] {
        assert_eq!(e.call(r, bad), Err(PgmCode::Specification), "{bad:#x}");
    }
    // The issuing CPU's prefix area.
    let got = e.sclp.service_call(&mut e.mem, &e.info, &mut e.con, r, 0x8000, 0x8000);
    assert_eq!(got, Err(PgmCode::Specification));
    // Header length below 8.
    e.put(SCCB, 7, 0, 0, &[]);
    assert_eq!(e.call(r, SCCB), Err(PgmCode::Specification));
    // A block that leaves storage.
    let end = (128u64 << 20) - 0x1000;
    e.mem.write(GuestAbs(end + 0xff8), &[0, 0x10, 0, 0, 0, 0, 0, 0]).unwrap();
    assert_eq!(e.call(r, end + 0xff8), Err(PgmCode::Addressing));
    // Above 2 GiB (a 4 GiB guest).
    let mut big = Env::new();
    big.mem = GuestMemory::new(4 << 30).unwrap();
    big.put(0x8000_0000, 4096, 0, 0, &[]);
    assert_eq!(big.call(r, 0x8000_0000), Err(PgmCode::Specification));
}

#[test]
fn invalid_command_and_boundary() {
    let mut e = Env::new();
    e.put(SCCB, 4096, 0, 0, &[]);
    assert_eq!(e.call(0x0003_0001, SCCB), Ok(SCCB as u32));
    assert_eq!(e.rc(SCCB), response::INVALID_COMMAND);
    // The resource byte is ignored.
    e.put(SCCB, 4096, 0, 0, &[]);
    e.call(command::READ_SCP_INFO | 0xff00, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::NORMAL_READ);
    // Crossing a 4 KiB boundary.
    e.put(SCCB + 0x800, 0x1000, 0, 0, &[]);
    e.call(command::WRITE_EVENT_DATA, SCCB + 0x800).unwrap();
    assert_eq!(e.rc(SCCB + 0x800), response::BOUNDARY_VIOLATION);
    e.put(SCCB, 0x2000, 0, 0, &[]);
    e.call(command::READ_SCP_INFO_FORCED, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::BOUNDARY_VIOLATION);
    // Facility 140 lets the info commands use an 8 KiB SCCB.
    e.info.extended_length = true;
    e.put(SCCB, 0x2000, 0, 0, &[]);
    e.call(command::READ_SCP_INFO_FORCED, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::NORMAL_READ);
    e.put(SCCB + 0x800, 0x1000, 0, 0, &[]);
    e.call(command::WRITE_EVENT_MASK, SCCB + 0x800).unwrap();
    assert_eq!(e.rc(SCCB + 0x800), response::BOUNDARY_VIOLATION);
}

#[test]
fn read_scp_info_matches_qemu_values() {
    let mut e = Env::new();
    e.info = info(&[0, 1, 2]);
    e.put(SCCB, 4096, 0, 0, &[0xee; 200]);
    e.call(command::READ_SCP_INFO_FORCED, SCCB).unwrap();
    let b = e.bytes(SCCB, 4096);
    assert_eq!(&b[0..2], &[0x10, 0x00]);
    assert_eq!(e.rc(SCCB), 0x0010);
    // rnmax 0x80 increments of rnsize 1 MiB (machine.md, QEMU 7.2 with -m 128M).
    assert_eq!(&b[8..11], &[0x00, 0x80, 0x01]);
    assert_eq!(&b[16..20], &[0, 3, 0, 0x80]);
    assert_eq!(&b[24..32], &[0x40; 8]);
    assert_eq!(&b[48..56], &0x0c00_0000_0000_0000u64.to_be_bytes());
    assert_eq!(&b[120..122], &[0, 2]);
    for i in 0..3 {
        let entry = &b[128 + 16 * i..144 + 16 * i];
        assert_eq!(entry[0], i as u8);
        assert!(entry[1..].iter().all(|&x| x == 0));
    }
    // Stale guest bytes are cleared.
    assert!(b[176..208].iter().all(|&x| x == 0));
    // Large increments use rnsize2 / rnmax2.
    e.info =
        ScpInfo { memory: 1 << 40, increment_shift: 30, cpus: vec![0], extended_length: false };
    e.put(SCCB, 4096, 0, 0, &[]);
    e.call(command::READ_SCP_INFO, SCCB).unwrap();
    let b = e.bytes(SCCB, 128);
    assert_eq!((b[8], b[9], b[10]), (4, 0, 0), "1024 increments of 1 GiB");
    assert_eq!(&b[100..104], &1024u32.to_be_bytes());
    assert_eq!(&b[104..112], &[0; 8]);
    e.info.increment_shift = 24;
    e.put(SCCB, 4096, 0, 0, &[]);
    e.call(command::READ_SCP_INFO, SCCB).unwrap();
    let b = e.bytes(SCCB, 128);
    assert_eq!((b[8], b[9], b[10]), (0, 0, 16), "65536 increments do not fit rnmax");
    assert_eq!(&b[100..104], &[0; 4]);
    assert_eq!(&b[104..112], &65536u64.to_be_bytes());
}

#[test]
fn info_commands_with_a_short_sccb() {
    let mut e = Env::new();
    e.info = info(&[0, 1]);
    e.put(SCCB, 128 + 16, 0, 0, &[]);
    e.call(command::READ_SCP_INFO, SCCB).unwrap();
    assert_eq!((e.rc(SCCB), e.u16_at(SCCB)), (response::INSUFFICIENT_LENGTH, 144));
    // Variable-length response: the length field says what is needed.
    e.put(SCCB, 128 + 16, 0, VARIABLE_LENGTH_RESPONSE, &[]);
    e.call(command::READ_SCP_INFO, SCCB).unwrap();
    assert_eq!((e.rc(SCCB), e.u16_at(SCCB)), (response::INSUFFICIENT_LENGTH, 160));
    e.put(SCCB, 24 + 16, 0, VARIABLE_LENGTH_RESPONSE, &[]);
    e.call(command::READ_CPU_INFO, SCCB).unwrap();
    assert_eq!((e.rc(SCCB), e.u16_at(SCCB)), (response::INSUFFICIENT_LENGTH, 56));
}

#[test]
fn read_cpu_info() {
    let mut e = Env::new();
    e.info = info(&[0, 1]);
    e.put(SCCB, 4096, 0, 0, &[]);
    e.call(command::READ_CPU_INFO, SCCB).unwrap();
    let b = e.bytes(SCCB, 64);
    assert_eq!(e.rc(SCCB), response::NORMAL_READ);
    assert_eq!(&b[8..16], &[0, 2, 0, 24, 0, 0, 0, 56]);
    assert_eq!((b[24], b[40]), (0, 1));
}

#[test]
fn write_event_mask() {
    let mut e = Env::new();
    for (len, rc) in [(0u16, response::INVALID_MASK_LENGTH), (1022, response::INVALID_MASK_LENGTH)]
    {
        let mut body = [0u8; 4];
        body[2..4].copy_from_slice(&len.to_be_bytes());
        e.put(SCCB, 28, 0, 0, &body);
        e.call(command::WRITE_EVENT_MASK, SCCB).unwrap();
        assert_eq!(e.rc(SCCB), rc, "{len}");
    }
    // Mask length 8 needs 12 + 32 bytes.
    e.put(SCCB, 28, 0, 0, &[0, 0, 0, 8]);
    e.call(command::WRITE_EVENT_MASK, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::INSUFFICIENT_LENGTH);
    // kvm-unit-tests' request: receive 0, send ASCII | message, length 4.
    e.put(SCCB, 28, 0, 0, &[0, 0, 0, 4, 0, 0, 0, 0, 0x40, 0, 0, 0x40]);
    e.call(command::WRITE_EVENT_MASK, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), 0x0020);
    let b = e.bytes(SCCB, 28);
    assert_eq!(&b[20..24], &((HOST_RECEIVE_MASK >> 32) as u32).to_be_bytes());
    assert_eq!(&b[24..28], &[0, 0, 0, 0x40]);
    assert_eq!((e.sclp.events.receive_mask, e.sclp.events.mask_length), (0, 4));
    // Length 8: masks take 8 bytes each.
    let mut body = vec![0u8; 4 + 32];
    body[2..4].copy_from_slice(&8u16.to_be_bytes());
    body[4..12].copy_from_slice(&mask_bit(0x1a).to_be_bytes());
    e.put(SCCB, 44, 0, 0, &body);
    e.call(command::WRITE_EVENT_MASK, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), 0x0020);
    let b = e.bytes(SCCB, 44);
    assert_eq!(&b[36..44], &HOST_SEND_MASK.to_be_bytes());
    assert_eq!((e.sclp.events.receive_mask, e.sclp.events.mask_length), (mask_bit(0x1a), 8));
}

/// An event buffer: length, type, flags, reserved, data.
fn ebuf(t: u8, data: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8; 6];
    b[0..2].copy_from_slice(&((6 + data.len()) as u16).to_be_bytes());
    b[2] = t;
    b.extend_from_slice(data);
    b
}

#[test]
fn write_event_data() {
    let mut e = Env::new();
    // kvm-unit-tests' puts: an ASCII buffer and a line-mode message.
    let mut body = ebuf(0x1a, b"hello\n");
    body.extend(ebuf(0x02, &[0xc8, 0x89]));
    let len = 8 + body.len() as u16;
    e.put(SCCB, len, 0, 0, &body);
    e.call(command::WRITE_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::NORMAL);
    assert_eq!(e.con.out, b"hello\n");
    let b = e.bytes(SCCB, usize::from(len));
    assert_eq!((b[8 + 3], b[8 + 12 + 3]), (BUFFER_ACCEPTED, BUFFER_ACCEPTED));
    // Function code other than 0.
    e.put(SCCB, len, 1, 0, &body);
    e.call(command::WRITE_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::INVALID_FUNCTION);
    // Buffer shorter than its header, or longer than the SCCB.
    for bad in [5u16, 100] {
        let mut b = ebuf(0x1a, b"x");
        b[0..2].copy_from_slice(&bad.to_be_bytes());
        e.put(SCCB, 8 + 7, 0, 0, &b);
        e.call(command::WRITE_EVENT_DATA, SCCB).unwrap();
        assert_eq!(e.rc(SCCB), response::EVENT_BUFFER_SYNTAX, "{bad}");
    }
    // An unknown type: 0x40f0 and the buffers after it are not accepted.
    let mut body = ebuf(0x1d, b"q");
    let mut tail = ebuf(0x1a, b"late");
    tail[3] = BUFFER_ACCEPTED;
    body.extend(tail);
    e.con.out.clear();
    e.put(SCCB, 8 + body.len() as u16, 0, 0, &body);
    e.call(command::WRITE_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::INVALID_FUNCTION);
    assert_eq!(e.bytes(SCCB + 8 + 7 + 3, 1), [0]);
    assert!(e.con.out.is_empty());
    // No buffers at all.
    e.put(SCCB, 8, 0, 0, &[]);
    e.call(command::WRITE_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::NORMAL);
}

#[test]
fn read_event_data_and_attention() {
    let mut e = Env::new();
    e.put(SCCB, 2048, 0, 0, &[]);
    e.call(command::READ_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::INSUFFICIENT_LENGTH);
    e.put(SCCB, 4096, 0, 0, &[]);
    e.call(command::READ_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::NO_EVENT_BUFFERS);
    e.put(SCCB, 4096, 2, 0, &[]);
    e.call(command::READ_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::INVALID_FUNCTION);
    // Selective read before any mask is set.
    e.put(SCCB, 4096, 1, 0, &[0, 0, 0, 0x40]);
    e.call(command::READ_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::INVALID_SELECTION_MASK);
    // Input is pending but not enabled: no attention.
    e.sclp.events.push_input(b"ab");
    assert_eq!(e.sclp.attention(), None);
    e.enable_console();
    assert_eq!(e.sclp.attention(), Some(1));
    // A selection outside the receive mask.
    e.put(SCCB, 4096, 1, 0, &[0x40, 0, 0, 0x40]);
    e.call(command::READ_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::INVALID_SELECTION_MASK);
    // The service-signal parameter tells that data is pending.
    e.put(0x5000, 8, 0, 0, &[]);
    assert_eq!(e.call(command::WRITE_EVENT_DATA, 0x5000), Ok(0x5001));
    e.put(SCCB, 4096, 1, VARIABLE_LENGTH_RESPONSE, &[0, 0, 0, 0x40]);
    assert_eq!(e.call(command::READ_EVENT_DATA, SCCB), Ok(SCCB as u32));
    assert_eq!(e.rc(SCCB), response::NORMAL);
    let b = e.bytes(SCCB, 16);
    assert_eq!(&b[0..2], &16u16.to_be_bytes(), "variable length: header + 6 + 2");
    assert_eq!(b[5], 0, "variable-length bit reset");
    assert_eq!(&b[8..16], &[0, 8, 0x1a, 0x80, 0, 0, b'a', b'b']);
    assert_eq!(e.sclp.attention(), None);
    e.put(SCCB, 4096, 0, 0, &[]);
    e.call(command::READ_EVENT_DATA, SCCB).unwrap();
    assert_eq!(e.rc(SCCB), response::NO_EVENT_BUFFERS);
}

#[test]
fn sccb_as_bytes_matches_the_storage_path() {
    // The same WRITE EVENT DATA through guest storage and as a byte buffer (a secure
    // guest's SIDA): the same response, the same console text.
    let text = b"hi from the SIDA\n";
    let mut body = vec![0u8; 6 + text.len()];
    body[..2].copy_from_slice(&((6 + text.len()) as u16).to_be_bytes());
    body[2] = event::event_type::ASCII_CONSOLE;
    body[6..].copy_from_slice(text);
    let len = (8 + body.len()) as u16;
    let mut e = Env::new();
    e.put(SCCB, len, 0, 0, &body);
    assert_eq!(e.call(command::WRITE_EVENT_DATA, SCCB), Ok(SCCB as u32));
    let via_storage = e.bytes(SCCB, usize::from(len));
    let mut buf = e.bytes(SCCB, usize::from(len));
    buf[6..8].fill(0);
    let mut sclp = Sclp::default();
    let mut con = BufferConsole::default();
    assert!(!sclp.process_sccb(&mut buf, &e.info, &mut con, command::WRITE_EVENT_DATA));
    assert_eq!(buf, via_storage);
    assert_eq!(con.out, text);
    assert_eq!(e.con.out, text);
    // READ SCP INFO: normal read completion; an unknown command: 0x01f0; a buffer
    // shorter than the header: untouched.
    let mut info = vec![0u8; 4096];
    info[..2].copy_from_slice(&4096u16.to_be_bytes());
    sclp.process_sccb(&mut info, &e.info, &mut con, command::READ_SCP_INFO);
    assert_eq!(u16::from_be_bytes([info[6], info[7]]), response::NORMAL_READ);
    assert_eq!(u16::from_be_bytes([info[16], info[17]]), 1, "one CPU entry");
    let mut unknown = vec![0u8; 16];
    sclp.process_sccb(&mut unknown, &e.info, &mut con, 0x00ff_0001);
    assert_eq!(u16::from_be_bytes([unknown[6], unknown[7]]), response::INVALID_COMMAND);
    let mut short = [0u8; 4];
    assert!(!sclp.process_sccb(&mut short, &e.info, &mut con, command::READ_SCP_INFO));
    assert_eq!(short, [0; 4]);
    // Pending console input shows in the result.
    sclp.events.receive_mask = HOST_SEND_MASK;
    sclp.events.push_input(b"x");
    assert!(sclp.process_sccb(&mut unknown, &e.info, &mut con, 0x00ff_0001));
}
