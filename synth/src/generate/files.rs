//! The files one generated province is written to: its registers (CSV or Parquet) and its
//! truth (UTF-8 CSV). In a generated country some of them are shared — another province's
//! migrant children write their student records into this province's students file and
//! their registry-only facts into its truth — and the rows a migrant child's truth holds
//! are caught ([`Sinks::capture`]) to be told apart by the province that sees them.

use std::collections::{BTreeMap, HashMap};

use super::GenerateOptions;
use super::Headers;
use super::sink::{CsvSink, DataSink, ParquetSink};
use sanku::ground::schema::SourceKind;
use sanku::pipeline::load::encoding::Encoding;

/// A truth file: rows go to the file, or are caught while a capture is on.
pub struct Fact {
    name: &'static str,
    sink: CsvSink,
    captured: Option<Vec<Vec<String>>>,
}

impl Fact {
    pub fn create(
        o: &GenerateOptions,
        name: &'static str,
        header: &[&str],
    ) -> anyhow::Result<Fact> {
        Ok(Fact {
            name,
            sink: CsvSink::create(&o.out.join("truth"), name, Encoding::Utf8, header)?,
            captured: None,
        })
    }

    /// Writes one row, or keeps it while a capture is on.
    pub fn row(&mut self, fields: &[&str]) -> anyhow::Result<()> {
        match &mut self.captured {
            Some(rows) => {
                rows.push(fields.iter().map(|f| f.to_string()).collect());
                Ok(())
            }
            None => self.sink.row(fields),
        }
    }

    pub fn finish(self) -> anyhow::Result<()> {
        self.sink.finish()
    }
}

/// A row kept as strings, as the sinks take it.
pub fn cells(row: &[String]) -> Vec<&str> {
    row.iter().map(String::as_str).collect()
}

/// The header of a register in the chosen language.
fn headers(source: SourceKind, language: Headers) -> Vec<&'static str> {
    source
        .fields()
        .iter()
        .map(|(f, _)| match language {
            Headers::English => f.key(),
            Headers::Chinese => f
                .default_headers(source)
                .first()
                .copied()
                .unwrap_or(f.key()),
        })
        .collect()
}

/// A register file of `source` in `o.out`.
fn data(o: &GenerateOptions, source: SourceKind) -> anyhow::Result<DataSink> {
    let header = headers(source, o.headers);
    Ok(if o.parquet {
        DataSink::Parquet(Box::new(ParquetSink::create(
            &o.out,
            &format!("{}.parquet", source.key()),
            &header,
        )?))
    } else {
        DataSink::Csv(Box::new(CsvSink::create(
            &o.out,
            &format!("{}.csv", source.key()),
            o.encoding,
            &header,
        )?))
    })
}

/// The files of a province of a generated country that other provinces write to as well,
/// open until every province is written.
pub struct Shared {
    pub students: DataSink,
    pub registry_only: Fact,
    /// truth/migrants.csv: the children who cross this province's border, either way.
    pub migrants: CsvSink,
}

/// The columns of truth/migrants.csv.
pub const MIGRANT_COLUMNS: [&str; 5] = [
    "id_number",
    "home_province",
    "study_province",
    "student_no",
    "moved",
];

impl Shared {
    pub fn create(o: &GenerateOptions) -> anyhow::Result<Shared> {
        Ok(Shared {
            students: data(o, SourceKind::Students)?,
            registry_only: registry_only(o)?,
            migrants: CsvSink::create(
                &o.out.join("truth"),
                "migrants.csv",
                Encoding::Utf8,
                &MIGRANT_COLUMNS,
            )?,
        })
    }

    pub fn finish(self) -> anyhow::Result<()> {
        self.students.finish()?;
        self.registry_only.finish()?;
        self.migrants.finish()
    }
}

fn registry_only(o: &GenerateOptions) -> anyhow::Result<Fact> {
    Fact::create(o, "registry_only.csv", &["student_no", "kind"])
}

/// How the truths of a country's provinces differ from the national one: rows only the
/// national truth holds, and rows of a province's truth it leaves out (counted, since two
/// provinces may hold the same row).
#[derive(Debug, Default)]
pub struct Routed {
    pub national: BTreeMap<&'static str, Vec<Vec<String>>>,
    pub provincial: HashMap<(&'static str, Vec<String>), usize>,
}

impl Routed {
    /// A row of the national truth only.
    pub fn national(&mut self, file: &'static str, row: Vec<String>) {
        self.national.entry(file).or_default().push(row);
    }

    /// A row written to a province's truth that the national truth leaves out.
    pub fn provincial(&mut self, file: &'static str, row: Vec<String>) {
        *self.provincial.entry((file, row)).or_insert(0) += 1;
    }
}

/// A province of a generated country: its own files that others write to, the shared
/// files of the other provinces (its own entry empty), and the truth's routing.
pub struct CountrySinks {
    pub migrants: CsvSink,
    /// truth/ledger.csv: the ledger a perfect run would write (its run-specific columns
    /// empty).
    pub ledger: CsvSink,
    pub others: Vec<Option<Shared>>,
    pub routed: Routed,
}

/// What a province of a country hands on once its own files are written: its shared
/// files, the other provinces' and the truth's routing.
pub struct Handover {
    pub own: Shared,
    pub others: Vec<Option<Shared>>,
    pub routed: Routed,
}

/// All open output files of one province.
pub struct Sinks {
    pub population: DataSink,
    pub students: DataSink,
    pub poverty: DataSink,
    pub exemptions: DataSink,
    pub disability: DataSink,
    pub aid: DataSink,
    pub dropouts: Fact,
    pub student_links: Fact,
    pub poverty_links: Fact,
    pub errors: Fact,
    pub duplicates: Fact,
    pub registry_only: Fact,
    pub exemption_truth: Fact,
    pub conflicts: Fact,
    pub poverty_unmatched: Fact,
    pub exemptions_unmatched: Fact,
    pub disabled: Fact,
    pub aided: Fact,
    pub poor_enrolled_without_aid: Fact,
    pub aid_unmatched: Fact,
    pub risk: Fact,
    pub country: Option<Box<CountrySinks>>,
}

impl Sinks {
    /// The files of a single province.
    pub fn create(o: &GenerateOptions) -> anyhow::Result<Sinks> {
        let students = data(o, SourceKind::Students)?;
        Sinks::with(o, students, None)
    }

    /// The files of province `own` of a country: `shared` holds every province's shared
    /// files (its own are taken out).
    pub fn create_province(
        o: &GenerateOptions,
        own: usize,
        mut shared: Vec<Option<Shared>>,
        routed: Routed,
    ) -> anyhow::Result<Sinks> {
        let mine = shared[own].take().expect("a province's files, once");
        let ledger = sanku::rundir::ledger::column_names();
        let country = CountrySinks {
            migrants: mine.migrants,
            ledger: CsvSink::create(&o.out.join("truth"), "ledger.csv", Encoding::Utf8, &ledger)?,
            others: shared,
            routed,
        };
        let mut sinks = Sinks::with(o, mine.students, Some(mine.registry_only))?;
        sinks.country = Some(Box::new(country));
        Ok(sinks)
    }

    fn with(
        o: &GenerateOptions,
        students: DataSink,
        registry: Option<Fact>,
    ) -> anyhow::Result<Sinks> {
        let fact = |name: &'static str, header: &[&str]| Fact::create(o, name, header);
        Ok(Sinks {
            population: data(o, SourceKind::Population)?,
            students,
            poverty: data(o, SourceKind::Poverty)?,
            exemptions: data(o, SourceKind::Exemptions)?,
            disability: data(o, SourceKind::Disability)?,
            aid: data(o, SourceKind::Aid)?,
            dropouts: fact("dropouts.csv", &["id_number", "poor", "reason"])?,
            student_links: fact("student_links.csv", &["population_id", "student_no"])?,
            poverty_links: fact("poverty_links.csv", &["population_id", "record_key"])?,
            errors: fact(
                "errors.csv",
                &["source", "record_key", "population_id", "kind"],
            )?,
            duplicates: fact("duplicates.csv", &["population_id", "student_no", "kind"])?,
            registry_only: match registry {
                Some(r) => r,
                None => registry_only(o)?,
            },
            exemption_truth: fact("exemptions.csv", &["id_number", "valid"])?,
            conflicts: fact("conflicts.csv", &["population_id", "register", "field"])?,
            poverty_unmatched: fact("poverty_unmatched.csv", &["record_key", "kind"])?,
            exemptions_unmatched: fact("exemptions_unmatched.csv", &["id_number"])?,
            disabled: fact("disabled.csv", &["id_number", "category", "level"])?,
            aided: fact("aided.csv", &["id_number"])?,
            poor_enrolled_without_aid: fact("poor_enrolled_without_aid.csv", &["id_number"])?,
            aid_unmatched: fact("aid_unmatched.csv", &["id_number"])?,
            risk: fact("risk.csv", &["id_number", "factor"])?,
            country: None,
        })
    }

    /// Every truth file, in a fixed order.
    fn facts(&mut self) -> [&mut Fact; 15] {
        [
            &mut self.dropouts,
            &mut self.student_links,
            &mut self.poverty_links,
            &mut self.errors,
            &mut self.duplicates,
            &mut self.registry_only,
            &mut self.exemption_truth,
            &mut self.conflicts,
            &mut self.poverty_unmatched,
            &mut self.exemptions_unmatched,
            &mut self.disabled,
            &mut self.aided,
            &mut self.poor_enrolled_without_aid,
            &mut self.aid_unmatched,
            &mut self.risk,
        ]
    }

    /// The names of the truth files every province writes (the country's add
    /// migrants.csv and ledger.csv).
    pub fn fact_names(&mut self) -> Vec<&'static str> {
        self.facts().iter().map(|f| f.name).collect()
    }

    /// The truth file named `name`.
    pub fn fact(&mut self, name: &str) -> &mut Fact {
        self.facts()
            .into_iter()
            .find(|f| f.name == name)
            .expect("a truth file of the generator")
    }

    /// From now on truth rows are kept, not written.
    pub fn capture(&mut self) {
        for fact in self.facts() {
            fact.captured = Some(Vec::new());
        }
    }

    /// Ends a capture: the rows kept, by file, in the order of the files and of writing.
    pub fn release(&mut self) -> Vec<(&'static str, Vec<String>)> {
        let mut rows = Vec::new();
        for fact in self.facts() {
            let name = fact.name;
            rows.extend(
                fact.captured
                    .take()
                    .into_iter()
                    .flatten()
                    .map(|row| (name, row)),
            );
        }
        rows
    }

    /// Flushes and puts every file in place. A province of a country keeps its shared
    /// files open and returns them, with the other provinces' and the routing.
    pub fn finish(self) -> anyhow::Result<Option<Handover>> {
        let Sinks {
            population,
            mut students,
            poverty,
            exemptions,
            disability,
            aid,
            country,
            ..
        } = self;
        let facts = [
            self.dropouts,
            self.student_links,
            self.poverty_links,
            self.errors,
            self.duplicates,
            self.exemption_truth,
            self.conflicts,
            self.poverty_unmatched,
            self.exemptions_unmatched,
            self.disabled,
            self.aided,
            self.poor_enrolled_without_aid,
            self.aid_unmatched,
            self.risk,
        ];
        for sink in [population, poverty, exemptions, disability, aid] {
            sink.finish()?;
        }
        for fact in facts {
            fact.finish()?;
        }
        match country {
            None => {
                students.finish()?;
                self.registry_only.finish()?;
                Ok(None)
            }
            Some(country) => {
                let CountrySinks {
                    migrants,
                    ledger,
                    others,
                    routed,
                } = *country;
                ledger.finish()?;
                // Nothing of this province's own comes any more: only migrants' rows wait.
                students.end_group()?;
                let own = Shared {
                    students,
                    registry_only: self.registry_only,
                    migrants,
                };
                Ok(Some(Handover {
                    own,
                    others,
                    routed,
                }))
            }
        }
    }
}
