//! The error table (`errors:`) and the sources of its codes.

use super::*;

impl FileChecker<'_> {
    pub(super) fn errors(&mut self, value: &Value, at: &YamlPath, part: &mut FilePart) {
        for (key, value) in self.named_entries(value, at) {
            let at = at.key(&key);
            let Ok(code) = key.parse::<i64>() else {
                self.error(
                    &at,
                    Anchor::Key,
                    format!("error code `{key}` is not an integer"),
                    Some("key each error by its numeric `code`, e.g. `10001:`".into()),
                );
                continue;
            };
            let Some(entries) = self.entries(
                value,
                &at,
                &[
                    "name",
                    "message",
                    "description",
                    "retryable",
                    "category",
                    "source",
                ],
                &["name", "category"],
            ) else {
                continue;
            };
            if !entries.iter().any(|(k, _)| k == "source") {
                self.error(
                    &at,
                    Anchor::Key,
                    format!("error code {code} has no `source`"),
                    Some(
                        "every code names where it comes from: add `source: { page: /path.html }` \
                         (a documentation page that states it) or `source: { observed: public \
                         clients, note: … }`; a code no source gives does not belong here"
                            .into(),
                    ),
                );
            }
            let mut error = ErrorCode {
                code,
                name: String::new(),
                message: None,
                description: String::new(),
                retryable: false,
                category: ErrorCategory::Request,
                source: ErrorSource::Pages {
                    pages: Vec::new(),
                    note: None,
                },
            };
            for (key, value) in entries {
                let key_at = at.key(&key);
                match key.as_str() {
                    "source" => {
                        if let Some(source) = self.error_source(value, &key_at) {
                            error.source = source;
                        }
                    }
                    "message" => {
                        let message = self.string(value, &key_at).unwrap_or_default();
                        if message.trim().is_empty() {
                            self.error(
                                &key_at,
                                Anchor::Value,
                                "`message` is empty".into(),
                                Some(
                                    "give the `message` the source shows with the code, \
                                     or leave the key out when it shows none"
                                        .into(),
                                ),
                            );
                        } else {
                            error.message = Some(message);
                        }
                    }
                    "name" => {
                        error.name = self.string(value, &key_at).unwrap_or_default();
                        if !is_type_name(&error.name) {
                            self.error(
                                &key_at,
                                Anchor::Value,
                                format!(
                                    "error name `{}` is not a PascalCase identifier",
                                    error.name
                                ),
                                Some(
                                    "use the service's `message` when the source gives one, \
                                     e.g. `InvalidArgument`"
                                        .into(),
                                ),
                            );
                        }
                    }
                    "description" => {
                        error.description = self.string(value, &key_at).unwrap_or_default()
                    }
                    "retryable" => error.retryable = self.boolean(value, &key_at).unwrap_or(false),
                    _ => {
                        let text = self.string(value, &key_at).unwrap_or_default();
                        match ErrorCategory::ALL.iter().find(|(n, _)| *n == text) {
                            Some((_, c)) => error.category = *c,
                            None => {
                                let names = ErrorCategory::ALL.map(|(n, _)| n);
                                let hint = match closest(&text, names) {
                                    Some(best) => format!("did you mean `{best}`?"),
                                    None => format!("use one of {}", names.join(", ")),
                                };
                                self.error(
                                    &key_at,
                                    Anchor::Value,
                                    format!("unknown error category `{text}`"),
                                    Some(hint),
                                );
                            }
                        }
                    }
                }
            }
            part.errors.push((error, self.origin(&at)));
        }
    }

    /// `source:` of an error code: `{ page: /a.html }` (or a list of pages),
    /// or `{ observed: public clients, note: … }`; `note` is optional with pages.
    pub(super) fn error_source(&mut self, value: &Value, at: &YamlPath) -> Option<ErrorSource> {
        const SOURCE_HINT: &str =
            "write `source: { page: /server/anonymous/local.html }` (the page \
             on the documentation site that states the code) or `source: { observed: public \
             clients, note: … }`";
        if !matches!(value, Value::Mapping(_) | Value::Tagged(_)) {
            self.error(
                at,
                Anchor::Value,
                format!("`source` must be a mapping, found {}", describe(value)),
                Some(SOURCE_HINT.into()),
            );
            return None;
        }
        let entries = self.entries(value, at, &["page", "observed", "note", "ref"], &[])?;
        let mut pages: Option<Vec<String>> = None;
        let mut observed: Option<(String, YamlPath)> = None;
        let mut note: Option<String> = None;
        let mut refs: Option<(Vec<String>, YamlPath)> = None;
        for (key, value) in entries {
            let key_at = at.key(&key);
            match key.as_str() {
                "page" => {
                    pages = Some(self.source_pages(value, &key_at));
                }
                "ref" => {
                    let list = self.error_source_refs(value, &key_at);
                    refs = Some((list, key_at));
                }
                "observed" => {
                    if let Some(text) = self.string(value, &key_at) {
                        if text != ErrorSource::OBSERVED_IN_PUBLIC_CLIENTS {
                            self.error(
                                &key_at,
                                Anchor::Value,
                                format!("unknown observation `{text}`"),
                                Some(format!(
                                    "the only observation source is `observed: {}`; a code \
                                     stated on a page takes `page:` instead",
                                    ErrorSource::OBSERVED_IN_PUBLIC_CLIENTS
                                )),
                            );
                        }
                        observed = Some((text, key_at));
                    }
                }
                _ => note = self.source_note(value, &key_at),
            }
        }
        if let (Some(_), Some((_, ref_at))) = (&pages, &refs) {
            self.error(
                ref_at,
                Anchor::Key,
                "`ref` names where public clients show a code; a page source has none".into(),
                Some("move what the page shows into `note:`, or remove `ref:`".into()),
            );
        }
        let refs = refs.map(|(list, _)| list).unwrap_or_default();
        match (pages, observed) {
            (Some(_), Some((_, observed_at))) => {
                self.error(
                    &observed_at,
                    Anchor::Key,
                    "`source` has both `page` and `observed`".into(),
                    Some(
                        "a code is either stated on documentation pages or observed in \
                         public clients; keep the one that is true"
                            .into(),
                    ),
                );
                None
            }
            (Some(pages), None) => Some(ErrorSource::Pages { pages, note }),
            (None, Some((_, observed_at))) => match note {
                Some(note) => Some(ErrorSource::ObservedInPublicClients { note, refs }),
                None => {
                    self.error(
                        &observed_at,
                        Anchor::Key,
                        "an observed code needs a `note`".into(),
                        Some(
                            "add `note:` saying what was observed where, e.g. the answer a \
                             public client quotes"
                                .into(),
                        ),
                    );
                    None
                }
            },
            (None, None) => {
                self.error(
                    at,
                    Anchor::Key,
                    "`source` names no page and no observation".into(),
                    Some(SOURCE_HINT.into()),
                );
                None
            }
        }
    }

    /// `ref:` of an observed error code: where public clients show it, one
    /// non-blank string or a list of them.
    fn error_source_refs(&mut self, value: &Value, at: &YamlPath) -> Vec<String> {
        let items = one_or_list(value, at);
        let mut refs = Vec::new();
        for (item_at, item) in items {
            match self.string(item, &item_at) {
                Some(text) if !text.trim().is_empty() => refs.push(text),
                Some(_) => self.error(
                    &item_at,
                    Anchor::Value,
                    "a `ref` is blank".into(),
                    Some("name a repository and path, or a public code id".into()),
                ),
                None => {}
            }
        }
        refs
    }

    /// `page:` of an error source: one page path or a non-empty list of them.
    pub(super) fn source_pages(&mut self, value: &Value, at: &YamlPath) -> Vec<String> {
        let items = one_or_list(value, at);
        if items.is_empty() {
            self.error(
                at,
                Anchor::Value,
                "`page` is an empty list".into(),
                Some("name at least one page, e.g. `page: /server/anonymous/local.html`".into()),
            );
        }
        let mut pages = Vec::new();
        for (item_at, item) in items {
            let Some(page) = self.string(item, &item_at) else {
                continue;
            };
            let problem = if page.contains("://") {
                Some("is a URL, not a page path")
            } else if !page.starts_with('/') {
                Some("does not start with `/`")
            } else if page.chars().any(char::is_whitespace) {
                Some("contains white space")
            } else if !page.ends_with(".html") {
                Some("does not end with `.html`")
            } else {
                None
            };
            match problem {
                Some(problem) => self.error(
                    &item_at,
                    Anchor::Value,
                    format!("page `{page}` {problem}"),
                    Some(
                        "write the path of the page on the documentation site, e.g. \
                         `/server/anonymous/local.html` for \
                         https://developer.kdocs.cn/server/anonymous/local.html"
                            .into(),
                    ),
                ),
                None => pages.push(page),
            }
        }
        pages
    }
}
