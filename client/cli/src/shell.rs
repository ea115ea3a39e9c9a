//! Shell quoting for `kdocs fake --export`.

/// `export NAME='value'` for a POSIX shell: the value in single quotes, each
/// `'` in it written as `'\''`.
pub fn export_line(name: &str, value: &str) -> String {
    format!("export {name}='{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_single_quoted() {
        assert_eq!(
            export_line("KDOCS_BASE_URL", "http://127.0.0.1:8470"),
            "export KDOCS_BASE_URL='http://127.0.0.1:8470'"
        );
        assert_eq!(
            export_line("A", "it's $HOME `x`"),
            r"export A='it'\''s $HOME `x`'"
        );
    }

    #[test]
    fn a_posix_shell_reads_the_value_back() {
        let value = "a'b\"c $d `e` \\f\ng";
        let script = format!("{}\nprintf %s \"$V\"", export_line("V", value));
        let output = std::process::Command::new("sh")
            .args(["-c", &script])
            .output()
            .expect("a POSIX sh");
        assert_eq!(String::from_utf8_lossy(&output.stdout), value);
    }
}
