//! A YAML reader that keeps every scalar as the text written.
//!
//! Solutions of QROCM challenges and stored QROCM answers are YAML maps. A schema-resolving loader
//! turns `0123456789` into the number 123456789, `0x1F` into 31 and `+5` into 5, so a solution
//! would accept answers its author never wrote. Reading the parser's events instead keeps each
//! scalar exactly as written (quotes removed); only an empty value is read as the empty text.

use yaml_rust2::{
    Event, ScanError,
    parser::{EventReceiver, Parser},
};

/// A value of a text-only YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// A scalar, as written.
    Text(String),
    /// A sequence.
    List(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
    /// Anything else (aliases): never a valid answer or solution.
    Other,
}

impl Node {
    /// The text of a scalar.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Node::Text(t) => Some(t),
            _ => None,
        }
    }
}

enum Frame {
    List(Vec<Node>),
    /// Pairs read so far, and a key waiting for its value.
    Map(Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    done: Option<Node>,
}

impl Builder {
    fn push_value(&mut self, value: Node) {
        match self.stack.last_mut() {
            Some(Frame::List(items)) => items.push(value),
            Some(Frame::Map(pairs, pending)) => match pending.take() {
                Some(key) => pairs.push((key, value)),
                None => *pending = Some(value),
            },
            None => {
                if self.done.is_none() {
                    self.done = Some(value);
                }
            }
        }
    }
}

impl EventReceiver for Builder {
    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Scalar(text, ..) => self.push_value(Node::Text(text)),
            Event::SequenceStart(..) => self.stack.push(Frame::List(Vec::new())),
            Event::MappingStart(..) => self.stack.push(Frame::Map(Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::List(items)) => self.push_value(Node::List(items)),
                Some(Frame::Map(pairs, _)) => self.push_value(Node::Map(pairs)),
                None => {}
            },
            Event::Alias(_) => self.push_value(Node::Other),
            _ => {}
        }
    }
}

/// Reads the first document of a YAML text, every scalar kept as text.
pub fn parse(text: &str) -> Result<Option<Node>, ScanError> {
    let mut builder = Builder::default();
    Parser::new_from_str(text).load(&mut builder, false)?;
    Ok(builder.done)
}

/// Reads a YAML map of key → value(s): each value is one scalar or a list of scalars, as written.
/// Keys and values that are not scalars give an error message.
pub fn parse_map(text: &str) -> Result<Vec<(String, Vec<String>)>, String> {
    let Some(Node::Map(pairs)) = parse(text).map_err(|e| format!("malformed YAML: {e}"))? else {
        return Err("the YAML must be a map of key: value".to_owned());
    };
    let mut map = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        let key = key.as_text().ok_or_else(|| "a YAML key must be a plain value".to_owned())?.to_owned();
        let values = match value {
            Node::List(items) => items
                .iter()
                .map(|i| {
                    i.as_text().map(str::to_owned).ok_or_else(|| format!("values of \"{key}\" must be plain values"))
                })
                .collect::<Result<Vec<_>, _>>()?,
            Node::Text(t) => vec![t],
            _ => return Err(format!("values of \"{key}\" must be plain values")),
        };
        map.push((key, values));
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(text: &str) -> Vec<(String, String)> {
        parse_map(text).unwrap().into_iter().map(|(k, v)| (k, v.join("|"))).collect()
    }

    #[test]
    fn numbers_keep_their_form() {
        let map = single("a: 0123456789\nb: 007\nc: 0x1F\nd: +5\ne: 1e3\nf: -0\ng: 1_000\nh: .5\ni: 0o17\n");
        let values: Vec<&str> = map.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["0123456789", "007", "0x1F", "+5", "1e3", "-0", "1_000", ".5", "0o17"]);
    }

    #[test]
    fn booleans_nulls_and_quotes_are_text() {
        let map = single("a: yes\nb: true\nc: null\nd: ~\ne: '007'\nf: \"0x1F\"\ng:\n");
        let values: Vec<&str> = map.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(values, ["yes", "true", "null", "~", "007", "0x1F", ""]);
    }

    #[test]
    fn lists_and_order_are_kept() {
        let map = parse_map("b:\n  - 012\n  - douze\na: [1.50, '+1']\n").unwrap();
        assert_eq!(
            map,
            vec![("b".into(), vec!["012".into(), "douze".into()]), ("a".into(), vec!["1.50".into(), "+1".into()])]
        );
    }

    #[test]
    fn malformed_or_nested_documents_are_refused() {
        assert!(parse_map("a: [1, 2").is_err());
        assert!(parse_map("- just\n- a list").is_err());
        assert!(parse_map("a:\n  b: c\n").is_err());
        assert!(parse_map("a: &x 1\nb: *x\n").is_err());
        assert!(parse_map("plain text").is_err());
    }
}
