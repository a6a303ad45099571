//! `pvsim demo`: an SE boot end to end on the bundled example (assets/PROVENANCE.md) and
//! our own guests:
//!
//! 0. machine: `pvsim run` boots a freestanding s390x program (non-secure);
//! 1. customer: build an SE image for IBM's test host key (`pvsim image create`);
//! 2. anyone: inspect the header (`pvsim image info`);
//! 3. host + ultravisor: start the image as KVM does (`pv_boot`: Unpack + Verify; the
//!    ultravisor opens the header with the host's private key and checks PLD/ALD/TLD);
//! 4. attacker: flip one byte of the kernel in the image and watch the check fail;
//! 5. the whole boot: `pvsim image create` (with our stage3a and stage3b) of
//!    `guests/machine/secure.c`, then `pvsim run --host-key`: stage3a runs non-secure,
//!    DIAG 308 subcodes 8 and 10 make the machine start the image on the ultravisor
//!    model, and the program runs as a secure guest under the hypervisor's SIE loop.

use std::path::Path;

use pv_core::uvc::Ultravisor as _;
use pv_core::{GuestAbs, Storage as _};
use pv_header::component::{ComponentKind, TweakPrefix};
use pv_header::ecc::CustomerKey;
use pv_header::hkd::HostKeyDocument;
use pv_hypervisor::pv_boot::{self, PvBootError, PvLayout};
use pv_ipl::image::ImageInfo;
use pv_ultravisor::{MachineGeneration, MachineSpec, Ultravisor};

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
/// Our own program that tells whether it runs as a secure guest (guests/machine/secure.c),
/// as a raw kernel image.
const SECURE: &[u8] = include_bytes!("../../../guests/machine/bin/secure.img");
/// Its command line in the demo: it reports PASS only as a secure guest.
const SECURE_CMDLINE: &str = "expect=secure from the pvsim demo";

/// Host storage layout of the demo machine (8 GiB, sparse): the guest at 4 GiB, donated
/// storage from 2 GiB.
const LAYOUT: PvLayout = PvLayout::SPARSE_8G;

/// What the ultravisor side found.
pub struct UnpackReport {
    /// Pages unpacked.
    pub pages: u64,
    /// The decrypted command line (up to its NUL), as the guest sees it.
    pub cmdline: Option<Vec<u8>>,
    /// The decrypted kernel's first bytes, as the guest sees it.
    pub kernel_head: Vec<u8>,
    /// Whether the host's view of the kernel's first page faults (PGM 0x3d).
    pub host_locked_out: bool,
}

/// Loads `image` at guest absolute 0 of a z16 machine whose ultravisor (pv-ultravisor)
/// holds `host`, and starts it as KVM does (pv-hypervisor's `pv_boot`: Initialize, Create
/// Secure Configuration and CPU, Set Secure Configuration Parameters, Unpack per page,
/// Verify; uv-spec.md §3.2). A failing UVC comes back as [`PvBootError::Uvc`].
pub fn unpack_and_verify(
    image: &[u8],
    host: CustomerKey,
) -> Result<Result<UnpackReport, PvBootError<pv_ultravisor::Error>>, CliError> {
    let info = ImageInfo::from_bytes(image)?;
    let hdr = usize::try_from(info.header_offset)
        .ok()
        .and_then(|o| image.get(o..)?.get(..usize::try_from(info.header.sehs()).ok()?))
        .ok_or(CliError::Usage("demo: the header is cut off"))?;
    let spec = MachineSpec::preset(MachineGeneration::Z16).with_host_key(host);
    let mut uv = Ultravisor::new(spec);
    if uv.host_storage().write(GuestAbs(LAYOUT.mso), image).is_err() {
        return Err(CliError::Usage("demo: the image does not fit the guest"));
    }
    let guest = match pv_boot::boot(&mut uv, &LAYOUT, hdr, info.components(), 1) {
        Ok(g) => g,
        Err(e) => return Ok(Err(e)),
    };
    let mut report = UnpackReport {
        pages: guest.pages,
        cmdline: None,
        kernel_head: Vec::new(),
        host_locked_out: false,
    };
    for c in info.components() {
        let mut view = uv
            .guest_storage(guest.cpus[0])
            .map_err(|_| CliError::Usage("demo: the secure CPU is gone"))?;
        let mut plain = vec![0u8; usize::try_from(c.len).unwrap_or(0).min(4096)];
        if view.read(GuestAbs(c.addr), &mut plain).is_err() {
            return Err(CliError::Usage("demo: the guest cannot read its own component"));
        }
        match TweakPrefix(c.tweak_prefix).kind() {
            Some(ComponentKind::Cmdline) => {
                let end = plain.iter().position(|&b| b == 0).unwrap_or(plain.len());
                report.cmdline = Some(plain[..end].to_vec());
            }
            Some(ComponentKind::Kernel) => {
                report.kernel_head = plain[..16.min(plain.len())].to_vec();
                let mut b = [0u8; 16];
                report.host_locked_out =
                    uv.host_storage().read(GuestAbs(LAYOUT.mso + c.addr), &mut b).is_err();
            }
            _ => {}
        }
    }
    Ok(Ok(report))
}

/// Shows `shown` as a command line and runs `args` as pvsim would.
fn run_cli(shown: &[&str], args: &[&str]) -> Result<(), CliError> {
    outln!("$ {}", shown.join(" "))?;
    let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(args)
        .map_err(|_| CliError::Usage("demo: internal argument error"))?;
    out::flush()?;
    crate::cmd::run(cli)
}

/// `pvsim image create` of `inputs` (`-i`, `-r`, `-p`) for the host-key document `crt`
/// into `out` (shown without the `--overwrite` it runs with).
fn image_create(inputs: &[&str], crt: &str, out: &str) -> Result<(), CliError> {
    let mut args = vec!["pvsim", "image", "create"];
    args.extend_from_slice(inputs);
    args.extend(["-k", crt, "--no-verify", "--no-component-check", "-o", out]);
    let shown = args.clone();
    args.push("--overwrite");
    run_cli(&shown, &args)
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

    outln!("pvsim demo: an s390x program booted on the emulated machine, then IBM Secure")?;
    outln!("Execution images built, inspected, unpacked and verified by the ultravisor model,")?;
    outln!("and one of them run as a secure guest under the demo hypervisor's SIE loop")?;

    step(0, "machine: pvsim run boots a freestanding s390x program (guests/machine/hello.c)")?;
    let hello = write_asset(dir, "hello.elf", HELLO)?;
    let run = ["pvsim", "run", "--kernel", &hello, "--memory", "64M", "--append", "test 123"];
    run_cli(&run, &run)?;

    step(1, "customer: pvsim image create (host key: IBM's public test key)")?;
    image_create(&["-i", &kernel, "-r", &ramdisk, "-p", &parm], &crt, &image_s)?;

    step(2, "anyone: pvsim image info --format text:full (no key: not verified)")?;
    let hdr = crate::cmd::info::read_header(&image)?;
    out::text(&crate::cmd::info::render(&hdr, None, false, pv_header::info::Format::TextFull)?)?;

    step(3, "host + ultravisor: start the image as a secure guest (pv-ultravisor, z16)")?;
    let host_key = || {
        std::str::from_utf8(HOST_KEY)
            .map_err(|_| CliError::Usage("demo: bundled key is not PEM"))
            .and_then(|s| CustomerKey::from_pem(s).map_err(CliError::from))
    };
    let hkd = HostKeyDocument::read(HOST_CRT)?;
    outln!("host key hash (phkh): {}", hex::encode(hkd.phkh()))?;
    outln!("host: Initialize, Create Secure Configuration + CPU, Set Secure Configuration")?;
    outln!("      Parameters (the header), Unpack for every page, Verify Unpack")?;
    let bytes = read_file(&image)?;
    let report = unpack_and_verify(&bytes, host_key()?)?.map_err(CliError::Refused)?;
    outln!("unpacked {} pages; PLD, ALD, TLD and page count match the header", report.pages)?;
    if let Some(c) = &report.cmdline {
        outln!("guest sees its command line: {:?}", String::from_utf8_lossy(c))?;
    }
    outln!("guest sees its kernel start: {}", hex::encode(&report.kernel_head))?;
    if report.host_locked_out {
        outln!("host reading the same page: secure-storage access exception (PGM 0x3d)")?;
    }

    step(4, "attacker: flip one byte of the encrypted kernel, then boot it again")?;
    let info = ImageInfo::from_bytes(&bytes)?;
    let mut tampered = bytes.clone();
    let kaddr = info.components().first().map(|c| c.addr).unwrap_or(0) as usize + 100;
    tampered[kaddr] ^= 0x01;
    match unpack_and_verify(&tampered, host_key()?)? {
        Ok(_) => return Err(CliError::Usage("demo: the tampered image was accepted")),
        Err(e) => outln!("rejected by the ultravisor: {e} (0x1b: page list digest)")?,
    }
    step(5, "the whole boot: image create adds our stage3a and stage3b, run --host-key IPLs it")?;
    outln!("(guests/machine/secure.c as the kernel; QEMU with KVM on IBM Z would do the same)")?;
    let secure = write_asset(dir, "secure.img", SECURE)?;
    let parm = write_asset(dir, "secure-parm.txt", SECURE_CMDLINE.as_bytes())?;
    let key = write_asset(dir, "host.key", HOST_KEY)?;
    let se = dir.join("secure.se").to_string_lossy().into_owned();
    image_create(&["-i", &secure, "-p", &parm], &crt, &se)?;
    let boot = ["pvsim", "run", "--kernel", &se, "--host-key", &key];
    run_cli(&boot, &boot)?;
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
