//! A minimal ELF64 reader for s390x executables (ELF specification, "ELF Header" and
//! "Program Header"; machine.md, "ELF facts"): big-endian, class 64, `EM_S390`,
//! `ET_EXEC`; only the `PT_LOAD` program headers matter.
//!
//! File header offsets: 0 magic `7f 'E' 'L' 'F'`, 4 class (2 = 64-bit), 5 data
//! (2 = big-endian), 6 version (1), 16 type (u16, 2 = executable), 18 machine (u16,
//! 22 = S/390), 24 entry (u64), 32 program-header offset (u64), 54 program-header entry
//! size (u16, 56), 56 program-header count (u16). Program header: 0 type (u32, 1 =
//! load), 8 file offset, 16 virtual address, 24 physical address, 32 file size,
//! 40 memory size (all u64).

use pv_core::be;

use crate::Error;

/// `PT_LOAD`.
const PT_LOAD: u32 = 1;
/// `EM_S390`.
const EM_S390: u16 = 22;
/// `ET_EXEC`.
const ET_EXEC: u16 = 2;
/// Size of the ELF64 file header.
const EHDR_SIZE: usize = 64;
/// Size of an ELF64 program header.
const PHDR_SIZE: usize = 56;

/// Whether `bytes` start with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// One loadable segment: `memsz` bytes at physical address `paddr`, the first `filesz`
/// from the file at `offset`, the rest zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// File offset of the initialized part.
    pub offset: u64,
    /// Physical (load) address.
    pub paddr: u64,
    /// Bytes taken from the file.
    pub filesz: u64,
    /// Bytes occupied in storage.
    pub memsz: u64,
}

/// The parts of an ELF executable a loader needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfImage {
    /// The entry point.
    pub entry: u64,
    /// The `PT_LOAD` segments in file order.
    pub segments: Vec<Segment>,
}

fn bad(what: &'static str) -> Error {
    Error::Elf { what }
}

/// Parses the file header and program headers of `bytes`.
pub fn parse(bytes: &[u8]) -> Result<ElfImage, Error> {
    if bytes.len() < EHDR_SIZE || !is_elf(bytes) {
        return Err(bad("file shorter than the ELF header or no ELF magic"));
    }
    if bytes[4] != 2 {
        return Err(bad("not a 64-bit (ELFCLASS64) file"));
    }
    if bytes[5] != 2 {
        return Err(bad("not a big-endian (ELFDATA2MSB) file"));
    }
    if bytes[6] != 1 {
        return Err(bad("unknown ELF version"));
    }
    let get16 = |o| be::get_u16(bytes, o).ok_or(bad("truncated header"));
    let get64 = |o| be::get_u64(bytes, o).ok_or(bad("truncated header"));
    if get16(18)? != EM_S390 {
        return Err(bad("not an s390x (EM_S390) file"));
    }
    if get16(16)? != ET_EXEC {
        return Err(bad("not an executable (ET_EXEC) file"));
    }
    let entry = get64(24)?;
    let phoff = get64(32)?;
    let phentsize = usize::from(get16(54)?);
    let phnum = usize::from(get16(56)?);
    if phnum == 0xffff {
        return Err(bad("extended program-header numbering is not supported"));
    }
    if phnum > 0 && phentsize < PHDR_SIZE {
        return Err(bad("program-header entries smaller than 56 bytes"));
    }
    let mut segments = Vec::new();
    for i in 0..phnum {
        let at = usize::try_from(phoff)
            .ok()
            .and_then(|o| o.checked_add(i * phentsize))
            .filter(|&a| a.checked_add(PHDR_SIZE).is_some_and(|e| e <= bytes.len()))
            .ok_or(bad("program headers lie outside the file"))?;
        let ph = &bytes[at..at + PHDR_SIZE];
        if be::get_u32(ph, 0) != Some(PT_LOAD) {
            continue;
        }
        let f = |o| be::get_u64(ph, o).unwrap_or(0);
        let seg = Segment { offset: f(8), paddr: f(24), filesz: f(32), memsz: f(40) };
        if seg.filesz > seg.memsz {
            return Err(bad("a segment's file size exceeds its memory size"));
        }
        let end = seg.offset.checked_add(seg.filesz);
        if end.is_none_or(|e| e > bytes.len() as u64) {
            return Err(bad("a segment's data lies outside the file"));
        }
        if seg.paddr.checked_add(seg.memsz).is_none() {
            return Err(bad("a segment wraps around the address space"));
        }
        segments.push(seg);
    }
    if segments.is_empty() {
        return Err(bad("no loadable (PT_LOAD) segment"));
    }
    Ok(ElfImage { entry, segments })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds an s390x ELF executable with the given (paddr, data, memsz) segments and a
    /// non-load program header first.
    pub fn build(entry: u64, segs: &[(u64, &[u8], u64)]) -> Vec<u8> {
        let phnum = segs.len() + 1;
        let mut b = vec![0u8; EHDR_SIZE + PHDR_SIZE * phnum];
        b[..4].copy_from_slice(b"\x7fELF");
        (b[4], b[5], b[6]) = (2, 2, 1);
        be::put_u16(&mut b, 16, ET_EXEC);
        be::put_u16(&mut b, 18, EM_S390);
        be::put_u32(&mut b, 20, 1);
        be::put_u64(&mut b, 24, entry);
        be::put_u64(&mut b, 32, EHDR_SIZE as u64);
        be::put_u16(&mut b, 52, EHDR_SIZE as u16);
        be::put_u16(&mut b, 54, PHDR_SIZE as u16);
        be::put_u16(&mut b, 56, phnum as u16);
        // PT_NOTE first, to be skipped.
        be::put_u32(&mut b, EHDR_SIZE, 4);
        for (i, (paddr, data, memsz)) in segs.iter().enumerate() {
            let ph = EHDR_SIZE + PHDR_SIZE * (i + 1);
            let off = b.len() as u64;
            be::put_u32(&mut b, ph, PT_LOAD);
            be::put_u64(&mut b, ph + 8, off);
            be::put_u64(&mut b, ph + 16, paddr + 0x1000_0000);
            be::put_u64(&mut b, ph + 24, *paddr);
            be::put_u64(&mut b, ph + 32, data.len() as u64);
            be::put_u64(&mut b, ph + 40, *memsz);
            b.extend_from_slice(data);
        }
        b
    }

    #[test]
    fn parses_load_segments_by_physical_address() {
        let f = build(0x10000, &[(0, &[1, 2], 0x1b0), (0x10000, &[3; 8], 0x20)]);
        let e = parse(&f).unwrap();
        assert_eq!(e.entry, 0x10000);
        assert_eq!(e.segments.len(), 2);
        assert_eq!((e.segments[0].paddr, e.segments[0].filesz, e.segments[0].memsz), (0, 2, 0x1b0));
        assert_eq!(e.segments[1].paddr, 0x10000);
        assert_eq!(&f[e.segments[1].offset as usize..][..8], &[3; 8]);
    }

    #[test]
    fn rejects_malformed_files() {
        let good = build(0x10000, &[(0x10000, &[3; 8], 8)]);
        let mutate = |at: usize, v: &[u8]| {
            let mut f = good.clone();
            f[at..at + v.len()].copy_from_slice(v);
            parse(&f)
        };
        assert!(parse(&good[..40]).is_err());
        assert!(parse(b"\x7fELX").is_err());
        assert!(mutate(4, &[1]).is_err(), "32-bit");
        assert!(mutate(5, &[1]).is_err(), "little-endian");
        assert!(mutate(6, &[0]).is_err(), "version");
        assert!(mutate(18, &[0, 62]).is_err(), "x86-64");
        assert!(mutate(16, &[0, 3]).is_err(), "ET_DYN");
        assert!(mutate(56, &[0xff, 0xff]).is_err(), "PN_XNUM");
        assert!(mutate(54, &[0, 32]).is_err(), "small phentsize");
        assert!(mutate(32, &[0, 0, 0, 0, 0, 1, 0, 0]).is_err(), "phoff past the end");
        let seg = EHDR_SIZE + PHDR_SIZE;
        assert!(mutate(seg + 32, &[0, 0, 0, 0, 0, 0, 0, 9]).is_err(), "filesz > memsz");
        assert!(mutate(seg + 8, &[0, 0, 0, 0, 0, 1, 0, 0]).is_err(), "data past the end");
        assert!(mutate(seg + 24, &[0xff; 8]).is_err(), "wraps");
        assert!(mutate(seg, &[0, 0, 0, 2]).is_err(), "no PT_LOAD");
        assert_eq!(mutate(18, &[0, 3]), Err(Error::Elf { what: "not an s390x (EM_S390) file" }));
    }
}
