//! What the hub's command groups share when they read the database and print a listing:
//! opening the store as the running hub does, and one row a line with its cells separated
//! by tabs, so `cut -f`, `sort -t` and a spreadsheet's paste split the columns alike.

use std::fmt::Display;

use crate::app::OpenError;
use crate::config::HubConfig;
use crate::store::Store;

/// The hub's store, checked as the running hub opens it (each group's error takes the
/// failure with `?`).
pub(super) fn open(config: &HubConfig) -> Result<Store, OpenError> {
    crate::app::open_store(&config.data_dir)
}

/// One row of a listing: `cells` separated by tabs.
pub(super) fn row(cells: &[&dyn Display]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push('\t');
        }
        line.push_str(&cell.to_string());
    }
    line
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_row_separates_its_cells_with_tabs_and_nothing_else() {
        assert_eq!(
            super::row(&[&"LC-001", &3, &"Cầu treo bị gãy"]),
            "LC-001\t3\tCầu treo bị gãy"
        );
        assert_eq!(super::row(&[]), "");
    }
}
