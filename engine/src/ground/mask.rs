//! Masking of personal values for messages, rejects and warnings: no full ID number or
//! name ever leaves sanku through a log line or an error.

/// Masks an ID-like value for logs and error messages: 530102********1234.
pub fn mask_id(value: &str) -> String {
    /// Values longer than this are shown by their ends and length.
    const MASK_WIDTH: usize = 40;
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    if chars.len() > MASK_WIDTH {
        // A garbage value of megabytes is not copied whole into rejects.csv.
        return format!("{head}********…{tail} ({} characters)", chars.len());
    }
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// Masks a name for logs: the first character and a star for each other one.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count();
            let stars = "*".repeat(rest.min(8));
            format!("{first}{stars}{}", if rest > 8 { "…" } else { "" })
        }
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_only_head_and_tail() {
        assert_eq!(mask_id("530102201503011234"), "530102********1234");
        assert_eq!(mask_id("12345"), "*****");
        let garbage = "9".repeat(1000);
        assert_eq!(mask_id(&garbage), "999999********…9999 (1000 characters)");
    }

    #[test]
    fn names_keep_only_their_first_character() {
        assert_eq!(mask_name("欧阳子涵"), "欧***");
        assert_eq!(mask_name(&"阿".repeat(50)), "阿********…");
    }
}
