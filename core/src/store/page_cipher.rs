//! SQLCipher's crypto provider, in Rust on RustCrypto crates: the AES-256-CBC page
//! cipher, the per-page HMAC, the PBKDF2 key derivation and the random IVs.
//!
//! SQLCipher calls its cryptography through a table of C functions, a "provider"
//! (`struct sqlcipher_provider` in SQLCipher's `sqlcipher.h`). The build sets
//! `-DSQLCIPHER_CRYPTO_CUSTOM=coachline_sqlcipher_setup` (`.cargo/config.toml`), so
//! SQLCipher fills its table with [`coachline_sqlcipher_setup`] instead of linking
//! OpenSSL or CommonCrypto: one provider on every platform, tested here, and some
//! 3 MiB less in the library the apps ship (docs/adr/0029-page-cipher-in-rust.md).
//! The file format is SQLCipher's own, unchanged: a store opens in the `sqlcipher`
//! command-line tool built on OpenSSL, and the other way round
//! (core/tests/sqlcipher_compat.rs).
//!
//! Every function here is called from C with raw pointers and `int` lengths. Each one
//! checks them (null pointers, negative or wrong lengths, unknown algorithms) and
//! answers `SQLITE_ERROR`, and runs its body under [`std::panic::catch_unwind`], so
//! no panic ever crosses into C.

use std::ffi::{c_char, c_int, c_uchar, c_void, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use aes::cipher::block_padding::NoPadding;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};

const SQLITE_OK: c_int = 0;
const SQLITE_ERROR: c_int = 1;

/// `SQLCIPHER_DECRYPT` and `SQLCIPHER_ENCRYPT`, the cipher's `mode`.
const DECRYPT: c_int = 0;
const ENCRYPT: c_int = 1;

/// `SQLCIPHER_HMAC_SHA1`/`_SHA256`/`_SHA512`, which are also the
/// `SQLCIPHER_PBKDF2_HMAC_*` values.
const SHA1: c_int = 0;
const SHA256: c_int = 1;
const SHA512: c_int = 2;

const KEY_LEN: usize = 32;
const BLOCK_LEN: usize = 16;

/// SQLCipher's `struct sqlcipher_provider`, field for field and in the same order
/// (sqlcipher.h in the amalgamation libsqlite3-sys builds). SQLCipher allocates it;
/// [`coachline_sqlcipher_setup`] fills it in.
#[repr(C)]
pub struct SqlcipherProvider {
    pub init: Option<unsafe extern "C" fn() -> c_int>,
    pub shutdown: Option<unsafe extern "C" fn()>,
    pub get_provider_name: Option<unsafe extern "C" fn(ctx: *mut c_void) -> *const c_char>,
    pub add_random: Option<
        unsafe extern "C" fn(ctx: *mut c_void, buffer: *const c_void, length: c_int) -> c_int,
    >,
    pub random:
        Option<unsafe extern "C" fn(ctx: *mut c_void, buffer: *mut c_void, length: c_int) -> c_int>,
    pub hmac: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            algorithm: c_int,
            hmac_key: *const c_uchar,
            key_sz: c_int,
            input: *const c_uchar,
            in_sz: c_int,
            in2: *const c_uchar,
            in2_sz: c_int,
            out: *mut c_uchar,
        ) -> c_int,
    >,
    pub kdf: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            algorithm: c_int,
            pass: *const c_uchar,
            pass_sz: c_int,
            salt: *const c_uchar,
            salt_sz: c_int,
            workfactor: c_int,
            key_sz: c_int,
            key: *mut c_uchar,
        ) -> c_int,
    >,
    pub cipher: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            mode: c_int,
            key: *const c_uchar,
            key_sz: c_int,
            iv: *const c_uchar,
            input: *const c_uchar,
            in_sz: c_int,
            out: *mut c_uchar,
        ) -> c_int,
    >,
    pub get_cipher: Option<unsafe extern "C" fn(ctx: *mut c_void) -> *const c_char>,
    pub get_key_sz: Option<unsafe extern "C" fn(ctx: *mut c_void) -> c_int>,
    pub get_iv_sz: Option<unsafe extern "C" fn(ctx: *mut c_void) -> c_int>,
    pub get_block_sz: Option<unsafe extern "C" fn(ctx: *mut c_void) -> c_int>,
    pub get_hmac_sz: Option<unsafe extern "C" fn(ctx: *mut c_void, algorithm: c_int) -> c_int>,
    pub ctx_init: Option<unsafe extern "C" fn(ctx: *mut *mut c_void) -> c_int>,
    pub ctx_free: Option<unsafe extern "C" fn(ctx: *mut *mut c_void) -> c_int>,
    pub fips_status: Option<unsafe extern "C" fn(ctx: *mut c_void) -> c_int>,
    pub get_provider_version: Option<unsafe extern "C" fn(ctx: *mut c_void) -> *const c_char>,
    pub next: *mut SqlcipherProvider,
}

// Seventeen function pointers and `next`: a field added to or dropped from the C
// struct must change this mirror too. (`Option` of a function pointer is a nullable
// pointer, the size of one.)
const _: () =
    assert!(std::mem::size_of::<SqlcipherProvider>() == 18 * std::mem::size_of::<*const ()>());

/// Fills SQLCipher's provider table with this module's functions. SQLCipher calls it
/// once, when SQLite initialises, because the build names it with
/// `SQLCIPHER_CRYPTO_CUSTOM`.
///
/// # Safety
///
/// `p` is null (refused with `SQLITE_ERROR`) or points to a writable
/// `sqlcipher_provider`.
#[no_mangle]
pub unsafe extern "C" fn coachline_sqlcipher_setup(p: *mut SqlcipherProvider) -> c_int {
    // SAFETY: the caller passes null or a valid, writable, aligned provider struct.
    let Some(p) = (unsafe { p.as_mut() }) else {
        return SQLITE_ERROR;
    };
    p.init = None;
    p.shutdown = None;
    p.get_provider_name = Some(provider_name);
    p.add_random = Some(add_random);
    p.random = Some(random);
    p.hmac = Some(hmac);
    p.kdf = Some(kdf);
    p.cipher = Some(cipher);
    p.get_cipher = Some(cipher_name);
    p.get_key_sz = Some(key_size);
    p.get_iv_sz = Some(block_size);
    p.get_block_sz = Some(block_size);
    p.get_hmac_sz = Some(hmac_size);
    p.ctx_init = Some(ctx_init);
    p.ctx_free = Some(ctx_free);
    p.fips_status = Some(fips_status);
    p.get_provider_version = Some(provider_version);
    SQLITE_OK
}

/// Makes sure the linker keeps [`coachline_sqlcipher_setup`] wherever the store is
/// linked: only SQLCipher's C code calls it, and the linker takes an object out of a
/// Rust library only for a reference it has already seen. Called on the way to every
/// connection the store opens.
#[inline(always)]
pub(super) fn keep_linked() {
    std::hint::black_box(coachline_sqlcipher_setup as *const () as usize);
}

/// Runs `body`, turning a panic into `SQLITE_ERROR`. None is expected: the checks
/// come first and the crates' fallible calls are matched. This is the last line.
fn guarded(body: impl FnOnce() -> c_int) -> c_int {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(SQLITE_ERROR)
}

/// `len` bytes at `ptr` as a slice; `None` for a negative length, or a null pointer
/// with bytes to read. A zero length is the empty slice, whatever the pointer.
///
/// # Safety
///
/// A non-null `ptr` points to `len` readable bytes that stay valid and unwritten for
/// `'a`.
unsafe fn bytes<'a>(ptr: *const c_uchar, len: c_int) -> Option<&'a [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&[]);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null, and the caller vouches for `len` readable bytes.
    Some(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// [`bytes`], for writing.
///
/// # Safety
///
/// A non-null `ptr` points to `len` writable bytes, used through nothing else for
/// `'a`.
unsafe fn bytes_mut<'a>(ptr: *mut c_uchar, len: c_int) -> Option<&'a mut [u8]> {
    let len = usize::try_from(len).ok()?;
    if len == 0 {
        return Some(&mut []);
    }
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null, and the caller vouches for `len` writable, unaliased bytes.
    Some(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

unsafe extern "C" fn provider_name(_ctx: *mut c_void) -> *const c_char {
    c"rustcrypto".as_ptr()
}

/// This crate's version: the provider is its code, and its crates' versions are in
/// Cargo.lock.
const VERSION: &CStr = match CStr::from_bytes_with_nul(
    concat!("coachline-core ", env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
) {
    Ok(version) => version,
    Err(_) => panic!("the version has no NUL inside"),
};

unsafe extern "C" fn provider_version(_ctx: *mut c_void) -> *const c_char {
    VERSION.as_ptr()
}

unsafe extern "C" fn cipher_name(_ctx: *mut c_void) -> *const c_char {
    c"aes-256-cbc".as_ptr()
}

unsafe extern "C" fn key_size(_ctx: *mut c_void) -> c_int {
    KEY_LEN as c_int
}

/// AES's block, which is also CBC's IV.
unsafe extern "C" fn block_size(_ctx: *mut c_void) -> c_int {
    BLOCK_LEN as c_int
}

unsafe extern "C" fn hmac_size(_ctx: *mut c_void, algorithm: c_int) -> c_int {
    match algorithm {
        SHA1 => 20,
        SHA256 => 32,
        SHA512 => 64,
        _ => 0,
    }
}

/// No per-connection state: each call stands alone.
unsafe extern "C" fn ctx_init(_ctx: *mut *mut c_void) -> c_int {
    SQLITE_OK
}

unsafe extern "C" fn ctx_free(_ctx: *mut *mut c_void) -> c_int {
    SQLITE_OK
}

/// Not a FIPS-validated module.
unsafe extern "C" fn fips_status(_ctx: *mut c_void) -> c_int {
    0
}

/// The operating system's generator needs no seeding: what SQLCipher offers (`PRAGMA
/// cipher_add_random`) is accepted and ignored, as the CommonCrypto provider does.
unsafe extern "C" fn add_random(
    _ctx: *mut c_void,
    _buffer: *const c_void,
    _length: c_int,
) -> c_int {
    SQLITE_OK
}

/// IVs and salts, from the operating system (`getrandom`).
unsafe extern "C" fn random(_ctx: *mut c_void, buffer: *mut c_void, length: c_int) -> c_int {
    guarded(|| {
        // SAFETY: SQLCipher passes `length` writable bytes at `buffer`.
        let Some(out) = (unsafe { bytes_mut(buffer.cast(), length) }) else {
            return SQLITE_ERROR;
        };
        match getrandom::fill(out) {
            Ok(()) => SQLITE_OK,
            Err(_) => SQLITE_ERROR,
        }
    })
}

/// HMAC of `in || in2` (`in2` may be null: then of `in` alone), written to `out`,
/// which has [`hmac_size`] bytes.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn hmac(
    _ctx: *mut c_void,
    algorithm: c_int,
    hmac_key: *const c_uchar,
    key_sz: c_int,
    input: *const c_uchar,
    in_sz: c_int,
    in2: *const c_uchar,
    in2_sz: c_int,
    out: *mut c_uchar,
) -> c_int {
    guarded(|| {
        if input.is_null() {
            return SQLITE_ERROR;
        }
        // SAFETY: SQLCipher passes `key_sz` bytes of key, `in_sz` bytes at `input`,
        // `in2_sz` at a non-null `in2`, and `out` with room for the algorithm's HMAC;
        // the inputs are only read.
        let (Some(key), Some(first), Some(second), Some(out)) = (unsafe {
            (
                bytes(hmac_key, key_sz),
                bytes(input, in_sz),
                if in2.is_null() {
                    Some(&[][..])
                } else {
                    bytes(in2, in2_sz)
                },
                bytes_mut(out, hmac_size(std::ptr::null_mut(), algorithm)),
            )
        }) else {
            return SQLITE_ERROR;
        };
        status(match algorithm {
            SHA1 => mac::<Hmac<Sha1>>(key, first, second, out),
            SHA256 => mac::<Hmac<Sha256>>(key, first, second, out),
            SHA512 => mac::<Hmac<Sha512>>(key, first, second, out),
            _ => false,
        })
    })
}

fn mac<M: Mac + hmac::digest::KeyInit>(
    key: &[u8],
    first: &[u8],
    second: &[u8],
    out: &mut [u8],
) -> bool {
    let Ok(mut mac) = <M as Mac>::new_from_slice(key) else {
        return false;
    };
    mac.update(first);
    mac.update(second);
    let tag = mac.finalize().into_bytes();
    if tag.len() != out.len() {
        return false;
    }
    out.copy_from_slice(&tag);
    true
}

/// PBKDF2-HMAC with `workfactor` iterations, `key_sz` bytes into `key`. With a raw key,
/// as Coachline gives it, SQLCipher runs it only to derive the HMAC key (two
/// iterations); a passphrase would run it at its full work factor.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn kdf(
    _ctx: *mut c_void,
    algorithm: c_int,
    pass: *const c_uchar,
    pass_sz: c_int,
    salt: *const c_uchar,
    salt_sz: c_int,
    workfactor: c_int,
    key_sz: c_int,
    key: *mut c_uchar,
) -> c_int {
    guarded(|| {
        let Ok(rounds) = u32::try_from(workfactor) else {
            return SQLITE_ERROR;
        };
        if rounds == 0 || key_sz <= 0 {
            return SQLITE_ERROR;
        }
        // SAFETY: SQLCipher passes `pass_sz` and `salt_sz` readable bytes and `key_sz`
        // writable ones, the output apart from the inputs.
        let (Some(pass), Some(salt), Some(out)) = (unsafe {
            (
                bytes(pass, pass_sz),
                bytes(salt, salt_sz),
                bytes_mut(key, key_sz),
            )
        }) else {
            return SQLITE_ERROR;
        };
        status(
            match algorithm {
                SHA1 => pbkdf2::pbkdf2::<Hmac<Sha1>>(pass, salt, rounds, out),
                SHA256 => pbkdf2::pbkdf2::<Hmac<Sha256>>(pass, salt, rounds, out),
                SHA512 => pbkdf2::pbkdf2::<Hmac<Sha512>>(pass, salt, rounds, out),
                _ => return SQLITE_ERROR,
            }
            .is_ok(),
        )
    })
}

/// AES-256-CBC without padding: `in_sz` bytes (a whole number of blocks) from `input`
/// to `out`, with a 32-byte key and a 16-byte IV. The key schedule is wiped when
/// dropped (the `zeroize` features of `aes` and `cbc`).
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cipher(
    _ctx: *mut c_void,
    mode: c_int,
    key: *const c_uchar,
    key_sz: c_int,
    iv: *const c_uchar,
    input: *const c_uchar,
    in_sz: c_int,
    out: *mut c_uchar,
) -> c_int {
    guarded(|| {
        if key_sz != KEY_LEN as c_int
            || key.is_null()
            || iv.is_null()
            || input.is_null()
            || out.is_null()
            || in_sz <= 0
            || in_sz as usize % BLOCK_LEN != 0
            || (mode != ENCRYPT && mode != DECRYPT)
        {
            return SQLITE_ERROR;
        }
        let len = in_sz as usize;
        // SAFETY: non-null, and SQLCipher passes a 32-byte key and a 16-byte IV.
        let (key, iv) = unsafe { (bytes(key, KEY_LEN as c_int), bytes(iv, BLOCK_LEN as c_int)) };
        let (Some(key), Some(iv)) = (key, iv) else {
            return SQLITE_ERROR;
        };
        if input == out.cast_const() {
            // SAFETY: one buffer of `len` bytes, read and written in place through this
            // slice only.
            let Some(buf) = (unsafe { bytes_mut(out, in_sz) }) else {
                return SQLITE_ERROR;
            };
            return status(run_in_place(mode, key, iv, buf));
        }
        let (a, b) = (input as usize, out as usize);
        if a < b.saturating_add(len) && b < a.saturating_add(len) {
            // Partly overlapping buffers: SQLCipher never passes them, and they cannot
            // be a reading slice and a writing one at once.
            return SQLITE_ERROR;
        }
        // SAFETY: `len` readable bytes at `input` and `len` writable ones at `out`,
        // which do not overlap (checked just above).
        let (Some(from), Some(to)) = (unsafe { (bytes(input, in_sz), bytes_mut(out, in_sz)) })
        else {
            return SQLITE_ERROR;
        };
        status(run(mode, key, iv, from, to))
    })
}

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

fn run(mode: c_int, key: &[u8], iv: &[u8], from: &[u8], to: &mut [u8]) -> bool {
    if mode == ENCRYPT {
        match Encryptor::new_from_slices(key, iv) {
            Ok(c) => c.encrypt_padded_b2b_mut::<NoPadding>(from, to).is_ok(),
            Err(_) => false,
        }
    } else {
        match Decryptor::new_from_slices(key, iv) {
            Ok(c) => c.decrypt_padded_b2b_mut::<NoPadding>(from, to).is_ok(),
            Err(_) => false,
        }
    }
}

fn run_in_place(mode: c_int, key: &[u8], iv: &[u8], buf: &mut [u8]) -> bool {
    let len = buf.len();
    if mode == ENCRYPT {
        match Encryptor::new_from_slices(key, iv) {
            Ok(c) => c.encrypt_padded_mut::<NoPadding>(buf, len).is_ok(),
            Err(_) => false,
        }
    } else {
        match Decryptor::new_from_slices(key, iv) {
            Ok(c) => c.decrypt_padded_mut::<NoPadding>(buf).is_ok(),
            Err(_) => false,
        }
    }
}

fn status(ok: bool) -> c_int {
    if ok {
        SQLITE_OK
    } else {
        SQLITE_ERROR
    }
}

#[cfg(test)]
#[path = "page_cipher_tests.rs"]
mod tests;
