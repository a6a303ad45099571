//! Loading a program into guest storage the way `qemu-system-s390x -kernel` does
//! (machine.md, "Image layout and loading"; QEMU's `hw/s390x/ipl.c`):
//!
//! - an ELF executable ([`elf`]) is placed segment by segment at the physical addresses,
//!   the bytes between file size and memory size zeroed, and entered at its entry point;
//! - any other file is a raw image, copied to absolute 0 and entered at the address of
//!   the short PSW at absolute 0 (bits 33-63 of its second word);
//! - the boot CPU starts in 64-bit addressing mode with DAT off, all interruptions
//!   masked, key 0, supervisor state;
//! - for images entered at 0x10000 (the Linux/kvm-unit-tests layout) the command line is
//!   copied, NUL-terminated, to 0x10480 (`ipl_args`, up to 0x10fff), and an initial RAM
//!   disk is loaded at the first MiB boundary at or above 8 MiB that leaves 1 MiB after
//!   the image, with its address and size stored at 0x10408 and 0x10410.

pub mod elf;

use pv_core::Psw;

use crate::Error;
use crate::memory::GuestMemory;
use crate::storage::MachineMemory;

/// The entry point of images with a kernel parameter area.
pub const KERNEL_ENTRY: u64 = 0x10000;
/// Where the command line goes.
pub const CMDLINE_ADDR: u64 = 0x10480;
/// The end (exclusive) of the command-line area.
pub const CMDLINE_END: u64 = 0x11000;
/// Where the initial RAM disk's address is stored.
pub const INITRD_START_PARM: u64 = 0x10408;
/// Where the initial RAM disk's size is stored.
pub const INITRD_SIZE_PARM: u64 = 0x10410;
/// The lowest initial RAM disk address.
pub const INITRD_MIN_ADDR: u64 = 8 << 20;

/// How an image file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An ELF executable.
    Elf,
    /// A raw image loaded at 0.
    Raw,
}

/// A parsed program image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kernel {
    bytes: Vec<u8>,
    format: Format,
    entry: u64,
    segments: Vec<elf::Segment>,
}

impl Kernel {
    /// Recognizes and parses an image (ELF if it has the ELF magic, raw otherwise).
    pub fn parse(bytes: Vec<u8>) -> Result<Self, Error> {
        if elf::is_elf(&bytes) {
            let e = elf::parse(&bytes)?;
            return Ok(Self { bytes, format: Format::Elf, entry: e.entry, segments: e.segments });
        }
        if bytes.len() < 8 {
            return Err(Error::RawImageTooShort { len: bytes.len() });
        }
        let entry =
            u64::from(u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]])) & 0x7fff_ffff;
        let len = bytes.len() as u64;
        let seg = elf::Segment { offset: 0, paddr: 0, filesz: len, memsz: len };
        Ok(Self { bytes, format: Format::Raw, entry, segments: vec![seg] })
    }

    /// The image format.
    pub const fn format(&self) -> Format {
        self.format
    }

    /// The entry point.
    pub const fn entry(&self) -> u64 {
        self.entry
    }

    /// The segments to load.
    pub fn segments(&self) -> &[elf::Segment] {
        &self.segments
    }

    /// The end (exclusive) of the highest segment.
    pub fn end(&self) -> u64 {
        self.segments.iter().map(|s| s.paddr + s.memsz).max().unwrap_or(0)
    }
}

/// What comes with the image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BootParams {
    /// The kernel command line (without NUL).
    pub cmdline: Option<Vec<u8>>,
    /// The initial RAM disk.
    pub initrd: Option<Vec<u8>>,
}

/// Storage a loader writes into: like [`pv_core::Storage::write`], but without setting
/// reference and change bits where the storage can avoid it.
pub trait LoadTarget: pv_core::Storage {
    /// Writes `data` at absolute `addr`.
    fn load_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), pv_core::StorageFault>;
}

impl LoadTarget for GuestMemory {
    fn load_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), pv_core::StorageFault> {
        self.load(addr, data)
    }
}

impl LoadTarget for MachineMemory {
    fn load_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), pv_core::StorageFault> {
        match self {
            Self::Plain(m) => m.load(addr, data),
            // Through the ultravisor's checked host view.
            Self::Ultravisor { uv, .. } => uv.storage().write(pv_core::GuestAbs(addr), data),
        }
    }
}

fn fits<M: LoadTarget + ?Sized>(
    mem: &M,
    what: &'static str,
    addr: u64,
    len: u64,
) -> Result<(), Error> {
    let size = mem.size();
    if addr.checked_add(len).is_none_or(|e| e > size) {
        return Err(Error::DoesNotFit { what, addr, len, size });
    }
    Ok(())
}

/// Loads `kernel` and `params` into `mem` and returns the boot CPU's PSW.
pub fn load<M: LoadTarget + ?Sized>(
    mem: &mut M,
    kernel: &Kernel,
    params: &BootParams,
) -> Result<Psw, Error> {
    let cmdline = params.cmdline.as_deref().filter(|c| !c.is_empty());
    if (cmdline.is_some() || params.initrd.is_some()) && kernel.entry != KERNEL_ENTRY {
        return Err(Error::NoParameterArea { entry: kernel.entry });
    }
    for s in &kernel.segments {
        fits(mem, "image segment", s.paddr, s.memsz)?;
    }
    let load = |mem: &mut M, what, addr: u64, data: &[u8]| {
        mem.load_bytes(addr, data).map_err(|_| Error::DoesNotFit {
            what,
            addr,
            len: data.len() as u64,
            size: pv_core::Storage::size(mem),
        })
    };
    for s in &kernel.segments {
        let data = &kernel.bytes[s.offset as usize..(s.offset + s.filesz) as usize];
        load(mem, "image segment", s.paddr, data)?;
        // Zero the rest explicitly: a re-IPL loads over used storage.
        let mut at = s.paddr + s.filesz;
        let end = s.paddr + s.memsz;
        let zeros = [0u8; 4096];
        while at < end {
            let n = (end - at).min(4096);
            load(mem, "image segment", at, &zeros[..n as usize])?;
            at += n;
        }
    }
    if let Some(c) = cmdline {
        let max = (CMDLINE_END - CMDLINE_ADDR - 1) as usize;
        if c.len() > max {
            return Err(Error::CmdlineTooLong { len: c.len(), max });
        }
        let mut z = c.to_vec();
        z.push(0);
        load(mem, "command line", CMDLINE_ADDR, &z)?;
    }
    if let Some(rd) = &params.initrd {
        let mut at = INITRD_MIN_ADDR;
        while kernel.end() + (1 << 20) > at {
            at += 1 << 20;
        }
        fits(mem, "initial RAM disk", at, rd.len() as u64)?;
        load(mem, "initial RAM disk", at, rd)?;
        load(mem, "initial RAM disk address", INITRD_START_PARM, &at.to_be_bytes())?;
        load(mem, "initial RAM disk size", INITRD_SIZE_PARM, &(rd.len() as u64).to_be_bytes())?;
    }
    Ok(Psw::new_64bit(kernel.entry))
}

#[cfg(test)]
mod tests {
    use pv_core::{GuestAbs, Storage};

    use super::*;

    fn read(m: &mut GuestMemory, at: u64, n: usize) -> Vec<u8> {
        let mut b = vec![0u8; n];
        m.read(GuestAbs(at), &mut b).unwrap();
        b
    }

    #[test]
    fn elf_segments_command_line_and_initrd() {
        // kvm-unit-tests' layout: lowcore PSWs at 0, text at 0x10000, bss beyond filesz.
        let mut low = vec![0u8; 0x1b0];
        low[..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 1, 0, 0]);
        let f = elf::tests::build(0x10000, &[(0, &low, 0x1b0), (0x10000, &[7; 16], 0x3000)]);
        let k = Kernel::parse(f).unwrap();
        assert_eq!((k.format(), k.entry(), k.end()), (Format::Elf, 0x10000, 0x13000));
        let mut m = GuestMemory::new(32 << 20).unwrap();
        m.load(0x12000, &[0xee; 8]).unwrap();
        let p = BootParams { cmdline: Some(b"test 123".to_vec()), initrd: Some(vec![5; 3]) };
        let psw = load(&mut m, &k, &p).unwrap();
        assert_eq!(psw, Psw { mask: 0x0000_0001_8000_0000, addr: 0x10000 });
        assert_eq!(read(&mut m, 0, 8), [0, 8, 0, 0, 0x80, 1, 0, 0]);
        assert_eq!(read(&mut m, 0x10000, 16), [7; 16]);
        assert_eq!(read(&mut m, 0x12000, 8), [0; 8], "bss zeroed");
        assert_eq!(read(&mut m, CMDLINE_ADDR, 9), b"test 123\0");
        assert_eq!(read(&mut m, INITRD_START_PARM, 8), (8u64 << 20).to_be_bytes());
        assert_eq!(read(&mut m, INITRD_SIZE_PARM, 8), 3u64.to_be_bytes());
        assert_eq!(read(&mut m, 8 << 20, 3), [5; 3]);
        assert_eq!(m.storage_key(GuestAbs(0x11000)), Ok(0), "loading sets no bits");
    }

    #[test]
    fn raw_image_enters_at_its_short_psw() {
        let mut img = vec![0u8; 0x100];
        img[..8].copy_from_slice(&[0, 8, 0, 0, 0x80, 0, 0x20, 0]);
        let k = Kernel::parse(img.clone()).unwrap();
        assert_eq!((k.format(), k.entry()), (Format::Raw, 0x2000));
        let mut m = GuestMemory::new(1 << 20).unwrap();
        assert_eq!(load(&mut m, &k, &BootParams::default()).unwrap().addr, 0x2000);
        assert_eq!(read(&mut m, 0, 0x100), img);
        // A command line needs the parameter area.
        let p = BootParams { cmdline: Some(b"x".to_vec()), initrd: None };
        assert_eq!(load(&mut m, &k, &p), Err(Error::NoParameterArea { entry: 0x2000 }));
        let empty = BootParams { cmdline: Some(vec![]), initrd: None };
        assert!(load(&mut m, &k, &empty).is_ok());
        assert_eq!(Kernel::parse(vec![0; 7]), Err(Error::RawImageTooShort { len: 7 }));
    }

    #[test]
    fn size_limits() {
        let f = elf::tests::build(0x10000, &[(0x10000, &[1], 0x20_0000)]);
        let k = Kernel::parse(f).unwrap();
        let mut m = GuestMemory::new(1 << 20).unwrap();
        assert!(matches!(
            load(&mut m, &k, &BootParams::default()),
            Err(Error::DoesNotFit { what: "image segment", .. })
        ));
        let mut m = GuestMemory::new(16 << 20).unwrap();
        let long = BootParams { cmdline: Some(vec![b'a'; 0xb80]), initrd: None };
        assert_eq!(load(&mut m, &k, &long), Err(Error::CmdlineTooLong { len: 0xb80, max: 0xb7f }));
        let ok = BootParams { cmdline: Some(vec![b'a'; 0xb7f]), initrd: None };
        assert!(load(&mut m, &k, &ok).is_ok());
        // The image ends at 0x210000: the initrd goes above it plus 1 MiB, at 8 MiB.
        let rd = BootParams { cmdline: None, initrd: Some(vec![1; 9 << 20]) };
        assert!(matches!(
            load(&mut m, &k, &rd),
            Err(Error::DoesNotFit { what: "initial RAM disk", addr: 0x80_0000, .. })
        ));
    }
}
