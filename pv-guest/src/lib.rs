//! pv-guest
