//! Replays the seed corpus of the `request` fuzz target (`fuzz/corpus/request`) on stable
//! Rust: every seed, every prefix and fixed-seed mutations through the checks the target
//! runs (`fuzz/replay/request.rs`). Host-key (P-521) opening runs on the seeds, their
//! prefixes and the first mutations; the bulk of the mutations use the cheap openers.

#[path = "../../fuzz/replay/request.rs"]
mod check;
#[path = "../../fuzz/replay/mutate.rs"]
mod mutate;

#[test]
fn request_corpus_replays() {
    let seeds = mutate::corpus(env!("CARGO_MANIFEST_DIR"), "request");
    let (mut exchange, mut opened) = (0, 0);
    for (name, data) in &seeds {
        let mut r = check::Reach::default();
        mutate::run_one(name, data, &mut |d| r = check::check(d, true));
        exchange += usize::from(r.exchange);
        opened += usize::from(r.opened);
    }
    // The exchange files parse; pvattest's request, both responses, pvsecret's two
    // requests and the OpenSSL-signed one open (or verify).
    assert!(exchange >= 4 && opened >= 6, "exchange {exchange}, opened {opened}");
    // Prefixes and a first batch of mutations with the host key.
    mutate::replay(&seeds, usize::MAX, 1, 0, |d| {
        check::check(d, true);
    });
    let mut rng = mutate::XorShift::new(0xa5c3);
    for i in 0..600 {
        let d = mutate::mutate(&mut rng, &seeds);
        mutate::run_one(&format!("host-key mutation #{i}"), &d, &mut |d| {
            check::check(d, true);
        });
    }
    mutate::replay(&seeds, 0, usize::MAX, 20_000, |d| {
        check::check(d, false);
    });
}
