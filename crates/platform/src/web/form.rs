//! Form state for server-rendered forms: submitted values kept on error, and field errors
//! announced at the top (with links to the fields) and next to each field.

use std::collections::HashMap;

use super::{error::FieldError, i18n::Lang};

/// A field error with its message in the page's language.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    /// Field name (also the input's id).
    pub field: String,
    /// Message.
    pub message: String,
}

/// Values and errors of a form.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    /// Submitted values (never passwords).
    pub values: HashMap<String, String>,
    /// Errors, in field order.
    pub errors: Vec<FieldMessage>,
}

impl FormState {
    /// An empty form.
    pub fn new() -> FormState {
        FormState::default()
    }

    /// Keeps a submitted value to show it again.
    pub fn keep(mut self, field: &str, value: &str) -> FormState {
        self.values.insert(field.to_owned(), value.to_owned());
        self
    }

    /// Adds errors, translated.
    pub fn with_errors(mut self, lang: Lang, errors: &[FieldError]) -> FormState {
        self.errors.extend(errors.iter().map(|e| FieldMessage { field: e.field.clone(), message: lang.t(&e.code) }));
        self
    }

    /// A message already formatted, next to a field (one that takes arguments).
    pub fn with_message(mut self, field: &str, message: String) -> FormState {
        self.errors.push(FieldMessage { field: field.to_owned(), message });
        self
    }

    /// The value of a field ("" when none).
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    /// The error of a field.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    /// Whether the form has errors.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// `aria-describedby` for a field: its hint and its error, when present.
    pub fn describedby(&self, field: &str, has_hint: bool) -> String {
        let mut ids = Vec::new();
        if has_hint {
            ids.push(format!("{field}-hint"));
        }
        if self.error(field).is_some() {
            ids.push(format!("{field}-error"));
        }
        ids.join(" ")
    }
}
