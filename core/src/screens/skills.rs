//! The DBT skills a client can pick from when saying what they tried, and a
//! therapist when noting what they suggested: names only (the handouts' text is
//! copyrighted), in the order of Linehan's four modules. A person may always type a
//! skill that is not here.

/// Skill names, module by module: mindfulness, distress tolerance, emotion
/// regulation, interpersonal effectiveness.
pub const SKILLS: &[&str] = &[
    "Wise mind",
    "Observe",
    "Describe",
    "Participate",
    "STOP",
    "Pros and cons",
    "TIPP",
    "Paced breathing",
    "Paired muscle relaxation",
    "ACCEPTS",
    "Self-soothe",
    "IMPROVE the moment",
    "Radical acceptance",
    "Turning the mind",
    "Willingness",
    "Half-smiling",
    "Check the facts",
    "Opposite action",
    "Problem solving",
    "ABC PLEASE",
    "Build mastery",
    "Cope ahead",
    "Mindfulness of current emotion",
    "DEAR MAN",
    "GIVE",
    "FAST",
    "Validation",
];

/// The skills not chosen yet, in the catalogue's order.
pub(super) fn suggestions(chosen: &[String]) -> Vec<String> {
    SKILLS
        .iter()
        .filter(|s| !chosen.iter().any(|c| c.trim().eq_ignore_ascii_case(s)))
        .map(|s| (*s).to_owned())
        .collect()
}
