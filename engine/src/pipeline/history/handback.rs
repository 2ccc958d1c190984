//! What staff hand back beside the ledgers: the files of a run directory's `returned/`
//! folder that are not ledgers (skipped with why and listed by kind), and the rows of
//! worked ledgers whose notes tie to no case.

use std::path::Path;

/// A row of a worked ledger that holds notes and ties to no case: neither its case number
/// nor its ID number (which a spreadsheet may have mangled) is a case of the previous run.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UntiedRow {
    /// The file (and sheet) and its row number there.
    pub file: String,
    pub line: u64,
    /// The row's case number, ID number and name as written.
    pub case_id: String,
    pub id_number: String,
    pub name: String,
    /// The staff's columns the row fills: `column: value`, joined by `; `.
    pub notes: String,
}

/// A file in a run directory's `returned/` folder that is not a ledger.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SkippedFile {
    pub file: String,
    pub why: String,
}

impl SkippedFile {
    /// The kind of file, for a log line or a report, which never show a file's name (staff
    /// name files after children): its extension, or `folder`.
    pub fn kind(&self) -> String {
        if self.why.starts_with("a folder") {
            return "folder".to_string();
        }
        // An extension as programs write them (txt, pdf, docx, 7z); anything else after a
        // dot (`家访记录.陈静`, `张三.530111…`) may name a child.
        let extension = Path::new(&self.file)
            .extension()
            .and_then(|e| e.to_str())
            .filter(|e| {
                (1..=5).contains(&e.len())
                    && e.bytes().all(|b| b.is_ascii_alphanumeric())
                    && !e.bytes().all(|b| b.is_ascii_digit())
            });
        extension.map_or_else(
            || "other".to_string(),
            |e| format!(".{}", e.to_ascii_lowercase()),
        )
    }

    /// The file as a pseudonymised run lists it: by its kind only.
    pub fn by_kind(&self) -> SkippedFile {
        let kind = self.kind();
        SkippedFile {
            file: match kind.strip_prefix('.') {
                Some(_) => format!("file{kind}"),
                None => kind,
            },
            why: self.why.clone(),
        }
    }
}

/// A header row of a ledger: it names the case number or the ID number.
pub fn is_ledger_header(cells: &[String]) -> bool {
    cells.iter().any(|c| c == "case_id" || c == "id_number")
}

#[cfg(test)]
mod tests {
    use super::SkippedFile;

    fn kind(file: &str, why: &str) -> String {
        SkippedFile {
            file: file.to_string(),
            why: why.to_string(),
        }
        .kind()
    }

    #[test]
    fn a_skipped_file_s_kind_never_carries_a_name_or_a_number() {
        assert_eq!(kind("returned/说明.TXT", "no sheet"), ".txt");
        assert_eq!(kind("returned/scan.pdf", "not a workbook"), ".pdf");
        assert_eq!(kind("returned/家访记录.陈静", "x"), "other");
        assert_eq!(kind("returned/张三.530111201401011234", "x"), "other");
        assert_eq!(kind("returned/notes", "x"), "other");
        assert_eq!(kind("returned/五华区", "a folder: put …"), "folder");
        let by_kind = |file: &str| {
            SkippedFile {
                file: file.to_string(),
                why: "x".to_string(),
            }
            .by_kind()
        };
        assert_eq!(by_kind("returned/陈静.txt").file, "file.txt");
        assert_eq!(by_kind("returned/陈静.txt").kind(), ".txt");
        assert_eq!(by_kind("returned/张三.530111201401011234").file, "other");
        assert_eq!(by_kind("returned/张三.530111201401011234").kind(), "other");
    }
}
