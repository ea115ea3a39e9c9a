//! Line breaking for the client emitter's text, as rustfmt would break it:
//! a list (arguments, a tuple, a slice) stays on its line when that line fits
//! in [`WIDTH`] columns, and otherwise takes one element a line, indented
//! four more, with a trailing comma.

/// The widest line kept whole.
pub(super) const WIDTH: usize = 100;

/// A list's elements, each one line or a nested list.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Element {
    /// Text that is not broken.
    Text(String),
    /// A nested list, within its own delimiters.
    List(List),
}

/// Elements between delimiters.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct List {
    open: &'static str,
    close: &'static str,
    /// A one-element list keeps its trailing comma on one line (a 1-tuple).
    comma_after_one: bool,
    elements: Vec<Element>,
}

impl List {
    /// `(a, b)`: call arguments or parameters.
    pub(super) fn arguments(elements: Vec<Element>) -> List {
        List {
            open: "(",
            close: ")",
            comma_after_one: false,
            elements,
        }
    }

    /// `(a, b,)`: a tuple (a 1-tuple keeps its comma).
    pub(super) fn tuple(elements: Vec<Element>) -> List {
        List {
            open: "(",
            close: ")",
            comma_after_one: true,
            elements,
        }
    }

    /// `&[a, b]`: a slice.
    pub(super) fn slice(elements: Vec<Element>) -> List {
        List {
            open: "&[",
            close: "]",
            comma_after_one: false,
            elements,
        }
    }

    /// `<a, b>`: generic arguments.
    pub(super) fn generics(elements: Vec<Element>) -> List {
        List {
            open: "<",
            close: ">",
            comma_after_one: false,
            elements,
        }
    }

    /// The length of [`List::one_line`], without making it.
    pub(super) fn width(&self) -> usize {
        let elements: usize = self.elements.iter().map(Element::width).sum();
        let separators = 2 * self.elements.len().saturating_sub(1);
        let comma = usize::from(self.comma_after_one && self.elements.len() == 1);
        self.open.len() + elements + separators + comma + self.close.len()
    }

    /// The list on one line.
    pub(super) fn one_line(&self) -> String {
        let mut out = String::from(self.open);
        for (i, element) in self.elements.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&element.one_line());
        }
        if self.comma_after_one && self.elements.len() == 1 {
            out.push(',');
        }
        out.push_str(self.close);
        out
    }

    /// The list where it starts at column `column` of a line indented
    /// `indent` and is followed by `after` text on the same line: one line if
    /// that fits, else one element a line.
    pub(super) fn layout(&self, indent: usize, column: usize, after: usize) -> String {
        if column + self.width() + after <= WIDTH || self.elements.is_empty() {
            return self.one_line();
        }
        let inner = indent + 4;
        let mut out = String::from(self.open);
        out.push('\n');
        for element in &self.elements {
            out.push_str(&" ".repeat(inner));
            out.push_str(&element.layout(inner, inner, 1));
            out.push_str(",\n");
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(self.close);
        out
    }
}

impl Element {
    fn width(&self) -> usize {
        match self {
            Element::Text(text) => text.len(),
            Element::List(list) => list.width(),
        }
    }

    fn one_line(&self) -> String {
        match self {
            Element::Text(text) => text.clone(),
            Element::List(list) => list.one_line(),
        }
    }

    fn layout(&self, indent: usize, column: usize, after: usize) -> String {
        match self {
            Element::Text(text) => text.clone(),
            Element::List(list) => list.layout(indent, column, after),
        }
    }
}

impl From<String> for Element {
    fn from(text: String) -> Element {
        Element::Text(text)
    }
}

impl From<&str> for Element {
    fn from(text: &str) -> Element {
        Element::Text(text.to_owned())
    }
}

impl From<List> for Element {
    fn from(list: List) -> Element {
        Element::List(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[&str]) -> Vec<Element> {
        items.iter().map(|t| Element::from(*t)).collect()
    }

    #[test]
    fn short_lists_stay_on_their_line() {
        let list = List::tuple(texts(&["a"]));
        assert_eq!(list.layout(8, 20, 2), "(a,)");
        let list = List::arguments(texts(&["a", "b"]));
        assert_eq!(list.layout(8, 20, 2), "(a, b)");
    }

    #[test]
    fn long_lists_take_an_element_a_line_and_nest() {
        let long = "x".repeat(60);
        let inner = List::tuple(texts(&[&long, &long]));
        let outer = List::arguments(vec!["serializer".into(), inner.into()]);
        let expected = format!(
            "(\n            serializer,\n            (\n                {long},\n                {long},\n            ),\n        )"
        );
        assert_eq!(outer.layout(8, 40, 1), expected);
        // The one-line form is the same tokens, and its width is known
        // without making it.
        assert_eq!(outer.one_line(), format!("(serializer, ({long}, {long}))"));
        assert_eq!(outer.width(), outer.one_line().len());
        let one = List::tuple(texts(&["a"]));
        assert_eq!(one.width(), one.one_line().len());
    }
}
