//! Secure configurations (uv-spec.md §3.2): what the ultravisor keeps per guest, and the
//! configuration state machine with its one transition function.
//!
//! ```text
//! (CGC error after the handle was assigned) Incomplete --DSC--> (none)
//! (none) --CGC--> Created --SSC ok--> HeaderSet --UNPACK*--> Unpacking --VERIFY ok--> Verified
//! Verified --DUMP_INIT--> Dumping --DUMP_COMPLETE--> Verified
//! ```
//! The state names are pvsim's (the spec marks them inferred); the transitions are the
//! spec's.

use pv_core::Psw;
use pv_header::component::{ComponentDigests, Encryption, Unpacker, XtsKey};
use pv_header::request::BootHdrTags;
use pv_header::secret::Secret;

use crate::donation::PageRange;
use crate::paging::Paging;
use crate::secret_store::SecretStore;

/// The lifecycle state of a secure configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigState {
    /// Create Secure Configuration failed after assigning the handle (rc | 0x8000): only
    /// Destroy Secure Configuration is allowed.
    Incomplete,
    /// Created; no SE header yet.
    Created,
    /// The SE header was accepted.
    HeaderSet,
    /// At least one page was unpacked.
    Unpacking,
    /// Verify Unpack succeeded: the guest may run.
    Verified,
    /// A dump is in progress (between Dump Initialize and Dump Complete).
    Dumping,
}

/// Something that happens to a configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigEvent {
    /// Set Secure Configuration Parameters succeeded.
    HeaderAccepted,
    /// Unpack succeeded for one page.
    PageUnpacked,
    /// Verify Unpack succeeded.
    Verified,
    /// Dump Initialize succeeded.
    DumpStarted,
    /// Dump Complete succeeded.
    DumpCompleted,
}

impl ConfigState {
    /// THE transition function of configurations; `None` if the event is not allowed.
    pub const fn next(self, event: ConfigEvent) -> Option<Self> {
        use ConfigEvent as E;
        use ConfigState as S;
        match (self, event) {
            (S::Created, E::HeaderAccepted) => Some(S::HeaderSet),
            (S::HeaderSet | S::Unpacking, E::PageUnpacked) => Some(S::Unpacking),
            (S::HeaderSet | S::Unpacking, E::Verified) => Some(S::Verified),
            (S::Verified, E::DumpStarted) => Some(S::Dumping),
            (S::Dumping, E::DumpCompleted) => Some(S::Verified),
            _ => None,
        }
    }

    /// Whether the guest has been verified (running, possibly dumping).
    pub const fn is_verified(self) -> bool {
        matches!(self, Self::Verified | Self::Dumping)
    }
}

/// What Set Secure Configuration Parameters took from the SE header. The secrets wipe
/// themselves on drop.
#[derive(Debug, Clone)]
pub struct ImageState {
    /// The component key (`None` if unusable; then components must not be encrypted).
    pub xts_key: Option<XtsKey>,
    /// Component encryption (plaintext control flag bit 35).
    pub encryption: Encryption,
    /// The customer communication key.
    pub cck: Secret<32>,
    /// The start PSW from the header.
    pub psw: Psw,
    /// Plaintext control flags.
    pub pcf: u64,
    /// Secret control flags.
    pub scf: u64,
    /// PLD, ALD, TLD and page count the header expects.
    pub expected: ComponentDigests,
    /// PLD ‖ ALD ‖ TLD ‖ header tag.
    pub tags: BootHdrTags,
    /// The public host key hash of the host key that opened the header.
    pub image_phkh: [u8; 32],
}

/// One secure configuration.
#[derive(Debug)]
pub struct SecureConfig {
    /// Its handle.
    pub handle: u64,
    /// Its state.
    pub state: ConfigState,
    /// The guest ASCE (unique among configurations).
    pub asce: u64,
    /// Main-storage origin.
    pub mso: u64,
    /// Main-storage length.
    pub msl: u64,
    /// Absolute SCA origin.
    pub sca: u64,
    /// CGC flags.
    pub flags: u16,
    /// Donated base storage.
    pub base: PageRange,
    /// Donated variable storage (absent while [`ConfigState::Incomplete`]).
    pub var: Option<PageRange>,
    /// The configuration unique id.
    pub cuid: [u8; 16],
    /// The accepted SE header.
    pub image: Option<ImageState>,
    /// The running unpack digests.
    pub unpacker: Option<Unpacker>,
    /// The next Set CPU State "operating-load" loads the header PSW (set by Verify).
    pub load_from_header: bool,
    /// Prepare Reset was done: after a CPU reset, "operating-load" loads the short PSW at
    /// guest absolute 0.
    pub reset_prepared: bool,
    /// A secure CPU notified a DIAG 308 subcode 0/1: every SIE entry is a validity
    /// interception until an operating-load ends the reset sequence (uv-spec.md §3.3).
    pub reset_requested: bool,
    /// An add-secret request disabled host-initiated dumping.
    pub dump_disabled: bool,
    /// The secret store.
    pub secrets: SecretStore,
    /// Export/import bookkeeping.
    pub paging: Paging,
    /// Dump sessions started (Dump Initialize count); part of the dump key.
    pub dump_session: u64,
    /// Outputs written in the current dump session (the dump nonce counter).
    pub dump_counter: u64,
}

impl SecureConfig {
    /// A new configuration in state [`ConfigState::Incomplete`] (becomes
    /// [`ConfigState::Created`] once its variable storage is donated).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        handle: u64,
        asce: u64,
        mso: u64,
        msl: u64,
        sca: u64,
        flags: u16,
        base: PageRange,
        cuid: [u8; 16],
    ) -> Self {
        Self {
            handle,
            state: ConfigState::Incomplete,
            asce,
            mso,
            msl,
            sca,
            flags,
            base,
            var: None,
            cuid,
            image: None,
            unpacker: None,
            load_from_header: false,
            reset_prepared: false,
            reset_requested: false,
            dump_disabled: false,
            secrets: SecretStore::default(),
            paging: Paging::default(),
            dump_session: 0,
            dump_counter: 0,
        }
    }

    /// Applies `event` through [`ConfigState::next`]; `false` (and no change) if refused.
    pub fn advance(&mut self, event: ConfigEvent) -> bool {
        match self.state.next(event) {
            Some(s) => {
                self.state = s;
                true
            }
            None => false,
        }
    }

    /// The host absolute address of guest absolute `gaddr`, if `gaddr < MSL`.
    pub fn host_addr(&self, gaddr: u64) -> Option<u64> {
        if gaddr < self.msl { self.mso.checked_add(gaddr) } else { None }
    }

    /// The guest absolute address of host absolute `haddr`, if it lies in guest storage.
    pub fn guest_addr(&self, haddr: u64) -> Option<u64> {
        let g = haddr.checked_sub(self.mso)?;
        (g < self.msl).then_some(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConfigEvent as E;
    use ConfigState as S;

    #[test]
    fn transitions() {
        assert_eq!(S::Created.next(E::HeaderAccepted), Some(S::HeaderSet));
        assert_eq!(S::Created.next(E::PageUnpacked), None);
        assert_eq!(S::HeaderSet.next(E::Verified), Some(S::Verified));
        assert_eq!(S::Verified.next(E::PageUnpacked), None);
        assert_eq!(S::Verified.next(E::DumpStarted), Some(S::Dumping));
        assert_eq!(S::Dumping.next(E::DumpStarted), None);
        assert_eq!(S::Incomplete.next(E::HeaderAccepted), None);
        assert!(S::Dumping.is_verified() && !S::Unpacking.is_verified());
    }

    #[test]
    fn address_mapping() {
        let r = PageRange { start: 0, len: 0 };
        let c = SecureConfig::new(1, 0x100, 0x1000_0000, 0x10_0000, 0, 0, r, [0; 16]);
        assert_eq!(c.host_addr(0x1000), Some(0x1000_1000));
        assert_eq!(c.host_addr(0x10_0000), None);
        assert_eq!(c.guest_addr(0x1000_2000), Some(0x2000));
        assert_eq!(c.guest_addr(0x0fff_f000), None);
        assert_eq!(c.guest_addr(0x1010_0000), None);
    }
}
