//! The disassembler against binutils' `s390x-linux-gnu-objdump -d`.
//!
//! A deterministic corpus (every opcode of the table with edge-case and random fields,
//! every mask value for the extended-mnemonic instructions) is assembled as raw bytes;
//! objdump's text is the oracle. `corpus.bin`/`corpus.txt` in `tests/assets/objdump` are
//! a recorded run (see PROVENANCE.md there), checked without the tools; the live test
//! re-runs the tools (skipped without them, failing under `CI=true`). Set
//! `PV_EMU_REGEN=1` to rewrite the recorded assets from a live run.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use common::*;
use pv_emu::decode::{Ext, Fields, Format, Insn, OPS};
use pv_emu::disasm::{Symbolizer, disassemble};

/// objdump names targets relative to the one symbol `start` at address 0.
struct Start;

impl Symbolizer for Start {
    fn symbolize(&self, addr: u64) -> Option<String> {
        Some(if addr == 0 { "start".into() } else { format!("start+0x{addr:x}") })
    }
}

fn assets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/assets/objdump")
}

/// Relative operand (halfwords, `bits` wide) that lands inside `0..total` from `addr`.
fn rel(rng: &mut Rng, addr: u64, total: u64, bits: u32) -> i64 {
    let target = rng.below(total / 2) * 2;
    let off = (target as i64 - addr as i64) / 2;
    let lim = 1i64 << (bits - 1);
    off.clamp(-lim, lim - 1)
}

/// Builds the instruction bytes of one sample.
fn sample(op_idx: usize, variant: u64, rng: &mut Rng, addr: u64, total: u64) -> Vec<u8> {
    let info = &OPS[op_idx];
    let zero = Insn::new(info.op, Fields::decode(info.format, &[0; 6])).unwrap();
    let opc = zero.encode();
    let mut raw = [0u8; 6];
    for b in raw.iter_mut() {
        *b = match variant {
            0 => 0,
            1 => 0xff,
            _ => rng.next() as u8,
        };
    }
    // Put the opcode back over the random field bits.
    let mut b = raw;
    b[0] = opc[0];
    let canon = |x: &[u8; 6]| Insn::decode(x).map(|i| i.encode());
    // Keep opcode nibbles/bytes: decode the random bits with the opcode forced in.
    let mut probe = b;
    probe[1] = opc[1];
    probe[5] = opc[5];
    let keep1 = canon(&probe).is_ok() && probe[1] != b[1];
    if keep1
        || matches!(
            info.format,
            Format::E | Format::Rre | Format::Rrf | Format::S | Format::Sil | Format::Sse
        ) && info.opcode > 0xff
    {
        b[1] = opc[1];
    }
    if matches!(info.format, Format::Ri | Format::Ril | Format::Ssf) {
        b[1] = (b[1] & 0xf0) | (opc[1] & 0x0f);
    }
    if info.format.len() == 6
        && info.opcode > 0xff
        && !matches!(info.format, Format::Ril | Format::Ssf | Format::Sil | Format::Sse)
    {
        b[5] = opc[5];
    }
    let mut insn = Insn::decode(&b).expect("sample decodes");
    assert_eq!(insn.op, info.op);
    // Masks of extended-mnemonic instructions cycle through all 16 values; relative
    // operands stay inside the corpus.
    let m = (variant % 16) as u8;
    insn.fields = match insn.fields {
        Fields::Rr(mut f) if info.ext == Ext::Bbr => {
            f.r1 = m;
            Fields::Rr(f)
        }
        Fields::Rx(mut f) if info.ext == Ext::Bb => {
            f.r1 = m;
            Fields::Rx(f)
        }
        Fields::Ri(mut f) if info.syntax.contains('J') => {
            if info.ext == Ext::Bj {
                f.r1 = m;
            }
            f.i2 = rel(rng, addr, total, 16) as u16;
            Fields::Ri(f)
        }
        Fields::Ril(mut f) if info.syntax.contains('J') => {
            if info.ext == Ext::Bjg {
                f.r1 = m;
            }
            f.i2 = rel(rng, addr, total, 32) as u32;
            Fields::Ril(f)
        }
        Fields::RieB(mut f) => {
            f.m3 = m;
            f.ri4 = rel(rng, addr, total, 16) as i16;
            Fields::RieB(f)
        }
        Fields::RieC(mut f) => {
            f.m3 = m;
            f.ri4 = rel(rng, addr, total, 16) as i16;
            Fields::RieC(f)
        }
        Fields::RieE(mut f) => {
            f.ri2 = rel(rng, addr, total, 16) as i16;
            Fields::RieE(f)
        }
        Fields::RieA(mut f) => {
            f.m3 = m;
            Fields::RieA(f)
        }
        Fields::RieG(mut f) => {
            f.m3 = m;
            Fields::RieG(f)
        }
        Fields::Rrs(mut f) => {
            f.m3 = m;
            Fields::Rrs(f)
        }
        Fields::Ris(mut f) => {
            f.m3 = m;
            Fields::Ris(f)
        }
        Fields::Rrf(mut f) if matches!(info.ext, Ext::Cmp | Ext::Cond) => {
            f.r3 = m;
            Fields::Rrf(f)
        }
        Fields::Rsy(mut f) if info.ext == Ext::Cond => {
            f.r3 = m;
            Fields::Rsy(f)
        }
        other => other,
    };
    insn.encode()[..insn.len()].to_vec()
}

/// A sample whose fields binutils accepts (unprinted fields zero), retrying random bits.
fn good_sample(op_idx: usize, variant: u64, rng: &mut Rng, addr: u64, total: u64) -> Vec<u8> {
    for attempt in 0..64 {
        let v = if attempt == 0 { variant } else { 2 + variant % 16 + 16 * attempt };
        let b = sample(op_idx, v, rng, addr, total);
        let (text, _) = disassemble(&b, addr, &Start);
        if OPS[op_idx].ext == Ext::Hid || !text.starts_with('.') {
            return b;
        }
    }
    sample(op_idx, 0, rng, addr, total)
}

/// The corpus: for every opcode, variants 0 (zero fields), 1 (all ones), 2..N random.
fn corpus() -> Vec<u8> {
    // A first pass sizes the corpus so relative targets can stay inside it.
    let per_op = 18u64;
    let total: u64 = OPS.iter().map(|i| i.format.len() as u64 * per_op).sum();
    let mut rng = Rng(0x005e_ed0f_5390);
    let mut out = Vec::new();
    for i in 0..OPS.len() {
        for v in 0..per_op {
            let addr = out.len() as u64;
            out.extend(good_sample(i, v, &mut rng, addr, total));
        }
    }
    out
}

/// Compares our text with objdump's for every line; returns a report of mismatches.
fn compare(bin: &[u8], lines: &[ObjLine]) -> String {
    let mut report = String::new();
    let mut bad = 0;
    let mut pos = 0usize;
    for l in lines {
        assert_eq!(l.addr as usize, pos, "objdump lines must be contiguous");
        let (text, len) = disassemble(&bin[pos..], l.addr, &Start);
        if text != l.text || len != l.bytes.len() {
            bad += 1;
            if bad <= 60 || std::env::var("PV_EMU_ALL").is_ok() {
                let _ = writeln!(
                    report,
                    "{:x}: {:02x?}\n  objdump: {}\n  pv-emu:  {}",
                    l.addr, l.bytes, l.text, text
                );
            }
        }
        pos += l.bytes.len();
    }
    assert_eq!(pos, bin.len(), "objdump covered the whole corpus");
    if bad > 0 {
        let _ = writeln!(report, "{bad} of {} lines differ", lines.len());
    }
    report
}

#[test]
fn recorded_objdump_corpus_matches() {
    let bin = std::fs::read(assets().join("corpus.bin")).expect("corpus.bin");
    let txt = std::fs::read_to_string(assets().join("corpus.txt")).expect("corpus.txt");
    let lines = parse_objdump(&txt);
    assert!(lines.len() > 1000, "corpus too small: {}", lines.len());
    let report = compare(&bin, &lines);
    assert!(report.is_empty(), "{report}");
}

/// Assembles `bin` as raw bytes after a `start` label and returns objdump's text.
pub fn objdump_bytes(dir: &std::path::Path, bin: &[u8]) -> String {
    let mut s = String::from(".text\nstart:\n");
    for chunk in bin.chunks(16) {
        let bytes: Vec<String> = chunk.iter().map(|b| format!("0x{b:02x}")).collect();
        let _ = writeln!(s, ".byte {}", bytes.join(","));
    }
    std::fs::write(dir.join("c.s"), s).unwrap();
    run(Command::new("s390x-linux-gnu-as").arg("-o").arg(dir.join("c.o")).arg(dir.join("c.s")));
    run(Command::new("s390x-linux-gnu-objdump").arg("-d").arg(dir.join("c.o")))
}

#[test]
fn live_objdump_corpus_matches() {
    if !tools_or_skip(
        "live_objdump_corpus_matches",
        &["s390x-linux-gnu-as", "s390x-linux-gnu-objdump"],
    ) {
        return;
    }
    let dir = scratch("objdump");
    let bin = corpus();
    let txt = objdump_bytes(&dir, &bin);
    if std::env::var("PV_EMU_REGEN").is_ok_and(|v| v == "1") {
        std::fs::write(assets().join("corpus.bin"), &bin).unwrap();
        std::fs::write(assets().join("corpus.txt"), &txt).unwrap();
    }
    let report = compare(&bin, &parse_objdump(&txt));
    assert!(report.is_empty(), "{report}\n(objdump input kept in {})", dir.display());
    let _ = std::fs::remove_dir_all(&dir);
}
