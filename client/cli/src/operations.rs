//! Every operation of the API as a subcommand: its descriptor and the
//! functions that run it (and, for a list that pages, walk its pages),
//! collected from the generated `for_each_operation`.
//!
//! Nothing here names an operation. The subcommands, their flags and help
//! come from each operation's `SPEC` (see [`OperationSpec`]); running one
//! builds its request from the command line with its generated `from_params`
//! and sends it with [`Client::execute`](kdocs_client::runtime::Client::execute),
//! so an endpoint added to `api-spec/` is a subcommand with no code here.
//! A list that pages is visited as one ([`OperationVisitor::visit_paged`]):
//! its pages are walked by the runtime's [`Pages`], each item turned into
//! JSON, under the walk's bound ([`DEFAULT_MAX_PAGES`](kdocs_client::runtime::DEFAULT_MAX_PAGES)).

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use futures_util::stream::{self, Stream};
use kdocs_client::runtime::{Operation, OperationSpec, OperationVisitor, Paged, Pages};
use kdocs_client::Client;
use serde::Serialize;
use serde_json::Value;

use crate::args::{Args, CommandError};

/// An answer being fetched.
type Answer<'a> = Pin<Box<dyn Future<Output = Result<Value, CommandError>> + 'a>>;

/// The items of a list's pages being fetched, one by one, as JSON (each page
/// whole when the spec names no items).
pub type Items<'a> = Pin<Box<dyn Stream<Item = Result<Value, CommandError>> + 'a>>;

/// A function that walks an operation's pages.
type Walk = for<'a> fn(&'a Client, &'a mut Args) -> Items<'a>;

/// One operation as a command.
#[derive(Clone, Copy)]
pub struct OperationCommand {
    /// The operation's descriptor: name, method, path, auth, parameters, docs.
    pub spec: &'static OperationSpec,
    run: for<'a> fn(&'a Client, &'a mut Args) -> Answer<'a>,
    pages: Option<Walk>,
}

impl std::fmt::Debug for OperationCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationCommand")
            .field("operation", &self.spec.name)
            .field("paged", &self.pages.is_some())
            .finish()
    }
}

impl OperationCommand {
    /// The subcommand, `get-file-info`.
    pub fn subcommand(&self) -> String {
        self.spec.name.replace('_', "-")
    }

    /// Runs the operation with `args`, giving its answer as JSON (secrets
    /// included: the command's user asked for them).
    pub fn run<'a>(&self, client: &'a Client, args: &'a mut Args) -> Answer<'a> {
        (self.run)(client, args)
    }

    /// Whether the operation is a list whose pages [`pages`](Self::pages)
    /// walks.
    pub fn is_paged(&self) -> bool {
        self.pages.is_some()
    }

    /// The items of every page from the request `args` builds on, as JSON;
    /// `None` when the operation does not page.
    pub fn pages<'a>(&self, client: &'a Client, args: &'a mut Args) -> Option<Items<'a>> {
        self.pages.map(|walk| walk(client, args))
    }
}

/// Collects the operations a generated `for_each_operation` visits.
struct Collect(Vec<OperationCommand>);

impl OperationVisitor for Collect {
    fn visit<O: Operation + 'static>(&mut self) {
        self.0.push(OperationCommand {
            spec: &O::SPEC,
            run: run::<O>,
            pages: None,
        });
    }

    fn visit_paged<O: Paged + 'static>(&mut self)
    where
        O::Item: Serialize,
    {
        self.0.push(OperationCommand {
            spec: &O::SPEC,
            run: run::<O>,
            pages: Some(walk::<O>),
        });
    }
}

fn to_json(value: &impl Serialize) -> Result<Value, CommandError> {
    serde_json::to_value(value).map_err(|e| CommandError::Invalid {
        name: "the answer".into(),
        reason: format!("is not JSON: {e}"),
    })
}

fn walk<'a, O>(client: &'a Client, args: &'a mut Args) -> Items<'a>
where
    O: Paged + 'static,
    O::Item: Serialize,
{
    let request = match O::from_params(args) {
        Ok(request) => request,
        Err(e) => return Box::pin(stream::once(async move { Err(e.into()) })),
    };
    let pages = Pages::new(client.runtime(), request);
    Box::pin(stream::unfold(pages, |mut pages| async move {
        let item = pages.next_item().await?;
        let item = item.map_err(CommandError::from).and_then(|i| to_json(&i));
        Some((item, pages))
    }))
}

fn run<'a, O: Operation + 'static>(client: &'a Client, args: &'a mut Args) -> Answer<'a> {
    Box::pin(async move {
        let request = O::from_params(args)?;
        let answer = client.execute(request).await?;
        to_json(&answer)
    })
}

/// Every operation of the API, in spec order.
pub fn all() -> &'static [OperationCommand] {
    static ALL: OnceLock<Vec<OperationCommand>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut collect = Collect(Vec::new());
        kdocs_client::for_each_operation(&mut collect);
        collect.0
    })
}

/// The operation whose subcommand is `subcommand`.
pub fn find(subcommand: &str) -> Option<&'static OperationCommand> {
    all().iter().find(|op| op.subcommand() == subcommand)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_a_command_once() {
        let all = all();
        assert!(!all.is_empty());
        let mut names: Vec<&str> = all.iter().map(|op| op.spec.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "an operation visited twice");
        for op in all {
            assert_eq!(
                find(&op.subcommand()).map(|o| o.spec.name),
                Some(op.spec.name)
            );
        }
        assert!(find("no-such-operation").is_none());
    }

    #[test]
    fn the_lists_that_page_are_walkable() {
        let paged: Vec<&str> = all()
            .iter()
            .filter(|op| op.is_paged())
            .map(|op| op.spec.name)
            .collect();
        assert!(paged.contains(&"list_personal_files"), "{paged:?}");
        assert!(paged.contains(&"list_dbt_records"), "{paged:?}");
        assert!(!paged.contains(&"get_user_info"), "{paged:?}");
        for op in all() {
            assert!(op.spec.family.is_some(), "{} has no family", op.spec.name);
        }
    }
}
