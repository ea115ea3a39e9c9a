//! The `service:` block and rate limits.

use super::*;

impl FileChecker<'_> {
    pub(super) fn service(&mut self, value: &Value, at: &YamlPath) -> Option<Service> {
        let entries = self.entries(value, at, SERVICE_KEYS, &["name", "base_url", "signing"])?;
        let mut service = Service {
            name: String::new(),
            title: String::new(),
            base_url: String::new(),
            signing_scheme: String::new(),
            signing_description: String::new(),
            envelope_description: String::new(),
            success_code: 0,
            default_rate_limits: Vec::new(),
        };
        for (key, value) in entries {
            let at = at.key(&key);
            match key.as_str() {
                "name" => service.name = self.string(value, &at).unwrap_or_default(),
                "title" => service.title = self.string(value, &at).unwrap_or_default(),
                "base_url" => {
                    let url = self.string(value, &at).unwrap_or_default();
                    if !(url.starts_with("https://") || url.starts_with("http://")) {
                        self.error(
                            &at,
                            Anchor::Value,
                            format!("base_url `{url}` is not an http(s) URL"),
                            Some("write it as `https://host`".into()),
                        );
                    }
                    service.base_url = url.trim_end_matches('/').to_owned();
                }
                "signing" => {
                    let Some(entries) =
                        self.entries(value, &at, &["scheme", "description"], &["scheme"])
                    else {
                        continue;
                    };
                    for (key, value) in entries {
                        let at = at.key(&key);
                        let text = self.string(value, &at).unwrap_or_default();
                        if key == "scheme" {
                            if text != "WPS-2" {
                                self.error(
                                    &at,
                                    Anchor::Value,
                                    format!("unsupported signing scheme `{text}`"),
                                    Some("the runtime implements `WPS-2`".into()),
                                );
                            }
                            service.signing_scheme = text;
                        } else {
                            service.signing_description = text;
                        }
                    }
                }
                "envelope" => {
                    let Some(entries) =
                        self.entries(value, &at, &["description", "success_code"], &[])
                    else {
                        continue;
                    };
                    for (key, value) in entries {
                        let at = at.key(&key);
                        if key == "success_code" {
                            let code = self.integer(value, &at).unwrap_or(0);
                            if code != 0 {
                                self.error(
                                    &at,
                                    Anchor::Value,
                                    format!("success_code {code} is not supported"),
                                    Some("kdocs uses 0 for success (decision D2); the runtime relies on it".into()),
                                );
                            }
                            service.success_code = code;
                        } else {
                            service.envelope_description =
                                self.string(value, &at).unwrap_or_default();
                        }
                    }
                }
                "defaults" => {
                    let Some(entries) = self.entries(value, &at, &["rate_limits"], &[]) else {
                        continue;
                    };
                    for (_, value) in entries {
                        service.default_rate_limits =
                            self.rate_limits(value, &at.key("rate_limits"));
                    }
                }
                _ => {}
            }
        }
        Some(service)
    }

    pub(super) fn rate_limits(&mut self, value: &Value, at: &YamlPath) -> Vec<RateLimit> {
        let Value::Sequence(items) = value else {
            self.error(
                at,
                Anchor::Value,
                format!("expected a list of rate limits, found {}", describe(value)),
                Some("write `- {app: test, limit: 500, per: day}` items".into()),
            );
            return Vec::new();
        };
        let mut limits = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = at.index(i);
            let Some(entries) = self.entries(
                item,
                &at,
                &["app", "limit", "per"],
                &["app", "limit", "per"],
            ) else {
                continue;
            };
            let mut limit = RateLimit {
                app: String::new(),
                limit: 0,
                per: String::new(),
            };
            for (key, value) in entries {
                let at = at.key(&key);
                match key.as_str() {
                    "app" => limit.app = self.string(value, &at).unwrap_or_default(),
                    "limit" => match value.as_u64() {
                        Some(n) => limit.limit = n,
                        None => self.error(
                            &at,
                            Anchor::Value,
                            format!("expected a positive integer, found {}", describe(value)),
                            Some("write the number of calls, e.g. `limit: 500`".into()),
                        ),
                    },
                    _ => {
                        let per = self.string(value, &at).unwrap_or_default();
                        const PERIODS: [&str; 4] = ["second", "minute", "hour", "day"];
                        if !PERIODS.contains(&per.as_str()) {
                            let hint = match closest(&per, PERIODS) {
                                Some(best) => format!("did you mean `{best}`?"),
                                None => "use second, minute, hour or day".into(),
                            };
                            self.error(
                                &at,
                                Anchor::Value,
                                format!("unknown period `{per}`"),
                                Some(hint),
                            );
                        }
                        limit.per = per;
                    }
                }
            }
            limits.push(limit);
        }
        limits
    }
}
