//! Every operation of the API as a subcommand: its descriptor and the one
//! function that runs it, collected from the generated `for_each_operation`.
//!
//! Nothing here names an operation. The subcommands, their flags and help
//! come from each operation's `SPEC` (see [`OperationSpec`]); running one
//! builds its request from the command line with its generated `from_params`
//! and sends it with [`Client::execute`](kdocs_client::runtime::Client::execute),
//! so an endpoint added to `api-spec/` is a subcommand with no code here.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use kdocs_client::runtime::{Operation, OperationSpec, OperationVisitor};
use kdocs_client::Client;
use serde_json::Value;

use crate::args::{Args, CommandError};

/// An answer being fetched.
type Answer<'a> = Pin<Box<dyn Future<Output = Result<Value, CommandError>> + 'a>>;

/// One operation as a command.
#[derive(Clone, Copy)]
pub struct OperationCommand {
    /// The operation's descriptor: name, method, path, auth, parameters, docs.
    pub spec: &'static OperationSpec,
    run: for<'a> fn(&'a Client, &'a mut Args) -> Answer<'a>,
}

impl std::fmt::Debug for OperationCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationCommand")
            .field("operation", &self.spec.name)
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
}

/// Collects the operations a generated `for_each_operation` visits.
struct Collect(Vec<OperationCommand>);

impl OperationVisitor for Collect {
    fn visit<O: Operation + 'static>(&mut self) {
        self.0.push(OperationCommand {
            spec: &O::SPEC,
            run: run::<O>,
        });
    }
}

fn run<'a, O: Operation + 'static>(client: &'a Client, args: &'a mut Args) -> Answer<'a> {
    Box::pin(async move {
        let request = O::from_params(args)?;
        let answer = client.execute(request).await?;
        serde_json::to_value(&answer).map_err(|e| CommandError::Invalid {
            name: "the answer".into(),
            reason: format!("is not JSON: {e}"),
        })
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
}
