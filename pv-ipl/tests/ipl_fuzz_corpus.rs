//! Replays the seed corpora of the pv-ipl fuzz targets (`fuzz/corpus/{ipl_image,ipib,
//! diag308}`) on stable Rust: every seed, its prefixes and a few thousand fixed-seed
//! mutations through the very checks the targets run (`fuzz/replay/ipl.rs`).

#[path = "../../fuzz/replay/ipl.rs"]
mod check;
#[path = "../../fuzz/replay/mutate.rs"]
mod mutate;

const DIR: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn ipl_image_corpus_replays() {
    let seeds = mutate::corpus(DIR, "ipl_image");
    let (mut reached, mut opened) = (0, 0);
    for (name, data) in &seeds {
        let r = check::check_image(data);
        assert!(r.info, "{name} is an image");
        reached += usize::from(r.ipib);
        opened += usize::from(r.opened);
    }
    assert!(reached >= 2 && opened >= 3, "with metadata and IPIB: {reached}, opened {opened}");
    mutate::replay(&seeds, 64, 509, 4000, |d| {
        check::check_image(d);
    });
}

#[test]
fn ipib_corpus_replays() {
    let seeds = mutate::corpus(DIR, "ipib");
    for (name, data) in &seeds {
        assert!(check::check_ipib(data), "{name} parses");
    }
    mutate::replay(&seeds, usize::MAX, 1, 20_000, |d| {
        check::check_ipib(d);
    });
}

#[test]
fn diag308_corpus_replays() {
    let seeds = mutate::corpus(DIR, "diag308");
    for (name, data) in &seeds {
        assert!(check::check_diag308(data) >= 1, "{name} sets an IPIB");
    }
    mutate::replay(&seeds, usize::MAX, 1, 10_000, |d| {
        check::check_diag308(d);
    });
}
