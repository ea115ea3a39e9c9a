//! `source:` markers of fields and endpoints that no documentation page
//! shows: what was observed (`public clients`, `another host`), where
//! (`ref:`), and the rule that such a field is optional.

use super::*;
use crate::spec::{Observation, Source};

const SOURCE_KEYS: &[&str] = &["observed", "ref", "note"];

fn source_hint() -> String {
    let kinds: Vec<String> = Observation::ALL
        .iter()
        .map(|(_, s)| format!("`{s}`"))
        .collect();
    format!(
        "write `source: {{ observed: public clients, ref: \"owner/repo path/to/file.py\" }}` \
         (observed: {}); a fact no page and no public client shows does not belong in the spec",
        kinds.join(" or ")
    )
}

impl FileChecker<'_> {
    /// `source:` of a field or an endpoint: `{ observed, ref, note }`, where
    /// `ref` is one string or a non-empty list of them.
    pub(super) fn source(&mut self, value: &Value, at: &YamlPath) -> Option<Source> {
        if !matches!(value, Value::Mapping(_) | Value::Tagged(_)) {
            self.error(
                at,
                Anchor::Value,
                format!("`source` must be a mapping, found {}", describe(value)),
                Some(source_hint()),
            );
            return None;
        }
        let entries = self.entries(value, at, SOURCE_KEYS, &["observed", "ref"])?;
        let mut observed = None;
        let mut refs = None;
        let mut note = None;
        for (key, value) in entries {
            let key_at = at.key(&key);
            match key.as_str() {
                "observed" => observed = self.observation(value, &key_at),
                "ref" => refs = Some(self.source_refs(value, &key_at)),
                _ => note = self.source_note(value, &key_at),
            }
        }
        let (observed, refs) = (observed?, refs?);
        if observed == Observation::AnotherHost {
            self.another_host_refs(&refs);
        }
        if refs.is_empty() {
            return None;
        }
        Some(Source {
            observed,
            refs: refs.into_iter().map(|(r, _)| r).collect(),
            note,
        })
    }

    fn observation(&mut self, value: &Value, at: &YamlPath) -> Option<Observation> {
        let text = self.string(value, at)?;
        if let Some((observed, _)) = Observation::ALL.iter().find(|(_, s)| *s == text) {
            return Some(*observed);
        }
        let names = Observation::ALL.map(|(_, s)| s);
        let hint = match closest(&text, names) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "use `{}` (public client code sends or reads it) or `{}` (a copy of the page \
                 on another host shows it); a fact a page shows needs no `source`",
                names[0], names[1]
            ),
        };
        self.error(
            at,
            Anchor::Value,
            format!("unknown observation `{text}`"),
            Some(hint),
        );
        None
    }

    /// `note:` of a source: a non-blank string.
    pub(super) fn source_note(&mut self, value: &Value, at: &YamlPath) -> Option<String> {
        let text = self.string(value, at).unwrap_or_default();
        if text.trim().is_empty() {
            self.error(
                at,
                Anchor::Value,
                "`note` is empty".into(),
                Some("say what the source shows, or leave the key out".into()),
            );
            return None;
        }
        Some(text)
    }

    /// `ref:`: one non-blank string or a non-empty list of them, each with
    /// where it is.
    fn source_refs(&mut self, value: &Value, at: &YamlPath) -> Vec<(String, YamlPath)> {
        let items = one_or_list(value, at);
        if items.is_empty() {
            self.error(
                at,
                Anchor::Value,
                "`ref` is an empty list".into(),
                Some(source_hint()),
            );
        }
        let mut refs = Vec::new();
        for (item_at, item) in items {
            let Some(text) = self.string(item, &item_at) else {
                continue;
            };
            if text.trim().is_empty() || text.contains('\n') {
                self.error(
                    &item_at,
                    Anchor::Value,
                    "a `ref` is blank or spans lines".into(),
                    Some(
                        "name one repository and path (`owner/repo src/client.py`), a public \
                         code id (`public code 67121152383`) or a page URL per entry"
                            .into(),
                    ),
                );
                continue;
            }
            refs.push((text, item_at));
        }
        refs
    }

    /// The refs of `observed: another host` are the https URLs of those pages.
    fn another_host_refs(&mut self, refs: &[(String, YamlPath)]) {
        let host = |url: &str| {
            url.strip_prefix("https://")
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned)
        };
        let service_host = "developer.kdocs.cn";
        for (url, item_at) in refs {
            let problem = match host(url) {
                None => Some("is not an https URL"),
                Some(h) if h.is_empty() => Some("has no host"),
                Some(h) if h == service_host => Some("is a page of the service's own host"),
                Some(_) => None,
            };
            if let Some(problem) = problem {
                self.error(
                    item_at,
                    Anchor::Value,
                    format!("`{url}` {problem}"),
                    Some(format!(
                        "`observed: another host` names the https URL of a copy of the page on \
                         another host (https://solution.wps.cn/docs/convert/to-pdf.html); a fact \
                         a page of {service_host} shows needs no `source`"
                    )),
                );
            }
        }
    }

    /// Gives the fields of `fields` (and of the inline objects inside them)
    /// that have no `source:` of their own the `source` of what holds them,
    /// and checks that every sourced field is optional. `at` is the YAML
    /// path of the `fields:` mapping; `holder` names what holds them.
    pub(super) fn inherit_source(
        &mut self,
        fields: &mut [Field],
        source: &Source,
        at: &YamlPath,
        holder: &str,
    ) {
        // A note says what the source shows of the holder: its fields keep
        // only where it was seen.
        let inherited = Source {
            note: None,
            ..source.clone()
        };
        for field in fields {
            let field_at = at.key(&field.name);
            if field.source.is_some() {
                continue;
            }
            if field.required {
                self.error(
                    &field_at,
                    Anchor::Key,
                    format!(
                        "field `{}` is inside {holder}, which is {}, so it must be optional",
                        field.name,
                        observed_words(source.observed)
                    ),
                    Some(
                        "add `required: false`: a real answer may lack a field no page shows"
                            .into(),
                    ),
                );
            }
            field.source = Some(inherited.clone());
            if let TypeExpr::Object(object) = &mut field.ty {
                let holder = format!("`{}`", field.name);
                self.inherit_source(
                    &mut object.fields,
                    &inherited,
                    &field_at.key("fields"),
                    &holder,
                );
            }
        }
    }

    /// A field with a `source:` of its own must be optional.
    pub(super) fn sourced_field_is_optional(&mut self, field: &Field, at: &YamlPath) {
        if let (Some(source), true) = (&field.source, field.required) {
            self.error(
                &at.key("source"),
                Anchor::Key,
                format!(
                    "field `{}` is {}, so it must be optional",
                    field.name,
                    observed_words(source.observed)
                ),
                Some(
                    "add `required: false`: a real answer may lack a field no page shows, \
                     and a request may do without it"
                        .into(),
                ),
            );
        }
    }
}

fn observed_words(observed: Observation) -> &'static str {
    match observed {
        Observation::PublicClients => "seen in public clients (not on the pages)",
        Observation::AnotherHost => "seen on another host's page (not on the pages)",
    }
}
