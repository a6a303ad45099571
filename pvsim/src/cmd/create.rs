//! `pvsim image create`: pvimg's `create` (se-format.md §3, §6.3).

use std::path::Path;

use pv_header::pcf::PlaintextControlFlags as Pcf;
use pv_header::scf::SecretControlFlags as Scf;

use crate::cli::{CreateArgs, FlagArgs};
use crate::cmd::parse_u64;
use crate::error::CliError;

/// The command-line size pvimg assumes when the kernel does not say (u64 at 0x10430 = 0).
pub const DEFAULT_MAX_CMDLINE: u64 = 896;

/// The plaintext and secret control flags the options ask for (se-format.md §1.2, §1.5):
/// pvimg's defaults (pcf 0xe0, scf 0), changed by each `--enable-*`/`--disable-*` option;
/// `--x-pcf`/`--x-scf` replace the values unchecked.
pub fn control_flags(
    f: &FlagArgs,
    x_pcf: Option<&str>,
    x_scf: Option<&str>,
) -> Result<(Pcf, Scf), CliError> {
    let mut pcf = Pcf::default();
    let mut scf = Scf::empty();
    pcf.set(Pcf::ALLOW_DUMPING, f.enable_dump);
    pcf.set(Pcf::NO_COMPONENT_ENCRYPTION, f.disable_image_encryption);
    if f.disable_pckmo {
        pcf.remove(Pcf::PCKMO_DEFAULT);
    }
    pcf.set(Pcf::PCKMO_HMAC, f.enable_pckmo_hmac);
    pcf.set(Pcf::BACKUP_TARGET_KEYS, f.enable_backup_keys);
    scf.set(Scf::CCK_EXTENSION_SECRET, f.enable_cck_extension_secret);
    scf.set(Scf::CCK_UPDATE_ALLOWED, f.enable_cck_update);
    if let Some(x) = x_pcf {
        pcf = Pcf::from_bits_retain(parse_u64("--x-pcf", x)?);
    }
    if let Some(x) = x_scf {
        scf = Scf::from_bits_retain(parse_u64("--x-scf", x)?);
    }
    Ok((pcf, scf))
}

/// The kernel checks of pvimg (skipped with `--no-component-check`): not ELF, `S390EP` at
/// 0x10008, at least 0x10438 bytes. Returns the kernel's maximum command-line size (u64 at
/// 0x10430; 0 means 896). Reads only the head of the file.
pub fn check_kernel(path: &Path) -> Result<u64, CliError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(0x10438);
    std::fs::File::open(path)
        .and_then(|f| f.take(0x10438).read_to_end(&mut head))
        .map_err(|e| CliError::io(path, e))?;
    check_kernel_head(&head)
}

/// [`check_kernel`] on the first 0x10438 bytes.
pub fn check_kernel_head(head: &[u8]) -> Result<u64, CliError> {
    if head.starts_with(b"\x7fELF") {
        return Err(CliError::NotAKernel("the kernel is an ELF file; a raw binary is needed"));
    }
    if head.len() < 0x10438 {
        return Err(CliError::NotAKernel("the kernel is too small"));
    }
    if &head[0x10008..0x1000e] != b"S390EP" {
        return Err(CliError::NotAKernel("no 'S390EP' at offset 0x10008"));
    }
    let max = pv_core::be::get_u64(head, 0x10430).unwrap_or(0);
    Ok(if max == 0 { DEFAULT_MAX_CMDLINE } else { max })
}

/// The command-line component: the file with a NUL appended unless it ends with one.
/// With a maximum, the size (NUL included) must not exceed it ("897 > 896").
pub fn cmdline_component(raw: Vec<u8>, max: Option<u64>) -> Result<Vec<u8>, CliError> {
    let mut c = raw;
    if c.last() != Some(&0) {
        c.push(0);
    }
    if let Some(max) = max {
        let size = c.len() as u64;
        if size > max {
            return Err(CliError::CmdlineTooLarge { size, max });
        }
    }
    Ok(c)
}

/// Runs `image create`.
pub fn run(a: &CreateArgs) -> Result<(), CliError> {
    let summary = crate::cmd::build::create_image_from_args(a)?;
    eprintln!("{summary}");
    crate::out::outln!("Successfully generated the Secure Execution image.")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(f: impl FnOnce(&mut FlagArgs)) -> (u64, u64) {
        let mut a = FlagArgs::default();
        f(&mut a);
        let (p, s) = control_flags(&a, None, None).unwrap();
        (p.bits(), s.bits())
    }

    #[test]
    fn flag_options_give_the_vectors_values() {
        assert_eq!(flags(|_| {}), (0xe0, 0));
        // B2: --enable-dump --enable-cck-update --enable-pckmo-hmac --enable-backup-keys
        //     --disable-image-encryption
        assert_eq!(
            flags(|f| {
                f.enable_dump = true;
                f.enable_cck_update = true;
                f.enable_pckmo_hmac = true;
                f.enable_backup_keys = true;
                f.disable_image_encryption = true;
            }),
            (0x3000_00f2, 0x2000_0000_0000_0000)
        );
        // B3: --enable-cck-extension-secret --disable-pckmo
        assert_eq!(
            flags(|f| {
                f.enable_cck_extension_secret = true;
                f.disable_pckmo = true;
            }),
            (0, 0x4000_0000_0000_0000)
        );
        let a = FlagArgs::default();
        let (p, s) = control_flags(&a, Some("0x1"), Some("7")).unwrap();
        assert_eq!((p.bits(), s.bits()), (1, 7));
    }

    #[test]
    fn kernel_checks() {
        let mut k = vec![0u8; 0x10438];
        assert!(check_kernel_head(&k).is_err());
        k[0x10008..0x1000e].copy_from_slice(b"S390EP");
        assert_eq!(check_kernel_head(&k).unwrap(), 896);
        k[0x10430..0x10438].copy_from_slice(&4096u64.to_be_bytes());
        assert_eq!(check_kernel_head(&k).unwrap(), 4096);
        assert!(check_kernel_head(&k[..0x10437]).is_err());
        k[..4].copy_from_slice(b"\x7fELF");
        assert!(check_kernel_head(&k).is_err());
    }

    #[test]
    fn cmdline_rules() {
        assert_eq!(cmdline_component(b"ab".to_vec(), None).unwrap(), b"ab\0");
        assert_eq!(cmdline_component(b"ab\0".to_vec(), None).unwrap(), b"ab\0");
        assert!(cmdline_component(vec![b'x'; 895], Some(896)).is_ok());
        let e = cmdline_component(vec![b'x'; 896], Some(896)).unwrap_err();
        assert_eq!(e.to_string(), "The kernel command line is too large: 897 > 896");
    }
}
