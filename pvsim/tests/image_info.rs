//! `pvsim image info` and `image test` against IBM's pvimg output for the same headers
//! (vectors sets A1-A3, B1-B3 and `negative/`; provenance in tests/assets/PROVENANCE.md).

use std::path::PathBuf;
use std::process::{Command, Output};

fn asset(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/assets").join(p)
}

fn pvsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pvsim")).args(args).output().expect("run pvsim")
}

fn path(p: &str) -> String {
    asset(p).to_string_lossy().into_owned()
}

const SETS: [&str; 6] = ["A1", "A2", "A3", "B1", "B2", "B3"];

fn json_data(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["data"].clone()
}

#[test]
fn json_equals_pvimg_in_every_field_but_meta() {
    for set in SETS {
        let hdr = path(&format!("{set}/sehdr.bin"));
        let key = path("inputs/hdr.key");
        let cases: [(&str, Vec<&str>); 3] = [
            ("info.json", vec![]),
            ("info_hdrkey.json", vec!["--hdr-key", &key]),
            ("info_hdrkey_secrets.json", vec!["--hdr-key", &key, "--show-secrets"]),
        ];
        for (file, extra) in cases {
            let mut args = vec!["image", "info", "--format", "json"];
            args.extend(extra.iter().copied());
            args.push(&hdr);
            let ours = json_data(&pvsim(&args));
            let want: serde_json::Value = serde_json::from_slice(
                &std::fs::read(asset(&format!("{set}/info/{file}"))).unwrap(),
            )
            .unwrap();
            assert_eq!(ours, want["data"], "{set} {file}");
            // Same key order as pvimg, too.
            assert_eq!(
                serde_json::to_string(&ours).unwrap(),
                serde_json::to_string(&want["data"]).unwrap(),
                "{set} {file} key order"
            );
        }
    }
}

#[test]
fn meta_has_pvimgs_fields() {
    let out = pvsim(&["image", "info", "--format", "json:minify", &path("A1/sehdr.bin")]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "minified");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = v["meta"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["api_level", "version", "host", "time_epoch", "time"]);
    assert_eq!(v["meta"]["api_level"], 1);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("was not verified"), "warning without a key: {stderr}");
}

#[test]
fn text_equals_pvimg() {
    for set in SETS {
        let hdr = path(&format!("{set}/sehdr.bin"));
        let out = pvsim(&["image", "info", "--format", "text", &hdr]);
        assert!(out.status.success());
        let want = std::fs::read_to_string(asset(&format!("{set}/info/info.txt"))).unwrap();
        // pvimg's capture holds the stderr warning as its first line.
        let want_stdout: String = want.lines().skip(1).map(|l| format!("{l}\n")).collect();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want_stdout, "{set} text");

        let key = path("inputs/hdr.key");
        let out = pvsim(&[
            "image",
            "info",
            "--format",
            "text:full",
            "--hdr-key",
            &key,
            "--show-secrets",
            &hdr,
        ]);
        assert!(out.status.success());
        let want =
            std::fs::read_to_string(asset(&format!("{set}/info/info_full_secrets.txt"))).unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want, "{set} text:full");
    }
}

#[test]
fn secrets_are_never_printed_unless_asked() {
    let hdr = path("A1/sehdr.bin");
    let key = path("inputs/hdr.key");
    let cck = "b0d404b379dfbcce8a074dd22fe84e647c883d25a97fbfb6b71b027782c8cf6f";
    for fmt in ["text", "text:full", "json"] {
        let out = pvsim(&["image", "info", "--format", fmt, "--hdr-key", &key, &hdr]);
        assert!(out.status.success());
        assert!(!String::from_utf8_lossy(&out.stdout).contains(cck), "{fmt}");
    }
    // --show-secrets needs --hdr-key: a usage error (exit 2).
    let out = pvsim(&["image", "info", "--show-secrets", &hdr]);
    assert_eq!(out.status.code(), Some(2));
}

/// The vectors README §4 table: (file, exit without key, exit with --hdr-key, message part).
const NEGATIVE: [(&str, i32, i32, &str); 22] = [
    ("n01_tag_flipped", 0, 1, "authenticate"),
    ("n02_bad_magic", 1, 1, "No Secure Execution header found"),
    ("n03_version_0x200", 1, 1, "version"),
    ("n04_sehs_8193_padded", 1, 1, "Invalid Secure Execution header"),
    ("n05_sehs_16", 1, 1, "Invalid Secure Execution header"),
    ("n06_sehs_larger_than_file", 1, 1, "failed to fill whole buffer"),
    ("n07_nks_2", 1, 1, "Invalid Secure Execution header"),
    ("n08_sea_0", 0, 1, "authenticate"),
    ("n09_pcf_changed_no_reseal", 0, 1, "authenticate"),
    ("n10_phkh_changed_no_reseal", 0, 1, "authenticate"),
    ("n11_ciphertext_flipped", 0, 1, "authenticate"),
    ("n12_unknown_pcf_bit63_resealed", 0, 0, ""),
    ("n13_scf_all_ones_resealed", 0, 0, ""),
    ("n14_noi16_resealed", 0, 1, "noi"),
    ("n15_res2_nonzero_resealed", 0, 0, ""),
    ("n16_res1_nonzero_resealed", 0, 0, ""),
    ("n17_truncated_639", 1, 1, "failed to fill whole buffer"),
    ("n18_sehs_5MiB", 1, 1, "Invalid Secure Execution header"),
    ("n19_hdr_at_0x3000", 0, 0, ""),
    ("n20_hdr_at_0x3008", 1, 1, "No Secure Execution header found"),
    ("n21_hdr_at_0x15000", 1, 1, "No Secure Execution header found"),
    ("n22_hdr_at_0x14000", 0, 0, ""),
];

#[test]
fn negative_vectors_get_pvimgs_verdict() {
    let key = path("inputs/hdr.key");
    for (name, no_key, with_key, msg) in NEGATIVE {
        let file = path(&format!("negative/{name}.bin"));
        let a = pvsim(&["image", "info", "--format", "json", &file]);
        assert_eq!(a.status.code(), Some(no_key), "{name} without key");
        let b = pvsim(&["image", "info", "--format", "json", "--hdr-key", &key, &file]);
        assert_eq!(b.status.code(), Some(with_key), "{name} with key");
        for (out, code) in [(&a, no_key), (&b, with_key)] {
            if code != 0 {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(err.contains(msg), "{name}: {err:?} lacks {msg:?}");
                assert!(out.stdout.is_empty(), "{name}: no output on error");
            }
        }
    }
    // n12: text names the unknown flag.
    let out = pvsim(&[
        "image",
        "info",
        "--format",
        "text",
        &path("negative/n12_unknown_pcf_bit63_resealed.bin"),
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("unknown flags 0b"));
}

#[test]
fn image_test_with_host_key_documents_and_hashes() {
    let b1 = path("B1/sehdr.bin");
    let a2 = path("A2/sehdr.bin");
    let host = path("keys/host.crt");
    let host2 = path("keys/host2.crt");
    assert_eq!(pvsim(&["image", "test", "-k", &host, &b1]).status.code(), Some(0));
    assert_eq!(pvsim(&["image", "test", "-k", &host2, &b1]).status.code(), Some(1));
    assert_eq!(pvsim(&["image", "test", "-k", &host2, &a2]).status.code(), Some(0));
    assert_eq!(pvsim(&["image", "test", &b1]).status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let phkh_host = "24933f75ee107c806fe602a7da7b610e54369af96a847f2dcc4fcfdbd81fbc05";
    let phkh_host2 = "491bc0601fe89fd793f1ec8534f1ae63e9c280331c245c453d64afc8b5aa1bcc";
    let zero = "0".repeat(64);
    let write = |name: &str, lines: Vec<&str>| {
        let p = dir.path().join(name);
        std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        p.to_string_lossy().into_owned()
    };
    let mut l = vec![phkh_host, &zero];
    l.extend(std::iter::repeat_n(zero.as_str(), 13));
    let good = write("good", l.clone());
    assert_eq!(pvsim(&["image", "test", "--key-hashes", &good, &b1]).status.code(), Some(0));
    l[0] = phkh_host2;
    let other = write("other", l.clone());
    assert_eq!(pvsim(&["image", "test", "--key-hashes", &other, &b1]).status.code(), Some(1));
    l.pop();
    let short = write("short", l);
    let out = pvsim(&["image", "test", "--key-hashes", &short, &b1]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn print_schema_prints_json_schema() {
    let out = pvsim(&["image", "info", "--print-schema", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["properties"]["meta"]["properties"]["api_level"]["const"], 1);
    assert_eq!(pvsim(&["image", "info", "--print-schema", "yaml"]).status.code(), Some(2));
    assert_eq!(pvsim(&["image", "info"]).status.code(), Some(2));
}
