//! Guest-command UVCB layouts (uv-spec.md §1.5: "share", "attest", "guest_addr",
//! "list_secrets", "retr_secr") and the Query UV Information layout (§2).

use super::cmd::UvcCmd;
use super::field::uvcb;

uvcb! {
    /// Set Shared Access, 0x30 bytes (uv-spec.md §1.5 "share").
    pub struct SetSharedUvcb (UvcCmd::SetShared, 0x30) {
        /// 0x20: guest absolute address of the page.
        paddr: u64 = 0x20,
    }
}

uvcb! {
    /// Remove Shared Access, 0x30 bytes (same layout as "share").
    pub struct RemoveSharedUvcb (UvcCmd::RemoveShared, 0x30) {
        /// 0x20: guest absolute address of the page.
        paddr: u64 = 0x20,
    }
}

/// Size of the user-data field of the attestation UVCB.
pub const ATTEST_USER_DATA_LEN: usize = 256;

uvcb! {
    /// Retrieve Attestation Measurement, 0x188 bytes (uv-spec.md §1.5 "attest").
    pub struct AttestUvcb (UvcCmd::Attest, 0x188) {
        /// 0x18, in: guest address of the ARCB.
        arcb_addr: u64 = 0x18,
        /// 0x20, in: continuation token (must be 0).
        cont_token: u64 = 0x20,
        /// 0x2e, in: length of the user data (≤ 256).
        user_data_len: u16 = 0x2e,
        /// 0x30, in: user data.
        user_data: [u8; ATTEST_USER_DATA_LEN] = 0x30,
        /// 0x13c, in: size of the measurement area.
        meas_len: u32 = 0x13c,
        /// 0x140, in: guest address of the measurement area.
        meas_addr: u64 = 0x140,
        /// 0x148, out: the configuration unique id.
        config_uid: [u8; 16] = 0x148,
        /// 0x15c, in: size of the additional-data area.
        add_data_len: u32 = 0x15c,
        /// 0x160, in: guest address of the additional-data area.
        add_data_addr: u64 = 0x160,
    }
}

uvcb! {
    /// Add Secret, 0x48 bytes (uv-spec.md §1.5 "guest_addr").
    pub struct AddSecretUvcb (UvcCmd::AddSecret, 0x48) {
        /// 0x20: guest address of the add-secret request (ASRCB).
        addr: u64 = 0x20,
    }
}

uvcb! {
    /// List Secrets, 0x48 bytes (uv-spec.md §1.5 "list_secrets").
    pub struct ListSecretsUvcb (UvcCmd::ListSecrets, 0x48) {
        /// 0x1e: index to start listing at.
        start_idx: u16 = 0x1e,
        /// 0x20: guest address of the 4 KiB output page.
        list_addr: u64 = 0x20,
    }
}

uvcb! {
    /// Retrieve Secret, 0x48 bytes (uv-spec.md §1.5 "retr_secr").
    pub struct RetrieveSecretUvcb (UvcCmd::RetrieveSecret, 0x48) {
        /// 0x18: the secret's index.
        secret_idx: u16 = 0x18,
        /// 0x1c: size of the output buffer.
        buf_size: u32 = 0x1c,
        /// 0x20: guest address of the output buffer.
        buf_addr: u64 = 0x20,
    }
}

uvcb! {
    /// Query Ultravisor Information, 0x120 bytes (uv-spec.md §2). All fields are output.
    pub struct QuiUvcb (UvcCmd::Qui, 0x120) {
        /// 0x10: installed-calls list (MSB0 over 4 doublewords).
        inst_calls: [u64; 4] = 0x10,
        /// 0x40: bytes to donate with Initialize.
        uv_base_stor_len: u64 = 0x40,
        /// 0x50: Create Secure Configuration base storage.
        conf_base_phys_stor_len: u64 = 0x50,
        /// 0x58: fixed part of the variable storage.
        conf_base_virt_stor_len: u64 = 0x58,
        /// 0x60: variable storage per 1 MiB of guest storage.
        conf_virt_var_stor_len: u64 = 0x60,
        /// 0x68: Create Secure CPU storage per CPU (and Dump CPU output size).
        cpu_stor_len: u64 = 0x68,
        /// 0x7c: maximum number of secure configurations.
        max_num_sec_conf: u32 = 0x7c,
        /// 0x80: highest guest address a configuration may use.
        max_guest_stor_addr: u64 = 0x80,
        /// 0x9e: highest CPU number.
        max_guest_cpu_id: u16 = 0x9e,
        /// 0xa0: feature indications (MSB0: 0 MISC, 1 AIV, 4 AP, 5 AP_INTR).
        uv_feature_indications: u64 = 0xa0,
        /// 0xb0: supported SE header versions.
        supp_se_hdr_versions: u64 = 0xb0,
        /// 0xb8: supported plaintext control flags.
        supp_se_hdr_pcf: u64 = 0xb8,
        /// 0xc8: Dump Storage State bytes per 1 MiB block.
        conf_dump_storage_state_len: u64 = 0xc8,
        /// 0xd0: Dump Complete bytes.
        conf_dump_finalize_len: u64 = 0xd0,
        /// 0xe0: supported attestation request versions.
        supp_att_req_hdr_ver: u64 = 0xe0,
        /// 0xe8: supported plaintext attestation flags.
        supp_att_pflags: u64 = 0xe8,
        /// 0xf8: supported add-secret request versions.
        supp_add_secret_req_ver: u64 = 0xf8,
        /// 0x100: supported add-secret plaintext flags.
        supp_add_secret_pcf: u64 = 0x100,
        /// 0x108: supported secret types (MSB0 bit n = type n).
        supp_secret_types: u64 = 0x108,
        /// 0x110: maximum number of association secrets.
        max_assoc_secrets: u16 = 0x110,
        /// 0x112: maximum number of retrievable secrets.
        max_retr_secrets: u16 = 0x112,
    }
}

/// QUI feature bit (MSB0 of `uv_feature_indications`): TEID bit 61 reliable; import of
/// a page shared by another configuration transfers ownership.
pub const FEATURE_MISC: u64 = 1 << 63;
/// QUI feature bit: adapter-interruption virtualization.
pub const FEATURE_AIV: u64 = 1 << 62;
/// QUI feature bit: AP pass-through for secure guests.
pub const FEATURE_AP: u64 = 1 << 59;
/// QUI feature bit: AP interrupts for secure guests.
pub const FEATURE_AP_INTR: u64 = 1 << 58;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uvc::uvcb::Uvcb;

    #[test]
    fn attest_offsets() {
        let mut u = AttestUvcb { arcb_addr: 0x1000, user_data_len: 3, ..Default::default() };
        u.user_data[..3].copy_from_slice(b"abc");
        u.config_uid = [0xa5; 16];
        u.meas_len = 64;
        let b = u.to_image();
        assert_eq!(&b[..4], &[0x01, 0x88, 0x10, 0x20]);
        assert_eq!(&b[0x2e..0x33], &[0, 3, b'a', b'b', b'c']);
        assert_eq!(&b[0x13c..0x140], &[0, 0, 0, 64]);
        assert_eq!(b[0x148], 0xa5);
        assert_eq!(AttestUvcb::decode(&b[..0x188]), u);
    }

    #[test]
    fn qui_partial_decode() {
        let q = QuiUvcb { max_guest_cpu_id: 247, supp_secret_types: 7, ..Default::default() };
        let b = q.to_image();
        assert_eq!(&b[0x9e..0xa0], &[0, 247]);
        // A caller that gave 0xa8 bytes sees the early fields, the rest as zero.
        let short = QuiUvcb::decode(&b[..0xa8]);
        assert_eq!(short.max_guest_cpu_id, 247);
        assert_eq!(short.supp_secret_types, 0);
    }
}
