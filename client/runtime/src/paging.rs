//! Paging: one loop for every list endpoint that pages.
//!
//! A spec declares `paging:` on a list endpoint whose page documents how it
//! pages, one of two ways:
//!
//! - `{offset, next, items}`: the request takes an integer `offset`, the
//!   answer gives the next one, `-1` when there is no more;
//! - `{cursor, next, items}`: the request takes a string cursor, the answer
//!   gives the next one and leaves it out (or empty) on the last page.
//!
//! The generated code implements [`Paged`] for the request type (where the
//! offset or cursor goes, where the next one and the items are) and adds a
//! `<operation>_pages` method to the client returning [`Pages`]; the loop is
//! written once, here:
//!
//! ```no_run
//! # use kdocs_runtime::{Client, Operation, Paged, Pages};
//! # async fn walk<O: Paged + Clone>(pages: Pages<'_, O>) -> Result<(), kdocs_runtime::Error>
//! # where O::Item: std::fmt::Debug {
//! let mut pages = pages;
//! while let Some(item) = pages.next_item().await {
//!     println!("{:?}", item?);
//! }
//! # Ok(()) }
//! ```
//!
//! A server that answers a next offset that does not advance (the same
//! offset again, or a smaller one), or a cursor the walk has seen before,
//! ends the walk instead of looping. One whose
//! offset advances for ever is stopped by a bound: at most
//! [`DEFAULT_MAX_PAGES`] pages unless [`Pages::with_max_pages`] says
//! otherwise, and no page without items whose next offset still moves on;
//! either ends the walk with [`Error::Paging`].

use std::collections::{HashSet, VecDeque};

use super::{CallContext, Client, Error, Operation};

/// The most pages a walk fetches unless told otherwise: 1,000 pages of the
/// pages' usual 30 to 100 items is more than any listing the pages describe,
/// and bounds what a server that never ends can make the client send.
pub const DEFAULT_MAX_PAGES: u32 = 1000;

/// Where in a list a request asks to start.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PagePosition {
    /// An integer offset (0 when the request sets none).
    Offset(i64),
    /// A cursor an answer handed back (empty when the request sets none).
    Cursor(String),
}

impl PagePosition {
    /// Whether a walk at `self` moves on by asking for `next`: a larger
    /// offset, or another cursor.
    pub fn advances_to(&self, next: &PagePosition) -> bool {
        match (self, next) {
            (PagePosition::Offset(now), PagePosition::Offset(next)) => next > now,
            (PagePosition::Cursor(now), PagePosition::Cursor(next)) => next != now,
            _ => false,
        }
    }
}

/// A request of an endpoint that pages by offset or by cursor. Implemented
/// by generated code.
pub trait Paged: Operation + Clone {
    /// What a page lists (the whole page when the spec names no items field).
    type Item;

    /// Where this request asks to start.
    fn position(&self) -> PagePosition;

    /// The request for the page after `page`: its next offset or cursor, and
    /// the values the spec carries over from the answer (`paging.carry`);
    /// `None` when `page` is the last (a negative next offset, no cursor) or
    /// the offset does not fit the parameter's type.
    fn next_request(&self, page: &Self::Output) -> Option<Self>;

    /// The items of a page.
    fn into_items(page: Self::Output) -> Vec<Self::Item>;

    /// Whether a page has no items. The default says no: an endpoint whose
    /// items the spec does not name has none to count.
    fn is_empty(page: &Self::Output) -> bool {
        let _ = page;
        false
    }
}

/// The pages of a list, one request at a time; from a generated
/// `<operation>_pages` method.
pub struct Pages<'a, O: Paged> {
    client: &'a Client,
    next: Option<O>,
    items: VecDeque<O::Item>,
    /// Pages fetched so far.
    fetched: u32,
    max_pages: u32,
    /// The cursors asked for so far (a cursor walk only).
    seen: HashSet<String>,
}

impl<'a, O: Paged> Pages<'a, O> {
    /// The pages of `request`, from its offset on.
    pub fn new(client: &'a Client, request: O) -> Self {
        Pages {
            client,
            next: Some(request),
            items: VecDeque::new(),
            fetched: 0,
            max_pages: DEFAULT_MAX_PAGES,
            seen: HashSet::new(),
        }
    }

    /// At most `max` pages ([`DEFAULT_MAX_PAGES`] by default): asking for one
    /// more ends the walk with [`Error::Paging`].
    pub fn with_max_pages(mut self, max: u32) -> Self {
        self.max_pages = max;
        self
    }

    /// The next page, or `None` after the last one (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<O::Output, Error>> {
        let request = self.next.take()?;
        if self.fetched >= self.max_pages {
            return Some(Err(self.stopped(
                "more pages than the walk's bound (Pages::with_max_pages)",
            )));
        }
        let page = match self.client.execute(request.clone()).await {
            Ok(page) => page,
            Err(error) => return Some(Err(error)),
        };
        self.fetched += 1;
        // A next offset that does not advance, or a cursor asked for before,
        // would ask for the same pages again, for ever: the walk ends there.
        let position = request.position();
        if let PagePosition::Cursor(cursor) = &position {
            self.seen.insert(cursor.clone());
        }
        let next = request.next_request(&page).filter(|next| {
            let next = next.position();
            position.advances_to(&next)
                && !matches!(&next, PagePosition::Cursor(c) if self.seen.contains(c))
        });
        if next.is_some() && O::is_empty(&page) {
            return Some(Err(self.stopped("a page without items gave a next offset")));
        }
        self.next = next;
        Some(Ok(page))
    }

    fn stopped(&self, reason: &'static str) -> Error {
        let spec = &O::SPEC;
        Error::Paging {
            context: CallContext {
                operation: spec.name,
                method: spec.method,
                path: spec.path,
            },
            pages: self.fetched,
            reason,
        }
    }

    /// The next item, fetching pages as needed; `None` after the last one.
    pub async fn next_item(&mut self) -> Option<Result<O::Item, Error>> {
        loop {
            if let Some(item) = self.items.pop_front() {
                return Some(Ok(item));
            }
            match self.next_page().await? {
                Ok(page) => self.items.extend(O::into_items(page)),
                Err(error) => return Some(Err(error)),
            }
        }
    }

    /// Every item of every page, or the first error.
    pub async fn collect_items(mut self) -> Result<Vec<O::Item>, Error> {
        let mut all = Vec::new();
        while let Some(item) = self.next_item().await {
            all.push(item?);
        }
        Ok(all)
    }

    /// The pages as a [`Stream`](futures_core::Stream), boxed and pinned so
    /// that a caller can poll it as it is (`while let Some(page) =
    /// pages.next().await` with `futures::StreamExt`):
    ///
    /// ```no_run
    /// # use kdocs_runtime::{Error, Paged, Pages};
    /// use futures_util::StreamExt;
    ///
    /// # async fn walk<O: Paged + Send + 'static>(pages: Pages<'_, O>) -> Result<(), Error>
    /// # where O::Item: Send, O::Output: std::fmt::Debug {
    /// let mut pages = pages.into_stream();
    /// while let Some(page) = pages.next().await {
    ///     println!("{:?}", page?);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn into_stream(self) -> PageStream<'a, O::Output>
    where
        O: Send + 'a,
        O::Item: Send + 'a,
    {
        Box::pin(futures_util::stream::unfold(self, |mut pages| async move {
            let page = pages.next_page().await?;
            Some((page, pages))
        }))
    }

    /// The items as a [`Stream`](futures_core::Stream), boxed and pinned as
    /// [`into_stream`](Self::into_stream)'s pages are.
    pub fn into_item_stream(self) -> PageStream<'a, O::Item>
    where
        O: Send + 'a,
        O::Item: Send + 'a,
    {
        Box::pin(futures_util::stream::unfold(self, |mut pages| async move {
            let item = pages.next_item().await?;
            Some((item, pages))
        }))
    }
}

/// A stream of pages or items ([`Pages::into_stream`],
/// [`Pages::into_item_stream`]): `Unpin`, so `StreamExt::next` takes it as
/// it is, and `Send`, so a spawned task can hold it.
pub type PageStream<'a, T> =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<T, Error>> + Send + 'a>>;

#[cfg(test)]
mod tests {
    use super::PagePosition::{Cursor, Offset};

    #[test]
    fn a_walk_moves_on_to_a_larger_offset_or_another_cursor() {
        assert!(Offset(0).advances_to(&Offset(20)));
        assert!(!Offset(20).advances_to(&Offset(20)));
        assert!(!Offset(20).advances_to(&Offset(5)));
        assert!(Cursor(String::new()).advances_to(&Cursor("c1".into())));
        assert!(!Cursor("c1".into()).advances_to(&Cursor("c1".into())));
        assert!(!Offset(0).advances_to(&Cursor("c1".into())));
    }
}
