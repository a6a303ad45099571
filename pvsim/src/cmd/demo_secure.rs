//! `pvsim demo`'s secure run: an SE image whose kernel is our own test program
//! (`guests/machine/secure.c`) and whose stage3b is pv-ipl's loader, started as KVM does
//! (`pv_boot`) on the ultravisor model and run by the hypervisor's loop for secure CPUs
//! (`pv_run`): the ultravisor decrypts and verifies the image, stage3b moves the kernel
//! and its command line into place (se-format.md §3.5), and the program prints through
//! the SCLP console, each SERVC reaching the host only as a format-4 interception with
//! the SCCB in the SIDA (uv-spec.md §5).

use std::io::Cursor;

use pv_core::uvc::Ultravisor as _;
use pv_core::{GuestAbs, Psw};
use pv_header::ecc::CustomerKey;
use pv_header::hdr::SeHdrBuilder;
use pv_header::hkd::HostKeyDocument;
use pv_header::rand::OsRandom;
use pv_hypervisor::loader::elf;
use pv_hypervisor::pv_boot::{self, PvLayout};
use pv_hypervisor::pv_run::{PvRun, PvRunEnd, PvRunOptions, PvRunStats};
use pv_ipl::image::{CreateOptions, ImageInfo, ImageInputs, create_image};
use pv_ultravisor::{MachineGeneration, MachineSpec, Ultravisor};

use crate::error::CliError;

/// Host storage layout (as for the rest of the demo).
const LAYOUT: PvLayout = PvLayout::SPARSE_8G;
/// Instructions the secure guest may run at most.
const BUDGET: u64 = 500_000_000;

/// What the secure run showed.
pub struct SecureRun {
    /// Pages the ultravisor unpacked.
    pub pages: u64,
    /// What the guest wrote to its console.
    pub console: Vec<u8>,
    /// How the run ended.
    pub end: PvRunEnd,
    /// The host's counts of SIE entries, imports and interceptions.
    pub stats: PvRunStats,
}

/// The kernel image of an ELF program linked to run from absolute 0x10000 (lowcore at 0):
/// its loadable bytes at their addresses from 0, as the image's kernel component starts
/// at absolute 0 (stage3b drops the first 64 KiB).
fn kernel_image(program: &[u8]) -> Result<Vec<u8>, CliError> {
    let bad = || CliError::Usage("demo: the bundled guest is not a loadable ELF");
    let img = elf::parse(program).map_err(|_| bad())?;
    let mut end = 0u64;
    for s in &img.segments {
        end = end.max(s.paddr.checked_add(s.filesz).ok_or_else(bad)?);
    }
    let mut flat = vec![0u8; usize::try_from(end).map_err(|_| bad())?];
    for s in &img.segments {
        let (at, off, len) = (s.paddr as usize, s.offset as usize, s.filesz as usize);
        let src = program.get(off..off + len).ok_or_else(bad)?;
        flat[at..at + len].copy_from_slice(src);
    }
    Ok(flat)
}

/// Builds the image for `host_crt` (kernel `program`, command line `cmdline`, our
/// stage3b), boots it on a z16 ultravisor that holds `host` and runs its CPU.
pub fn run(
    program: &[u8],
    cmdline: &[u8],
    host_crt: &[u8],
    host: CustomerKey,
) -> Result<SecureRun, CliError> {
    let kernel = kernel_image(program)?;
    let hkd = HostKeyDocument::read(host_crt)?;
    let builder = SeHdrBuilder::new([*hkd.public_key()], Psw::new_64bit(0));
    let inputs = ImageInputs {
        kernel: &mut &kernel[..],
        ramdisk: None,
        cmdline: Some(&mut &cmdline[..]),
        stage3a: None,
        stage3b: Some(pv_ipl::loaders::STAGE3B),
    };
    let mut out = Cursor::new(Vec::new());
    create_image(&mut out, builder, inputs, &CreateOptions::default(), &mut OsRandom)?;
    let image = out.into_inner();

    let mut uv = Ultravisor::new(MachineSpec::preset(MachineGeneration::Z16).with_host_key(host));
    // What stage3a would leave behind: the image at guest absolute 0.
    if uv.host_storage().write(GuestAbs(LAYOUT.mso), &image).is_err() {
        return Err(CliError::Usage("demo: the image does not fit the guest"));
    }
    let info = ImageInfo::from_bytes(&image)?;
    let hdr = usize::try_from(info.header_offset)
        .ok()
        .and_then(|o| image.get(o..)?.get(..usize::try_from(info.header.sehs()).ok()?))
        .ok_or(CliError::Usage("demo: the header is cut off"))?;
    let guest =
        pv_boot::boot(&mut uv, &LAYOUT, hdr, info.components(), 1).map_err(CliError::Refused)?;
    let mut cpu = PvRun::new(LAYOUT, &guest, PvRunOptions::default());
    let failed = |e: pv_hypervisor::pv_run::PvRunError<pv_ultravisor::Error>| {
        eprintln!("demo: the secure run failed: {e}");
        CliError::Usage("demo: the secure guest did not run to its end")
    };
    cpu.start(&mut uv).map_err(failed)?;
    let end = cpu.run(&mut uv, BUDGET).map_err(failed)?;
    Ok(SecureRun { pages: guest.pages, console: cpu.take_console(), end, stats: cpu.stats() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_image_places_segments_at_their_addresses() {
        let program = include_bytes!("../../../guests/machine/bin/secure.elf");
        let flat = kernel_image(program).unwrap();
        // The lowcore segment at 0 (the short IPL PSW), the entry at 0x10000: lghi %r1,2.
        assert_eq!(flat[..8], 0x0008_0000_8001_0000u64.to_be_bytes());
        assert_eq!(flat[0x10000..0x10004], [0xa7, 0x19, 0x00, 0x02]);
        assert!(kernel_image(b"not an elf").is_err());
    }
}
