//! What `agreement export` seals with and `agreement import` opens with, from the
//! command line: files and one environment variable, never a prompt (the CLI runs in
//! scripts and tests) and never an argument holding the secret itself (it would show
//! in the process list and the shell's history).

use std::io::Read;
use std::path::{Path, PathBuf};

use coachline_core::backup::{Identity, Passphrase, Seal, Unseal, MAX_SEALED};
use zeroize::Zeroizing;

use crate::args::SealArgs;
use crate::Failure;

/// The passphrase when no file gives one.
pub const PASSPHRASE_VAR: &str = "COACHLINE_BACKUP_PASSPHRASE";

/// The seal `agreement export` was asked for; `None` for `--plain`.
pub fn seal(args: SealArgs) -> Result<Option<Seal>, Failure> {
    let SealArgs {
        passphrase_file,
        recipient,
        plain,
    } = args;
    if plain {
        return Ok(None);
    }
    if let Some(recipient) = recipient {
        return Ok(Some(Seal::Recipient(recipient.parse()?)));
    }
    match passphrase(passphrase_file)? {
        Some(passphrase) => Ok(Some(Seal::Passphrase(passphrase))),
        None => Err(Failure::usage(format!(
            "an export is sealed: pass --passphrase-file FILE (or set {PASSPHRASE_VAR}) or \
             --recipient age1…; or --plain for an unencrypted file"
        ))),
    }
}

/// What `agreement import` may open a sealed file with, if anything.
pub fn unseal(
    passphrase_file: Option<PathBuf>,
    identity: Option<PathBuf>,
) -> Result<Option<Unseal>, Failure> {
    if let Some(file) = identity {
        let text = Zeroizing::new(std::fs::read_to_string(file)?);
        return Ok(Some(Unseal::Identity(Identity::parse(&text)?)));
    }
    Ok(passphrase(passphrase_file)?.map(Unseal::Passphrase))
}

/// The passphrase of `--passphrase-file`, else of the environment variable.
fn passphrase(file: Option<PathBuf>) -> Result<Option<Passphrase>, Failure> {
    let mut text = match file {
        Some(file) => std::fs::read_to_string(file)?,
        None => match std::env::var(PASSPHRASE_VAR) {
            Ok(text) => text,
            Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Failure::usage(format!(
                    "{PASSPHRASE_VAR} is not valid UTF-8"
                )))
            }
        },
    };
    // The line break an editor or `echo` adds is not part of it.
    for ending in ["\n", "\r"] {
        if text.ends_with(ending) {
            text.truncate(text.len() - 1);
        }
    }
    Ok(Some(Passphrase::new(text)?))
}

/// Reads a file to import, refusing one larger than any export unread (and reading
/// no more than that from one that grows, or a pipe).
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    let too_large = || {
        Failure::from(coachline_core::Error::NotAnAgreement(
            "the file is larger than any export (over 64 MiB)".into(),
        ))
    };
    let limit = u64::try_from(MAX_SEALED).unwrap_or(u64::MAX);
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() > limit {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() > MAX_SEALED {
        return Err(too_large());
    }
    Ok(bytes)
}
