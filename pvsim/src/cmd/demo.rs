//! `pvsim demo`: the customer and ultravisor halves of an SE boot, end to end, on the
//! bundled example (assets/PROVENANCE.md). Until the demo hypervisor exists it stops at
//! the point where the loader would hand over: the ultravisor-side check of the image.
//!
//! 1. customer: build an SE image for IBM's test host key (`pvsim image create`);
//! 2. anyone: inspect the header (`pvsim image info`);
//! 3. ultravisor: open the header with the host's private key, decrypt every secured
//!    component page by page and verify PLD/ALD/TLD/page count (Unpack + Verify);
//! 4. attacker: flip one byte of the kernel in the image and watch the check fail.

use std::path::Path;

use pv_core::GuestAbs;
use pv_header::component::{ComponentKind, Encryption, Tweak, TweakPrefix, Unpacker, XtsKey};
use pv_header::ecc::CustomerKey;
use pv_header::hkd::HostKeyDocument;
use pv_ipl::image::ImageInfo;

use crate::cli::DemoArgs;
use crate::error::CliError;
use crate::files::read_file;
use crate::out::{self, outln};

const KERNEL: &[u8] = include_bytes!("../../assets/kernel.bin");
const RAMDISK: &[u8] = include_bytes!("../../assets/ramdisk.bin");
const PARMLINE: &[u8] = include_bytes!("../../assets/parmline.txt");
const HOST_CRT: &[u8] = include_bytes!("../../assets/host.crt");
const HOST_KEY: &[u8] = include_bytes!("../../assets/host.key");
/// Our own freestanding test program (guests/machine/hello.c, built bytes committed).
const HELLO: &[u8] = include_bytes!("../../../guests/machine/bin/hello.elf");

/// What the ultravisor side found.
pub struct UnpackReport {
    /// Pages decrypted.
    pub pages: u64,
    /// The decrypted command line (up to its NUL).
    pub cmdline: Option<Vec<u8>>,
    /// The decrypted kernel's first bytes.
    pub kernel_head: Vec<u8>,
}

/// Opens the image's header with `host` and unpacks and verifies every secured component,
/// as the ultravisor's Unpack and Verify do (uv-spec §3.4 flow, se-format.md §2.3).
pub fn unpack_and_verify(image: &[u8], host: &CustomerKey) -> Result<UnpackReport, CliError> {
    let info = ImageInfo::from_bytes(image)?;
    let hdr = info.header.open_with_host_key(host)?;
    let key = XtsKey::new(hdr.secrets().xts_key().clone())?;
    let mut unpacker = Unpacker::new(&key, Encryption::from_pcf(info.header.pcf().bits()));
    let mut report = UnpackReport { pages: 0, cmdline: None, kernel_head: Vec::new() };
    for c in info.components() {
        let prefix = TweakPrefix(c.tweak_prefix);
        let mut plain = Vec::new();
        for i in 0..c.len / 4096 {
            let addr = c.addr + i * 4096;
            let at = usize::try_from(addr).map_err(|_| CliError::Usage("image too large"))?;
            let mut page = [0u8; 4096];
            page.copy_from_slice(
                image
                    .get(at..at + 4096)
                    .ok_or(CliError::Usage("a component lies beyond the end of the image"))?,
            );
            unpacker.unpack_page(GuestAbs(addr), Tweak::new(prefix, i * 4096), &mut page)?;
            plain.extend_from_slice(&page);
            report.pages += 1;
        }
        match prefix.kind() {
            Some(ComponentKind::Cmdline) => {
                let end = plain.iter().position(|&b| b == 0).unwrap_or(plain.len());
                report.cmdline = Some(plain[..end].to_vec());
            }
            Some(ComponentKind::Kernel) => report.kernel_head = plain[..16].to_vec(),
            _ => {}
        }
    }
    unpacker.verify(&info.header.digests())?;
    Ok(report)
}

fn step(n: u32, what: &str) -> Result<(), CliError> {
    outln!("\n== {n}. {what}")
}

fn write_asset(dir: &Path, name: &str, data: &[u8]) -> Result<String, CliError> {
    let p = dir.join(name);
    std::fs::write(&p, data).map_err(|e| CliError::io(&p, e))?;
    Ok(p.to_string_lossy().into_owned())
}

/// Runs the demo.
pub fn run(a: &DemoArgs) -> Result<(), CliError> {
    let tmp;
    let dir = match &a.keep {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| CliError::io(d, e))?;
            d.as_path()
        }
        None => {
            tmp = TempDir::new()?;
            tmp.path()
        }
    };
    let kernel = write_asset(dir, "kernel.bin", KERNEL)?;
    let ramdisk = write_asset(dir, "ramdisk.bin", RAMDISK)?;
    let parm = write_asset(dir, "parmline.txt", PARMLINE)?;
    let crt = write_asset(dir, "host.crt", HOST_CRT)?;
    let image = dir.join("demo.se");
    let image_s = image.to_string_lossy().into_owned();

    outln!("pvsim demo: an s390x program booted on the emulated machine, then an IBM Secure")?;
    outln!("Execution image built, inspected and unpacked the way the ultravisor does")?;
    outln!("(booting SE images comes with the ultravisor and the demo hypervisor; see README.md)")?;

    step(0, "machine: pvsim run boots a freestanding s390x program (guests/machine/hello.c)")?;
    let hello = write_asset(dir, "hello.elf", HELLO)?;
    let run = ["pvsim", "run", "--kernel", &hello, "--memory", "64M", "--append", "test 123"];
    outln!("$ {}", run.join(" "))?;
    let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(run)
        .map_err(|_| CliError::Usage("demo: internal argument error"))?;
    crate::cmd::run(cli)?;

    step(1, "customer: pvsim image create (host key: IBM's public test key)")?;
    let args = [
        "pvsim",
        "image",
        "create",
        "-i",
        &kernel,
        "-r",
        &ramdisk,
        "-p",
        &parm,
        "-k",
        &crt,
        "--no-verify",
        "--no-component-check",
        "-o",
        &image_s,
        "--overwrite",
    ];
    outln!("$ {}", args[..args.len() - 1].join(" "))?;
    let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(args)
        .map_err(|_| CliError::Usage("demo: internal argument error"))?;
    crate::cmd::run(cli)?;

    step(2, "anyone: pvsim image info --format text:full (no key: not verified)")?;
    let hdr = crate::cmd::info::read_header(&image)?;
    out::text(&crate::cmd::info::render(&hdr, None, false, pv_header::info::Format::TextFull)?)?;

    step(3, "ultravisor: open the header with the host's private key, unpack, verify")?;
    let host_key = std::str::from_utf8(HOST_KEY)
        .map_err(|_| CliError::Usage("demo: bundled key is not PEM"))
        .and_then(|s| CustomerKey::from_pem(s).map_err(CliError::from))?;
    let hkd = HostKeyDocument::read(HOST_CRT)?;
    outln!("host key hash (phkh): {}", hex::encode(hkd.phkh()))?;
    let bytes = read_file(&image)?;
    let report = unpack_and_verify(&bytes, &host_key)?;
    outln!("unpacked {} pages; PLD, ALD, TLD and page count match the header", report.pages)?;
    if let Some(c) = &report.cmdline {
        outln!("decrypted command line: {:?}", String::from_utf8_lossy(c))?;
    }
    outln!("decrypted kernel starts: {}", hex::encode(&report.kernel_head))?;

    step(4, "attacker: flip one byte of the encrypted kernel, then unpack again")?;
    let info = ImageInfo::from_bytes(&bytes)?;
    let mut tampered = bytes.clone();
    let kaddr = info.components().first().map(|c| c.addr).unwrap_or(0) as usize + 100;
    tampered[kaddr] ^= 0x01;
    match unpack_and_verify(&tampered, &host_key) {
        Ok(_) => return Err(CliError::Usage("demo: the tampered image was accepted")),
        Err(e) => outln!("rejected, as the ultravisor would (Verify fails): {e}")?,
    }
    out::flush()?;
    match &a.keep {
        Some(d) => outln!("\ndemo finished: files kept in {}", d.display())?,
        None => outln!("\ndemo finished (run with --keep DIR to keep the files)")?,
    }
    Ok(())
}

/// A temporary directory removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Result<Self, CliError> {
        let base = std::env::temp_dir();
        for i in 0..100u32 {
            let p = base.join(format!("pvsim-demo-{}-{i}", std::process::id()));
            if std::fs::create_dir(&p).is_ok() {
                return Ok(Self(p));
            }
        }
        Err(CliError::io(&base, std::io::Error::other("cannot create a temporary directory")))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
