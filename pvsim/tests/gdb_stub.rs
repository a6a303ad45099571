//! `pvsim run --gdb PORT`: the stub announced on stderr, a session over TCP that runs
//! the program to its end, and (CI-gated) the real `gdb-multiarch` driving a session:
//! registers, a breakpoint on a symbol, `stepi`, disassembly at the PSW address and the
//! run to the end.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

mod support;

fn hello() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../guests/machine/bin/hello.elf");
    p.to_string_lossy().into_owned()
}

/// Starts `pvsim run --gdb 0 --kernel hello.elf` and returns it with the announced port.
fn start_pvsim() -> (Child, u16, BufReader<std::process::ChildStderr>) {
    start_pvsim_with(&["--kernel", &hello(), "--memory", "64M", "--append", "test 123"])
}

/// Starts `pvsim run --gdb 0` with `args` and returns it with the announced port.
fn start_pvsim_with(args: &[&str]) -> (Child, u16, BufReader<std::process::ChildStderr>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pvsim"))
        .args(["run", "--gdb", "0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("waiting for gdb on 127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first stderr line {line:?}"))
        .parse()
        .unwrap();
    (child, port, err)
}

/// Waits for `child` to end: its status, stdout and the rest of stderr.
fn finish(
    child: &mut Child,
    err: &mut BufReader<std::process::ChildStderr>,
) -> (std::process::ExitStatus, String, String) {
    let status = child.wait().unwrap();
    let mut out = String::new();
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    (status, out, rest)
}

fn packet(s: &mut TcpStream, body: &str) -> String {
    let sum = body.bytes().fold(0u8, |a, b| a.wrapping_add(b));
    write!(s, "${body}#{sum:02x}").unwrap();
    let mut reply = Vec::new();
    let mut b = [0u8];
    // Ack, then `$...#xx`.
    loop {
        s.read_exact(&mut b).unwrap();
        if b[0] == b'$' {
            break;
        }
    }
    loop {
        s.read_exact(&mut b).unwrap();
        if b[0] == b'#' {
            break;
        }
        reply.push(b[0]);
    }
    let mut sum = [0u8; 2];
    s.read_exact(&mut sum).unwrap();
    s.write_all(b"+").unwrap();
    // Run-length encoding: `x*n` repeats x (n - 29) more times.
    let mut out = Vec::new();
    let mut it = reply.into_iter();
    while let Some(b) = it.next() {
        match b {
            b'*' => {
                let prev = *out.last().unwrap();
                let n = it.next().unwrap() - 29;
                out.extend(std::iter::repeat_n(prev, usize::from(n)));
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn continue_to_the_end_reports_the_exit_status() {
    let (mut child, port, mut err) = start_pvsim();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert!(packet(&mut s, "qSupported:swbreak+").contains("qXfer:features:read+"));
    assert_eq!(packet(&mut s, "p1"), "0000000000010000");
    assert_eq!(packet(&mut s, "c"), "W00");
    drop(s);
    let (status, out, rest) = finish(&mut child, &mut err);
    assert!(status.success(), "{status:?} {rest}");
    assert!(out.contains("EXIT: STATUS=1"), "{out}");
}

/// An SE image under gdb: the debugger holds the non-secure start (stage3a); once DIAG
/// 308 subcode 10 makes the program a secure guest, nobody sees into it and it runs to
/// its end, which gdb learns as the exit.
#[test]
fn a_secure_guest_runs_to_its_end_under_gdb() {
    let dir = tempfile::tempdir().unwrap();
    let img = support::secure_image(dir.path(), "expect=secure");
    let key = support::asset_key("host.key");
    let (mut child, port, mut err) = start_pvsim_with(&["--kernel", &img, "--host-key", &key]);
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert!(packet(&mut tcp, "qSupported:swbreak+").contains("PacketSize"));
    // The short PSW's entry: stage3a, non-secure.
    assert_eq!(packet(&mut tcp, "p1"), "0000000000011000");
    assert_eq!(packet(&mut tcp, "c"), "W00");
    drop(tcp);
    let (status, out, rest) = finish(&mut child, &mut err);
    assert!(status.success(), "{status:?} {rest}");
    assert_eq!(out, support::secure_console("expect=secure"));
}

#[test]
fn kill_from_gdb_fails_the_run() {
    let (mut child, port, mut err) = start_pvsim();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert!(packet(&mut s, "qSupported:swbreak+").contains("PacketSize"));
    s.write_all(b"$k#6b").unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(1), "{rest}");
    assert!(rest.contains("killed from gdb"), "{rest}");
}

/// Returns `true` if `tool` is on PATH; otherwise prints why the test is skipped, or
/// panics under `CI=true` (CI must run every test).
fn tool_or_skip(test: &str, tool: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        return true;
    }
    let msg = format!("{test}: skipped, missing tool: {tool}");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}; CI=true requires it");
    }
    eprintln!("{msg}");
    false
}

#[test]
fn gdb_multiarch_session() {
    if !tool_or_skip("gdb_multiarch_session", "gdb-multiarch") {
        return;
    }
    let (mut child, port, mut err) = start_pvsim();
    let target = format!("target remote 127.0.0.1:{port}");
    let gdb = Command::new("gdb-multiarch")
        .args(["-nx", "-batch", &hello()])
        .args(["-ex", "set architecture s390:64-bit", "-ex", &target])
        .args(["-ex", "info registers pswa pswm r15", "-ex", "p/x $acr0", "-ex", "p $fpc"])
        .args(["-ex", "break main", "-ex", "continue", "-ex", "p/x $pc"])
        .args(["-ex", "stepi", "-ex", "p/x $pc", "-ex", "x/4i $pc"])
        .args(["-ex", "x/2xw start", "-ex", "hbreak report", "-ex", "continue"])
        .args(["-ex", "delete", "-ex", "continue"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&gdb.stdout).into_owned() + &String::from_utf8_lossy(&gdb.stderr);
    let status = child.wait().unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "pvsim: {status:?} {rest}\ngdb:\n{text}");

    // The entry PSW, with the symbol gdb found for it.
    assert!(text.contains("pswa           0x10000"), "{text}");
    assert!(text.contains("pswm           0x180000000"), "{text}");
    assert!(text.contains("<start>"), "{text}");
    // The breakpoint at main, then one instruction further.
    let main = text.lines().find(|l| l.starts_with("Breakpoint 1 at 0x")).unwrap();
    let main = u64::from_str_radix(main[18..].split(':').next().unwrap(), 16).unwrap();
    assert!(text.contains("Breakpoint 1, ") && text.contains(" main ("), "{text}");
    let pcs: Vec<u64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("$").and_then(|r| r.split(" = 0x").nth(1)))
        .filter_map(|h| u64::from_str_radix(h.trim(), 16).ok())
        .filter(|&v| v >= 0x10000)
        .collect();
    assert!(pcs.len() >= 2, "{text}");
    assert_eq!(pcs[pcs.len() - 2], main, "{text}");
    assert!((2..=6).contains(&(pcs[pcs.len() - 1] - main)), "{text}");
    // Disassembly at the PSW address, and memory: the entry's LGHI R1,2 and SIGP.
    assert!(text.contains("=> 0x"), "{text}");
    assert!(
        text.contains("0xa7190002\t0xae100012") || text.contains("0xa7190002      0xae100012"),
        "{text}"
    );
    // The hardware breakpoint at report, and the end.
    assert!(
        text.contains("Hardware assisted breakpoint 2") && text.contains(" report ("),
        "{text}"
    );
    assert!(text.contains("exited normally"), "{text}");
}
