//! Office tasks: what extract_plain_text and convert_* start and
//! get_office_task answers. A task is pending until its time comes on the
//! fake clock, then done or failed as the fake's configuration (or a test,
//! through [`FakeState::fail_office_task`]) says.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{random_bytes, FileEntry, State};

/// How long an office task is pending unless
/// [`FakeConfig::with_office_task_duration`](crate::fake::FakeConfig::with_office_task_duration)
/// says otherwise: long enough for a waiter to poll more than once, short
/// enough for tests on the real-time clock.
pub const DEFAULT_OFFICE_TASK_DURATION: Duration = Duration::from_millis(300);

/// The most office tasks the fake remembers; the oldest go first, so a task
/// kept longer than that many newer tasks is unknown again.
pub(crate) const MAX_OFFICE_TASKS: usize = 10_000;

/// How the fake runs the office tasks it starts (set on `FakeConfig`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OfficeTaskRules {
    /// How long a task is pending, on the fake clock.
    pub(crate) duration: Duration,
    /// When set, every task fails with this message.
    pub(crate) failure: Option<String>,
}

impl Default for OfficeTaskRules {
    fn default() -> Self {
        OfficeTaskRules {
            duration: DEFAULT_OFFICE_TASK_DURATION,
            failure: None,
        }
    }
}

/// What a task gives once its time has come.
#[derive(Clone, Debug)]
pub(crate) enum OfficeOutcome {
    /// The text of a file: extraction, or conversion to txt (without line
    /// feeds unless `line_feeds`, as the to-txt page's `hold_line_feed` says).
    Text {
        entry: Arc<FileEntry>,
        line_feeds: bool,
    },
    /// A conversion the fake does not carry out: done, with an empty result.
    Done,
    /// Failed with this message.
    Failed(String),
}

/// A task and when it ends.
#[derive(Clone, Debug)]
pub(crate) struct OfficeTask {
    pub(crate) ready_at: SystemTime,
    pub(crate) outcome: OfficeOutcome,
}

/// The office tasks, with the order they were started in.
#[derive(Debug, Default)]
pub(crate) struct OfficeTasks {
    pub(crate) tasks: HashMap<String, OfficeTask>,
    order: VecDeque<String>,
}

impl State {
    /// Starts a task ending at `ready_at` with `outcome`; returns its id.
    pub(crate) fn start_office_task(
        &mut self,
        outcome: OfficeOutcome,
        ready_at: SystemTime,
    ) -> String {
        let office = &mut self.office_tasks;
        while office.order.len() >= MAX_OFFICE_TASKS {
            if let Some(oldest) = office.order.pop_front() {
                office.tasks.remove(&oldest);
            }
        }
        let task_id = hex::encode(random_bytes(16));
        office.order.push_back(task_id.clone());
        office
            .tasks
            .insert(task_id.clone(), OfficeTask { ready_at, outcome });
        task_id
    }
}

impl OfficeOutcome {
    /// The text a [`OfficeOutcome::Text`] task gives: the file's bytes read
    /// as UTF-8 (the fake parses no document format), line feeds dropped
    /// unless kept.
    pub(crate) fn text(entry: &FileEntry, line_feeds: bool) -> String {
        let text = String::from_utf8_lossy(&entry.content.to_bytes()).into_owned();
        if line_feeds {
            text
        } else {
            text.replace(['\r', '\n'], "")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_tasks_are_capped_oldest_first() {
        let mut state = State::default();
        let now = SystemTime::UNIX_EPOCH;
        let first = state.start_office_task(OfficeOutcome::Done, now);
        for _ in 0..MAX_OFFICE_TASKS {
            state.start_office_task(OfficeOutcome::Done, now);
        }
        assert_eq!(state.office_tasks.tasks.len(), MAX_OFFICE_TASKS);
        assert!(!state.office_tasks.tasks.contains_key(&first));
    }

    #[test]
    fn the_text_of_a_file_keeps_line_feeds_only_when_asked() {
        let entry = FileEntry::new("a.txt", bytes::Bytes::from_static(b"one\r\ntwo\n"));
        assert_eq!(OfficeOutcome::text(&entry, true), "one\r\ntwo\n");
        assert_eq!(OfficeOutcome::text(&entry, false), "onetwo");
    }
}
