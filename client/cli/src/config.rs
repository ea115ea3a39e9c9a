//! The config file: named profiles of settings, as `aws` keeps them.
//!
//! `config.toml` in the kdocs config folder (`$KDOCS_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/kdocs`, else `~/.config/kdocs`, else `%APPDATA%\kdocs`)
//! holds tables of settings:
//!
//! ```toml
//! [default]                     # used when no profile is named
//! base_url = "https://developer.kdocs.cn"
//! app_id = "AK20240101XXXXXX"
//!
//! [profile.staging]             # kdocs --profile staging …, or KDOCS_PROFILE=staging
//! base_url = "http://127.0.0.1:8470"
//! app_id = "fake-app"
//! app_key = "…"                 # only in a file that only its owner can read (chmod 600)
//! account = "alice"             # which stored login (kdocs auth login --account)
//! store = "redis://127.0.0.1/"  # where the logins are kept
//! ```
//!
//! `[profile.default]` is the same as `[default]` (a file may have one of the
//! two). A setting comes from the command line first, then from its
//! `KDOCS_*` variable, then from the profile, then from its default.
//!
//! An app key is a secret: a profile that holds one is refused unless the
//! file's permissions keep it from the group and others (on Unix), with an
//! error that says to `chmod 600` the file or to set `KDOCS_APP_KEY` instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::failure::Failure;

/// The file's name in the config folder.
pub const FILE_NAME: &str = "config.toml";

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// The settings a profile may hold (each optional).
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The kdocs API's base URL.
    pub base_url: Option<String>,
    /// The app's APPID.
    pub app_id: Option<String>,
    /// The app's APPKEY (a secret: see the module docs).
    pub app_key: Option<String>,
    /// Which stored login to use.
    pub account: Option<String>,
    /// Where logins are kept: an SQLite file or a `redis://` URL.
    pub store: Option<String>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The app key is a secret: whether there is one, never its value.
        f.debug_struct("Profile")
            .field("base_url", &self.base_url)
            .field("app_id", &self.app_id)
            .field("app_key", &self.app_key.as_ref().map(|_| "***"))
            .field("account", &self.account)
            .field("store", &self.store)
            .finish()
    }
}

/// The file's tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: Option<Profile>,
    #[serde(default)]
    profile: BTreeMap<String, Profile>,
}

/// The kdocs config folder, from the environment.
pub fn config_dir() -> Option<PathBuf> {
    config_dir_from(|name| std::env::var_os(name))
}

/// [`config_dir`] with the environment given by `var`.
pub fn config_dir_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let var = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    var("KDOCS_CONFIG_DIR")
        .or_else(|| var("XDG_CONFIG_HOME").map(|d| d.join("kdocs")))
        .or_else(|| var("HOME").map(|d| d.join(".config").join("kdocs")))
        .or_else(|| var("APPDATA").map(|d| d.join("kdocs")))
}

/// The profile to use from the config file at `path`: the one `named`, or
/// the default one (empty when the file or the default profile is absent).
pub fn load_profile(path: &Path, named: Option<&str>) -> Result<Profile, Failure> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Failure::usage(format!(
                "cannot read the config file {}: {e}",
                path.display()
            )))
        }
    };
    let file: File = match &text {
        Some(text) => toml::from_str(text).map_err(|e| {
            let e = e.to_string();
            Failure::usage(format!(
                "the config file {} is not valid: {}",
                path.display(),
                e.trim_end()
            ))
        })?,
        None => File::default(),
    };
    let profile = select(file, named).map_err(|reason| {
        Failure::usage(format!("{reason} (in the config file {})", path.display()))
    })?;
    if profile.app_key.is_some() {
        check_private(path)?;
    }
    Ok(profile)
}

/// The profile `named` (or the default one) among `file`'s.
fn select(mut file: File, named: Option<&str>) -> Result<Profile, String> {
    let named_default = file.profile.remove(DEFAULT_PROFILE);
    let default = match (file.default, named_default) {
        (Some(_), Some(_)) => {
            return Err("both [default] and [profile.default]: keep one".to_owned());
        }
        (one, other) => one.or(other),
    };
    match named {
        None | Some(DEFAULT_PROFILE) => Ok(default.unwrap_or_default()),
        Some(name) => file.profile.remove(name).ok_or_else(|| {
            let known: Vec<&str> = file.profile.keys().map(String::as_str).collect();
            if known.is_empty() {
                format!("no profile `{name}`: no [profile.{name}] table")
            } else {
                format!("no profile `{name}`: the profiles are {}", known.join(", "))
            }
        }),
    }
}

/// Refuses a file holding an app key that others may read.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::usage(format!(
            "the config file {} holds an app_key but others may read it (mode {:04o}): \
             run `chmod 600 {}`, or remove app_key from it and set KDOCS_APP_KEY instead",
            path.display(),
            mode & 0o7777,
            path.display()
        )));
    }
    Ok(())
}

/// Windows has no mode bits: the file is in the user's own folder.
#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), Failure> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
        path
    }

    #[test]
    fn a_named_profile_or_the_default_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "[default]\napp_id = \"main\"\n\n[profile.p]\nbase_url = \"http://127.0.0.1:1\"\n\
             account = \"alice\"\nstore = \"/tmp/t.sqlite\"\n",
            0o644,
        );
        let default = load_profile(&path, None).unwrap();
        assert_eq!(default.app_id.as_deref(), Some("main"));
        assert_eq!(load_profile(&path, Some("default")).unwrap(), default);
        let p = load_profile(&path, Some("p")).unwrap();
        assert_eq!(p.base_url.as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(p.account.as_deref(), Some("alice"));
        assert_eq!(p.app_id, None, "a profile does not inherit [default]");
        let err = load_profile(&path, Some("q")).unwrap_err();
        assert!(
            err.message().contains("no profile `q`: the profiles are p"),
            "{err:?}"
        );
    }

    #[test]
    fn profile_default_stands_for_default_and_not_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "[profile.default]\napp_id = \"a\"\n", 0o644);
        assert_eq!(
            load_profile(&path, None).unwrap().app_id.as_deref(),
            Some("a")
        );
        let path = write(
            dir.path(),
            "[default]\napp_id = \"a\"\n[profile.default]\napp_id = \"b\"\n",
            0o644,
        );
        let err = load_profile(&path, None).unwrap_err();
        assert!(err.message().contains("keep one"), "{err:?}");
    }

    #[test]
    fn no_file_is_an_empty_default_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        assert_eq!(load_profile(&path, None).unwrap(), Profile::default());
        let err = load_profile(&path, Some("p")).unwrap_err();
        assert!(err.message().contains("no [profile.p] table"), "{err:?}");
    }

    #[test]
    fn a_bad_file_is_named_with_its_mistake() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "[default]\napp_idd = \"a\"\n", 0o600);
        let err = load_profile(&path, None).unwrap_err();
        assert!(err.message().contains("app_idd"), "{err:?}");
        assert!(err.message().contains(FILE_NAME), "{err:?}");
        let path = write(dir.path(), "[default\n", 0o600);
        assert!(load_profile(&path, None).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn an_app_key_only_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "[profile.p]\napp_id = \"a\"\napp_key = \"sekrit-app-key-123\"\n[profile.q]\napp_id = \"b\"\n";
        let path = write(dir.path(), text, 0o644);
        let err = load_profile(&path, Some("p")).unwrap_err();
        assert!(err.message().contains("chmod 600"), "{err:?}");
        assert!(err.message().contains("KDOCS_APP_KEY"), "{err:?}");
        assert!(err.message().contains("0644"), "{err:?}");
        assert!(!err.message().contains("sekrit"), "{err:?}");
        // A profile without a key is usable from the same file.
        assert_eq!(
            load_profile(&path, Some("q")).unwrap().app_id.as_deref(),
            Some("b")
        );
        let path = write(dir.path(), text, 0o600);
        let p = load_profile(&path, Some("p")).unwrap();
        assert_eq!(p.app_key.as_deref(), Some("sekrit-app-key-123"));
        assert!(!format!("{p:?}").contains("sekrit"));
    }

    #[test]
    fn the_config_folder_follows_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let dir = |pairs| config_dir_from(env(pairs));
        assert_eq!(
            dir(&[("KDOCS_CONFIG_DIR", "/k"), ("HOME", "/h")]),
            Some("/k".into())
        );
        assert_eq!(
            dir(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]),
            Some("/x/kdocs".into())
        );
        assert_eq!(
            dir(&[("KDOCS_CONFIG_DIR", ""), ("HOME", "/h")]),
            Some("/h/.config/kdocs".into())
        );
        assert_eq!(dir(&[]), None);
    }
}
