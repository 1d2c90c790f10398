//! Rendering the Markdown subset of instructions and hints to safe HTML.

use pulldown_cmark::{Event, Options, Parser, html};

/// Renders Markdown to HTML. Raw HTML in the source is escaped, never passed through, and links
/// open as ordinary links (the checker already refuses raw HTML in content files).
pub fn to_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH).map(|event| match event {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() + markdown.len() / 2);
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_raw_html_and_renders_emphasis() {
        let html = super::to_html("**gras** <script>alert(1)</script>");
        assert!(html.contains("<strong>gras</strong>"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
    }
}
