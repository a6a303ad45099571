//! Page protection states and their ONE transition function (uv-spec.md §4, §3.5).
//!
//! | state | host access | how entered | how left |
//! |---|---|---|---|
//! | non-secure | yes | initial; export; destroy; reclaim | import, unpack, donate |
//! | secure (private) of config N | PGM 0x3d | import, unpack | export, destroy |
//! | shared of config N | yes (plaintext) | guest Set Shared | Remove Shared, Unshare All, export |
//! | pinned (shared) of config N | yes | host Pin Page Shared | Unpin, Unshare All, export |
//! | donated | PGM 0x3d | Initialize, Create Configuration, Create CPU | the matching destroy, host reset |
//!
//! [`PageState::next`] is the only place that decides whether an event may happen to a
//! page; side effects (zeroing, encryption) are done by its callers.

/// What a donated page was donated for (uv-spec.md §4 "Donation rules").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Donation {
    /// The ultravisor's base storage (Initialize).
    UvBase,
    /// A configuration's base storage (Create Secure Configuration).
    ConfigBase(u64),
    /// A configuration's variable storage (Create Secure Configuration).
    ConfigVar(u64),
    /// A secure CPU's storage (Create Secure CPU).
    Cpu(u64),
}

/// The protection state of one 4 KiB frame of machine storage (uv-spec.md §4). The
/// configuration is named by its handle; a secure page may outlive its configuration
/// until it is destroyed or exported (uv-spec.md §3.2 "Teardown").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PageState {
    /// Host-accessible, not owned by any secure configuration.
    #[default]
    NonSecure,
    /// A private page of the configuration.
    Secure {
        /// The owning configuration's handle.
        config: u64,
    },
    /// A page of the configuration that its guest shared with the host.
    Shared {
        /// The owning configuration's handle.
        config: u64,
    },
    /// A shared page the host pinned (Remove Shared then needs the host's Unpin).
    Pinned {
        /// The owning configuration's handle.
        config: u64,
    },
    /// UV-owned storage.
    Donated(Donation),
}

/// Something that happens to a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageEvent {
    /// Initialize / Create Configuration / Create CPU takes the page.
    Donate(Donation),
    /// The matching destroy gives the page back (the caller zeroes it).
    Reclaim(Donation),
    /// Unpack or import makes a non-secure page a private page of the configuration.
    Import(u64),
    /// Import (feature MISC) of a page another configuration shares: ownership moves.
    TakeOver(u64),
    /// Export: the page becomes non-secure (the caller encrypts it first).
    Export,
    /// Destroy Secure Storage: the page becomes non-secure (the caller zeroes it).
    Destroy,
    /// The guest of the configuration shares the page.
    Share(u64),
    /// The guest of the configuration unshares the page.
    Unshare(u64),
    /// The host pins a shared page.
    Pin,
    /// The host unpins a pinned page of the configuration.
    Unpin(u64),
    /// Set Unshare All for the configuration: shared and pinned pages become private.
    UnshareAll(u64),
    /// Host-level reset: every page becomes non-secure (the caller zeroes it).
    HostReset,
}

/// Why [`PageState::next`] refused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Refused {
    /// The state the page was in.
    pub from: PageState,
    /// The event.
    pub event: PageEvent,
}

impl PageState {
    /// The owning configuration of a secure, shared or pinned page.
    pub const fn config(self) -> Option<u64> {
        match self {
            Self::Secure { config } | Self::Shared { config } | Self::Pinned { config } => {
                Some(config)
            }
            Self::NonSecure | Self::Donated(_) => None,
        }
    }

    /// Whether the host may read and write the page (uv-spec.md §4 "host CPU access").
    pub const fn host_accessible(self) -> bool {
        matches!(self, Self::NonSecure | Self::Shared { .. } | Self::Pinned { .. })
    }

    /// Whether the guest of `config` may access the page.
    pub fn guest_accessible(self, config: u64) -> bool {
        self.config() == Some(config)
    }

    /// THE transition function: the state after `event`, or [`Refused`].
    pub fn next(self, event: PageEvent) -> Result<Self, Refused> {
        use PageEvent as E;
        use PageState as S;
        let to = match (self, event) {
            (S::NonSecure, E::Donate(d)) => S::Donated(d),
            (S::Donated(have), E::Reclaim(d)) if have == d => S::NonSecure,
            (S::NonSecure, E::Import(c)) => S::Secure { config: c },
            (S::Shared { config } | S::Pinned { config }, E::TakeOver(c)) if config != c => {
                S::Secure { config: c }
            }
            (S::Secure { .. } | S::Shared { .. } | S::Pinned { .. }, E::Export) => S::NonSecure,
            (S::NonSecure | S::Secure { .. } | S::Shared { .. } | S::Pinned { .. }, E::Destroy) => {
                S::NonSecure
            }
            (S::Secure { config } | S::Shared { config }, E::Share(c)) if config == c => {
                S::Shared { config }
            }
            (S::Pinned { config }, E::Share(c)) if config == c => self,
            (S::Secure { config } | S::Shared { config }, E::Unshare(c)) if config == c => {
                S::Secure { config }
            }
            (S::Shared { config }, E::Pin) => S::Pinned { config },
            (S::Pinned { config } | S::Shared { config }, E::Unpin(c)) if config == c => {
                S::Shared { config }
            }
            (S::Shared { config } | S::Pinned { config }, E::UnshareAll(c)) if config == c => {
                S::Secure { config }
            }
            (_, E::HostReset) => S::NonSecure,
            _ => return Err(Refused { from: self, event }),
        };
        Ok(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PageEvent as E;
    use PageState as S;

    #[test]
    fn lifecycle_of_a_guest_page() {
        let s = S::NonSecure.next(E::Import(7)).unwrap();
        assert_eq!(s, S::Secure { config: 7 });
        assert!(!s.host_accessible() && s.guest_accessible(7) && !s.guest_accessible(8));
        let s = s.next(E::Share(7)).unwrap().next(E::Pin).unwrap();
        assert_eq!(s, S::Pinned { config: 7 });
        assert!(s.host_accessible());
        // Remove Shared on a pinned page is refused (notification intercept instead).
        assert!(s.next(E::Unshare(7)).is_err());
        let s = s.next(E::Unpin(7)).unwrap().next(E::Unshare(7)).unwrap();
        assert_eq!(s.next(E::Export), Ok(S::NonSecure));
        assert_eq!(s.next(E::Share(8)).unwrap_err(), Refused { from: s, event: E::Share(8) });
    }

    #[test]
    fn donation_is_exclusive() {
        let d = S::NonSecure.next(E::Donate(Donation::Cpu(3))).unwrap();
        assert!(!d.host_accessible() && d.config().is_none());
        for e in [E::Import(1), E::Export, E::Destroy, E::Pin, E::Donate(Donation::UvBase)] {
            assert!(d.next(e).is_err(), "{e:?}");
        }
        assert!(d.next(E::Reclaim(Donation::Cpu(4))).is_err());
        assert_eq!(d.next(E::Reclaim(Donation::Cpu(3))), Ok(S::NonSecure));
        assert_eq!(d.next(E::HostReset), Ok(S::NonSecure));
        assert!(S::Secure { config: 1 }.next(E::Donate(Donation::UvBase)).is_err());
    }

    #[test]
    fn takeover_only_of_shared_pages_of_others() {
        assert_eq!(S::Shared { config: 1 }.next(E::TakeOver(2)), Ok(S::Secure { config: 2 }));
        assert!(S::Secure { config: 1 }.next(E::TakeOver(2)).is_err());
        assert!(S::Shared { config: 2 }.next(E::TakeOver(2)).is_err());
        assert_eq!(S::Shared { config: 2 }.next(E::UnshareAll(2)), Ok(S::Secure { config: 2 }));
        assert!(S::NonSecure.next(E::Export).is_err());
        assert_eq!(S::NonSecure.next(E::Destroy), Ok(S::NonSecure));
    }
}
