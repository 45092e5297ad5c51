//! Known answers for each primitive, and bad input answered with `SQLITE_ERROR`.

use std::ptr::{null, null_mut};

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn provider() -> SqlcipherProvider {
    let mut p = SqlcipherProvider {
        init: None,
        shutdown: None,
        get_provider_name: None,
        add_random: None,
        random: None,
        hmac: None,
        kdf: None,
        cipher: None,
        get_cipher: None,
        get_key_sz: None,
        get_iv_sz: None,
        get_block_sz: None,
        get_hmac_sz: None,
        ctx_init: None,
        ctx_free: None,
        fips_status: None,
        get_provider_version: None,
        next: null_mut(),
    };
    // SAFETY: a valid, writable provider.
    assert_eq!(unsafe { coachline_sqlcipher_setup(&mut p) }, SQLITE_OK);
    p
}

/// Calls the provider's cipher on slices.
fn run_cipher(mode: c_int, key: &[u8], iv: &[u8], input: &[u8], out: &mut [u8]) -> c_int {
    let f = provider().cipher.unwrap();
    // SAFETY: every pointer is valid for its length.
    unsafe {
        f(
            null_mut(),
            mode,
            key.as_ptr(),
            key.len() as c_int,
            iv.as_ptr(),
            input.as_ptr(),
            input.len() as c_int,
            out.as_mut_ptr(),
        )
    }
}

fn run_hmac(
    algorithm: c_int,
    key: &[u8],
    first: &[u8],
    second: Option<&[u8]>,
    out: &mut [u8],
) -> c_int {
    let f = provider().hmac.unwrap();
    let (p2, n2) = second.map_or((null(), 0), |s| (s.as_ptr(), s.len() as c_int));
    // SAFETY: every pointer is valid for its length; `out` has 64 bytes, the most any
    // algorithm writes.
    assert!(out.len() >= 64);
    unsafe {
        f(
            null_mut(),
            algorithm,
            key.as_ptr(),
            key.len() as c_int,
            first.as_ptr(),
            first.len() as c_int,
            p2,
            n2,
            out.as_mut_ptr(),
        )
    }
}

fn run_kdf(algorithm: c_int, pass: &[u8], salt: &[u8], iterations: c_int, out: &mut [u8]) -> c_int {
    let f = provider().kdf.unwrap();
    // SAFETY: every pointer is valid for its length.
    unsafe {
        f(
            null_mut(),
            algorithm,
            pass.as_ptr(),
            pass.len() as c_int,
            salt.as_ptr(),
            salt.len() as c_int,
            iterations,
            out.len() as c_int,
            out.as_mut_ptr(),
        )
    }
}

// NIST SP 800-38A, F.2.5 and F.2.6: CBC-AES256.
const NIST_KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const NIST_IV: &str = "000102030405060708090a0b0c0d0e0f";
const NIST_PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                          30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const NIST_CIPHER: &str = "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d\
                           39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b";

#[test]
fn aes_256_cbc_matches_nist() {
    let (key, iv) = (unhex(NIST_KEY), unhex(NIST_IV));
    let (plain, cipher) = (unhex(NIST_PLAIN), unhex(NIST_CIPHER));
    let mut out = vec![0u8; 64];
    assert_eq!(run_cipher(ENCRYPT, &key, &iv, &plain, &mut out), SQLITE_OK);
    assert_eq!(out, cipher);
    assert_eq!(run_cipher(DECRYPT, &key, &iv, &cipher, &mut out), SQLITE_OK);
    assert_eq!(out, plain);
}

#[test]
fn aes_256_cbc_in_place_matches_nist() {
    let (key, iv) = (unhex(NIST_KEY), unhex(NIST_IV));
    let mut buf = unhex(NIST_PLAIN);
    let f = provider().cipher.unwrap();
    for (mode, expected) in [(ENCRYPT, NIST_CIPHER), (DECRYPT, NIST_PLAIN)] {
        let p = buf.as_mut_ptr();
        // SAFETY: one valid 64-byte buffer, as input and output.
        let rc = unsafe { f(null_mut(), mode, key.as_ptr(), 32, iv.as_ptr(), p, 64, p) };
        assert_eq!(rc, SQLITE_OK);
        assert_eq!(buf, unhex(expected));
    }
}

#[test]
fn hmac_matches_rfc_2202_and_4231() {
    // RFC 2202 test case 2 (SHA-1), RFC 4231 test case 2 (SHA-256, SHA-512).
    let cases = [
        (SHA1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        (
            SHA256,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ),
        (
            SHA512,
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
        ),
    ];
    for (algorithm, expected) in cases {
        let expected = unhex(expected);
        // SAFETY: no pointers.
        assert_eq!(
            unsafe { hmac_size(null_mut(), algorithm) } as usize,
            expected.len()
        );
        let mut whole = [0u8; 64];
        assert_eq!(
            run_hmac(
                algorithm,
                b"Jefe",
                b"what do ya want for nothing?",
                None,
                &mut whole
            ),
            SQLITE_OK
        );
        assert_eq!(&whole[..expected.len()], expected);
        assert!(
            whole[expected.len()..].iter().all(|&b| b == 0),
            "wrote past its size"
        );
        // SQLCipher passes the page and its number as two pieces: the HMAC is of both.
        let mut split = [0u8; 64];
        assert_eq!(
            run_hmac(
                algorithm,
                b"Jefe",
                b"what do ya want ",
                Some(b"for nothing?"),
                &mut split
            ),
            SQLITE_OK
        );
        assert_eq!(split, whole);
    }
}

#[test]
fn pbkdf2_matches_known_answers() {
    // RFC 6070 (SHA-1); the same inputs for SHA-256 and SHA-512, as published with
    // RFC 7914's errata and in most PBKDF2 test suites.
    let cases = [
        (SHA1, 1, "0c60c80f961f0e71f3a9b524af6012062fe037a6"),
        (SHA1, 2, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"),
        (
            SHA256,
            1,
            "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
        ),
        (
            SHA256,
            2,
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43",
        ),
        (
            SHA512,
            1,
            "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252\
             c02d470a285a0501bad999bfe943c08f050235d7d68b1da55e63f73b60a57fce",
        ),
        (
            SHA512,
            2,
            "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c\
             f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e",
        ),
    ];
    for (algorithm, iterations, expected) in cases {
        let expected = unhex(expected);
        let mut out = vec![0u8; expected.len()];
        assert_eq!(
            run_kdf(algorithm, b"password", b"salt", iterations, &mut out),
            SQLITE_OK
        );
        assert_eq!(
            out, expected,
            "algorithm {algorithm}, {iterations} iterations"
        );
    }
}

#[test]
fn random_fills_and_differs() {
    let f = provider().random.unwrap();
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    // SAFETY: valid 32-byte buffers.
    unsafe {
        assert_eq!(f(null_mut(), a.as_mut_ptr().cast(), 32), SQLITE_OK);
        assert_eq!(f(null_mut(), b.as_mut_ptr().cast(), 32), SQLITE_OK);
    }
    assert_ne!(a, [0u8; 32]);
    assert_ne!(a, b);
}

#[test]
fn sizes_and_names_are_sqlciphers() {
    let p = provider();
    // SAFETY: these read no pointer; the strings are static and NUL-terminated.
    unsafe {
        assert_eq!(p.get_key_sz.unwrap()(null_mut()), 32);
        assert_eq!(p.get_iv_sz.unwrap()(null_mut()), 16);
        assert_eq!(p.get_block_sz.unwrap()(null_mut()), 16);
        assert_eq!(p.get_hmac_sz.unwrap()(null_mut(), 3), 0);
        assert_eq!(p.fips_status.unwrap()(null_mut()), 0);
        let name = std::ffi::CStr::from_ptr(p.get_provider_name.unwrap()(null_mut()));
        assert_eq!(name.to_str().unwrap(), "rustcrypto");
        let cipher = std::ffi::CStr::from_ptr(p.get_cipher.unwrap()(null_mut()));
        assert_eq!(cipher.to_str().unwrap(), "aes-256-cbc");
        let version = std::ffi::CStr::from_ptr(p.get_provider_version.unwrap()(null_mut()));
        assert!(version.to_str().unwrap().starts_with("coachline-core "));
    }
}

#[test]
fn setup_refuses_null() {
    // SAFETY: null is the case under test.
    assert_eq!(
        unsafe { coachline_sqlcipher_setup(null_mut()) },
        SQLITE_ERROR
    );
}

#[test]
fn cipher_refuses_bad_input() {
    let (key, iv) = (unhex(NIST_KEY), unhex(NIST_IV));
    let input = [0u8; 48];
    let mut out = [0u8; 48];
    // A 128-bit key, a length that is not whole blocks, an unknown mode.
    assert_eq!(
        run_cipher(ENCRYPT, &key[..16], &iv, &input, &mut out),
        SQLITE_ERROR
    );
    assert_eq!(
        run_cipher(ENCRYPT, &key, &iv, &input[..20], &mut out),
        SQLITE_ERROR
    );
    assert_eq!(run_cipher(2, &key, &iv, &input, &mut out), SQLITE_ERROR);
    assert_eq!(run_cipher(DECRYPT, &key, &iv, &[], &mut out), SQLITE_ERROR);
    let f = provider().cipher.unwrap();
    // SAFETY: every non-null pointer is valid for its length; nulls are refused first.
    unsafe {
        let (k, v, i, o) = (key.as_ptr(), iv.as_ptr(), input.as_ptr(), out.as_mut_ptr());
        assert_eq!(f(null_mut(), ENCRYPT, k, 32, v, i, -16, o), SQLITE_ERROR);
        assert_eq!(
            f(null_mut(), ENCRYPT, null(), 32, v, i, 48, o),
            SQLITE_ERROR
        );
        assert_eq!(
            f(null_mut(), ENCRYPT, k, 32, null(), i, 48, o),
            SQLITE_ERROR
        );
        assert_eq!(
            f(null_mut(), ENCRYPT, k, 32, v, null(), 48, o),
            SQLITE_ERROR
        );
        assert_eq!(
            f(null_mut(), ENCRYPT, k, 32, v, i, 48, null_mut()),
            SQLITE_ERROR
        );
        // Partly overlapping input and output.
        let mut buf = [0u8; 64];
        let p = buf.as_mut_ptr();
        assert_eq!(
            f(null_mut(), ENCRYPT, k, 32, v, p, 48, p.add(16)),
            SQLITE_ERROR
        );
    }
    assert_eq!(out, [0u8; 48], "nothing written on refusal");
}

#[test]
fn hmac_refuses_bad_input() {
    let mut out = [0u8; 64];
    assert_eq!(run_hmac(3, b"key", b"data", None, &mut out), SQLITE_ERROR);
    assert_eq!(run_hmac(-1, b"key", b"data", None, &mut out), SQLITE_ERROR);
    let f = provider().hmac.unwrap();
    let (k, d, o) = (b"key".as_ptr(), b"data".as_ptr(), out.as_mut_ptr());
    // SAFETY: every non-null pointer is valid for its length; the rest is refused.
    unsafe {
        assert_eq!(
            f(null_mut(), SHA512, k, 3, null(), 0, null(), 0, o),
            SQLITE_ERROR
        );
        assert_eq!(
            f(null_mut(), SHA512, k, 3, d, -4, null(), 0, o),
            SQLITE_ERROR
        );
        assert_eq!(
            f(null_mut(), SHA512, k, -3, d, 4, null(), 0, o),
            SQLITE_ERROR
        );
        assert_eq!(
            f(null_mut(), SHA512, null(), 3, d, 4, null(), 0, o),
            SQLITE_ERROR
        );
        assert_eq!(f(null_mut(), SHA512, k, 3, d, 4, d, -1, o), SQLITE_ERROR);
        assert_eq!(
            f(null_mut(), SHA512, k, 3, d, 4, null(), 0, null_mut()),
            SQLITE_ERROR
        );
    }
    assert_eq!(out, [0u8; 64]);
}

#[test]
fn kdf_refuses_bad_input() {
    let mut out = [0u8; 32];
    assert_eq!(run_kdf(3, b"p", b"salt", 1, &mut out), SQLITE_ERROR);
    assert_eq!(run_kdf(SHA512, b"p", b"salt", 0, &mut out), SQLITE_ERROR);
    assert_eq!(run_kdf(SHA512, b"p", b"salt", -1, &mut out), SQLITE_ERROR);
    let f = provider().kdf.unwrap();
    let (pw, s, o) = (b"p".as_ptr(), b"salt".as_ptr(), out.as_mut_ptr());
    // SAFETY: every non-null pointer is valid for its length; the rest is refused.
    unsafe {
        assert_eq!(f(null_mut(), SHA1, null(), 1, s, 4, 1, 32, o), SQLITE_ERROR);
        assert_eq!(
            f(null_mut(), SHA1, pw, 1, null(), 4, 1, 32, o),
            SQLITE_ERROR
        );
        assert_eq!(
            f(null_mut(), SHA1, pw, 1, s, 4, 1, 32, null_mut()),
            SQLITE_ERROR
        );
        assert_eq!(f(null_mut(), SHA1, pw, 1, s, 4, 1, 0, o), SQLITE_ERROR);
        assert_eq!(f(null_mut(), SHA1, pw, 1, s, 4, 1, -32, o), SQLITE_ERROR);
        assert_eq!(f(null_mut(), SHA1, pw, -1, s, 4, 1, 32, o), SQLITE_ERROR);
    }
    assert_eq!(out, [0u8; 32]);
}

#[test]
fn random_refuses_bad_input() {
    let f = provider().random.unwrap();
    let mut buf = [0u8; 8];
    // SAFETY: null and a negative length are refused before any write.
    unsafe {
        assert_eq!(f(null_mut(), null_mut(), 8), SQLITE_ERROR);
        assert_eq!(f(null_mut(), buf.as_mut_ptr().cast(), -8), SQLITE_ERROR);
    }
    assert_eq!(buf, [0u8; 8]);
}

/// SQLCipher in this build runs this provider, not OpenSSL's or CommonCrypto's.
#[test]
fn sqlcipher_uses_this_provider() {
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("s.db")).unwrap();
    conn.pragma_update(
        None,
        "key",
        "x'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'",
    )
    .unwrap();
    let name: String = conn
        .query_row("PRAGMA cipher_provider", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "rustcrypto");
}
