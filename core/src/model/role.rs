use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The two parties of an agreement. Each store's identity has exactly one role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Client,
    Therapist,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Client, Role::Therapist];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Therapist => "therapist",
        }
    }

    pub fn other(self) -> Role {
        match self {
            Role::Client => Role::Therapist,
            Role::Therapist => Role::Client,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "client" => Ok(Role::Client),
            "therapist" => Ok(Role::Therapist),
            _ => Err(Error::invalid("role", "expected client or therapist")),
        }
    }
}
