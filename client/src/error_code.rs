//! The service's error code, typed: [`ErrorCode`](crate::ErrorCode) read
//! from the runtime's errors.

use crate::runtime::{ApiError, Error};
use crate::ErrorCode;

/// `error_code()` on the runtime's errors: the envelope's `code` as a typed
/// [`ErrorCode`], from the `api-spec/errors.yaml` table (`Unknown(code)` for
/// other codes).
///
/// ```
/// use kdocs_client::{Error, ErrorCode, ErrorCodeExt};
///
/// fn advice(error: &Error) -> String {
///     match error.error_code() {
///         Some(ErrorCode::InvalidArgument) => "a parameter was refused".to_owned(),
///         // `ErrorCode` is `#[non_exhaustive]`: keep a wildcard arm.
///         Some(code) => format!("kdocs said {}", code.code()),
///         None => error.to_string(),
///     }
/// }
///
/// let error = Error::Config("the app key is empty".to_owned());
/// assert_eq!(error.error_code(), None);
/// assert_eq!(advice(&error), "kdocs client configuration: the app key is empty");
/// ```
pub trait ErrorCodeExt {
    /// What the code is read as: an [`ErrorCode`] for an [`ApiError`], an
    /// `Option` of one for an [`Error`] (`None` unless it is an error envelope).
    type Code;

    /// The service's error code, typed.
    fn error_code(&self) -> Self::Code;
}

impl ErrorCodeExt for ApiError {
    type Code = ErrorCode;

    fn error_code(&self) -> ErrorCode {
        ErrorCode::from_code(self.code)
    }
}

impl ErrorCodeExt for Error {
    type Code = Option<ErrorCode>;

    fn error_code(&self) -> Option<ErrorCode> {
        self.api().map(ErrorCodeExt::error_code)
    }
}
