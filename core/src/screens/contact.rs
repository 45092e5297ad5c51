//! Turning a crisis resource's contact, as the agreement words it ("call or text
//! 988", "911", "text HOME to 741741", "+44 116 123"), into the `tel:` and `sms:`
//! addresses a phone opens. The words stay as written on the screen; only the
//! number and, for a text line, the keyword are taken from them.

/// The `tel:` and `sms:` addresses of a contact, if it names a number: a `tel:` when
/// it says "call" or names no verb, an `sms:` when it says "text" (with the keyword
/// of "text HOME to 741741" as the message body, RFC 5724).
pub fn uris(contact: &str) -> (Option<String>, Option<String>) {
    let Some(number) = number(contact) else {
        return (None, None);
    };
    let words: Vec<String> = contact
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let says = |verb: &str| words.iter().any(|w| w == verb);
    let (call, text) = (says("call"), says("text") || says("sms"));
    let tel = (call || !text).then(|| format!("tel:{number}"));
    let sms = text.then(|| match keyword(contact) {
        Some(body) => format!("sms:{number}?body={body}"),
        None => format!("sms:{number}"),
    });
    (tel, sms)
}

/// The first run of at least three digits (with `+`, spaces, dots, dashes and
/// brackets between them), as digits and a leading `+`.
fn number(contact: &str) -> Option<String> {
    let mut best = String::new();
    let mut current = String::new();
    for c in contact.chars() {
        match c {
            '0'..='9' => current.push(c),
            '+' if current.is_empty() => current.push(c),
            ' ' | '-' | '.' | '(' | ')' if !current.is_empty() => {}
            _ => {
                if digits(&current) >= 3 && best.is_empty() {
                    best = std::mem::take(&mut current);
                }
                current.clear();
            }
        }
    }
    if digits(&current) >= 3 && best.is_empty() {
        best = current;
    }
    (!best.is_empty()).then_some(best)
}

fn digits(s: &str) -> usize {
    s.chars().filter(char::is_ascii_digit).count()
}

/// The keyword of "text HOME to 741741": the word between "text" and "to", if it
/// is a single word of letters and digits.
fn keyword(contact: &str) -> Option<String> {
    let words: Vec<&str> = contact.split_whitespace().collect();
    words.windows(3).find_map(|w| {
        let body = w[1].trim_matches(|c: char| !c.is_alphanumeric());
        (w[0].eq_ignore_ascii_case("text")
            && w[2].eq_ignore_ascii_case("to")
            && !body.is_empty()
            && body.chars().all(char::is_alphanumeric))
        .then(|| body.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(tel: &str, sms: &str) -> (Option<String>, Option<String>) {
        (Some(tel.into()), Some(sms.into()))
    }

    #[test]
    fn the_seed_resources_become_addresses() {
        assert_eq!(uris("call or text 988"), both("tel:988", "sms:988"));
        assert_eq!(uris("911"), (Some("tel:911".into()), None));
    }

    #[test]
    fn a_text_line_keeps_its_keyword_as_the_body() {
        assert_eq!(
            uris("text HOME to 741741"),
            (None, Some("sms:741741?body=HOME".into()))
        );
    }

    #[test]
    fn spaced_and_international_numbers_are_joined() {
        assert_eq!(
            uris("call +44 (0) 116 123-456"),
            (Some("tel:+440116123456".into()), None)
        );
        assert_eq!(
            uris("Samaritans: 116 123, any time"),
            (Some("tel:116123".into()), None)
        );
    }

    #[test]
    fn a_contact_without_a_number_has_no_address() {
        assert_eq!(uris("ask your care coordinator"), (None, None));
        assert_eq!(uris("call 12"), (None, None));
    }
}
