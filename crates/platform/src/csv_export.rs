//! Writing CSV files the way the reference's exports are written (and spreadsheets read them):
//! `;` between cells, a decimal comma, text quoted unless only digits and dashes, and formulas
//! escaped so that a cell never runs in the reader's spreadsheet.

/// One CSV cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text: quoted (unless only digits and dashes), formula-escaped.
    Text(String),
    /// A number: decimal comma, never quoted.
    Number(f64),
    /// Nothing: `""`.
    Empty,
}

/// Writes a cell as the reference does.
pub fn cell(c: &Cell) -> String {
    match c {
        Cell::Empty => "\"\"".to_owned(),
        Cell::Number(n) => {
            let text = if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", *n as i64) } else { format!("{n}") };
            text.replace('.', ",")
        }
        Cell::Text(s) => {
            let s = if s.starts_with(['-', '@', '=', '+']) { format!("'{s}") } else { s.clone() };
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                s
            } else {
                format!("\"{}\"", s.replace('"', "\"\""))
            }
        }
    }
}

/// One CSV line.
pub fn line(cells: &[Cell]) -> String {
    let mut out = cells.iter().map(cell).collect::<Vec<_>>().join(";");
    out.push('\n');
    out
}
