//! `phonghop generate man|completions DIR` (hidden): the manual pages and shell completions
//! the Debian package ships, made from the same clap definitions as `--help` at package time,
//! so they can never describe flags the binary no longer has.

use std::path::{Path, PathBuf};

use clap::{CommandFactory, Subcommand};
use clap_complete::Shell;

use super::Cli;

/// The shells whose completion files the package installs.
const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Write phonghop.1 and one page per visible subcommand (phonghop-hub.1, ...) into DIR.
    Man { dir: PathBuf },
    /// Write bash (phonghop.bash), zsh (_phonghop) and fish (phonghop.fish) completions into DIR.
    Completions { dir: PathBuf },
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("writing into {}: {source} (the directory must exist and be writable)", dir.display())]
    Write {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes the requested files and prints each path, one per line.
pub fn run(command: GenerateCommand) -> Result<(), GenerateError> {
    let written = match command {
        GenerateCommand::Man { dir } => man_pages(&dir)?,
        GenerateCommand::Completions { dir } => completions(&dir)?,
    };
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}

/// Every visible command gets its own page, as `git help` readers expect (`man phonghop-hub`).
pub fn man_pages(dir: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    let write_error = |source| GenerateError::Write {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write_error)?;
    clap_mangen::generate_to(Cli::command(), dir).map_err(write_error)?;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(write_error)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "1"))
        .collect();
    pages.sort();
    Ok(pages)
}

pub fn completions(dir: &Path) -> Result<Vec<PathBuf>, GenerateError> {
    let write_error = |source| GenerateError::Write {
        dir: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(write_error)?;
    let mut command = Cli::command();
    SHELLS
        .into_iter()
        .map(|shell| clap_complete::generate_to(shell, &mut command, "phonghop", dir))
        .collect::<Result<Vec<_>, _>>()
        .map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_cover_every_visible_command_and_no_hidden_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pages = man_pages(dir.path()).expect("man pages");
        let names: Vec<String> = pages
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        for expected in ["phonghop.1", "phonghop-hub.1", "phonghop-room-setup.1"] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
        assert!(
            !names.iter().any(|n| n.contains("generate")),
            "hidden command documented: {names:?}"
        );
        let top = std::fs::read_to_string(dir.path().join("phonghop.1")).expect("read");
        assert!(top.contains("check\\-config"), "{top}");
    }

    #[test]
    fn completions_name_the_subcommands_for_each_shell() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = completions(dir.path()).expect("completions");
        assert_eq!(files.len(), SHELLS.len());
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read");
            assert!(text.contains("check-config"), "{}", file.display());
        }
    }
}
