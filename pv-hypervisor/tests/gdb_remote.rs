//! The gdb stub (`pv_hypervisor::gdb`) spoken to over TCP by a minimal GDB remote serial
//! protocol client written here (packet framing, checksums, acks, run-length decoding),
//! against `guests/machine/bin/hello.elf`: the values it reports are compared with the
//! ELF's own bytes and symbols and with the architecture (entry PSW, instruction
//! lengths), so a stub that lies fails.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::thread::JoinHandle;

use pv_hypervisor::gdb::{GdbEnd, arch::G_PACKET_SIZE, serve};
use pv_hypervisor::host::{FixedClock, SharedConsole};
use pv_hypervisor::loader::{BootParams, Kernel, elf};
use pv_hypervisor::{Machine, MachineConfig};

fn guest_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../guests/machine/bin/{name}.elf"))
}

/// A GDB remote-protocol client.
struct Client {
    s: TcpStream,
}

impl Client {
    fn byte(&mut self) -> u8 {
        let mut b = [0u8];
        self.s.read_exact(&mut b).expect("stub closed the connection");
        b[0]
    }

    fn send_raw(&mut self, body: &str) {
        let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
        write!(self.s, "${body}#{sum:02x}").unwrap();
        self.s.flush().unwrap();
    }

    /// Sends a packet and waits for its ack.
    fn send(&mut self, body: &str) {
        self.send_raw(body);
        assert_eq!(self.byte(), b'+', "no ack for {body}");
    }

    /// Reads one packet (checking its checksum, acking it), RLE and escapes decoded.
    fn recv(&mut self) -> Vec<u8> {
        while self.byte() != b'$' {}
        let mut raw = Vec::new();
        loop {
            match self.byte() {
                b'#' => break,
                b => raw.push(b),
            }
        }
        let hex = [self.byte(), self.byte()];
        let sum = u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap();
        assert_eq!(raw.iter().fold(0u8, |a, &b| a.wrapping_add(b)), sum, "checksum");
        self.s.write_all(b"+").unwrap();
        let mut out = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            match raw[i] {
                b'*' => {
                    let prev = *out.last().unwrap();
                    out.extend(std::iter::repeat_n(prev, usize::from(raw[i + 1] - 29)));
                    i += 2;
                }
                b'}' => {
                    out.push(raw[i + 1] ^ 0x20);
                    i += 2;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        out
    }

    fn ask(&mut self, body: &str) -> String {
        self.send(body);
        String::from_utf8(self.recv()).unwrap()
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn be64(b: &[u8]) -> u64 {
    u64::from_be_bytes(b.try_into().unwrap())
}

/// The value of symbol `name` in an ELF64 big-endian file (its `.symtab`).
fn symbol(file: &[u8], name: &str) -> u64 {
    let u16at = |o: usize| u16::from_be_bytes([file[o], file[o + 1]]) as usize;
    let u32at = |o: usize| u32::from_be_bytes(file[o..o + 4].try_into().unwrap()) as usize;
    let u64at = |o: usize| be64(&file[o..o + 8]);
    let (shoff, shentsize, shnum) = (u64at(0x28) as usize, u16at(0x3a), u16at(0x3c));
    let sh = |i: usize| shoff + i * shentsize;
    for i in 0..shnum {
        if u32at(sh(i) + 4) != 2 {
            continue; // not SHT_SYMTAB
        }
        let (off, size) = (u64at(sh(i) + 0x18) as usize, u64at(sh(i) + 0x20) as usize);
        let strtab = u64at(sh(u32at(sh(i) + 0x28)) + 0x18) as usize;
        for sym in (off..off + size).step_by(24) {
            let at = strtab + u32at(sym);
            let end = at + file[at..].iter().position(|&b| b == 0).unwrap();
            if &file[at..end] == name.as_bytes() {
                return u64at(sym + 8);
            }
        }
    }
    panic!("no symbol {name}");
}

/// The ELF's initialized bytes at `addr` (from its loadable segments).
fn elf_bytes(file: &[u8], addr: u64, len: usize) -> Vec<u8> {
    let e = elf::parse(file).unwrap();
    let s = e
        .segments
        .iter()
        .find(|s| s.paddr <= addr && addr + len as u64 <= s.paddr + s.filesz)
        .expect("address in a segment");
    let at = (s.offset + addr - s.paddr) as usize;
    file[at..at + len].to_vec()
}

/// s390x instruction length from the first opcode byte.
fn ilen(first: u8) -> u64 {
    match first >> 6 {
        0 => 2,
        1 | 2 => 4,
        _ => 6,
    }
}

/// Starts a machine with `image` (and a command line) on a thread, serving gdb on a fresh port.
fn start(
    image: Vec<u8>,
    cmdline: Option<&[u8]>,
    cpus: usize,
) -> (Client, JoinHandle<(GdbEnd, String)>) {
    let cmdline = cmdline.map(<[u8]>::to_vec);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (conn, _) = listener.accept().unwrap();
        let console = SharedConsole::default();
        let cfg = MachineConfig { memory: 64 << 20, cpus, ..MachineConfig::default() };
        let mut m = Machine::new(cfg, Box::new(console.clone()), &FixedClock(0)).unwrap();
        let params = BootParams { cmdline, initrd: None };
        m.boot(Kernel::parse(image).unwrap(), params).unwrap();
        let mut code = |o: &pv_hypervisor::Outcome| if o.is_clean() { 7 } else { 1 };
        let end = serve(&mut m, conn, &mut code).unwrap();
        (end, console.text())
    });
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    (Client { s }, server)
}

fn reg(c: &mut Client, n: usize) -> u64 {
    let v = unhex(&c.ask(&format!("p{n:x}")));
    v.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b))
}

#[test]
fn hello_under_the_remote_protocol() {
    let file = std::fs::read(guest_path("hello")).unwrap();
    let (mut c, server) = start(file.clone(), Some(b"test 123"), 1);

    let sup = c.ask("qSupported:swbreak+;hwbreak+;xmlRegisters=i386");
    assert!(sup.contains("qXfer:features:read+"), "{sup}");
    assert!(sup.contains("PacketSize="), "{sup}");

    // The target description, read in pieces.
    let mut xml = String::new();
    loop {
        let part = c.ask(&format!("qXfer:features:read:target.xml:{:x},200", xml.len()));
        let (kind, text) = part.split_at(1);
        xml.push_str(text);
        if kind == "l" {
            break;
        }
        assert_eq!(kind, "m");
    }
    assert!(xml.contains("<architecture>s390:64-bit</architecture>"));
    for f in ["org.gnu.gdb.s390.core", "org.gnu.gdb.s390.acr", "org.gnu.gdb.s390.fpr"] {
        assert!(xml.contains(f), "{f}");
    }

    let stop = c.ask("?");
    assert!(stop.starts_with('T') || stop.starts_with('S'), "{stop}");
    assert_eq!(c.ask("qfThreadInfo"), "m01");

    // Registers at the entry: the ELF's entry point, 64-bit addressing (EA and BA).
    let g = unhex(&c.ask("g"));
    assert_eq!(g.len(), G_PACKET_SIZE);
    assert_eq!(be64(&g[..8]), 0x0000_0001_8000_0000, "pswm");
    assert_eq!(be64(&g[8..16]), 0x10000, "pswa");
    assert_eq!(reg(&mut c, 1), 0x10000);
    assert_eq!(reg(&mut c, 0) & 0x0000_0001_8000_0000, 0x0000_0001_8000_0000);

    // P writes a register, p and g read it back; then it is restored.
    assert_eq!(c.ask("P7=0123456789abcdef"), "OK");
    assert_eq!(reg(&mut c, 7), 0x0123_4567_89ab_cdef);
    let g = unhex(&c.ask("g"));
    assert_eq!(be64(&g[16 + 5 * 8..16 + 6 * 8]), 0x0123_4567_89ab_cdef, "r5 in g");
    assert_eq!(c.ask("P14=00000000"), "OK", "acr2 is 32 bits");
    assert_eq!(c.ask("P7=0000000000000000"), "OK");

    // Memory: the code at the entry is the ELF's bytes.
    let main = symbol(&file, "main");
    let report = symbol(&file, "report");
    for (addr, len) in [(0x10000u64, 32usize), (main, 16), (report, 16)] {
        let got = unhex(&c.ask(&format!("m{addr:x},{len:x}")));
        assert_eq!(got, elf_bytes(&file, addr, len), "{addr:#x}");
    }
    // M writes storage (a free page), m reads it back.
    assert_eq!(c.ask("M2f000,6:deadbeef0102"), "OK");
    assert_eq!(c.ask("m2f000,6"), "deadbeef0102");

    // Single steps advance the PSW by each instruction's length, across the
    // intercepted SIGP at 0x10004 (lghi, sigp, sam64).
    let mut pc = 0x10000;
    for i in 0..3 {
        let first = elf_bytes(&file, pc, 1)[0];
        let stop = c.ask("s");
        assert!(stop.starts_with("T05"), "{stop}");
        pc += ilen(first);
        assert_eq!(reg(&mut c, 1), pc);
        if i == 0 {
            assert_eq!(reg(&mut c, 3), 2, "lghi r1,2 executed");
        }
    }

    // A software breakpoint at main: continue stops there.
    assert_eq!(c.ask(&format!("Z0,{main:x},2")), "OK");
    let stop = c.ask("c");
    assert!(stop.starts_with("T05") && stop.contains("swbreak"), "{stop}");
    assert_eq!(reg(&mut c, 1), main);
    assert_eq!(c.ask(&format!("z0,{main:x},2")), "OK");
    let first = elf_bytes(&file, main, 1)[0];
    assert!(c.ask("s").starts_with("T05"));
    assert_eq!(reg(&mut c, 1), main + ilen(first));

    // A hardware breakpoint at report, hit twice: the second time pv-emu has the
    // instruction in its decoded-instruction cache.
    assert_eq!(c.ask(&format!("Z1,{report:x},2")), "OK");
    for _ in 0..2 {
        let stop = c.ask("c");
        assert!(stop.starts_with("T05") && stop.contains("hwbreak"), "{stop}");
        assert_eq!(reg(&mut c, 1), report);
    }
    assert_eq!(c.ask(&format!("z1,{report:x},2")), "OK");

    // To the end: the exit status the caller computes.
    assert_eq!(c.ask("c"), "W07");
    let (end, text) = server.join().unwrap();
    assert!(matches!(end, GdbEnd::Ended(o) if o.is_clean()), "{end:?}");
    assert!(text.contains("EXIT: STATUS=1"), "{text}");
}

#[test]
fn ctrl_c_interrupts_and_kill_ends_the_session() {
    // A raw image whose short PSW enters a loop at 0x1000 (j .).
    let mut img = vec![0u8; 0x1004];
    img[..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 0x10, 0]);
    img[0x1000..0x1004].copy_from_slice(&[0xa7, 0xf4, 0x00, 0x00]);
    let (mut c, server) = start(img, None, 1);
    assert!(c.ask("qSupported:swbreak+").contains("PacketSize="));
    c.send("c");
    std::thread::sleep(std::time::Duration::from_millis(50));
    c.s.write_all(&[3]).unwrap();
    let stop = String::from_utf8(c.recv()).unwrap();
    assert!(stop.starts_with("T02"), "{stop}");
    assert_eq!(reg(&mut c, 1), 0x1000);
    c.send_raw("k");
    let (end, _) = server.join().unwrap();
    assert_eq!(end, GdbEnd::Killed);
}

#[test]
fn one_thread_per_cpu() {
    let file = std::fs::read(guest_path("smp")).unwrap();
    let (mut c, server) = start(file.clone(), None, 2);
    assert!(c.ask("qSupported:swbreak+").contains("PacketSize="));
    assert_eq!(c.ask("qfThreadInfo"), "m01,02");
    assert_eq!(c.ask("qsThreadInfo"), "l");
    // CPU 1 is stopped at power-on: PSW zero.
    assert_eq!(c.ask("Hg2"), "OK");
    assert_eq!(reg(&mut c, 1), 0);
    assert_eq!(c.ask("Hg1"), "OK");
    assert_eq!(reg(&mut c, 1), 0x10000);
    // A breakpoint only CPU 1 reaches (after CPU 0 started it with SIGP).
    let cpu1_main = symbol(&file, "cpu1_main");
    assert_eq!(c.ask(&format!("Z0,{cpu1_main:x},2")), "OK");
    let stop = c.ask("vCont;c");
    assert!(stop.starts_with("T05") && stop.contains("thread:02;"), "{stop}");
    assert_eq!(c.ask("Hg2"), "OK");
    assert_eq!(reg(&mut c, 1), cpu1_main);
    assert_eq!(c.ask(&format!("z0,{cpu1_main:x},2")), "OK");
    // Step CPU 1 alone (scheduler locking: vCont;s:2 without a default action).
    let first = elf_bytes(&file, cpu1_main, 1)[0];
    assert_eq!(c.ask("Hg1"), "OK");
    let cpu0_pc = reg(&mut c, 1);
    let stop = c.ask("vCont;s:2");
    assert!(stop.starts_with("T05") && stop.contains("thread:02;"), "{stop}");
    assert_eq!(c.ask("Hg1"), "OK");
    assert_eq!(reg(&mut c, 1), cpu0_pc, "CPU 0 did not move");
    assert_eq!(c.ask("Hg2"), "OK");
    assert_eq!(reg(&mut c, 1), cpu1_main + ilen(first));
    // The program passes all its tests under the stub, as it does without it.
    assert_eq!(c.ask("vCont;c"), "W07");
    let (end, text) = server.join().unwrap();
    assert!(matches!(end, GdbEnd::Ended(_)), "{end:?}");
    assert!(text.contains("EXIT: STATUS=1"), "{text}");
}
