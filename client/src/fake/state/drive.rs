//! One user's personal files (我的文档): folders, files and the recycle bin,
//! as the `personal` family's handlers keep them.

use std::collections::HashMap;

use bytes::Bytes;
use serde_json::{json, Value};

use super::super::errors::FakeError;
use super::{file_not_found, random_alphanumeric};
use crate::{FileSortField, SortOrder};

/// Items per page when a list call gives no `count`.
const DEFAULT_COUNT: i64 = 30;

/// One user's files and folders, by id.
#[derive(Debug)]
pub(crate) struct Drive {
    pub(crate) root: String,
    pub(crate) entries: HashMap<String, Entry>,
    pub(crate) next_seq: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) name: String,
    /// `None` only for the root, 我的文档.
    pub(crate) parent: Option<String>,
    pub(crate) folder: bool,
    pub(crate) content: Bytes,
    pub(crate) ctime: u64,
    pub(crate) mtime: u64,
    /// Creation order, to break ties when sorting.
    pub(crate) seq: u64,
    /// Set while it is in the recycle bin: when it went there, in the
    /// drive's running order (`seq`).
    pub(crate) trashed: Option<u64>,
}

impl Drive {
    pub(crate) fn new(now: u64) -> Drive {
        let mut drive = Drive {
            root: String::new(),
            entries: HashMap::new(),
            next_seq: 0,
        };
        drive.root = drive.add("我的文档", None, true, Bytes::new(), now);
        drive
    }

    pub(crate) fn add(
        &mut self,
        name: &str,
        parent: Option<&str>,
        folder: bool,
        content: Bytes,
        now: u64,
    ) -> String {
        let id = random_alphanumeric(43);
        self.next_seq += 1;
        let entry = Entry {
            name: name.to_owned(),
            parent: parent.map(str::to_owned),
            folder,
            content,
            ctime: now,
            mtime: now,
            seq: self.next_seq,
            trashed: None,
        };
        self.entries.insert(id.clone(), entry);
        id
    }

    /// Whether `id` exists and neither it nor a folder above it is in the recycle bin.
    pub(crate) fn is_live(&self, id: &str) -> bool {
        let mut at = self.entries.get(id);
        while let Some(entry) = at {
            if entry.trashed.is_some() {
                return false;
            }
            at = entry.parent.as_deref().and_then(|p| self.entries.get(p));
        }
        self.entries.contains_key(id)
    }

    /// A live file or folder other than the root.
    pub(crate) fn item(&self, id: &str) -> Result<&Entry, FakeError> {
        match self.entries.get(id) {
            Some(_) if id == self.root => Err(FakeError::invalid_argument(format!(
                "{id:?} is the root folder 我的文档, which cannot be changed or fetched"
            ))),
            Some(entry) if self.is_live(id) => Ok(entry),
            _ => Err(file_not_found(id)),
        }
    }

    /// A live file (not a folder, not the root).
    pub(crate) fn file(&self, id: &str) -> Result<&Entry, FakeError> {
        let entry = self.item(id)?;
        if entry.folder {
            return Err(FakeError::invalid_argument(format!(
                "{id:?} is a folder, not a file"
            )));
        }
        Ok(entry)
    }

    /// A live folder (the root included).
    pub(crate) fn folder(&self, id: &str) -> Result<(), FakeError> {
        match self.entries.get(id) {
            Some(entry) if entry.folder && self.is_live(id) => Ok(()),
            Some(_) if self.is_live(id) => Err(FakeError::invalid_argument(format!(
                "parent_id {id:?} is a file, not a folder"
            ))),
            _ => Err(file_not_found(id)),
        }
    }

    /// Whether `id` is `ancestor` or inside it.
    pub(crate) fn within(&self, id: &str, ancestor: &str) -> bool {
        let mut at = Some(id);
        while let Some(current) = at {
            if current == ancestor {
                return true;
            }
            at = self.entries.get(current).and_then(|e| e.parent.as_deref());
        }
        false
    }

    /// The live children of `folder`.
    pub(crate) fn children(&self, folder: &str) -> Vec<String> {
        let mut children = self
            .entries
            .iter()
            .filter(|(_, e)| e.parent.as_deref() == Some(folder) && e.trashed.is_none())
            .map(|(id, _)| id.clone())
            .collect::<Vec<_>>();
        children.sort_by_key(|id| self.entries[id].seq);
        children
    }

    /// The live folder `name` in `parent`.
    pub(crate) fn find_folder(&self, parent: &str, name: &str) -> Option<String> {
        let mut children = self.children(parent).into_iter();
        children.find(|id| self.entries[id].folder && self.entries[id].name == name)
    }

    /// The live folder `name` in `parent`, created when missing.
    pub(crate) fn subfolder(&mut self, parent: &str, name: &str, now: u64) -> String {
        let found = self.find_folder(parent, name);
        found.unwrap_or_else(|| self.add(name, Some(parent), true, Bytes::new(), now))
    }

    /// /我的文档/应用/<app id>, once a file was created in it.
    pub(crate) fn app_folder(&self, app_id: &str) -> Option<String> {
        let apps = self.find_folder(&self.root, "应用")?;
        self.find_folder(&apps, app_id)
    }

    /// Where create, upload and create-from-URL put a file: `parent_id`, or
    /// `parent_path` below the app folder (below 我的文档 with
    /// `path_from_root`), creating the folders on the way.
    pub(crate) fn place(
        &mut self,
        app_id: &str,
        parent_id: Option<&str>,
        parent_path: Option<&Vec<String>>,
        path_from_root: bool,
        now: u64,
    ) -> Result<String, FakeError> {
        if let Some(id) = parent_id {
            self.folder(id)?;
            return Ok(id.to_owned());
        }
        let path = parent_path.map(Vec::as_slice).unwrap_or_default();
        if path.iter().any(|name| name.is_empty()) {
            return Err(FakeError::invalid_argument(
                "parent_path has an empty folder name",
            ));
        }
        let mut at = self.root.clone();
        if !path_from_root {
            let apps = self.subfolder(&at, "应用", now);
            at = self.subfolder(&apps, app_id, now);
        }
        for name in path {
            at = self.subfolder(&at, name, now);
        }
        Ok(at)
    }

    /// Copies `id` (a folder with its live contents) into `parent`; returns the copy's id.
    pub(crate) fn copy(&mut self, id: &str, parent: &str, now: u64) -> String {
        let entry = self.entries[id].clone();
        let children = self.children(id);
        let copy = self.add(&entry.name, Some(parent), entry.folder, entry.content, now);
        for child in children {
            self.copy(&child, &copy, now);
        }
        copy
    }

    /// The fake's JSON for a file or folder: its id as `id.open_id`, as
    /// public code reads it; the other field names are the fake's own.
    pub(crate) fn json(&self, id: &str) -> Value {
        let e = &self.entries[id];
        json!({
            "id": { "open_id": id },
            "fname": e.name,
            "ftype": if e.folder { "folder" } else { "file" },
            "fsize": e.content.len(),
            "parent_id": e.parent,
            "ctime": e.ctime,
            "mtime": e.mtime,
        })
    }

    /// Folders first, then files, each by `order_by` (default `fname`) and
    /// `order` (default `asc`), then by age.
    pub(crate) fn sort(
        &self,
        ids: &mut [String],
        order_by: Option<&FileSortField>,
        order: Option<&SortOrder>,
    ) -> Result<(), FakeError> {
        if let Some(FileSortField::Unknown(v)) = order_by {
            return Err(bad_enum("order_by", v, "mtime, fname, fsize"));
        }
        let descending = match order {
            None | Some(SortOrder::Asc) => false,
            Some(SortOrder::Desc) => true,
            Some(SortOrder::Unknown(v)) => return Err(bad_enum("order", v, "asc, desc")),
        };
        ids.sort_by(|a, b| {
            let (a, b) = (&self.entries[a], &self.entries[b]);
            let within = match order_by {
                Some(FileSortField::Mtime) => a.mtime.cmp(&b.mtime),
                Some(FileSortField::Fsize) => a.content.len().cmp(&b.content.len()),
                _ => a.name.cmp(&b.name),
            }
            .then(a.seq.cmp(&b.seq));
            let within = if descending { within.reverse() } else { within };
            b.folder.cmp(&a.folder).then(within)
        });
        Ok(())
    }

    /// The `offset`/`count` page of `ids` as JSON, the next offset (-1 at
    /// the end) and the kind of the next item (the `next_filter`).
    pub(crate) fn page(
        &self,
        ids: &[String],
        offset: Option<i64>,
        count: Option<i64>,
    ) -> Result<(Vec<Value>, i64, Option<String>), FakeError> {
        let (offset, count) = (offset.unwrap_or(0), count.unwrap_or(DEFAULT_COUNT));
        if offset < 0 || count < 1 {
            return Err(FakeError::invalid_argument(format!(
                "offset must be 0 or more and count 1 or more (got offset {offset}, count {count})"
            )));
        }
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(ids.len());
        let end = start
            .saturating_add(usize::try_from(count).unwrap_or(usize::MAX))
            .min(ids.len());
        let items = ids[start..end].iter().map(|id| self.json(id)).collect();
        if end == ids.len() {
            return Ok((items, -1, None));
        }
        let kind = if self.entries[&ids[end]].folder {
            "folder"
        } else {
            "file"
        };
        Ok((items, end as i64, Some(kind.to_owned())))
    }
}

pub(crate) fn bad_enum(name: &str, value: &str, allowed: &str) -> FakeError {
    FakeError::invalid_argument(format!(
        "query parameter `{name}` is {value:?}; expected one of {allowed}"
    ))
}
