//! The command line, with pvimg's option names and rules (se-format.md §6.3 and §5).

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

/// pvsim: build, inspect and run IBM Secure Execution images without IBM Z hardware.
#[derive(Parser, Debug)]
#[command(name = "pvsim", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub cmd: Command,
}

/// Top-level commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create, inspect and test Secure Execution images (like IBM's pvimg).
    #[command(subcommand)]
    Image(ImageCommand),
    /// Run the demo: build an SE image from the bundled example, inspect it, and open and
    /// verify it the way the ultravisor does.
    Demo(DemoArgs),
    /// Boot a program on the non-secure demo machine, as `qemu-system-s390x -kernel` does.
    Run(RunArgs),
}

/// `pvsim run`.
///
/// The console (SCLP ASCII console) is stdout and stdin; `--trace` lines go to stderr.
/// Exit status: 0 when every CPU has stopped (and the program printed no
/// `EXIT: STATUS=n` line, or `n` = 1); `n` when it printed another status; 124 when the
/// instruction limit was reached; 1 on a disabled wait, a hang or another failure.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The program: an s390x ELF executable, or a raw image entered at its short PSW.
    #[arg(long, value_name = "FILE")]
    pub kernel: PathBuf,
    /// The kernel command line, copied to 0x10480.
    #[arg(long, value_name = "STR")]
    pub append: Option<String>,
    /// An initial RAM disk, loaded at 8 MiB or above.
    #[arg(long, value_name = "FILE")]
    pub initrd: Option<PathBuf>,
    /// Guest storage: a number with a K, M, G or T suffix; a bare number means MiB.
    #[arg(long, value_name = "SIZE", default_value = "128M")]
    pub memory: String,
    /// Number of CPUs.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub smp: usize,
    /// Facility-list edits, comma separated: N or +N installs, -N removes, `none`
    /// removes all, `qemu` restores the default (QEMU 7.2's "qemu" CPU model).
    #[arg(long, value_name = "LIST", allow_hyphen_values = true)]
    pub facilities: Option<String>,
    /// Print every executed instruction with the registers it changed (to stderr).
    #[arg(long)]
    pub trace: bool,
    /// Stop after N instructions (all CPUs together) with exit status 124.
    #[arg(long, value_name = "N")]
    pub max_instructions: Option<u64>,
    /// What the DIAG 288 watchdog does on expiry.
    #[arg(long, value_name = "ACTION", value_enum, default_value_t = WatchdogArg::Stop)]
    pub watchdog: WatchdogArg,
    /// Wait for gdb (`gdb-multiarch`, `target remote :PORT`) on 127.0.0.1:PORT before
    /// the first instruction and run under its control (0 picks a free port; the line
    /// "waiting for gdb on 127.0.0.1:PORT" on stderr names it).
    #[arg(long, value_name = "PORT")]
    pub gdb: Option<u16>,
    /// Attach the ultravisor model of a machine generation (default z16): facility 158,
    /// UVC for the program as host, storage through the ultravisor's checked view.
    #[arg(
        long,
        value_name = "GEN",
        value_enum,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "z16"
    )]
    pub ultravisor: Option<UvGeneration>,
    /// Make the machine a PV host, as QEMU with KVM on IBM Z: facility 161, and DIAG 308
    /// subcode 10 starts the program's SE image as a secure guest on the ultravisor model
    /// (z16) holding this host key (the PEM private key of the host-key document the
    /// image was built for).
    #[arg(long, value_name = "FILE", conflicts_with = "ultravisor")]
    pub host_key: Option<PathBuf>,
}

/// `pvsim run --ultravisor`: the machine generation of the ultravisor model.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum UvGeneration {
    /// IBM z15.
    Z15,
    /// IBM z16.
    Z16,
    /// IBM z17.
    Z17,
}

/// `pvsim run --watchdog`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WatchdogArg {
    /// End the run with a failure.
    Stop,
    /// Deliver a restart interruption to CPU 0.
    Restart,
}

/// `pvsim demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Keep the files the demo writes in DIR (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

/// `pvsim image …`.
#[derive(Subcommand, Debug)]
pub enum ImageCommand {
    /// Create an IBM Secure Execution image (`pvimg create`).
    Create(Box<CreateArgs>),
    /// Print information about a Secure Execution image or header (`pvimg info`).
    Info(InfoArgs),
    /// Test whether an image can run on a host (`pvimg test`).
    Test(TestArgs),
}

/// Host-key documents and their verification (pvimg's certificate options).
#[derive(Args, Debug, Default)]
pub struct CertificateOptions {
    /// Use FILE as a host-key document. Can be given several times (one key slot each,
    /// in this order; at most 95).
    #[arg(short = 'k', long = "host-key-document", value_name = "FILE", required = true)]
    pub host_key_documents: Vec<PathBuf>,
    /// Do not verify the host-key documents (insecure; for test keys).
    #[arg(long)]
    pub no_verify: bool,
    /// Use FILE as a certificate for verification (IBM Z signing key, intermediate CA).
    #[arg(short = 'C', long = "cert", value_name = "FILE", required_unless_present = "no_verify")]
    pub certs: Vec<PathBuf>,
    /// Use FILE as a certificate revocation list.
    #[arg(long = "crl", value_name = "FILE")]
    pub crls: Vec<PathBuf>,
    /// Do not download CRLs (pvsim never downloads; accepted for compatibility).
    #[arg(long)]
    pub offline: bool,
    /// Use FILE as the root CA instead of a system trust store.
    #[arg(long, value_name = "FILE")]
    pub root_ca: Option<PathBuf>,
}

/// `pvsim image create`.
#[derive(Args, Debug)]
#[command(
    group(ArgGroup::new("header-flags").multiple(true).conflicts_with_all(["x_pcf", "x_scf"])),
    group(ArgGroup::new("cck-available").multiple(true)),
)]
pub struct CreateArgs {
    /// Use the content of FILE as a raw binary s390x Linux kernel.
    #[arg(short = 'i', long = "kernel", visible_alias = "image", value_name = "FILE")]
    pub kernel: PathBuf,
    /// Use the content of FILE as the initial RAM disk.
    #[arg(short, long, value_name = "FILE")]
    pub ramdisk: Option<PathBuf>,
    /// Use the content of FILE as the kernel command line.
    #[arg(short, long, value_name = "FILE")]
    pub parmfile: Option<PathBuf>,
    /// Write the Secure Execution image to FILE.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Host-key documents and verification.
    #[command(flatten)]
    pub certs: CertificateOptions,
    /// Disable the input component checks (raw s390x kernel, command-line size).
    #[arg(long)]
    pub no_component_check: bool,
    /// Overwrite an existing output file.
    #[arg(long)]
    pub overwrite: bool,
    /// Use the 32 bytes in FILE as the customer communication key (CCK).
    #[arg(long, value_name = "FILE", group = "cck-available", visible_alias = "comm-key")]
    pub cck: Option<PathBuf>,
    /// Use the 32 bytes in FILE as the header protection key.
    #[arg(long, value_name = "FILE", alias = "x-header-key")]
    pub hdr_key: Option<PathBuf>,
    /// Use the 64 bytes in FILE as the image (AES-XTS) key.
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "disable_image_encryption",
        alias = "x-comp-key"
    )]
    pub image_key: Option<PathBuf>,
    /// Header flags.
    #[command(flatten)]
    pub flags: FlagArgs,
    /// Set the PSW address of the header (experimental).
    #[arg(long, value_name = "ADDRESS", hide = true)]
    pub x_psw: Option<String>,
    /// Leave out pvsim's boot loaders (stage3a, stage3b): the layout of IBM's vector
    /// set A, for tests (experimental).
    #[arg(long, hide = true)]
    pub x_no_loaders: bool,
    /// Set the plaintext control flags, unchecked (experimental).
    #[arg(long, value_name = "PCF", hide = true)]
    pub x_pcf: Option<String>,
    /// Set the secret control flags, unchecked (experimental).
    #[arg(long, value_name = "SCF", hide = true)]
    pub x_scf: Option<String>,
}

/// The `--enable-*` / `--disable-*` header flag options (se-format.md §1.2, §1.5).
#[derive(Args, Debug, Default)]
pub struct FlagArgs {
    /// Allow host-initiated dumps (needs --cck or --enable-cck-update).
    #[arg(long, requires = "cck-available", group = "header-flags")]
    pub enable_dump: bool,
    /// Disallow dumps (default).
    #[arg(long, conflicts_with = "enable_dump", group = "header-flags")]
    pub disable_dump: bool,
    /// Require the CCK-derived extension secret in add-secret requests (needs --cck).
    #[arg(long, requires = "cck", group = "header-flags")]
    pub enable_cck_extension_secret: bool,
    /// Do not require the CCK-derived extension secret (default).
    #[arg(long, conflicts_with = "enable_cck_extension_secret", group = "header-flags")]
    pub disable_cck_extension_secret: bool,
    /// Allow updating the CCK later (z17 or newer).
    #[arg(
        long,
        conflicts_with = "enable_cck_extension_secret",
        group = "cck-available",
        group = "header-flags"
    )]
    pub enable_cck_update: bool,
    /// Do not allow CCK updates (default).
    #[arg(long, conflicts_with = "enable_cck_update", group = "header-flags")]
    pub disable_cck_update: bool,
    /// Allow the DEA, TDEA, AES and ECC PCKMO functions (default).
    #[arg(long, group = "header-flags")]
    pub enable_pckmo: bool,
    /// Disallow the DEA, TDEA, AES and ECC PCKMO functions.
    #[arg(long, conflicts_with = "enable_pckmo", group = "header-flags")]
    pub disable_pckmo: bool,
    /// Allow the HMAC PCKMO function.
    #[arg(long, group = "header-flags")]
    pub enable_pckmo_hmac: bool,
    /// Disallow the HMAC PCKMO function (default).
    #[arg(long, conflicts_with = "enable_pckmo_hmac", group = "header-flags")]
    pub disable_pckmo_hmac: bool,
    /// Support backup target keys.
    #[arg(long, group = "header-flags")]
    pub enable_backup_keys: bool,
    /// Do not support backup target keys (default).
    #[arg(long, conflicts_with = "enable_backup_keys", group = "header-flags")]
    pub disable_backup_keys: bool,
    /// Encrypt the components (default).
    #[arg(long, group = "header-flags")]
    pub enable_image_encryption: bool,
    /// Do not encrypt the components (only for components with no confidential content).
    #[arg(long, conflicts_with = "enable_image_encryption", group = "header-flags")]
    pub disable_image_encryption: bool,
}

/// `pvsim image info`.
#[derive(Args, Debug)]
pub struct InfoArgs {
    /// The image or bare header.
    #[arg(value_name = "INPUT", required_unless_present = "print_schema")]
    pub input: Option<PathBuf>,
    /// Print the JSON schema of the output and exit (the only kind: json).
    #[arg(long, value_name = "KIND", value_parser = ["json"], conflicts_with_all = ["hdr_key", "show_secrets", "format"])]
    pub print_schema: Option<String>,
    /// Output format: text, text:full, json, json:pretty, json:minify (default: text on a
    /// terminal, json otherwise).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Decrypt and verify the header with the 32-byte protection key in FILE.
    #[arg(long, value_name = "FILE", alias = "key")]
    pub hdr_key: Option<PathBuf>,
    /// Show the decrypted secrets (CCK, XTS key); needs --hdr-key.
    #[arg(long, requires = "hdr_key")]
    pub show_secrets: bool,
}

/// `pvsim image test`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("test-args").multiple(true).required(true)))]
pub struct TestArgs {
    /// The image or bare header.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// Succeed if the image has a key slot for one of these host-key documents.
    #[arg(
        short = 'k',
        long = "host-key-document",
        value_name = "FILE",
        value_delimiter = ',',
        group = "test-args"
    )]
    pub host_key_documents: Vec<PathBuf>,
    /// Succeed if the image has a key slot for one of the UV's key hashes in FILE
    /// (15 lines of 64 hex digits, as in /sys/firmware/uv/keys/all).
    #[arg(long, value_name = "FILE", conflicts_with = "host_key_documents", group = "test-args")]
    pub key_hashes: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("pvsim").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn create_option_rules_follow_pvimg() {
        let base = ["image", "create", "-i", "k", "-k", "h", "-o", "o", "--no-verify"];
        let ok = |extra: &[&str]| {
            let v: Vec<&str> = base.iter().chain(extra).copied().collect();
            parse(&v).map(|_| ()).map_err(|e| e.to_string())
        };
        assert!(ok(&[]).is_ok());
        assert!(ok(&["--enable-dump", "--cck", "c"]).is_ok());
        assert!(ok(&["--enable-dump", "--comm-key", "c"]).is_ok());
        assert!(ok(&["--enable-dump", "--enable-cck-update"]).is_ok());
        assert!(ok(&["--enable-dump"]).is_err(), "dump needs --cck or --enable-cck-update");
        assert!(ok(&["--enable-cck-extension-secret"]).is_err(), "needs --cck");
        assert!(ok(&["--enable-cck-extension-secret", "--cck", "c"]).is_ok());
        assert!(
            ok(&["--enable-cck-extension-secret", "--cck", "c", "--enable-cck-update"]).is_err()
        );
        assert!(ok(&["--image-key", "x", "--disable-image-encryption"]).is_err());
        assert!(ok(&["--x-pcf", "0x0", "--x-scf", "0"]).is_ok());
        assert!(ok(&["--x-pcf", "0x0", "--enable-pckmo"]).is_err());
        assert!(ok(&["--enable-pckmo", "--disable-pckmo"]).is_err());
        assert!(ok(&["--hdr-key"]).is_err());
        assert!(ok(&["-o", "again"]).is_err());
        assert!(parse(&["image", "create", "-i", "k", "-o", "o", "--no-verify"]).is_err());
        // Without --no-verify, the signing-key certificate is required.
        assert!(parse(&["image", "create", "-i", "k", "-k", "h", "-o", "o"]).is_err());
        assert!(parse(&["image", "create", "-i", "k", "-k", "h", "-o", "o", "-C", "c"]).is_ok());
    }

    #[test]
    fn run_options() {
        let r = parse(&["run", "--kernel", "k.elf", "--smp", "2", "--facilities", "-7,+140"]);
        let Command::Run(a) = r.unwrap().cmd else { panic!("not run") };
        assert_eq!((a.smp, a.memory.as_str()), (2, "128M"));
        assert_eq!(a.facilities.as_deref(), Some("-7,+140"));
        assert!(parse(&["run"]).is_err(), "--kernel is required");
    }

    #[test]
    fn test_needs_a_key_source() {
        assert!(parse(&["image", "test", "img"]).is_err());
        assert!(parse(&["image", "test", "-k", "a,b", "img"]).is_ok());
        assert!(parse(&["image", "test", "--key-hashes", "f", "img"]).is_ok());
        assert!(parse(&["image", "test", "--key-hashes", "f", "-k", "a", "img"]).is_err());
    }
}
