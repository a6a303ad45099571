//! The checks of the pv-hypervisor fuzz targets (`kernel_loader`, `sclp`, `sccb`), shared by the
//! targets and the stable replay `pv-hypervisor/tests/hyp_fuzz_corpus.rs` (both include
//! this file with `#[path]`).
#![allow(dead_code)]

use pv_core::storage::check_range;
use pv_core::{GuestAbs, Storage, StorageFault};
use pv_hypervisor::host::BufferConsole;
use pv_hypervisor::loader::{
    BootParams, CMDLINE_ADDR, CMDLINE_END, Format, INITRD_SIZE_PARM, INITRD_START_PARM,
    KERNEL_ENTRY, Kernel, LoadTarget, load,
};
use pv_hypervisor::memory::GuestMemory;
use pv_hypervisor::sclp::{Sclp, ScpInfo, command, response};

/// Storage of the loader target: 16 MiB, recording every write.
pub struct Recorder {
    /// The bytes.
    pub mem: Vec<u8>,
    /// Every `(addr, len)` written.
    pub writes: Vec<(u64, u64)>,
}

/// The loader target's storage size (room for an initrd at 8 MiB).
pub const LOAD_SIZE: u64 = 16 << 20;

impl Storage for Recorder {
    fn size(&self) -> u64 {
        self.mem.len() as u64
    }
    fn read(&mut self, addr: GuestAbs, buf: &mut [u8]) -> Result<(), StorageFault> {
        check_range(self.size(), addr, buf.len())?;
        let a = addr.get() as usize;
        buf.copy_from_slice(&self.mem[a..a + buf.len()]);
        Ok(())
    }
    fn write(&mut self, addr: GuestAbs, data: &[u8]) -> Result<(), StorageFault> {
        self.load_bytes(addr.get(), data)
    }
    fn storage_key(&mut self, _: GuestAbs) -> Result<u8, StorageFault> {
        Ok(0)
    }
    fn set_storage_key(&mut self, _: GuestAbs, _: u8) -> Result<(), StorageFault> {
        Ok(())
    }
}

impl LoadTarget for Recorder {
    fn load_bytes(&mut self, addr: u64, data: &[u8]) -> Result<(), StorageFault> {
        let end = addr.checked_add(data.len() as u64);
        assert!(end.is_some_and(|e| e <= self.size()), "write at {addr:#x}+{:#x}", data.len());
        self.writes.push((addr, data.len() as u64));
        let a = addr as usize;
        self.mem[a..a + data.len()].copy_from_slice(data);
        Ok(())
    }
}

/// What a kernel input reached.
#[derive(Debug, Default, Clone, Copy)]
pub struct KernelReach {
    /// ELF parsed.
    pub elf: bool,
    /// Loaded.
    pub loaded: bool,
}

/// `Kernel::parse` then `load` (with a command line and a small initrd when the entry is
/// the parameter area) into 16 MiB: nothing panics, segments lie inside the file, every
/// write lies inside storage and inside a segment or the parameter areas, and the loaded
/// bytes are the file's (segments that do not overlap).
pub fn check_kernel(data: &[u8]) -> KernelReach {
    let Ok(k) = Kernel::parse(data.to_vec()) else { return KernelReach::default() };
    let mut reach = KernelReach { elf: k.format() == Format::Elf, loaded: false };
    for s in k.segments() {
        assert!(s.offset + s.filesz <= data.len() as u64 && s.filesz <= s.memsz);
    }
    let params = match k.entry() == KERNEL_ENTRY {
        true => BootParams {
            cmdline: Some(b"console=ttysclp0".to_vec()),
            initrd: Some(vec![0x5a; 100]),
        },
        false => BootParams::default(),
    };
    let mut m = Recorder { mem: vec![0u8; LOAD_SIZE as usize], writes: vec![] };
    let Ok(psw) = load(&mut m, &k, &params) else { return reach };
    reach.loaded = true;
    assert_eq!(psw.addr, k.entry());
    let inside = |a: u64, n: u64| {
        k.segments().iter().any(|s| s.paddr <= a && a + n <= s.paddr + s.memsz)
            || (CMDLINE_ADDR <= a && a + n <= CMDLINE_END)
            || a == INITRD_START_PARM && n == 8
            || a == INITRD_SIZE_PARM && n == 8
            || (a >= 8 << 20 && n == 100)
    };
    for &(a, n) in &m.writes {
        assert!(inside(a, n), "write at {a:#x}+{n:#x} outside the image's areas");
    }
    let segs = k.segments();
    for (i, s) in segs.iter().enumerate() {
        let overlaps = segs
            .iter()
            .enumerate()
            .any(|(j, t)| j != i && t.paddr < s.paddr + s.memsz && s.paddr < t.paddr + t.memsz);
        let param = s.paddr < CMDLINE_END && KERNEL_ENTRY + 0x400 < s.paddr + s.memsz;
        if overlaps || param || params.initrd.is_some() && s.paddr + s.memsz > 8 << 20 {
            continue;
        }
        let (p, f, ms) = (s.paddr as usize, s.filesz as usize, s.memsz as usize);
        let o = s.offset as usize;
        assert_eq!(m.mem[p..p + f], data[o..o + f]);
        assert!(m.mem[p + f..p + ms].iter().all(|&b| b == 0));
    }
    reach
}

/// Every response code the SCLP may store.
pub const RESPONSES: [u16; 11] = [
    response::INVALID_MASK_LENGTH,
    response::NORMAL_READ,
    response::NORMAL,
    response::BOUNDARY_VIOLATION,
    response::INVALID_COMMAND,
    response::INSUFFICIENT_LENGTH,
    response::INVALID_FUNCTION,
    response::NO_EVENT_BUFFERS,
    response::INVALID_SELECTION_MASK,
    response::INCONSISTENT_LENGTHS,
    response::EVENT_BUFFER_SYNTAX,
];

/// SCLP storage: 1 MiB.
pub const SCLP_SIZE: u64 = 1 << 20;

const COMMANDS: [u32; 6] = [
    command::READ_SCP_INFO,
    command::READ_SCP_INFO_FORCED,
    command::READ_CPU_INFO,
    command::READ_EVENT_DATA,
    command::WRITE_EVENT_DATA,
    command::WRITE_EVENT_MASK,
];

/// The machine facts and the SCLP a program's configuration byte `cfg` asks for (bit 0
/// extended-length SCCBs, bit 1 two CPUs, bit 2 console input queued).
fn sclp_of(cfg: u8) -> (ScpInfo, Sclp) {
    let info = ScpInfo {
        memory: SCLP_SIZE,
        increment_shift: 20,
        cpus: if cfg & 2 != 0 { vec![0, 1] } else { vec![0] },
        extended_length: cfg & 1 != 0,
    };
    let mut sclp = Sclp::default();
    if cfg & 4 != 0 {
        sclp.events.push_input(b"fuzz input\n");
    }
    (info, sclp)
}

/// SERVICE CALL programs: byte 0 configuration (bit 0 extended-length SCCBs, bit 1 two
/// CPUs, bit 2 console input queued), then steps `cmd page off flags len_hi len_lo` and
/// `len` SCCB bytes: `cmd` < 0xf0 picks a known command (the resource byte from `flags`),
/// else a raw command word follows in 4 bytes; the SCCB goes to `page` × 4 KiB (of 1 MiB
/// and some beyond) plus `off` × 8 (+ 1 when flags bit 0 is set, unaligned); flags bit 1
/// puts the CPU prefix at that page. Every call that completes stores a known response
/// code and changes nothing outside the SCCB (checked 8 KiB around it); a program
/// exception changes nothing.
/// Returns how many calls completed with a normal response.
pub fn check_sclp(data: &[u8]) -> usize {
    let Some((&cfg, mut rest)) = data.split_first() else { return 0 };
    let (info, mut sclp) = sclp_of(cfg);
    let mut mem = GuestMemory::new(SCLP_SIZE).unwrap();
    let mut con = BufferConsole::default();
    let mut normal = 0;
    while rest.len() >= 6 {
        let (step, r) = rest.split_at(6);
        rest = r;
        let cmd = if step[0] < 0xf0 {
            COMMANDS[usize::from(step[0]) % COMMANDS.len()] | u32::from(step[3]) << 8
        } else {
            let Some((w, r)) = rest.split_at_checked(4) else { return normal };
            rest = r;
            u32::from_be_bytes(w.try_into().unwrap())
        };
        let sccb =
            u64::from(step[1]) % 260 * 4096 + u64::from(step[2]) * 8 + u64::from(step[3] & 1);
        let prefix = if step[3] & 2 != 0 { (sccb & !0x1fff) as u32 } else { 0x2000 * 7 };
        let len = usize::from(u16::from_be_bytes([step[4], step[5]])).min(rest.len());
        let (bytes, r) = rest.split_at(len);
        rest = r;
        let mut sccb_bytes = bytes.to_vec();
        if sccb_bytes.len() >= 8 {
            // The handler must store its own response.
            sccb_bytes[6..8].copy_from_slice(&[0xff, 0xff]);
        }
        let room = SCLP_SIZE.saturating_sub(sccb).min(sccb_bytes.len() as u64) as usize;
        if room > 0 {
            mem.write(GuestAbs(sccb), &sccb_bytes[..room]).unwrap();
        }
        // The window an SCCB (at most 64 KiB) can touch, and 8 KiB around it.
        let lo = sccb.min(SCLP_SIZE).saturating_sub(0x2000);
        let hi = (sccb + 0x1_2000).min(SCLP_SIZE);
        let mut before = vec![0u8; (hi - lo) as usize];
        mem.read(GuestAbs(lo), &mut before).unwrap();
        let out = sclp.service_call(&mut mem, &info, &mut con, cmd, sccb, prefix);
        let mut after = vec![0u8; (hi - lo) as usize];
        mem.read(GuestAbs(lo), &mut after).unwrap();
        match out {
            Ok(param) => {
                assert_eq!(param & !1, sccb as u32 & !3);
                let s = (sccb - lo) as usize;
                let l = usize::from(u16::from_be_bytes([before[s], before[s + 1]]));
                assert!(l >= 8 && s + l <= after.len());
                let rc = u16::from_be_bytes([after[s + 6], after[s + 7]]);
                assert!(RESPONSES.contains(&rc), "response {rc:#06x} to {cmd:#010x}");
                assert!(before[..s] == after[..s] && before[s + l..] == after[s + l..]);
                normal += usize::from(rc == response::NORMAL || rc == response::NORMAL_READ);
            }
            Err(_) => assert!(before == after, "a program exception changed storage"),
        }
    }
    normal
}

/// SERVICE CALL as a PV host gets it (`Sclp::process_sccb`): the SCCB as bytes out of a
/// secure guest's SIDA, which the ultravisor checked for address and boundary only, so
/// any content. Byte 0 as for [`check_sclp`], then steps `cmd len_hi len_lo` and `len`
/// (at most 4096) SCCB bytes whose length field is made the buffer's (the ultravisor
/// copies exactly the declared length); `cmd` picks a known command, the resource byte
/// from `len_lo`, or with `cmd` >= 0xf0 the raw word `cmd len_hi len_lo cmd`. Every
/// call stores a known response code. Returns how many calls completed normally.
pub fn check_sccb(data: &[u8]) -> usize {
    let Some((&cfg, mut rest)) = data.split_first() else { return 0 };
    let (info, mut sclp) = sclp_of(cfg);
    let mut con = BufferConsole::default();
    let mut normal = 0;
    while rest.len() >= 3 {
        let (step, r) = rest.split_at(3);
        rest = r;
        let cmd = if step[0] < 0xf0 {
            COMMANDS[usize::from(step[0]) % COMMANDS.len()] | u32::from(step[2]) << 8
        } else {
            u32::from_be_bytes([step[0], step[1], step[2], step[0]])
        };
        let want = usize::from(u16::from_be_bytes([step[1], step[2]])) % 4097;
        let len = want.min(rest.len());
        let (bytes, r) = rest.split_at(len);
        rest = r;
        let mut sccb = bytes.to_vec();
        if sccb.len() >= 8 {
            sccb[..2].copy_from_slice(&(len as u16).to_be_bytes());
            // The handler must store its own response.
            sccb[6..8].copy_from_slice(&[0xff, 0xff]);
        }
        sclp.process_sccb(&mut sccb, &info, &mut con, cmd);
        assert_eq!(sccb.len(), len, "the SCCB keeps its size");
        if len >= 8 {
            let rc = u16::from_be_bytes([sccb[6], sccb[7]]);
            assert!(RESPONSES.contains(&rc), "response {rc:#06x} to {cmd:#010x}");
            normal += usize::from(rc == response::NORMAL || rc == response::NORMAL_READ);
        }
    }
    normal
}
