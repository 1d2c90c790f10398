//! The reference syntax of proposals and solutions (docs/content.md), parsed once at load.

use crate::model::{Block, Input, Proposals, Solution};

/// Parses QCU/QCM proposals: one per line, each starting with `- `.
pub fn parse_choices(text: &str) -> Result<Vec<String>, String> {
    let mut choices = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(choice) = line.strip_prefix("- ") else {
            return Err(format!("proposal line {} must start with \"- \"", i + 1));
        };
        if choice.trim().is_empty() {
            return Err(format!("proposal line {} is empty", i + 1));
        }
        choices.push(choice.trim().to_owned());
    }
    if choices.len() < 2 {
        return Err("a QCU/QCM needs at least 2 proposals".to_owned());
    }
    Ok(choices)
}

/// Parses QROC/QROCM proposals: text with `${key#placeholder§label options=[…]}` inputs.
pub fn parse_blocks(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            blocks.push(Block::Text(rest[..start].to_owned()));
        }
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| "an input \"${\" is never closed by \"}\"".to_owned())?;
        // A JSON options list may itself contain '}' only inside strings, which we do not allow.
        blocks.push(Block::Input(parse_input(&after[..end])?));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        blocks.push(Block::Text(rest.to_owned()));
    }
    Ok(blocks)
}

fn parse_input(inner: &str) -> Result<Input, String> {
    let (head, options) = match inner.find(" options=") {
        Some(i) => {
            let list = inner[i + " options=".len()..].trim();
            (&inner[..i], Some(parse_options(list)?))
        }
        None => (inner, None),
    };
    let key_end = head.find(['#', '§']).unwrap_or(head.len());
    let key = head[..key_end].trim();
    if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(format!("input key \"{key}\" must be letters, digits, '-' or '_'"));
    }
    let mut placeholder = None;
    let mut label = None;
    let mut tail = &head[key_end..];
    while !tail.is_empty() {
        let marker = tail.chars().next().unwrap_or('#');
        let body = &tail[marker.len_utf8()..];
        let next = body.find(['#', '§']).unwrap_or(body.len());
        let value = body[..next].trim().to_owned();
        match marker {
            '#' => placeholder = Some(value),
            _ => label = Some(value),
        }
        tail = &body[next..];
    }
    Ok(Input { key: key.to_owned(), placeholder, label: label.filter(|l| !l.is_empty()), options })
}

fn parse_options(list: &str) -> Result<Vec<String>, String> {
    let options: Vec<String> = serde_json::from_str(list)
        .map_err(|_| "options must be a JSON list of strings like [\"a\", \"b\"]".to_owned())?;
    if options.len() < 2 {
        return Err("a select needs at least 2 options".to_owned());
    }
    Ok(options)
}

/// Parses proposals for a type.
pub fn parse_proposals(choices: bool, text: &str) -> Result<Proposals, String> {
    if choices { parse_choices(text).map(Proposals::Choices) } else { parse_blocks(text).map(Proposals::Blocks) }
}

/// Parses a QCU solution: one 1-based index.
pub fn parse_qcu_solution(text: &str) -> Result<Solution, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|i| *i >= 1)
        .map(Solution::Index)
        .ok_or_else(|| format!("QCU solution \"{}\" must be a proposal number (1, 2, …)", text.trim()))
}

/// Parses a QCM solution: comma-separated 1-based indexes.
pub fn parse_qcm_solution(text: &str) -> Result<Solution, String> {
    let mut indexes = Vec::new();
    for part in text.split(',') {
        let i = part
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|i| *i >= 1)
            .ok_or_else(|| format!("QCM solution part \"{}\" must be a proposal number", part.trim()))?;
        indexes.push(i);
    }
    indexes.sort_unstable();
    indexes.dedup();
    Ok(Solution::Indexes(indexes))
}

/// Parses a QROC solution: accepted answers, one per line.
pub fn parse_variants(text: &str) -> Result<Solution, String> {
    let variants: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    if variants.is_empty() {
        return Err("the solution lists no accepted answer".to_owned());
    }
    Ok(Solution::Variants(variants))
}

/// Parses a YAML map of key → accepted answers (a list or a single value), keeping file order and
/// every answer exactly as written (see [`crate::yaml_text`]).
pub fn parse_yaml_map(text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let map = crate::yaml_text::parse_map(text)?;
    if map.is_empty() {
        return Err("the YAML map is empty".to_owned());
    }
    if let Some((key, _)) = map.iter().find(|(_, values)| values.is_empty()) {
        return Err(format!("\"{key}\" lists no accepted answer"));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_inputs_with_placeholder_label_and_options() {
        let blocks =
            parse_blocks("Ville : ${ville#Paris§Nom de la ville} et ${pays§Pays options=[\"France\", \"Italie\"]}.")
                .unwrap();
        assert_eq!(blocks.len(), 5);
        let Block::Input(ville) = &blocks[1] else { panic!() };
        assert_eq!(
            (ville.key.as_str(), ville.placeholder.as_deref(), ville.label.as_deref()),
            ("ville", Some("Paris"), Some("Nom de la ville"))
        );
        let Block::Input(pays) = &blocks[3] else { panic!() };
        assert_eq!(pays.options.as_deref(), Some(&["France".to_owned(), "Italie".to_owned()][..]));
        assert_eq!(pays.label.as_deref(), Some("Pays"));
    }

    #[test]
    fn rejects_malformed_syntax() {
        assert!(parse_blocks("${open").is_err());
        assert!(parse_blocks("${§label}").is_err());
        assert!(parse_choices("- one\ntwo").is_err());
        assert!(parse_qcu_solution("0").is_err());
        assert!(parse_qcm_solution("1,x").is_err());
        assert!(parse_yaml_map("a: [1, 2").is_err());
        assert!(parse_yaml_map("- just\n- a list").is_err());
    }

    #[test]
    fn solutions_keep_leading_zeros_signs_and_radix_prefixes() {
        let map = parse_yaml_map("tel: 0123456789\ncode: [007, 0x1F, +5, 1e3]\n").unwrap();
        assert_eq!(map[0].1, vec!["0123456789".to_owned()]);
        assert_eq!(map[1].1, vec!["007".to_owned(), "0x1F".into(), "+5".into(), "1e3".into()]);
    }

    #[test]
    fn yaml_map_keeps_order_and_stringifies() {
        let map = parse_yaml_map("b:\n  - 12\n  - douze\na: oui\n").unwrap();
        assert_eq!(map, vec![("b".into(), vec!["12".into(), "douze".into()]), ("a".into(), vec!["oui".into()])]);
    }
}
