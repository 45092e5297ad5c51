//! A phone: one store file driven through the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const T0: &str = "2026-11-23T14:00:00Z";

pub struct Phone {
    pub store: PathBuf,
}

impl Phone {
    pub fn new(dir: &Path, name: &str) -> Self {
        Self {
            store: dir.join(format!("{name}.db")),
        }
    }

    /// A phone with an identity.
    pub fn init(dir: &Path, name: &str, role: &str) -> Self {
        let phone = Self::new(dir, name);
        phone.ok(&["init", "--role", role, "--name", name]);
        phone
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    /// Runs a command with environment variables set.
    pub fn run_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_coachline"))
            .args(args)
            .arg("--store")
            .arg(&self.store)
            .args(if args.contains(&"--now") {
                vec![]
            } else {
                vec!["--now", T0]
            })
            .env_remove("COACHLINE_STORE")
            .env_remove("COACHLINE_KEY")
            .env_remove("COACHLINE_BACKUP_PASSPHRASE")
            .env_remove("COACHLINE_RELAY")
            .envs(vars.iter().copied())
            .output()
            .expect("the coachline binary runs")
    }

    /// Runs a command that must succeed; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        serde_json::from_str(&self.ok(&with_json)).expect("valid JSON")
    }

    /// Runs a command that must fail with `code`; returns stderr.
    pub fn fails(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).expect("UTF-8 output")
    }

    /// Everything a person can see of the agreement: what must not change after a
    /// refused command.
    pub fn state(&self) -> (Value, Value) {
        (
            self.json(&["agreement", "show"]),
            self.json(&["log", "--limit", "1000"]),
        )
    }

    /// Exports the agreement to `file`, plain (an Automerge document the tests read
    /// and alter), and imports it into `other`.
    pub fn send_to(&self, other: &Phone, file: &Path) {
        self.ok(&[
            "agreement",
            "export",
            "--plain",
            "--out",
            file.to_str().unwrap(),
        ]);
        other.ok(&["agreement", "import", file.to_str().unwrap()]);
    }
}

/// A therapist and a client sharing one drafted agreement.
pub fn pair(dir: &Path) -> (Phone, Phone, String) {
    let therapist = Phone::init(dir, "therapist", "therapist");
    let client = Phone::init(dir, "client", "client");
    let id = therapist.json(&[
        "agreement",
        "new",
        "--client",
        "Sam",
        "--time-zone",
        "America/New_York",
    ])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    therapist.send_to(&client, &dir.join("draft.automerge"));
    (therapist, client, id)
}
