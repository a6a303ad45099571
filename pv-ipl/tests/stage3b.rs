//! Our stage3b loader ([`pv_ipl::loaders::STAGE3B`]) booted on pv-emu: `create_image`
//! writes an SE image with it; the test unpacks the image the way the ultravisor does
//! (every component page decrypted in place at its image address, digests verified
//! against the header's), starts a CPU at the header PSW and checks what stage3b leaves
//! in storage and which PSW it ends in (se-format.md §3.5).
#![cfg(feature = "std")]

mod loader_support;

use std::io::Cursor;

use loader_support::{asset, builder};
use pv_core::{GuestAbs, Psw, be};
use pv_emu::disasm::{self, NoSymbols};
use pv_emu::ram::Ram;
use pv_emu::{Cpu, Exit};
use pv_header::component::{ComponentKind, Encryption, Tweak, TweakPrefix, Unpacker, XtsKey};
use pv_header::rand::CounterRandom;
use pv_ipl::image::{CreateOptions, ImageInputs, Input, create_image};
use pv_ipl::layout::{ImageLayout, KERNEL_ENTRY};
use pv_ipl::loader_args::{STAGE3B_ARGS_LEN, Stage3bArgs};
use pv_ipl::loaders::{LoaderFailure, STAGE3B, STAGE3B_ARGS_OFFSET, Stage3bFailure};

/// Storage of the simulated guest.
const RAM_SIZE: usize = 1 << 20;
/// Instructions a boot may take (a 150 KiB kernel needs a few thousand).
const BUDGET: u64 = 1_000_000;
/// The disabled wait the synthetic kernel ends in.
const KERNEL_DONE: Psw = Psw { mask: 0x0002_0001_8000_0000, addr: 0xc0ffee };
/// A kernel larger than its own address + 0x10000, so the copy's source and destination
/// overlap (the kernel component starts at 0x15000).
const KERNEL_SIZE: usize = 0x26a35;
/// The kernel's parameter area (se-format.md §3.5).
const INITRD_START: usize = 0x10408;
const INITRD_SIZE: usize = 0x10410;
const MAX_CMDLINE: usize = 0x10430;
const CMDLINE: usize = 0x10480;

/// A kernel image of `size` bytes: a byte pattern, the maximum cmdline size `max_cmdline`
/// at 0x10430 and, at 0x10000, `larl %r1,.+16; lpswe 0(%r1)` with [`KERNEL_DONE`] at
/// 0x10010.
fn kernel(size: usize, max_cmdline: u64) -> Vec<u8> {
    let mut k: Vec<u8> = (0..size).map(|i| (i * 7 + (i >> 9)) as u8 | 1).collect();
    if size >= CMDLINE {
        let code = [0xc0, 0x10, 0, 0, 0, 8, 0xb2, 0xb2, 0x10, 0x00, 0x07, 0x07, 0x07, 0x07];
        k[0x10000..0x1000e].copy_from_slice(&code);
        be::put_u64(&mut k, 0x10010, KERNEL_DONE.mask);
        be::put_u64(&mut k, 0x10018, KERNEL_DONE.addr);
        be::put_u64(&mut k, MAX_CMDLINE, max_cmdline);
    }
    k
}

/// An image with [`STAGE3B`], unpacked into storage as the ultravisor would.
struct Unpacked {
    ram: Ram,
    layout: ImageLayout,
}

impl Unpacked {
    fn new(kernel: &[u8], ramdisk: Option<&[u8]>, cmdline: Option<&[u8]>) -> Self {
        let (mut rd, mut cl) = (ramdisk.unwrap_or_default(), cmdline.unwrap_or_default());
        let inputs = ImageInputs {
            kernel: &mut &kernel[..],
            ramdisk: ramdisk.map(|_| &mut rd as Input<'_>),
            cmdline: cmdline.map(|_| &mut cl as Input<'_>),
            stage3a: None,
            stage3b: Some(STAGE3B),
        };
        let mut out = Cursor::new(Vec::new());
        let mut rng = CounterRandom::new(b"pv-ipl stage3b");
        let s =
            create_image(&mut out, builder(), inputs, &CreateOptions::default(), &mut rng).unwrap();
        let img = out.into_inner();
        // The host loads the image at absolute 0 ...
        let mut ram = Ram::new(RAM_SIZE);
        ram.bytes_mut()[..img.len()].copy_from_slice(&img);
        // ... and the ultravisor decrypts each component page in place.
        let key = XtsKey::from_slice(&asset("inputs/image.key")).unwrap();
        let mut un = Unpacker::new(&key, Encryption::Enabled);
        for c in &s.ipib.pv().unwrap().components {
            for off in (0..c.len).step_by(4096) {
                let at = (c.addr + off) as usize;
                let mut page = [0u8; 4096];
                page.copy_from_slice(&ram.bytes()[at..at + 4096]);
                let tweak = Tweak::new(TweakPrefix(c.tweak_prefix), off);
                un.unpack_page(GuestAbs(c.addr + off), tweak, &mut page).unwrap();
                ram.bytes_mut()[at..at + 4096].copy_from_slice(&page);
            }
        }
        un.verify(&s.digests).unwrap();
        Self { ram, layout: s.layout }
    }

    /// Where stage3b's argument block is in storage.
    fn args_addr(&self) -> usize {
        self.layout.component(ComponentKind::Stage3b).unwrap().addr as usize + STAGE3B_ARGS_OFFSET
    }

    /// The argument block in storage (what the writer patched in).
    fn args(&self) -> Stage3bArgs {
        let at = self.args_addr();
        Stage3bArgs::parse(&self.ram.bytes()[at..at + STAGE3B_ARGS_LEN]).unwrap()
    }

    /// Replaces the argument block (an image from a writer that breaks the rules).
    fn set_args(&mut self, args: Stage3bArgs) {
        let at = self.args_addr();
        self.ram.bytes_mut()[at..at + STAGE3B_ARGS_LEN].copy_from_slice(&args.to_bytes());
    }

    /// Starts a CPU at the header PSW and runs it to its wait.
    fn boot(&mut self) -> Psw {
        let mut cpu = Cpu::new();
        cpu.state.psw = self.layout.header_psw();
        let exit = cpu.run(&mut self.ram, BUDGET);
        assert_eq!(exit, Exit::Wait { enabled: false }, "psw {:x?}", cpu.state.psw);
        cpu.state.psw
    }
}

/// What storage must hold after a successful boot: `before` with the kernel copied, the
/// initrd parameters stored and the cmdline (if any) at 0x10480.
fn expected_after(before: &[u8], kernel: &[u8], args: &Stage3bArgs, cmdline: &[u8]) -> Vec<u8> {
    let mut want = before.to_vec();
    want[0x10000..kernel.len()].copy_from_slice(&kernel[0x10000..]);
    be::put_u64(&mut want, INITRD_START, args.initrd.src);
    be::put_u64(&mut want, INITRD_SIZE, args.initrd.size);
    want[CMDLINE..CMDLINE + cmdline.len()].copy_from_slice(cmdline);
    want
}

#[test]
fn stage3b_loads_kernel_cmdline_and_initrd() {
    let k = kernel(KERNEL_SIZE, 0);
    let ramdisk: Vec<u8> = (0..3 * 4096 + 100).map(|i| (i % 251) as u8).collect();
    let line = b"root=/dev/ram0 console=ttysclp0 pvsim=stage3b";
    let mut u = Unpacked::new(&k, Some(&ramdisk), Some(line));
    let args = u.args();
    assert_eq!(args, u.layout.stage3b_args());
    assert_eq!(args.psw, Psw::new_64bit(KERNEL_ENTRY));
    assert_eq!(u.layout.header_psw().addr % 4096, 0);
    let before = u.ram.bytes().to_vec();
    // The kernel's source and destination overlap.
    assert!(args.kernel.src + 0x10000 < KERNEL_SIZE as u64);

    assert_eq!(u.boot(), KERNEL_DONE);
    let mut with_nul = line.to_vec();
    with_nul.push(0);
    let want = expected_after(&before, &k, &args, &with_nul);
    let ram = u.ram.bytes();
    assert_eq!(&ram[0x10000..0x10408], &k[0x10000..0x10408]);
    assert_eq!(be::get_u64(ram, INITRD_START), Some(args.initrd.src));
    assert_eq!(be::get_u64(ram, INITRD_SIZE), Some(ramdisk.len() as u64));
    assert_eq!(&ram[CMDLINE..CMDLINE + with_nul.len()], &with_nul[..]);
    assert_eq!(&ram[CMDLINE + with_nul.len()..KERNEL_SIZE], &k[CMDLINE + with_nul.len()..]);
    // Nothing else changed: no stray writes, the initrd stays where it is.
    assert!(ram == &want[..], "storage differs from the expected result");
}

#[test]
fn stage3b_without_cmdline_and_initrd() {
    let k = kernel(0x10800, 0);
    let mut u = Unpacked::new(&k, None, None);
    let args = u.args();
    assert_eq!((args.cmdline.size, args.initrd.size), (0, 0));
    let before = u.ram.bytes().to_vec();
    assert_eq!(u.boot(), KERNEL_DONE);
    // 0x10480 keeps the kernel's bytes; the initrd parameters are zero.
    assert_eq!(u.ram.bytes(), &expected_after(&before, &k, &args, &[])[..]);
    assert_eq!(be::get_u64(u.ram.bytes(), INITRD_START), Some(0));
    assert_eq!(&u.ram.bytes()[CMDLINE..CMDLINE + 16], &k[CMDLINE..CMDLINE + 16]);
}

/// Boots and requires the error wait `f`; storage below the kernel entry and stage3b's
/// code are untouched.
fn boots_into(u: &mut Unpacked, f: Stage3bFailure) {
    let before = u.ram.bytes().to_vec();
    let psw = u.boot();
    assert_eq!(Stage3bFailure::from_psw(&psw), Some(f), "psw {psw:x?}");
    assert_eq!(psw, f.wait_psw());
    let s3b = u.layout.component(ComponentKind::Stage3b).unwrap().addr as usize;
    let ram = u.ram.bytes();
    assert_eq!(&ram[..0x10000], &before[..0x10000]);
    assert_eq!(&ram[s3b..s3b + STAGE3B_ARGS_OFFSET], &STAGE3B[..STAGE3B_ARGS_OFFSET]);
    // The error PSW is built in the argument block's PSW slot.
    let slot = u.args_addr() + 48;
    assert_eq!(&ram[slot..slot + 16], &psw.to_bytes());
}

#[test]
fn stage3b_rejects_a_small_kernel() {
    let k = kernel(0xffff, 0);
    let mut u = Unpacked::new(&k, None, Some(b"quiet"));
    let before = u.ram.bytes().to_vec();
    boots_into(&mut u, Stage3bFailure::KernelTooSmall);
    // Nothing was copied.
    assert_eq!(&u.ram.bytes()[..u.args_addr()], &before[..u.args_addr()]);
}

#[test]
fn stage3b_rejects_a_cmdline_without_nul() {
    let k = kernel(KERNEL_SIZE, 0);
    let mut u = Unpacked::new(&k, None, Some(b"console=ttysclp0"));
    let mut args = u.args();
    args.cmdline.size -= 1; // the writer always appends the NUL; name one byte less
    u.set_args(args);
    boots_into(&mut u, Stage3bFailure::CmdlineNotTerminated);
    // The kernel was copied (step 1) but 0x10480 keeps the kernel's bytes.
    assert_eq!(&u.ram.bytes()[0x10000..KERNEL_SIZE], &k[0x10000..]);
}

/// A cmdline of `len` bytes including the NUL.
fn line(len: usize) -> Vec<u8> {
    (0..len - 1).map(|i| b'a' + (i % 26) as u8).collect()
}

#[test]
fn stage3b_cmdline_default_maximum_is_896() {
    // 896 bytes with the NUL fit ...
    let k = kernel(KERNEL_SIZE, 0);
    let mut u = Unpacked::new(&k, None, Some(&line(896)));
    assert_eq!(u.args().cmdline.size, 896);
    assert_eq!(u.boot(), KERNEL_DONE);
    assert_eq!(&u.ram.bytes()[CMDLINE..CMDLINE + 895], &line(896)[..]);
    assert_eq!(u.ram.bytes()[CMDLINE + 895], 0);
    // ... 897 do not.
    let mut u = Unpacked::new(&k, None, Some(&line(897)));
    boots_into(&mut u, Stage3bFailure::CmdlineTooLong);
}

#[test]
fn stage3b_cmdline_explicit_maximum() {
    let k = kernel(KERNEL_SIZE, 100);
    let mut u = Unpacked::new(&k, None, Some(&line(100)));
    assert_eq!(u.boot(), KERNEL_DONE);
    let mut u = Unpacked::new(&k, None, Some(&line(101)));
    boots_into(&mut u, Stage3bFailure::CmdlineTooLong);
    // A maximum above 896 is honoured too.
    let k = kernel(KERNEL_SIZE, 4096);
    let mut u = Unpacked::new(&k, None, Some(&line(2000)));
    assert_eq!(u.boot(), KERNEL_DONE);
    assert_eq!(&u.ram.bytes()[CMDLINE..CMDLINE + 1999], &line(2000)[..]);
}

#[test]
fn stage3b_rejects_a_layout_it_would_overwrite() {
    let k = kernel(KERNEL_SIZE, 0);
    let ramdisk = [0x11u8; 4096];
    let fresh = || Unpacked::new(&k, Some(&ramdisk), Some(b"quiet"));
    let s3b = fresh().layout.component(ComponentKind::Stage3b).unwrap().addr;
    let breaks: [&dyn Fn(&mut Stage3bArgs); 3] = [
        // The kernel destination would reach stage3b itself.
        &|a| a.kernel.size = s3b + 1,
        // ... the cmdline source.
        &|a| a.cmdline.src = 0x20000,
        // ... the initrd source.
        &|a| a.initrd.src = KERNEL_SIZE as u64 - 1,
    ];
    for (i, bad) in breaks.iter().enumerate() {
        let mut u = fresh();
        let mut args = u.args();
        bad(&mut args);
        u.set_args(args);
        let before = u.ram.bytes().to_vec();
        boots_into(&mut u, Stage3bFailure::Layout);
        assert_eq!(&u.ram.bytes()[..u.args_addr()], &before[..u.args_addr()], "case {i}");
    }
    // A cmdline source below its destination 0x10480 (the copy only moves data down),
    // with a kernel small enough to pass the first check.
    let mut u = fresh();
    let mut args = u.args();
    (args.kernel.size, args.cmdline.src) = (0x10400, 0x10400);
    u.set_args(args);
    boots_into(&mut u, Stage3bFailure::Layout);
    assert_eq!(&u.ram.bytes()[0x10000..0x10400], &k[0x10000..0x10400]);
    // Boundaries: a destination ending exactly at a source is fine.
    let mut u = fresh();
    let mut args = u.args();
    args.initrd.src = KERNEL_SIZE as u64;
    u.set_args(args);
    assert_eq!(u.boot(), KERNEL_DONE);
}

#[test]
fn stage3b_disassembles_and_has_an_empty_argument_block() {
    assert_eq!(STAGE3B.len() % 8, 0);
    assert!(STAGE3B.len() <= 4096);
    assert_eq!(STAGE3B_ARGS_OFFSET, STAGE3B.len() - 64);
    assert!(STAGE3B[STAGE3B_ARGS_OFFSET..].iter().all(|&b| b == 0));
    let code = &STAGE3B[..STAGE3B_ARGS_OFFSET];
    let mut at = 0;
    let mut mnemonics = Vec::new();
    while at < code.len() {
        let (text, len) = disasm::disassemble(&code[at..], at as u64, &NoSymbols);
        assert!(!text.starts_with('.'), "{at:#x}: {text}");
        mnemonics.push(text.split('\t').next().unwrap().to_string());
        at += len;
    }
    assert_eq!(at, code.len());
    for m in ["larl", "mvc", "exrl", "lpswe", "brctg"] {
        assert!(mnemonics.iter().any(|x| x == m), "no {m}");
    }
}

/// What stage3b must do for a kernel of `kernel_size` bytes with maximum `max` at 0x10430
/// and a cmdline of `line_size` bytes including the NUL (se-format.md §3.5).
fn model(kernel_size: usize, line_size: Option<usize>, max: u64) -> Option<Stage3bFailure> {
    let limit = if max == 0 { 896 } else { max };
    if kernel_size < 0x10000 {
        Some(Stage3bFailure::KernelTooSmall)
    } else if line_size.is_some_and(|n| n as u64 > limit) {
        Some(Stage3bFailure::CmdlineTooLong)
    } else {
        None
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Random kernel sizes (some below 0x10000), cmdline lengths and kernel maxima: the
    /// boot ends where the model says, and a successful one leaves exactly the expected
    /// storage.
    #[test]
    fn stage3b_agrees_with_the_model(
        kernel_size in proptest::prop_oneof![0x1000usize..0x10000, 0x10500usize..0x40000],
        line_len in proptest::option::of(0usize..1300),
        max in proptest::sample::select(vec![0u64, 1, 64, 896, 897, 1024, 4096]),
    ) {
        let k = kernel(kernel_size, max);
        let text = line_len.map(|n| line(n + 1));
        let mut u = Unpacked::new(&k, None, text.as_deref());
        let args = u.args();
        let before = u.ram.bytes().to_vec();
        match model(kernel_size, line_len.map(|n| n + 1), max) {
            Some(f) => boots_into(&mut u, f),
            None => {
                proptest::prop_assert_eq!(u.boot(), KERNEL_DONE);
                let mut with_nul = text.unwrap_or_default();
                if line_len.is_some() {
                    with_nul.push(0);
                }
                let want = expected_after(&before, &k, &args, &with_nul);
                proptest::prop_assert!(u.ram.bytes() == &want[..], "storage differs");
            }
        }
    }
}
