//! `kdocs download`: a verified, streamed download of an app document, with
//! a progress bar on a terminal.

use std::io::Write;

use clap::{value_parser, Arg, ArgAction, Command, ValueHint};
use kdocs_client::DownloadProgress;

use crate::failure::Failure;
use crate::output::Printer;
use crate::settings::{self, Chain, Options};

/// `kdocs download`.
pub(crate) fn command() -> Command {
    let command = Command::new("download")
        .about("Download an app document, streamed and verified, to a file or stdout")
        .long_about(
            "Download an app document (get_download_url, then its URL), streamed and verified \
             against the API's checksum when it gives one. A file is replaced only once the \
             content is complete; with `--output -` the content goes to stdout and the report \
             to stderr. A progress bar is drawn on stderr when it is a terminal.",
        )
        .arg(
            Arg::new("file_token")
                .long("file-token")
                .value_name("FILE_TOKEN")
                .required(true)
                .help("The app document's file_token"),
        )
        .arg(
            Arg::new("output")
                .long("output")
                .short('o')
                .value_name("PATH")
                .value_hint(ValueHint::FilePath)
                .required(true)
                .help("The file to write, or `-` for stdout"),
        )
        .arg(
            Arg::new("max_bytes")
                .long("max-bytes")
                .value_name("BYTES")
                .value_parser(value_parser!(u64))
                .help("The largest content accepted (default 2 GiB)"),
        )
        .arg(
            Arg::new("require_checksum")
                .long("require-checksum")
                .action(ArgAction::SetTrue)
                .help("Fail when the API gives no checksum to verify against"),
        )
        .arg(crate::progress::arg());
    settings::with_options(command, Options::CallAndPrint)
}

/// A usable `-o`: not blank, and not an existing path that is not a regular
/// file (a folder, a device, a FIFO), which a download must never replace.
pub(crate) fn check_output(output: &str) -> Result<(), Failure> {
    if output.trim().is_empty() {
        return Err(Failure::usage(
            "`-o` is blank: give a file path, or `-` for standard output",
        ));
    }
    if output == "-" {
        return Ok(());
    }
    match std::fs::symlink_metadata(output) {
        Ok(meta) if !meta.file_type().is_file() => Err(Failure::usage(format!(
            "`-o {output}` exists and is not a regular file: it is not replaced"
        ))),
        _ => Ok(()),
    }
}

/// Runs `kdocs download`.
pub(crate) async fn run(chain: &Chain<'_>, out: &mut impl Write) -> Result<(), Failure> {
    let matches = chain.leaf();
    let file_token = crate::app::text(matches, "file_token").unwrap_or_default();
    // Read as given (not through `text`, which takes a blank value for none):
    // a blank `-o` is a mistake to report, not standard output.
    let output = matches
        .try_get_one::<String>("output")
        .ok()
        .flatten()
        .map_or("-", String::as_str);
    check_output(output)?;
    let printer = Printer::from_chain(chain)?;
    let settings = crate::app::prepare(chain, "download")?;
    let client = crate::app::client(&settings, true)?;
    let mut limits = *client.config().download_limits();
    if let Some(max) = matches.get_one::<u64>("max_bytes") {
        limits = limits.with_max_bytes(*max);
    }
    let bar = crate::progress::bar(matches.get_flag("no_progress"));
    let progress = bar.clone();
    let download = client
        .download(file_token)
        .limits(limits)
        .require_checksum(matches.get_flag("require_checksum"))
        .on_progress(move |p: DownloadProgress| crate::progress::show_download(&progress, p));
    let result = if output == "-" {
        download.to_writer(&mut tokio::io::stdout()).await
    } else {
        download.to_file(output).await
    };
    bar.finish_and_clear();
    let report = result.map_err(|e| Failure::from_download(&e))?;
    let summary = serde_json::json!({
        "file": output,
        "bytes": report.bytes,
        "md5": report.md5,
        "sha1": report.sha1,
        "verified": report.verified,
        "completeness": report.completeness.to_string(),
        "elapsed_ms": report.elapsed.as_millis() as u64,
    });
    if output == "-" {
        let _ = writeln!(std::io::stderr(), "{summary}");
        Ok(())
    } else {
        printer.print(&summary, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_is_a_file_or_standard_output() {
        assert!(check_output("-").is_ok());
        assert!(check_output("new-file.docx").is_ok());
        for blank in ["", "  "] {
            let failure = check_output(blank).unwrap_err();
            assert_eq!(failure.exit_code(), std::process::ExitCode::from(2));
        }
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_str().unwrap();
        let failure = check_output(folder).unwrap_err();
        assert!(
            failure.message().contains("not a regular file"),
            "{failure:?}"
        );
        let file = dir.path().join("existing.txt");
        std::fs::write(&file, "x").unwrap();
        assert!(check_output(file.to_str().unwrap()).is_ok());
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            assert!(
                check_output(link.to_str().unwrap()).is_err(),
                "a symlink is not replaced"
            );
        }
        assert!(check_output("/dev/null").is_err());
    }
}
